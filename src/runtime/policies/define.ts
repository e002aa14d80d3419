import type { Req, Res } from '../pipeline/index.js';

/**
 * A policy, Sails' shape: call `proceed()` to let the request through, or answer through `res`
 * to end it. An async policy may also just resolve to let it through; a throw is a 500 (a
 * catalogued SailsRtError keeps its status). Values for the action go on `req.locals`.
 */
export type Policy = (req: Req, res: Res, proceed: (error?: unknown) => void) => unknown;

/**
 * Types a policy's arguments; returns it unchanged.
 *
 * @example
 * export default definePolicy(async (req, res) => {
 *   if (req.session['userId'] === undefined) return res.forbidden();
 *   req.locals['me'] = req.session['userId'];
 * });
 */
export function definePolicy(policy: Policy): Policy {
  return policy;
}
