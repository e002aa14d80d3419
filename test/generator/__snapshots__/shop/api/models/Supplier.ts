// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** Supplier: served at /supplier by the blueprints, published to sockets as 'supplier'. */
export default defineModel({
  attributes: {
    name: { type: 'string', required: true, unique: true },
    email: { type: 'string', isEmail: true },
    products: { collection: 'product', via: 'supplier' },
  },
});
