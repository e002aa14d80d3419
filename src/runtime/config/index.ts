/**
 * Reading an app's configuration: every named export of every `config/*.ts` becomes
 * `config.<exportName>`, as Sails' `module.exports.<name> = …` does; then `config/env/<env>.ts`
 * and `config/local.ts` are merged over it, as in Sails. Settings the runtime reads are checked
 * once here, so a bad value fails lift with a sentence naming the file and the fix.
 */
import { basename, join, relative } from 'node:path';
import { isPlainObject } from '../../schema/index.js';
import { listSourceFiles } from '../../schema/load/index.js';
import { importForLift } from '../app-files.js';
import { LiftError, refuseSetting } from '../errors.js';
import { CRITERIA_LIMIT_CEILINGS, DEFAULT_CRITERIA_LIMITS, type CriteriaLimits } from '../models/limits.js';
import type { Action } from '../pipeline/index.js';
import type { PoliciesConfig } from '../policies/index.js';
import type { CorsSettings, RouteCors } from '../security/cors.js';
import type { BeforeConnect } from '../security/origins.js';
import type { SessionConfig } from '../session/index.js';
import { logSettingProblem, type LogConfig } from '../log/settings.js';
import { trustProxyProblem, type TrustProxy } from '../proxies/index.js';

/** A route target, as Sails' `config/routes.js` accepts it; `cors` overrides `security.cors` for the route. */
export type RouteTarget =
  | string
  | Action
  | { action: string; controller?: string; cors?: RouteCors }
  | { controller: string; action: string; cors?: RouteCors };

/** `'GET /say/hello': 'SayController.hello'`; a key without a verb means every verb. */
export type RoutesConfig = Record<string, RouteTarget>;

export interface BlueprintsConfig {
  /** Bind the REST routes of every model (default true). */
  rest?: boolean;
  /** Prefix of every blueprint route, e.g. '/api' (default ''). */
  prefix?: string;
  /** Prefix of the REST routes after `prefix` (default ''). */
  restPrefix?: string;
  /** find subscribes the requesting socket to the model's class room (default true). */
  autoWatch?: boolean;
  /** The requesting socket also gets its own created/updated/destroyed messages (default false). */
  mirror?: boolean;
  /**
   * The GET-only shortcut routes (`GET /user/create?name=bob`, `GET /user/1/pets/add/2`), under
   * `prefix` (default false: Sails turns them on, but they let a plain link write data).
   */
  shortcuts?: boolean;
  /**
   * With autoWatch, find, findOne and populate also join the class rooms of the linked models
   * they populate (Sails' subscribeDeep), so the socket hears of every new pet and tag. Default
   * true, as in Sails; false keeps the traffic to the records found.
   */
  watchLinkedModels?: boolean;
  /** Not built yet: `true` fails lift. */
  actions?: boolean;
  /** Not built yet: `true` fails lift. */
  pluralize?: boolean;
  /**
   * In production, lift refuses blueprint write routes (create, update, destroy …) that no
   * policy guards; `true` says open writes are intended (default false).
   */
  allowUnguardedWrites?: boolean;
  /**
   * Bounds of the criteria a blueprint read accepts (where, sort, select, omit, populate); past
   * one, a 400 E_INVALID_CRITERIA names it. Each key left out keeps its default (docs/runtime.md, Limits).
   */
  criteriaLimits?: Partial<CriteriaLimits>;
  /**
   * Most bytes one blueprint read may answer with, populated records included, estimated while
   * reading (default 8 MiB). A page that would be larger is a 400 saying how many records fit.
   */
  maxPageBytes?: number;
}

/** `blueprints.maxPageBytes` when the app sets none. */
export const DEFAULT_MAX_PAGE_BYTES = 8 * 1024 * 1024;

export interface ModelsConfig {
  /**
   * Writes through `sails.models.<identity>` publish the same messages as the blueprints
   * (default true; Sails publishes from blueprints only). false: model API writes tell nobody
   * unless called with `{ publish: true }`.
   */
  publishWrites?: boolean;
  /**
   * Data encryption keys by id (32 random bytes in base64 each) for attributes with
   * `encrypt: true`, given to every model without its own, as Sails does. Keep them out of the
   * source: `{ default: process.env['DATA_ENCRYPTION_KEY'] }`.
   */
  dataEncryptionKeys?: Record<string, string | undefined>;
}

export interface SocketsConfig {
  /** The socket.io path (default '/socket.io'). */
  path?: string;
  /**
   * Allowed transports (default ['websocket', 'polling'], or ['websocket'] with `adapter: 'redis'`).
   * With the Redis adapter, 'polling' needs `sticky: true` (docs/deploy.md, Several instances).
   */
  transports?: ('websocket' | 'polling')[];
  /**
   * 'redis': rooms, broadcasts and pub-sub reach the sockets of every instance lifted on the same
   * Redis, through a Redis stream (docs/deploy.md, Several instances). Absent: one process, in memory.
   *
   * @example export const sockets = { adapter: 'redis', url: process.env['REDIS_URL'] };
   */
  adapter?: 'redis';
  /** The Redis URL for `adapter: 'redis'` (default: the REDIS_URL environment variable), e.g. 'redis://127.0.0.1:6379'. */
  url?: string;
  /**
   * What the adapter's stream, channels and keys in Redis are named after (default 'socket.io'):
   * apps sharing one Redis each need their own.
   */
  keyPrefix?: string;
  /**
   * true says the proxy in front routes every request of one client to the same instance (sticky
   * sessions), which long-polling needs across instances; only then may `transports` list 'polling'
   * with `adapter: 'redis'`.
   */
  sticky?: boolean;
  /**
   * How long a client that lost its connection may come back and get what it missed, its rooms
   * and `socket.data` (socket.io's connection-state recovery), in milliseconds (default 120000);
   * false turns recovery off. Clients on Engine.IO 4 (socket.io-client 4) only (docs/runtime.md).
   */
  recovery?: number | false;
  /**
   * Largest message a client may send, in bytes (default 1e6, socket.io's own default; Sails
   * uses 1e8). Also the `maxPayload` announced in the handshake.
   */
  maxHttpBufferSize?: number;
  /**
   * The only page origins that may open a socket, exact match (`['https://example.com']`): a
   * wrong or missing Origin header is refused at the handshake. Production needs this or beforeConnect.
   */
  onlyAllowOrigins?: string[];
  /** Decides at the handshake whether a socket may connect; false, a throw or a rejection refuses. */
  beforeConnect?: BeforeConnect;
  /**
   * Serve `GET /__getcookie` (default true, as Sails): sails.io.js in a page of another origin
   * loads it to get the session cookie before it connects (docs/protocol.md 1.5).
   */
  grant3rdPartyCookie?: boolean;
  /** false leaves `headers` out of every socket reply (default true, as Sails; Sails then crashes, sails-rt does not). */
  sendResponseHeaders?: boolean;
  /** false leaves `statusCode` out of every socket reply, so sails.io.js reports 200 (default true, as Sails). */
  sendStatusCode?: boolean;
  /**
   * Requests one socket may have waiting for an answer (default 64); one more is answered 429
   * E_TOO_MANY_REQUESTS at once. Sent faster than they are answered, a socket's requests start
   * one per turn of the event loop, so one client cannot hold the server while others wait.
   */
  maxInFlight?: number;
  /**
   * Bytes of replies and messages one socket may leave unread (default 16 MiB). Its requests
   * wait while half of that is unread; past all of it the socket is disconnected, with a line in
   * the log. Keep it above twice `blueprints.maxPageBytes` so a full page never ends a socket.
   */
  maxBufferedBytes?: number;
}

/** `config/http.ts`: limits per HTTP connection, the same as `sockets.maxInFlight` and `maxBufferedBytes`. */
export interface HttpConfig {
  /** Pipelined requests one keep-alive connection may have waiting for an answer (default 16). */
  maxInFlight?: number;
  /** Bytes of responses one connection may leave unread before it is closed (default 16 MiB). */
  maxBufferedBytes?: number;
  /**
   * Milliseconds a connection may go without reading or sending a byte before it is closed
   * (default 120000): a client that stops reading its responses cannot hold them for ever.
   */
  connectionTimeout?: number;
  /**
   * Which proxies in front of the app to believe (default: none), as Sails' `http.trustProxy`:
   * `true`, a number of hops, addresses or CIDR ranges (`['loopback', '10.0.0.0/8']`), or a
   * function `(address, hop) => boolean`. Trusted X-Forwarded-For and X-Forwarded-Proto set
   * `req.ip`, `req.ips`, `req.protocol` and `req.secure`, over HTTP and at the socket handshake.
   */
  trustProxy?: TrustProxy;
}

export type { LogConfig } from '../log/settings.js';

/** `http.connectionTimeout` when the app sets none: Node's own default before Node 13. */
export const DEFAULT_CONNECTION_TIMEOUT = 120_000;
/** The shortest `http.connectionTimeout` while sockets may long-poll (socket.io's ping interval is 25 s). */
const MIN_TIMEOUT_WITH_POLLING = 30_000;

/** The defaults of the per-connection limits, the same in production (never looser there). */
export const CONNECTION_LIMITS = {
  sockets: { maxInFlight: 64, maxBufferedBytes: 16 * 1024 * 1024 },
  http: { maxInFlight: 16, maxBufferedBytes: 16 * 1024 * 1024 },
} as const;

/** The limits of one socket or HTTP connection, defaults filled in. */
export function connectionLimits(config: SocketsConfig | HttpConfig | undefined, kind: keyof typeof CONNECTION_LIMITS = 'sockets'): {
  maxInFlight: number;
  maxBufferedBytes: number;
} {
  const defaults = CONNECTION_LIMITS[kind];
  return {
    maxInFlight: config?.maxInFlight ?? defaults.maxInFlight,
    maxBufferedBytes: config?.maxBufferedBytes ?? defaults.maxBufferedBytes,
  };
}

import type { DatastoreConfig } from '../store/open.js';

export type { DatastoreConfig };

/** The stores `datastores.default.adapter` may name. */
export const DATASTORE_ADAPTERS = ['sqlite', 'postgres', 'mysql'] as const;

export interface DatastoresConfig {
  default?: DatastoreConfig;
}

/** Sails' security settings. */
export interface SecurityConfig {
  /** Which pages of other origins may call the app over HTTP (docs/runtime.md, CORS); sockets use sockets.onlyAllowOrigins. */
  cors?: CorsSettings;
  /** Every POST, PUT, PATCH and DELETE (HTTP and sockets) needs the session's token from GET /csrfToken (default false). */
  csrf?: boolean;
}

/** `sails.config`: the app's config exports, plus anything else an app puts there. */
export interface SailsConfig {
  port?: number;
  environment: string;
  appPath: string;
  routes: RoutesConfig;
  blueprints: BlueprintsConfig;
  sockets: SocketsConfig;
  datastores: DatastoresConfig;
  security: SecurityConfig;
  /** config/http.ts */
  http?: HttpConfig;
  /** config/log.ts */
  log?: LogConfig;
  /** config/models.ts */
  models?: ModelsConfig;
  /** config/session.ts */
  session?: SessionConfig;
  /** config/policies.ts */
  policies?: PoliciesConfig;
  [name: string]: unknown;
}

/** Loads `config/` of the app at `appPath` and merges `overrides` (from `lift()`) over it. */
export async function loadConfig(
  appPath: string,
  environment: string,
  overrides: Record<string, unknown> = {},
): Promise<SailsConfig> {
  const configDir = join(appPath, 'config');
  const files = await listSourceFiles(configDir);
  const stem = (file: string): string => basename(file).replace(/\.[^.]+$/, '');
  const merged: Record<string, unknown> = {};
  const origin = new Map<string, string>();

  for (const file of files.filter((f) => stem(f) !== 'local')) {
    const shown = relative(appPath, file);
    for (const [name, value] of Object.entries(await importConfig(appPath, file, shown))) {
      const twin = origin.get(name);
      if (twin) {
        throw new LiftError(`${shown} exports "${name}", which ${twin} already exports; keep one of them.`);
      }
      origin.set(name, shown);
      merged[name] = value;
    }
  }
  const envFile = (await listSourceFiles(join(configDir, 'env'))).find((f) => stem(f) === environment);
  if (envFile) deepMerge(merged, await importConfig(appPath, envFile, relative(appPath, envFile)));
  const localFile = files.find((f) => stem(f) === 'local');
  if (localFile) deepMerge(merged, await importConfig(appPath, localFile, relative(appPath, localFile)));
  deepMerge(merged, overrides);

  return checkConfig({
    ...merged,
    environment,
    appPath,
    routes: (merged['routes'] ?? {}) as RoutesConfig,
    blueprints: (merged['blueprints'] ?? {}) as BlueprintsConfig,
    sockets: (merged['sockets'] ?? {}) as SocketsConfig,
    datastores: (merged['datastores'] ?? {}) as DatastoresConfig,
    security: (merged['security'] ?? {}) as SecurityConfig,
  });
}

async function importConfig(appPath: string, file: string, shown: string): Promise<Record<string, unknown>> {
  const namespace = await importForLift(appPath, file, shown);
  const exports: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(namespace)) {
    // A default export has no setting name; Sails' config files only use named settings.
    if (name !== 'default' && name !== 'module.exports') exports[name] = value;
  }
  return exports;
}

function checkConfig(config: SailsConfig): SailsConfig {
  for (const key of ['routes', 'blueprints', 'sockets', 'datastores', 'security'] as const) {
    if (!isPlainObject(config[key])) refuseSetting(`"${key}" (config/${key}.ts)`, 'must be an object', `write \`export const ${key} = { … }\``);
  }
  const { port } = config;
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)) {
    refuseSetting('"port"', `is ${JSON.stringify(port)}`, 'use a whole number from 0 to 65535 (0 picks a free port)');
  }
  const { sockets, blueprints, datastores } = config;
  if (sockets.path !== undefined && (typeof sockets.path !== 'string' || !sockets.path.startsWith('/'))) {
    refuseSetting('sockets.path (config/sockets.ts)', `is ${JSON.stringify(sockets.path)}`, "use a path starting with '/', such as '/socket.io'");
  }
  if (
    sockets.transports !== undefined &&
    (!Array.isArray(sockets.transports) ||
      sockets.transports.length === 0 ||
      !sockets.transports.every((t) => t === 'websocket' || t === 'polling'))
  ) {
    refuseSetting('sockets.transports (config/sockets.ts)', `is ${JSON.stringify(sockets.transports)}`, "use ['websocket'] or ['websocket', 'polling']");
  }
  if (
    sockets.maxHttpBufferSize !== undefined &&
    (typeof sockets.maxHttpBufferSize !== 'number' || !(sockets.maxHttpBufferSize > 0))
  ) {
    refuseSetting('sockets.maxHttpBufferSize (config/sockets.ts)', `is ${JSON.stringify(sockets.maxHttpBufferSize)}`, 'use a number of bytes such as 1e6');
  }
  const http = config.http;
  if (http !== undefined && !isPlainObject(http)) refuseSetting('"http" (config/http.ts)', 'must be an object', 'write `export const http = { … }`');
  for (const [setting, value] of [
    ['sockets.maxInFlight (config/sockets.ts)', sockets.maxInFlight],
    ['http.maxInFlight (config/http.ts)', http?.maxInFlight],
  ] as const) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)) {
      refuseSetting(setting, `is ${JSON.stringify(value)}`, 'use a whole number of 1 or more, such as 64');
    }
  }
  for (const [setting, value] of [
    ['sockets.maxBufferedBytes (config/sockets.ts)', sockets.maxBufferedBytes],
    ['http.maxBufferedBytes (config/http.ts)', http?.maxBufferedBytes],
  ] as const) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1024)) {
      refuseSetting(setting, `is ${JSON.stringify(value)}`, 'use a number of bytes of 1024 or more, such as 16 * 1024 * 1024');
    }
  }
  const timeout = http?.connectionTimeout;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isSafeInteger(timeout) || timeout < 1000)) {
    refuseSetting('http.connectionTimeout (config/http.ts)', `is ${JSON.stringify(timeout)}`, `use a number of milliseconds of 1000 or more, such as ${DEFAULT_CONNECTION_TIMEOUT}`);
  }
  checkSocketsAdapter(sockets);
  // A long-polling socket's GET waits up to socket.io's ping interval (25 s) with nothing sent.
  const polling = socketTransports(sockets).includes('polling');
  if (typeof timeout === 'number' && polling && timeout < MIN_TIMEOUT_WITH_POLLING) {
    refuseSetting(
      'http.connectionTimeout (config/http.ts)',
      `is ${timeout}, shorter than a long-polling socket waits for its next message (25 s), so those sockets would be cut`,
      `use ${MIN_TIMEOUT_WITH_POLLING} or more, or sockets.transports: ['websocket']`,
    );
  }
  const trustProblem = trustProxyProblem(http?.trustProxy);
  if (trustProblem !== undefined) {
    refuseSetting('http.trustProxy (config/http.ts)', trustProblem, "use true, a number of hops such as 1, addresses or ranges such as ['loopback', '10.0.0.0/8'], or a function (address, hop) => boolean");
  }
  const logProblem = config.log === undefined ? undefined : logSettingProblem(config.log);
  if (logProblem !== undefined) refuseSetting(logProblem.setting, logProblem.problem, logProblem.fix);
  for (const key of ['sendResponseHeaders', 'sendStatusCode', 'grant3rdPartyCookie'] as const) {
    if (sockets[key] !== undefined && typeof sockets[key] !== 'boolean') {
      refuseSetting(`sockets.${key} (config/sockets.ts)`, `is ${JSON.stringify(sockets[key])}`, 'use true or false');
    }
  }
  for (const key of ['prefix', 'restPrefix'] as const) {
    const value = blueprints[key];
    if (value !== undefined && (typeof value !== 'string' || (value !== '' && (!value.startsWith('/') || value.endsWith('/'))))) {
      refuseSetting(`blueprints.${key} (config/blueprints.ts)`, `is ${JSON.stringify(value)}`, "use '' or a path like '/api' (a leading slash, no trailing slash)");
    }
  }
  for (const key of ['rest', 'autoWatch', 'mirror', 'shortcuts', 'actions', 'pluralize', 'allowUnguardedWrites', 'watchLinkedModels'] as const) {
    const value = blueprints[key];
    if (value !== undefined && typeof value !== 'boolean') {
      refuseSetting(`blueprints.${key} (config/blueprints.ts)`, `is ${JSON.stringify(value)}`, 'use true or false');
    }
  }
  const limits = blueprints.criteriaLimits;
  if (limits !== undefined) {
    if (!isPlainObject(limits)) refuseSetting('blueprints.criteriaLimits (config/blueprints.ts)', `is ${JSON.stringify(limits)}`, 'use an object such as { maxInValues: 2000 }');
    for (const [key, value] of Object.entries(limits as Record<string, unknown>)) {
      const setting = `blueprints.criteriaLimits.${key} (config/blueprints.ts)`;
      if (!Object.hasOwn(DEFAULT_CRITERIA_LIMITS, key)) {
        refuseSetting(setting, 'is not a criteria limit', `use one of ${Object.keys(DEFAULT_CRITERIA_LIMITS).join(', ')}`);
      }
      const ceiling = CRITERIA_LIMIT_CEILINGS[key as keyof CriteriaLimits] ?? Number.MAX_SAFE_INTEGER;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
        refuseSetting(setting, `is ${JSON.stringify(value)}`, `use a whole number of 1 or more (the default is ${DEFAULT_CRITERIA_LIMITS[key as keyof CriteriaLimits]})`);
      }
      if ((value as number) > ceiling) {
        refuseSetting(setting, `is ${value}, more than the ${ceiling} the SQLite store can run`, `use ${ceiling} or less`);
      }
    }
  }
  const pageBytes = blueprints.maxPageBytes;
  if (pageBytes !== undefined && (typeof pageBytes !== 'number' || !Number.isSafeInteger(pageBytes) || pageBytes < 1024)) {
    refuseSetting('blueprints.maxPageBytes (config/blueprints.ts)', `is ${JSON.stringify(pageBytes)}`, `use a whole number of bytes of 1024 or more, such as ${DEFAULT_MAX_PAGE_BYTES} (8 MiB, the default)`);
  }
  // A connection's requests wait while half its limit is unread, and the one that starts may
  // answer a full page: past the whole limit, the page would end the connection that asked for it.
  for (const [kind, file] of [['sockets', 'config/sockets.ts'], ['http', 'config/http.ts']] as const) {
    const page = pageBytes ?? DEFAULT_MAX_PAGE_BYTES;
    const { maxBufferedBytes } = connectionLimits(config[kind], kind);
    if (page > maxBufferedBytes / 2) {
      refuseSetting(
        `blueprints.maxPageBytes (config/blueprints.ts)`,
        `is ${page}, more than half of ${kind}.maxBufferedBytes (${maxBufferedBytes}, ${file}), so a full page would disconnect the client that asked for it`,
        `raise ${kind}.maxBufferedBytes to ${page * 2} or more, or lower maxPageBytes`,
      );
    }
  }
  // Sails settings that sails-rt does not build yet are refused, never silently ignored.
  const notYet: [string, unknown][] = [
    ['blueprints.actions (config/blueprints.ts)', blueprints.actions],
    ['blueprints.pluralize (config/blueprints.ts)', blueprints.pluralize],
  ];
  for (const [setting, value] of notYet) {
    if (value === true) refuseSetting(setting, 'is true, which sails-rt does not support yet', 'set it to false or remove it');
  }
  if (config.security.csrf !== undefined && typeof config.security.csrf !== 'boolean') {
    refuseSetting('security.csrf (config/security.ts)', `is ${JSON.stringify(config.security.csrf)}`, 'use true or false');
  }
  // security.cors and the routes' cors are checked by Security.prepare (security/cors.ts).
  const publishWrites = isPlainObject(config.models) ? config.models['publishWrites'] : undefined;
  if (config.models !== undefined && (!isPlainObject(config.models) || (publishWrites !== undefined && typeof publishWrites !== 'boolean'))) {
    refuseSetting('models.publishWrites (config/models.ts)', `is ${JSON.stringify(publishWrites ?? config.models)}`, 'write `export const models = { publishWrites: true }` (or false)');
  }
  const store = datastores.default ?? {};
  if (!isPlainObject(store)) refuseSetting('datastores.default (config/datastores.ts)', 'must be an object', "use { adapter: 'sqlite', filename: '.tmp/db.sqlite' }");
  if (store.adapter !== undefined && !(DATASTORE_ADAPTERS as readonly unknown[]).includes(store.adapter)) {
    refuseSetting(
      'datastores.default.adapter (config/datastores.ts)',
      `is ${JSON.stringify(store.adapter)}, which sails-rt does not support`,
      `use one of ${DATASTORE_ADAPTERS.map((a) => `'${a}'`).join(', ')} ('mysql' for MariaDB too)`,
    );
  }
  const server = store.adapter === 'postgres' || store.adapter === 'mysql';
  if (store.url !== undefined && (typeof store.url !== 'string' || store.url === '')) {
    refuseSetting('datastores.default.url (config/datastores.ts)', 'must be a non-empty string', "use a URL such as 'postgres://user:password@localhost:5432/app', or leave it out to read DATABASE_URL");
  }
  if (server) {
    const url = store.url ?? process.env['DATABASE_URL'];
    const schemes = store.adapter === 'postgres' ? ['postgres:', 'postgresql:'] : ['mysql:', 'mariadb:'];
    const example = store.adapter === 'postgres' ? 'postgres://user:password@localhost:5432/app' : 'mysql://user:password@localhost:3306/app';
    if (url === undefined || url === '') {
      refuseSetting('datastores.default.url (config/datastores.ts)', `is not set, and neither is DATABASE_URL, which the '${store.adapter}' adapter needs`, `set one of them to a URL such as '${example}'`);
    }
    let scheme: string | undefined;
    try {
      scheme = new URL(String(url)).protocol;
    } catch {
      scheme = undefined;
    }
    if (scheme === undefined || !schemes.includes(scheme)) {
      refuseSetting(
        `datastores.default.url (config/datastores.ts${store.url === undefined ? ', here from DATABASE_URL' : ''})`,
        `is ${scheme === undefined ? 'not a URL' : `a ${scheme}// URL`}, which the '${store.adapter}' adapter cannot use`,
        `use a URL such as '${example}'`,
      );
    }
  }
  if (store.pool !== undefined) {
    const max = isPlainObject(store.pool) ? (store.pool as { max?: unknown }).max : store.pool;
    if (!isPlainObject(store.pool) || (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1))) {
      refuseSetting('datastores.default.pool (config/datastores.ts)', `is ${JSON.stringify(store.pool)}`, 'use { max: 10 }: a whole number of connections, 1 or more');
    }
  }
  if (store.filename !== undefined && (typeof store.filename !== 'string' || store.filename === '')) {
    refuseSetting('datastores.default.filename (config/datastores.ts)', `is ${JSON.stringify(store.filename)}`, "use a file path such as '.tmp/db.sqlite'");
  }
  if (store.exclusive !== undefined && typeof store.exclusive !== 'boolean') {
    refuseSetting('datastores.default.exclusive (config/datastores.ts)', `is ${JSON.stringify(store.exclusive)}`, 'use true or false');
  }
  return config;
}

/** The transports socket.io allows: the setting, else both in one process and websocket only across instances. */
export function socketTransports(sockets: SocketsConfig): ('websocket' | 'polling')[] {
  return sockets.transports ?? (sockets.adapter === 'redis' ? ['websocket'] : ['websocket', 'polling']);
}

/** socket.io's default recovery window, 2 minutes. */
export const DEFAULT_RECOVERY_WINDOW = 120_000;

/** The recovery window of `sockets.recovery` in ms, or undefined when recovery is off. */
export function recoveryWindow(sockets: SocketsConfig): number | undefined {
  return sockets.recovery === false ? undefined : (sockets.recovery ?? DEFAULT_RECOVERY_WINDOW);
}

/** The Redis URL of `adapter: 'redis'`: the setting, else REDIS_URL. */
export function socketsRedisUrl(sockets: SocketsConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return sockets.url ?? (env['REDIS_URL'] || undefined);
}

function checkSocketsAdapter(sockets: SocketsConfig): void {
  const file = 'config/sockets.ts';
  if (sockets.adapter !== undefined && sockets.adapter !== 'redis') {
    refuseSetting('sockets.adapter', `is ${JSON.stringify(sockets.adapter)}, which sails-rt does not support`, "use 'redis' to run several instances, or leave it out for one process", file);
  }
  if (sockets.sticky !== undefined && typeof sockets.sticky !== 'boolean') {
    refuseSetting('sockets.sticky', `is ${JSON.stringify(sockets.sticky)}`, 'use true or false', file);
  }
  if (sockets.keyPrefix !== undefined && (typeof sockets.keyPrefix !== 'string' || sockets.keyPrefix === '')) {
    refuseSetting('sockets.keyPrefix', `is ${JSON.stringify(sockets.keyPrefix)}`, "use a non-empty string such as 'myapp'", file);
  }
  if (sockets.url !== undefined && (typeof sockets.url !== 'string' || sockets.url === '')) {
    refuseSetting('sockets.url', 'must be a non-empty string', "use a URL such as 'redis://127.0.0.1:6379', or leave it out to read REDIS_URL", file);
  }
  if (sockets.recovery !== undefined && sockets.recovery !== false && !(typeof sockets.recovery === 'number' && Number.isInteger(sockets.recovery) && sockets.recovery > 0)) {
    refuseSetting('sockets.recovery', `is ${JSON.stringify(sockets.recovery)}`, 'use a whole number of milliseconds such as 120000 (2 minutes), or false to turn recovery off', file);
  }
  if (sockets.adapter !== 'redis') return;
  const url = socketsRedisUrl(sockets);
  if (url === undefined) {
    refuseSetting('sockets.url', "is not set, and neither is REDIS_URL, which sockets.adapter 'redis' needs", "set one of them to a URL such as 'redis://127.0.0.1:6379'", file);
  }
  let scheme: string | undefined;
  try {
    scheme = new URL(url).protocol;
  } catch {
    scheme = undefined;
  }
  if (scheme !== 'redis:' && scheme !== 'rediss:') {
    refuseSetting(
      `sockets.url (${file}${sockets.url === undefined ? ', here from REDIS_URL' : ''})`,
      `is ${scheme === undefined ? 'not a URL' : `a ${scheme}// URL`}, which the Redis adapter cannot use`,
      "use a URL such as 'redis://127.0.0.1:6379'",
    );
  }
  // Each long-polling request is a new HTTP request, which a proxy without sticky routing may hand to
  // another instance, one that does not know the connection.
  if (sockets.transports?.includes('polling') && sockets.sticky !== true) {
    refuseSetting(
      'sockets.transports',
      "lists 'polling', which across instances needs every request of a client routed to the same instance",
      "use ['websocket'] (the default with sockets.adapter 'redis'), or set sockets.sticky: true if the proxy in front is sticky",
      file,
    );
  }
}

/** Merges `source` into `target`: plain objects recursively, everything else replaced. */
function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (isPlainObject(current) && isPlainObject(value)) {
      const copy = { ...current };
      deepMerge(copy, value);
      target[key] = copy;
    } else {
      target[key] = value;
    }
  }
}
