/**
 * CORS as Sails 1 configures it: `security.cors` in config/security.ts, applied to every route
 * with `allRoutes: true`, and `cors` on a route target in config/routes.ts (true, false, an
 * origin, or settings merged over the global ones). Headers are sent only to an allowed origin,
 * as Sails does; a disallowed origin's request is still served, without them, so the browser
 * keeps the answer from its page. Sockets are untouched: their origins are
 * `sockets.onlyAllowOrigins` (origins.ts).
 */
import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { isPlainObject } from '../../schema/index.js';
import { LiftError, refuseSetting } from '../errors.js';
import type { RouteEntry, Router } from '../router/index.js';
import { originProblem } from './origins.js';

/**
 * `security.cors` in config/security.ts, with Sails' names and defaults.
 *
 * @example export const security: SecurityConfig = { cors: { allRoutes: true, allowOrigins: ['https://app.example.com'] } };
 */
export interface CorsSettings {
  /** Apply these settings to every route (default false: only routes with their own `cors`). */
  allRoutes?: boolean;
  /** `'*'` (the default) or the exact origins allowed, e.g. `['https://example.com']`. */
  allowOrigins?: '*' | string[];
  /** Let the page send and receive cookies (default false); needs a list of origins, not `'*'`. */
  allowCredentials?: boolean;
  /** Answered to a preflight (default `'GET,HEAD,PUT,PATCH,POST,DELETE'`). */
  allowRequestMethods?: string | string[];
  /** Request headers a page may send, answered to a preflight (default `'content-type'`). */
  allowRequestHeaders?: string | string[];
  /** Response headers a page may read besides the simple ones (default none). */
  allowResponseHeaders?: string | string[];
  /** Allows `'*'` with credentials outside production, where every page then acts as the user (default false). */
  allowAnyOriginWithCredentialsUnsafe?: boolean;
}

/**
 * `cors` on a route target in config/routes.ts: `true` (the global settings), `false` (no CORS,
 * even with `allRoutes`), one origin, or settings merged over the global ones.
 *
 * @example 'GET /videos': { action: 'video/find', cors: { allowOrigins: ['https://example.com'] } }
 */
export type RouteCors = boolean | string | Omit<CorsSettings, 'allRoutes'>;

/** Sails 1's defaults (lib/hooks/security). */
const DEFAULTS = {
  allowOrigins: '*',
  allowCredentials: false,
  allowRequestMethods: 'GET,HEAD,PUT,PATCH,POST,DELETE',
  allowRequestHeaders: 'content-type',
  allowResponseHeaders: '',
  allowAnyOriginWithCredentialsUnsafe: false,
} as const;

const KEYS = new Set(['allRoutes', ...Object.keys(DEFAULTS)]);
/** Sails 0.12's names, which Sails 1 still reads with a warning. */
const RENAMED: Record<string, string> = {
  origin: 'allowOrigins',
  credentials: 'allowCredentials',
  methods: 'allowRequestMethods',
  headers: 'allowRequestHeaders',
  exposeHeaders: 'allowResponseHeaders',
};
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** One route's CORS, checked and ready to answer with. */
interface CorsPolicy {
  /** '*', every origin echoed back (the unsafe flag), or the exact list. */
  origins: '*' | 'reflect' | ReadonlySet<string>;
  credentials: boolean;
  methods: string;
  requestHeaders: string | null;
  responseHeaders: string | null;
}

/** @fastify/cors's options for a request that gets no CORS headers. */
const OFF: FastifyCorsOptions = { origin: false };

type Fail = (setting: string, problem: string, fix: string) => never;

/**
 * The app's CORS rules: the global settings, each route's own, and which bound route has which.
 * Checked once at lift, so a bad setting stops lift with a sentence naming it and the fix.
 */
export class CorsRules {
  /** The router entries lift bound for routes with their own `cors`, and that CORS (false: none). */
  private readonly byEntry = new WeakMap<RouteEntry, CorsPolicy | false>();

  private constructor(
    private readonly global: CorsPolicy,
    private readonly allRoutes: boolean,
    private readonly byRoute: ReadonlyMap<string, CorsPolicy | false>,
  ) {}

  /** Checks `security.cors` and every route's `cors`; in production, `'*'` with credentials stops lift. */
  static prepare(settings: unknown, routes: Record<string, unknown>, production: boolean): CorsRules {
    const globalFail: Fail = (setting, problem, fix) => refuseSetting(`security.cors${setting}`, problem, fix, 'config/security.ts');
    if (settings !== undefined && !isPlainObject(settings)) {
      globalFail('', `is ${JSON.stringify(settings)}`, "write it as an object, such as { allRoutes: true, allowOrigins: ['https://example.com'] }");
    }
    const given = (settings ?? {}) as Record<string, unknown>;
    checkKeys(given, true, globalFail);
    const merged: Record<string, unknown> = { ...DEFAULTS, ...given };
    if (merged.allRoutes !== undefined && typeof merged.allRoutes !== 'boolean') globalFail('.allRoutes', `is ${JSON.stringify(merged.allRoutes)}`, 'use true or false');
    const global = toPolicy(merged, production, globalFail, given['allowOrigins'] === undefined);

    const byRoute = new Map<string, CorsPolicy | false>();
    for (const [key, target] of Object.entries(routes)) {
      if (!isPlainObject(target) || target['cors'] === undefined) continue;
      const cors = target['cors'];
      const fail: Fail = (setting, problem, fix) => {
        throw new LiftError(`config/routes.ts: in the route "${key}", cors${setting} ${problem}; ${fix}.`);
      };
      if (cors === false) byRoute.set(key, false);
      else if (cors === true) byRoute.set(key, global);
      else if (typeof cors === 'string') byRoute.set(key, toPolicy({ ...merged, allowOrigins: cors }, production, fail, false));
      else if (isPlainObject(cors)) {
        checkKeys(cors, false, fail);
        byRoute.set(key, toPolicy({ ...merged, ...cors }, production, fail, false));
      } else {
        fail('', `is ${JSON.stringify(cors)}`, "use true, false, an origin such as 'https://example.com', or settings such as { allowOrigins: ['https://example.com'] }");
      }
    }
    return new CorsRules(global, merged.allRoutes === true, byRoute);
  }

  /** Whether any request can get CORS headers; without, @fastify/cors is not registered at all. */
  get inUse(): boolean {
    return this.allRoutes || [...this.byRoute.values()].some((policy) => policy !== false);
  }

  /** `entry`, bound for the config/routes.ts route `key`, marked with that route's own CORS if it has any. */
  forRoute(key: string, entry: RouteEntry): RouteEntry {
    const policy = this.byRoute.get(key);
    if (policy === undefined) return entry;
    // A copy: one action can be bound by several routes with different CORS.
    const marked = { ...entry };
    this.byEntry.set(marked, policy);
    return marked;
  }

  /**
   * @fastify/cors's options for one request: the CORS of the route it reaches (for a preflight,
   * the route the announced method reaches), else the global settings with `allRoutes`.
   */
  optionsFor(request: FastifyRequest, router: Router): FastifyCorsOptions {
    const origin = request.headers.origin;
    // assets/ (its own Fastify routes) get no CORS, as Sails' static middleware runs before its router.
    if (origin === undefined || request.routeOptions.url !== '*') return OFF;
    const announced = request.headers['access-control-request-method'];
    const method = request.method === 'OPTIONS' && typeof announced === 'string' ? announced.toUpperCase() : request.method;
    const url = request.url;
    const mark = url.indexOf('?');
    const entry = router.find(method, mark === -1 ? url : url.slice(0, mark))?.entry;
    const own = entry === undefined ? undefined : this.byEntry.get(entry);
    const policy = own ?? (this.allRoutes ? this.global : false);
    if (policy === false) return OFF;
    const allowed = policy.origins === '*' ? '*' : policy.origins === 'reflect' || policy.origins.has(origin) ? origin : undefined;
    // Nothing at all for an origin that is not allowed: Sails does not tell it what would be.
    if (allowed === undefined) return OFF;
    return {
      origin: allowed,
      credentials: policy.credentials,
      methods: policy.methods,
      // Empty: no headers allowed. (null would make @fastify/cors echo whatever the page asks for.)
      allowedHeaders: policy.requestHeaders ?? '',
      ...(policy.responseHeaders === null ? {} : { exposedHeaders: policy.responseHeaders }),
      // Sails answers any OPTIONS from an allowed origin on a CORS route, with 200.
      strictPreflight: false,
      optionsSuccessStatus: 200,
    };
  }
}

/**
 * Registers @fastify/cors on `app` when the rules can apply; call it before the catch-all route.
 * Preflights are answered in an onRequest hook, before sessions, CSRF and policies.
 */
export async function registerCors(app: FastifyInstance, router: Router, rules: CorsRules | undefined): Promise<void> {
  if (rules === undefined || !rules.inUse) return;
  // @fastify/cors adds a route `OPTIONS *` of its own so that Fastify accepts preflights, and
  // sends every other OPTIONS there to the 404 handler. The catch-all route already takes OPTIONS
  // (the router answers them as Express does, or runs an app's OPTIONS route), so OPTIONS moves
  // from the catch-all to that route, which runs the catch-all's handler.
  let catchAll: RouteHandlerMethod | undefined;
  app.addHook('onRoute', (route) => {
    if (route.url !== '*') return;
    if (route.method === 'OPTIONS') {
      route.handler = function (request, reply) {
        if (catchAll === undefined) throw new Error('sails-rt: the catch-all route was never registered after registerCors().');
        return catchAll.call(this, request, reply);
      };
    } else if (Array.isArray(route.method) && route.method.includes('OPTIONS')) {
      catchAll = route.handler;
      route.method = route.method.filter((method) => method !== 'OPTIONS');
    }
  });
  await app.register(fastifyCors, {
    hook: 'onRequest',
    delegator: (request, callback) => callback(null, rules.optionsFor(request, router)),
  });
}

function checkKeys(settings: Record<string, unknown>, global: boolean, fail: Fail): void {
  for (const key of Object.keys(settings)) {
    const renamed = RENAMED[key];
    if (renamed !== undefined) fail(`.${key}`, 'is the name Sails 0.12 used', `rename it to ${renamed}`);
    if (key === 'allRoutes' && !global) fail('.allRoutes', 'is set on a route, where it means nothing', 'remove it (allRoutes belongs in security.cors, config/security.ts)');
    if (!KEYS.has(key)) fail(`.${key}`, 'is not a CORS setting', `use ${[...KEYS].filter((k) => global || k !== 'allRoutes').join(', ')}`);
  }
}

function toPolicy(settings: Record<string, unknown>, production: boolean, fail: Fail, defaultOrigins: boolean): CorsPolicy {
  for (const key of ['allowCredentials', 'allowAnyOriginWithCredentialsUnsafe'] as const) {
    if (typeof settings[key] !== 'boolean') fail(`.${key}`, `is ${JSON.stringify(settings[key])}`, 'use true or false');
  }
  const credentials = settings['allowCredentials'] === true;
  let origins: CorsPolicy['origins'];
  const given = settings['allowOrigins'];
  if (given === '*') {
    origins = '*';
    if (credentials) {
      const shown = defaultOrigins ? "is '*' (the default) while allowCredentials is true" : "is '*' while allowCredentials is true";
      if (production) {
        fail('.allowOrigins', `${shown}, which production refuses because any web page could then act as your logged-in users`, "list your front ends' origins, such as ['https://example.com'], or set allowCredentials: false");
      }
      if (settings['allowAnyOriginWithCredentialsUnsafe'] !== true) {
        fail('.allowOrigins', `${shown}, so any web page could act as your logged-in users`, "list your front ends' origins, such as ['https://example.com'], set allowCredentials: false, or (outside production, at your own risk) set allowAnyOriginWithCredentialsUnsafe: true");
      }
      origins = 'reflect';
    }
  } else {
    // Sails splits a comma-separated string of origins.
    const list = typeof given === 'string' ? given.split(',').map((origin) => origin.trim()) : given;
    if (!Array.isArray(list)) fail('.allowOrigins', `is ${JSON.stringify(given)}`, "use '*' or an array of origins such as ['https://example.com']");
    for (const origin of list as unknown[]) {
      if (origin === '*') fail('.allowOrigins', "has '*' in a list", "use allowOrigins: '*' on its own, or list only exact origins");
      const bad = originProblem(origin);
      if (bad !== undefined) fail('.allowOrigins', bad.problem, bad.fix);
    }
    origins = new Set(list as string[]);
  }
  return {
    origins,
    credentials,
    methods: tokens(settings, 'allowRequestMethods', fail) ?? '',
    requestHeaders: tokens(settings, 'allowRequestHeaders', fail),
    responseHeaders: tokens(settings, 'allowResponseHeaders', fail),
  };
}

/** A comma-separated list of methods or header names as given (a string or an array), or null when empty. */
function tokens(settings: Record<string, unknown>, key: 'allowRequestMethods' | 'allowRequestHeaders' | 'allowResponseHeaders', fail: Fail): string | null {
  const value = settings[key];
  const list = typeof value === 'string' ? value.split(',').map((token) => token.trim()) : value;
  const example = key === 'allowRequestMethods' ? "'GET,POST,PUT'" : "'content-type,x-csrf-token'";
  if (!Array.isArray(list) || !list.every((token): token is string => typeof token === 'string' && (token === '' || TOKEN.test(token.trim())))) {
    fail(`.${key}`, `is ${JSON.stringify(value)}`, `use a comma-separated list such as ${example}, or an array of names`);
  }
  const names = (list as string[]).map((token) => token.trim()).filter((token) => token !== '');
  if (names.length === 0) return null;
  return typeof value === 'string' ? value : names.join(',');
}
