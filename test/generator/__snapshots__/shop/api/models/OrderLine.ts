// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** OrderLine: served at /orderline by the blueprints, published to sockets as 'orderline'. */
export default defineModel({
  attributes: {
    quantity: { type: 'number', required: true, min: 1 },
    unitPrice: { type: 'number', required: true, min: 0 },
    order: { model: 'order' },
    product: { model: 'product' },
  },
});
