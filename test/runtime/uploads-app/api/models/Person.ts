import { defineModel } from 'sails-rt';

/** One attribute of each type, and links both ways, for test/runtime/bodies.test.ts. */
export default defineModel({
  attributes: {
    name: { type: 'string', required: true },
    age: { type: 'number' },
    active: { type: 'boolean' },
    meta: { type: 'json' },
    pets: { collection: 'pet', via: 'owner' },
  },
});
