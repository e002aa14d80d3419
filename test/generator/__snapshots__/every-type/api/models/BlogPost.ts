// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** BlogPost: served at /blogpost by the blueprints, published to sockets as 'blogpost'. */
export default defineModel({
  attributes: {
    headline: { type: 'string', required: true },
    body: { type: 'string', defaultsTo: '' },
    rating: { type: 'number', max: -1 },
  },
});
