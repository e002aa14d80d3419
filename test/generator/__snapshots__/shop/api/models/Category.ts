// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** Category: served at /category by the blueprints, published to sockets as 'category'. */
export default defineModel({
  attributes: {
    name: { type: 'string', required: true },
    slug: { type: 'string', required: true, unique: true, minLength: 2, maxLength: 40 },
    products: { collection: 'product', via: 'categories' },
  },
});
