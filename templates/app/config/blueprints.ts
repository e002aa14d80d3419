// written once by sails-rt new; yours to edit
import type { BlueprintsConfig } from 'sails-rt';

/**
 * The routes every model gets for free (find, findOne, create, update, destroy), with Sails'
 * names and defaults. generated/routes.ts lists them, with what each one subscribes to.
 */
export const blueprints: BlueprintsConfig = {
  /** REST routes such as GET /user and PATCH /user/:id. */
  rest: true,
  /** Put every blueprint route under a prefix, e.g. '/api'. */
  prefix: '',
  /** A further prefix for the REST routes only. */
  restPrefix: '',
  /** find also subscribes the requesting socket to new records of the model. */
  autoWatch: true,
  /** The requesting socket also gets its own created/updated/destroyed messages. */
  mirror: false,
};
