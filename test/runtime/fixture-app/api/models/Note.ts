import { defineModel } from 'sails-rt';

/** Every attribute type and option, for the store tests. */
export default defineModel({
  attributes: {
    title: { type: 'string', unique: true, required: true },
    done: { type: 'boolean' },
    meta: { type: 'json' },
    score: { type: 'number', defaultsTo: 5 },
    nick: { type: 'string', allowNull: true },
    kind: { type: 'string', isIn: ['a', 'b'], defaultsTo: 'a' },
  },
});
