// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** Pet: served at /pet by the blueprints, published to sockets as 'pet'. */
export default defineModel({
  attributes: {
    name: { type: 'string' },
    owner: { model: 'user' },
  },
});
