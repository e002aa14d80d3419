/**
 * Who may open a socket: `sockets.onlyAllowOrigins` (exact Origin match, docs/protocol.md 1.3) and
 * `sockets.beforeConnect(handshake)`, both through socket.io's `allowRequest`, so a refused
 * client never gets a connection.
 */
import type { IncomingMessage } from 'node:http';
import createDebug from 'debug';
import type { ServerOptions } from 'socket.io';
import { LiftError, refuseSetting } from '../errors.js';

const debug = createDebug('sails-rt:sockets');

/**
 * Decides whether a socket may connect: sync (`=> boolean`), async (`=> Promise<boolean>`) or
 * Sails' callback form `(handshake, cb(err, allow))`. Anything but true, a throw or a rejection refuses.
 */
export type BeforeConnect =
  | ((handshake: IncomingMessage) => boolean | Promise<boolean>)
  | ((handshake: IncomingMessage, cb: (error: unknown, allow?: boolean) => void) => void);

export interface OriginSettings {
  onlyAllowOrigins?: readonly string[];
  beforeConnect?: BeforeConnect;
}

const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+$/i;

/**
 * What is wrong with `origin` as an entry of an origin list (sockets.onlyAllowOrigins,
 * security.cors.allowOrigins), and the fix; undefined when a browser could send it as its Origin
 * header, which is compared exactly.
 */
export function originProblem(origin: unknown): { problem: string; fix: string } | undefined {
  const text = typeof origin === 'string' ? origin : '';
  if (!ORIGIN.test(text)) {
    return {
      problem: `has ${JSON.stringify(origin)}, which is not an origin`,
      fix: "write each as protocol://host[:port] with no path, query or trailing slash, such as 'https://example.com'",
    };
  }
  if (/^http:\/\/.*:80$/i.test(text) || /^https:\/\/.*:443$/i.test(text)) {
    return { problem: `has ${JSON.stringify(origin)}`, fix: `leave out the default port: ${JSON.stringify(text.replace(/:\d+$/, ''))}` };
  }
  return undefined;
}

/** Checks both settings as Sails does; in production one of them must be set. */
export function checkOriginSettings(sockets: OriginSettings, production: boolean): void {
  const fail = (setting: string, problem: string, fix: string): never => refuseSetting(setting, problem, fix, 'config/sockets.ts');
  const { onlyAllowOrigins: origins, beforeConnect } = sockets;
  if (origins !== undefined) {
    if (!Array.isArray(origins)) fail('sockets.onlyAllowOrigins', `is ${JSON.stringify(origins)}`, "use an array such as ['https://example.com']");
    for (const origin of origins as unknown[]) {
      if (origin === 'file://') continue;
      const bad = originProblem(origin);
      if (bad !== undefined) fail('sockets.onlyAllowOrigins', bad.problem, bad.fix);
    }
  }
  if (beforeConnect !== undefined && typeof beforeConnect !== 'function') {
    fail('sockets.beforeConnect', `is ${JSON.stringify(beforeConnect)}`, 'use a function (handshake) => boolean, or remove it');
  }
  if (production && origins === undefined && beforeConnect === undefined) {
    throw new LiftError(
      "The settings sockets.onlyAllowOrigins and sockets.beforeConnect (config/sockets.ts) are both unset, which production does not allow because any web page could open a socket with your users' cookies; set onlyAllowOrigins to your front end's origins, e.g. ['https://example.com'], or write a beforeConnect(handshake) that decides.",
    );
  }
}

/** The socket.io options that enforce the settings (none when neither is set). */
export function originOptions(sockets: OriginSettings): Partial<ServerOptions> {
  const { onlyAllowOrigins: origins, beforeConnect } = sockets;
  if (origins === undefined && beforeConnect === undefined) return {};
  const allowed = origins === undefined ? undefined : new Set(origins);
  const allowRequest: ServerOptions['allowRequest'] = (req, callback) => {
    const origin = req.headers.origin;
    if (allowed !== undefined && (origin === undefined || !allowed.has(origin))) {
      if (debug.enabled) debug('refused a socket from origin %s (sockets.onlyAllowOrigins)', origin ?? '(none)');
      return callback('origin not allowed', false);
    }
    if (beforeConnect === undefined) return callback(null, true);
    let settled = false;
    const decide = (allow: boolean, why?: unknown): void => {
      if (settled) return;
      settled = true;
      if (!allow && debug.enabled) debug('sockets.beforeConnect refused a socket: %O', why ?? 'it answered false');
      callback(allow ? null : 'refused by sockets.beforeConnect', allow);
    };
    try {
      const result: unknown =
        beforeConnect.length >= 2
          ? (beforeConnect as (h: IncomingMessage, cb: (error: unknown, allow?: boolean) => void) => unknown)(req, (error, allow) =>
              decide(error == null && Boolean(allow), error),
            )
          : (beforeConnect as (h: IncomingMessage) => unknown)(req);
      if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
        Promise.resolve(result as PromiseLike<unknown>).then(
          // The callback form answers through cb; its promise only counts when it carries a boolean.
          (value) => {
            if (beforeConnect.length < 2 || typeof value === 'boolean') decide(value === true);
          },
          (error: unknown) => decide(false, error),
        );
      } else if (beforeConnect.length < 2) {
        decide(result === true);
      }
    } catch (error) {
      decide(false, error);
    }
  };
  return {
    allowRequest,
    // Long-polling from a page on an allowed origin needs CORS headers; websockets ignore them.
    ...(origins === undefined ? {} : { cors: { origin: [...origins], credentials: true } }),
  };
}
