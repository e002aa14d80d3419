// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** Review: served at /review by the blueprints, published to sockets as 'review'. */
export default defineModel({
  attributes: {
    rating: { type: 'number', required: true, min: 1, max: 5 },
    body: { type: 'string', maxLength: 2000 },
    product: { model: 'product' },
    author: { model: 'customer' },
  },
});
