// written once by sails-rt new; yours to edit
import type { PoliciesConfig } from 'sails-rt';

/**
 * Which policies (api/policies/<name>.ts, made by `sails-rt generate policy <name>`) run before
 * which actions, in Sails' shape: `'*'` is the default, `true` lets requests through, `false`
 * answers 403, and a name or an array of names runs those policies in order. A controller entry
 * also covers the blueprint actions of the model of that name.
 */
export const policies: PoliciesConfig = {
  '*': true,
  // UserController: { '*': 'isLoggedIn', find: true },
  // SayController: { hello: ['isLoggedIn', 'isAdmin'] },
};
