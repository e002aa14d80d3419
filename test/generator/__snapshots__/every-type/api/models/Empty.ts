// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** Empty: served at /empty by the blueprints, published to sockets as 'empty'. */
export default defineModel({
  attributes: {},
});
