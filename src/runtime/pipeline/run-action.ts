import createDebug from 'debug';
import { isSailsRtError } from '../errors.js';
import type { Req } from './request.js';
import type { Res } from './response.js';

const debug = createDebug('sails-rt:pipeline');

/**
 * An action: answers through `res`, or returns a value (or a promise of one) that is sent as
 * JSON with status 200. A throw becomes a 500 (a catalogued SailsRtError keeps its status).
 */
export type Action = (req: Req, res: Res) => unknown | Promise<unknown>;

/** Runs one action and makes sure a thrown error or a returned value becomes the response. */
export function runAction(action: Action, req: Req, res: Res): void {
  let result: unknown;
  try {
    result = action(req, res);
  } catch (error) {
    fail(req, res, error);
    return;
  }
  if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
    // Promise.resolve: a thenable whose then() throws becomes a rejection, not a crash.
    Promise.resolve(result as PromiseLike<unknown>).then(
      (value) => settle(res, value),
      (error: unknown) => fail(req, res, error),
    );
  } else {
    settle(res, result);
  }
}

function settle(res: Res, value: unknown): void {
  // undefined, or res itself (`return res.status(202)`, Express style): the action answers (or
  // will answer) through res.
  if (value !== undefined && value !== res && !res.sent) res.json(value);
}

function fail(req: Req, res: Res, error: unknown): void {
  if (res.sent) {
    if (debug.enabled) debug('%s %s threw after responding: %O', req.method, req.url, error);
    return;
  }
  if (isSailsRtError(error)) {
    res.status(error.status).json(error.toJSON());
    return;
  }
  if (debug.enabled) debug('%s %s failed: %O', req.method, req.url, error);
  res.serverError(error instanceof Error ? error : new Error(describeThrown(error)));
}

/** Any thrown value as text; String() itself throws for an object without a prototype. */
function describeThrown(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
