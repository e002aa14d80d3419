// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** Address: served at /address by the blueprints, published to sockets as 'address'. */
export default defineModel({
  attributes: {
    line1: { type: 'string', required: true },
    city: { type: 'string', required: true },
    postcode: { type: 'string', maxLength: 10 },
    country: { type: 'string', isIn: ['FR', 'DE', 'GB', 'US'], defaultsTo: 'FR' },
    customer: { model: 'customer' },
  },
});
