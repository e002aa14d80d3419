// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** Tag: served at /tag by the blueprints, published to sockets as 'tag'. */
export default defineModel({
  attributes: {
    label: { type: 'string', required: true, unique: true, maxLength: 32 },
    products: { collection: 'product', via: 'tags' },
  },
});
