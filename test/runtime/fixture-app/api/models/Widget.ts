import { defineModel } from 'sails-rt';

/** Its controller replaces the findOne blueprint. */
export default defineModel({
  attributes: {
    label: { type: 'string' },
  },
});
