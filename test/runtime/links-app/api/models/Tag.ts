import { defineModel } from 'sails-rt';

// tag{label! unique, users:[user via tags]}
export default defineModel({
  attributes: {
    label: { type: 'string', required: true, unique: true },
    users: { collection: 'user', via: 'tags' },
  },
});
