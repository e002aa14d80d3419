// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** User: served at /user by the blueprints, published to sockets as 'user'. */
export default defineModel({
  attributes: {
    name: { type: 'string', required: true },
    age: { type: 'number' },
    pets: { collection: 'pet', via: 'owner' },
    tags: { collection: 'tag', via: 'users' },
  },
});
