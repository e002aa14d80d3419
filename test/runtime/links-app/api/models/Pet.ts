import { defineModel } from 'sails-rt';

// pet{name, owner:->user}
export default defineModel({
  attributes: {
    name: { type: 'string' },
    owner: { model: 'user' },
  },
});
