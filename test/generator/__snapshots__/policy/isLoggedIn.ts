// written once by sails-rt generate policy; yours to edit
import { definePolicy, type ErrorBody } from 'sails-rt';

/**
 * The policy "isLoggedIn": lets a request through when its session has a `userId` (set it in
 * your login action, `req.session.userId = user.id`, and delete it to log out); otherwise it
 * answers 403 with the error catalog's JSON shape, over HTTP and sockets alike.
 *
 * Map it to actions in config/policies.ts, e.g.
 *   UserController: { '*': 'isLoggedIn', find: true },
 * To hand a value to the action, put it on `req.locals`.
 */
export default definePolicy((req, res, proceed) => {
  if (req.session.userId === undefined) {
    return res.forbidden({ code: 'E_FORBIDDEN', message: 'You must be logged in to do this; log in, then try again.' } satisfies ErrorBody);
  }
  return proceed();
});
