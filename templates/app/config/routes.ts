// written once by sails-rt new; yours to edit
import type { RoutesConfig } from 'sails-rt';

/**
 * Custom routes, matched before the blueprint routes of the models (generated/routes.ts).
 * A target is 'Controller.action', e.g. 'GET /user/:id/report': 'UserController.report'.
 */
export const routes: RoutesConfig = {};
