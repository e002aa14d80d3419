// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** Product: served at /product by the blueprints, published to sockets as 'product'. */
export default defineModel({
  attributes: {
    title: { type: 'string', required: true, minLength: 3, maxLength: 80 },
    sku: { type: 'string', unique: true, maxLength: 12 },
    price: { type: 'number', required: true, min: 0, max: 10000 },
    stock: { type: 'number', unique: true, min: 1 },
    inStock: { type: 'boolean', defaultsTo: true },
    featured: { type: 'boolean', required: true },
    details: { type: 'json' },
    specs: { type: 'json', required: true },
    contact: { type: 'string', isEmail: true, defaultsTo: 'shop@example.com' },
  },
});
