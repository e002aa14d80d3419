import { defineModel } from 'sails-rt';

export default defineModel({
  attributes: {
    name: { type: 'string' },
    owner: { model: 'person' },
  },
});
