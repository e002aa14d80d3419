// written once by sails-rt generate model; yours to edit
import { defineController } from 'sails-rt';

/**
 * Actions of Tag. The blueprints already serve find, findOne, create, update and
 * destroy at /tag (see generated/routes.ts); an action of the same name here overrides
 * that blueprint, and any other action is reached through a route in config/routes.ts.
 *
 * In an action, reach the model as in Sails through `sails.models.tag` (import { sails }
 * from 'sails-rt'; typed by generated/models-api.ts), e.g.
 *   await sails.models.tag.find({ where: { id: { '>': 0 } }, limit: 10 });
 *   await sails.models.tag.updateOne({ id }).set({ ... }).meta({ req });
 * Its writes publish to subscribed sockets as the blueprints do; `.meta({ req })` leaves the
 * requesting socket out, `.meta({ publish: false })` tells nobody.
 */
export default defineController({});
