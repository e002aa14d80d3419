// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** Customer: served at /customer by the blueprints, published to sockets as 'customer'. */
export default defineModel({
  attributes: {
    name: { type: 'string', required: true },
    email: { type: 'string', required: true, unique: true, isEmail: true },
    phone: { type: 'string', allowNull: true },
    addresses: { collection: 'address', via: 'customer' },
    orders: { collection: 'order', via: 'customer' },
    reviews: { collection: 'review', via: 'author' },
  },
});
