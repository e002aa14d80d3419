// written once by sails-rt generate model; yours to edit
import { defineController } from 'sails-rt';

/**
 * Actions of Tag. The blueprints already serve find, findOne, create, update and
 * destroy at /tag (see generated/routes.ts); an action of the same name here overrides
 * that blueprint, and any other action is reached through a route in config/routes.ts.
 */
export default defineController({});
