// written once by sails-rt generate model; yours to edit (then run `sails-rt generate`)
import { defineModel } from 'sails-rt';

/** Ticket: served at /ticket by the blueprints, published to sockets as 'ticket'. */
export default defineModel({
  attributes: {
    priority: { type: 'string', isIn: ['low', 'normal', 'high'], required: true },
    status: { type: 'string', isIn: ['open', 'closed'], defaultsTo: 'open' },
    level: { type: 'number', isIn: [1, 2, 3] },
    assignee: { type: 'string', allowNull: true },
    estimate: { type: 'number', allowNull: true, defaultsTo: null },
    resolved: { type: 'boolean', allowNull: true },
    note: { type: 'string', isIn: ['it\'s', 'quoted "text"'], allowNull: true },
  },
});
