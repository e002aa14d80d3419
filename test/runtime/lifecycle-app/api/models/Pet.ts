import { defineModel } from 'sails-rt';

// pet{name, chip, owner:->user}: the chip number stays on the server, also when populated into a user.
export default defineModel({
  attributes: {
    name: { type: 'string' },
    chip: { type: 'string' },
    owner: { model: 'user' },
  },

  customToJSON() {
    const { chip: _chip, ...rest } = this;
    return rest;
  },
});
