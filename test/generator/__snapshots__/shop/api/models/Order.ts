// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** Order: served at /order by the blueprints, published to sockets as 'order'. */
export default defineModel({
  attributes: {
    reference: { type: 'string', required: true, unique: true },
    status: { type: 'string', isIn: ['pending', 'paid', 'shipped', 'cancelled'], defaultsTo: 'pending' },
    total: { type: 'number', min: 0, defaultsTo: 0 },
    paidAt: { type: 'number', allowNull: true },
    customer: { model: 'customer' },
    shippingAddress: { model: 'address' },
    lines: { collection: 'orderline', via: 'order' },
  },
});
