import type { Action } from '../pipeline/index.js';

/**
 * Declares a controller. At run time it returns its argument; its job is to type each action's
 * `req` and `res`.
 *
 * @example
 * export default defineController({
 *   hello(req, res) { return res.json({ hi: req.param('name') }); },
 * });
 */
export function defineController<T extends Record<string, Action>>(actions: T): T {
  return actions;
}
