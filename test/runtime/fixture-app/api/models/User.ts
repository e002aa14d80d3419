import { defineModel } from 'sails-rt';

export default defineModel({
  attributes: {
    name: { type: 'string', required: true },
    email: { type: 'string', isEmail: true },
    age: { type: 'number' },
  },
});
