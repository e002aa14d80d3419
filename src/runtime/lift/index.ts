/**
 * `lift()`: config, models, controllers, router, HTTP and sockets, then the store and the port, with no
 * prompt anywhere (a headless start never hangs). Any failure closes what was opened and
 * rejects with one sentence naming the file or setting and the fix.
 */
import { join, resolve } from 'node:path';
import createDebug from 'debug';
import type { FastifyInstance } from 'fastify';
import type { Server } from 'socket.io';
import { BLUEPRINT_ACTIONS, blueprintRoutes, type NormalizedModel } from '../../schema/index.js';
import { loadModels } from '../../schema/load/index.js';
import { forgetApp, setCurrentApp, type SailsApp } from '../app/index.js';
import { blueprintActions } from '../blueprints/index.js';
import { describeModels, MODEL_LIST_ACTION, MODEL_LIST_PATH, modelListEntry } from '../blueprints/model-list.js';
import { connectionLimits, DEFAULT_CONNECTION_TIMEOUT, DEFAULT_MAX_PAGE_BYTES, loadConfig, socketsRedisUrl, type RouteTarget, type SailsConfig } from '../config/index.js';
import { actionIdentity, loadControllers, type ActionTable } from '../controllers/index.js';
import { LiftError } from '../errors.js';
import { createHttpServer } from '../http/index.js';
import { AppLog, type LogDestination } from '../log/index.js';
import { blueprintBounds, createModelApi, RecordWriter, type ModelApi } from '../models/index.js';
import { resolveEncryptionKeys } from '../models/encryption.js';
import type { Action } from '../pipeline/index.js';
import { compileTrust } from '../proxies/index.js';
import { PubSub } from '../pubsub/index.js';
import { Router, VERBS, type RouteEntry, type Verb } from '../router/index.js';
import { Security } from '../security/index.js';
import { RANDOM_SECRET_WARNING } from '../session/index.js';
import { createSocketServer, createSocketsApi, DEFAULT_SOCKET_PATH, type RedisAdapter } from '../sockets/index.js';
import { DeferredStore, openStore, storeLabel, type SchemaChanges, type Store } from '../store/index.js';
import { temporaryDatabase, type TemporaryDatabase } from '../store/temporary.js';
import { keepCompileCache } from '../compile-cache.js';

const debug = createDebug('sails-rt:lift');

export interface LiftOptions {
  /** The app's folder (default: the current directory). */
  appPath?: string;
  /** Default: `config.port`, else 1337. 0 picks a free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default: NODE_ENV, else 'development'. 'production' hides error details from clients. */
  environment?: string;
  /** Where lift's own lines go (default: console.log): "app lifted at …", "database …". */
  log?: (line: string) => void;
  /**
   * Where the app's log is written (default: process.stdout): `sails.log`, request lines and
   * 500s, as lines for a person in development and pino's JSON lines in production.
   */
  logDestination?: LogDestination;
  /**
   * Settings merged over the app's config files, as Sails' `sails.lift(overrides)` does,
   * e.g. `{ datastores: { default: { filename: ':memory:' } } }`.
   */
  config?: Record<string, unknown>;
  /**
   * Awaited once the app's files are loaded and every route resolves, before the database is
   * opened and the port bound. `lift --watch` uses it to keep the previous version serving until
   * the new one is known to load, then to stop it and let the new one take the file and port.
   */
  beforeOpen?: () => Promise<void>;
  /**
   * Lift on a database of its own, emptied with the app (for its tests): SQLite in memory, or a
   * new database on the configured PostgreSQL or MySQL server, dropped when the app lowers. An
   * app with migrations/ gets them applied to it, as in development.
   */
  temporaryDatabase?: boolean;
}

const ROUTE_KEY = /^(?:([A-Za-z]+)\s+)?(\/\S*)$/;

/**
 * Starts the app in `appPath` and resolves once it listens.
 *
 * @example const app = await lift({ port: 0 }); … await app.lower();
 */
export async function lift(options: LiftOptions = {}): Promise<SailsApp> {
  const appPath = resolve(options.appPath ?? process.cwd());
  const environment = options.environment ?? process.env['NODE_ENV'] ?? 'development';
  const production = environment === 'production';
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? '127.0.0.1';

  // Each phase of a start is a debug line (DEBUG=sails-rt:lift), to see where the time goes.
  debug('lifting %s', appPath);
  const config = await loadConfig(appPath, environment, options.config);
  debug('config loaded');
  const models = await loadModels(appPath);
  resolveEncryptionKeys(models, config.models?.dataEncryptionKeys);
  debug('%d models loaded', models.length);
  const actions = await loadControllers(appPath);
  debug('controllers loaded');
  const security = await Security.prepare(config, production, log);
  if (security.sessions.randomSecret) log(RANDOM_SECRET_WARNING);

  const opened: Opened = { security };
  try {
    if (options.temporaryDatabase) {
      const temporary = await temporaryDatabase(config.datastores.default ?? {});
      opened.temporary = temporary;
      config.datastores.default = temporary.datastore;
    }
    // Wired now, opened last: see `beforeOpen`.
    const store = new DeferredStore();
    opened.store = store;

    const router = new Router();
    const appLog = new AppLog(config.log ?? {}, production, options.logDestination ?? process.stdout);
    const trust = compileTrust(config.http?.trustProxy);
    const http = await createHttpServer({ router, production, assetsDir: join(appPath, 'assets'), limits: connectionLimits(config.http, 'http'), connectionTimeout: config.http?.connectionTimeout ?? DEFAULT_CONNECTION_TIMEOUT, log, appPath, cors: security.cors, appLog, trust });
    opened.http = http;
    debug('HTTP server made');
    const redis = await redisAdapter(config, appLog);
    opened.redis = redis;
    const io = createSocketServer(http.server, config.sockets, router, production, log, { appLog, trust }, redis ? { ...security.serverOptions, adapter: redis.adapter } : security.serverOptions);
    opened.io = io;
    await redis?.ready();
    security.attachSockets(io);
    const pubsub = new PubSub(io, config.blueprints.mirror === true);
    debug('socket server made');

    const writer = new RecordWriter(store, pubsub, new Map(models.map((model) => [model.identity, model])));
    const table: ActionTable = new Map();
    for (const model of models) {
      const blueprints = blueprintActions(model, {
        store,
        pubsub,
        writer,
        autoWatch: config.blueprints.autoWatch !== false,
        watchLinkedModels: config.blueprints.watchLinkedModels !== false,
        criteria: blueprintBounds(config.blueprints.criteriaLimits),
        maxPageBytes: config.blueprints.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES,
      });
      for (const name of BLUEPRINT_ACTIONS) {
        table.set(actionIdentity(model.identity, name), { action: blueprints[name], name: `${model.identity}/${name.toLowerCase()}` });
      }
    }
    // A controller action named like a blueprint replaces it, as in Sails.
    for (const [identity, entry] of actions) table.set(identity, entry);
    if (production) security.checkUnguardedWrites(config, models, table);
    // The live page of a new app reads the models here; production has no such route.
    if (!production && !table.has(MODEL_LIST_ACTION)) {
      const blueprintOptions = { prefix: config.blueprints.prefix ?? '', restPrefix: config.blueprints.restPrefix ?? '', rest: config.blueprints.rest !== false };
      table.set(MODEL_LIST_ACTION, modelListEntry(describeModels(models, blueprintOptions)));
    }
    // Session, CSRF and policies run before every action, over HTTP and sockets alike.
    security.guardTable(table);
    bindRoutes(router, config, models, table, security);
    security.bindRoutes(router, table);
    const modelList = table.get(MODEL_LIST_ACTION);
    if (modelList !== undefined && !router.has('GET', MODEL_LIST_PATH)) router.add(['GET'], MODEL_LIST_PATH, modelList);

    // With migrations/, only they change the schema (docs/deploy.md, Migrations); what needs no database is checked first.
    debug('routes bound');
    const { checkSchema } = await import('../migrations/lift.js');
    const schema = await checkSchema({ appPath, datastore: config.datastores.default, models, production, log });
    if (options.beforeOpen) await options.beforeOpen();
    const { autoSync } = await schema.prepare();
    store.open(await openStore(config.datastores.default ?? {}, models, { appPath: config.appPath, autoSync }));
    logSchemaChanges(store.changes, config, log);
    debug('database open');

    const port = options.port ?? config.port ?? 1337;
    try {
      await http.listen({ port, host });
    } catch (error) {
      throw listenError(error, port, host);
    }
    debug('listening');
    keepCompileCache();
    const address = http.server.address();
    const actualPort = typeof address === 'object' && address !== null ? address.port : port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;

    const modelApis: Record<string, ModelApi> = {};
    const publishWrites = config.models?.publishWrites !== false;
    for (const model of models) modelApis[model.identity] = createModelApi(model, store, pubsub, writer, publishWrites);

    let lowering: Promise<void> | undefined;
    const app: SailsApp = {
      url,
      port: actualPort,
      config,
      models: modelApis,
      io,
      sockets: createSocketsApi(io),
      log: appLog.sails,
      lower() {
        lowering ??= (async () => {
          forgetApp(app);
          await closeAll(opened);
        })();
        return lowering;
      },
    };
    setCurrentApp(app);
    if (debug.enabled) debug('routes:\n%s', router.describe());
    log(`sails-rt: app lifted at ${url} (sockets on ${config.sockets.path ?? DEFAULT_SOCKET_PATH})`);
    return app;
  } catch (error) {
    await closeAll(opened).catch(() => {});
    throw error;
  }
}

function logSchemaChanges(changes: SchemaChanges, config: SailsConfig, log: (line: string) => void): void {
  const { createdTables, addedColumns, createdIndexes } = changes;
  const done = [
    createdTables.length > 0 ? `created tables ${createdTables.join(', ')}` : '',
    addedColumns.length > 0 ? `added columns ${addedColumns.join(', ')}` : '',
    createdIndexes.length > 0 ? `added unique indexes ${createdIndexes.join(', ')}` : '',
  ].filter(Boolean);
  if (done.length > 0) log(`sails-rt: database ${storeLabel(config.datastores.default ?? {}, config.appPath)}: ${done.join('; ')}.`);
}

/** Custom routes first, then the blueprint routes a custom route does not already take. */
function bindRoutes(router: Router, config: SailsConfig, models: NormalizedModel[], table: ActionTable, security: Security): void {
  for (const [key, target] of Object.entries(config.routes)) {
    const match = ROUTE_KEY.exec(key.trim());
    const verb = match?.[1]?.toUpperCase();
    const path = match?.[2];
    if (!match || path === undefined || (verb !== undefined && verb !== 'ALL' && !(VERBS as readonly string[]).includes(verb))) {
      throw new LiftError(
        `config/routes.ts: the route "${key}" cannot be read; write it as "/path" or "VERB /path" with VERB one of ${VERBS.join(', ')}.`,
      );
    }
    const entry = resolveTarget(key, target, table, security);
    const verbs: readonly Verb[] = verb === undefined || verb === 'ALL' ? VERBS : [verb as Verb];
    try {
      router.add(verbs, path, security.cors.forRoute(key, entry));
    } catch (error) {
      throw new LiftError(`config/routes.ts: the route "${key}" clashes with another route (${(error as Error).message}); remove one of them.`);
    }
  }
  const routes = blueprintRoutes(models, {
    prefix: config.blueprints.prefix ?? '',
    restPrefix: config.blueprints.restPrefix ?? '',
    rest: config.blueprints.rest !== false,
    shortcuts: config.blueprints.shortcuts === true,
  });
  for (const route of routes) {
    const found = table.get(actionIdentity(route.identity, route.action));
    if (!found) continue;
    const entry = route.alias === undefined ? found : withAlias(found, route.alias);
    if (router.has(route.method, route.path)) {
      if (debug.enabled) debug('%s %s: the custom route wins over the blueprint %s', route.method, route.path, entry.name);
      continue;
    }
    try {
      router.add([route.method], route.path, entry);
    } catch (error) {
      // A custom route with another param name on the same path, e.g. GET /user/:name.
      if (debug.enabled) debug('%s %s: blueprint not bound, a custom route takes the path (%s)', route.method, route.path, (error as Error).message);
    }
  }
}

/** add/remove/replace/populate routes are bound per link: the action reads which from `req.params.alias`. */
function withAlias(entry: RouteEntry, alias: string): RouteEntry {
  return {
    ...entry,
    action: (req, res) => {
      req.params = { ...req.params, alias };
      return entry.action(req, res);
    },
  };
}

function resolveTarget(key: string, target: RouteTarget, table: ActionTable, security: Security): RouteEntry {
  if (typeof target === 'function') return security.guard(undefined, { action: target as Action, name: `${key} (inline action)` });
  let identity: string | undefined;
  if (typeof target === 'string') {
    const dot = /^([A-Za-z0-9_]+)\.([A-Za-z0-9_$]+)$/.exec(target);
    // 'user/signup', or a top-level standalone action's name ('ping'), as Sails 1 reads them.
    identity = dot ? actionIdentity(dot[1] ?? '', dot[2] ?? '') : target.includes('/') || /^[\w-]+$/.test(target) ? target.toLowerCase() : undefined;
  } else if (typeof target === 'object' && target !== null && typeof target.action === 'string') {
    identity =
      typeof target.controller === 'string' ? actionIdentity(target.controller, target.action) : target.action.toLowerCase();
  }
  if (identity === undefined) {
    throw new LiftError(
      `config/routes.ts: the route "${key}" has a target sails-rt cannot use (${JSON.stringify(target)}); use 'SayController.hello', { action: 'say/hello' } or { controller: 'SayController', action: 'hello' }.`,
    );
  }
  const entry = table.get(identity);
  if (!entry && !identity.includes('/')) {
    throw new LiftError(
      `config/routes.ts: the route "${key}" points to the action ${identity}, which does not exist; write the standalone action api/controllers/${identity}.ts, or fix the route.`,
    );
  }
  if (!entry) {
    const slash = identity.lastIndexOf('/');
    const controller = identity.slice(0, slash);
    const action = identity.slice(slash + 1);
    const file = `api/controllers/${controller.charAt(0).toUpperCase()}${controller.slice(1)}Controller.ts`;
    throw new LiftError(
      `config/routes.ts: the route "${key}" points to the action ${identity}, which does not exist; add an action "${action}" to ${file}, write the standalone action api/controllers/${identity}.ts, or fix the route.`,
    );
  }
  return entry;
}

function listenError(error: unknown, port: number, host: string): LiftError {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') {
    return new LiftError(
      `Port ${port} on ${host} is already in use; stop the program using it, or lift on another port (the port setting, or 0 for any free port).`,
      { cause: error },
    );
  }
  if (code === 'EACCES') {
    return new LiftError(`Not allowed to listen on port ${port} on ${host}; use a port above 1023.`, { cause: error });
  }
  return new LiftError(`Could not listen on ${host}:${port} (${(error as Error).message}); check the host and port settings.`, { cause: error });
}

/** With `sockets.adapter: 'redis'`: connected (or a LiftError) before the socket server exists. */
async function redisAdapter(config: SailsConfig, appLog: AppLog): Promise<RedisAdapter | undefined> {
  const url = config.sockets.adapter === 'redis' ? socketsRedisUrl(config.sockets) : undefined;
  if (url === undefined) return undefined;
  const { createRedisAdapter } = await import('../sockets/redis-adapter.js');
  return createRedisAdapter({ url, keyPrefix: config.sockets.keyPrefix, report: (line) => appLog.sails.warn(line) });
}

interface Opened {
  redis?: RedisAdapter;
  temporary?: TemporaryDatabase;
  store?: Store;
  http?: FastifyInstance;
  io?: Server;
  security?: Security;
}

async function closeAll(opened: Opened): Promise<void> {
  const { io, http, store, security, temporary, redis } = opened;
  if (io) {
    // This instance's connections are closed, not its sockets sent away (io.disconnectSockets):
    // a client then sees its transport close and reconnects, to this instance once it is back or
    // to another, and with sockets.recovery its socket is kept to be recovered there; a
    // disconnect message would tell the client to stay away. The engine, not io.close(), which
    // would also close the HTTP server under Fastify.
    io.engine.close();
    // The sessions those closes keep reach Redis before its connections go.
    await redis?.flush();
    // Stops the adapter reading the stream before its connections go.
    await io.of('/').adapter.close();
  }
  await redis?.close();
  try {
    if (http) await http.close();
    if (store) await store.close();
  } finally {
    // After the HTTP server: a request still answering saves its session first.
    await security?.close();
    // Once its pool is closed: PostgreSQL refuses to drop a database with connections to it.
    if (temporary) await temporary.drop();
  }
}
