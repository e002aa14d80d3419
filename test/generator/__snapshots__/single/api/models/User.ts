// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** User: served at /user by the blueprints, published to sockets as 'user'. */
export default defineModel({
  attributes: {
    name: { type: 'string', required: true },
    email: { type: 'string', isEmail: true, unique: true },
    age: { type: 'number' },
  },
});
