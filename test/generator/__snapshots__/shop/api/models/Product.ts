// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** Product: served at /product by the blueprints, published to sockets as 'product'. */
export default defineModel({
  attributes: {
    name: { type: 'string', required: true },
    sku: { type: 'string', required: true, unique: true },
    price: { type: 'number', required: true, min: 0 },
    stock: { type: 'number', min: 0, defaultsTo: 0 },
    active: { type: 'boolean', defaultsTo: true },
    specs: { type: 'json' },
    supplier: { model: 'supplier' },
    categories: { collection: 'category', via: 'products' },
    tags: { collection: 'tag', via: 'products' },
    reviews: { collection: 'review', via: 'product' },
  },
});
