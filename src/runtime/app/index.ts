/**
 * The lifted app, and the `sails` singleton that reads it. The current app lives on globalThis
 * under a registered symbol, because one process can hold two copies of this module (a test
 * importing src/ while the app's controllers import the built 'sails-rt').
 */
import type { Server } from 'socket.io';
import type { SailsConfig } from '../config/index.js';
import type { SailsLog } from '../log/index.js';
import type { ModelApi } from '../models/index.js';
import type { SocketsApi } from '../sockets/index.js';

/**
 * The app's models by identity, to be filled in by declaration merging: an app's
 * generated/models-api.ts declares one entry per model, so `sails.models.user` is typed from
 * api/models/User.ts. Without entries (no generated file) it is any identity.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Models {}

/** `Models` once the app declared its models; a record by identity before that. */
export type AppModels = keyof Models extends never ? Record<string, ModelApi> : Models;

export interface SailsApp {
  /** `http://127.0.0.1:1337` */
  url: string;
  port: number;
  config: SailsConfig;
  /** By identity: `models.user` (typed by the app's generated/models-api.ts). */
  models: AppModels;
  /** The raw socket.io Server. */
  io: Server;
  /** `sails.sockets` */
  sockets: SocketsApi;
  /** `sails.log`: `sails.log.info(…)`, `warn`, `error`, `debug` (also `sails.log(…)`), `verbose`, `silly`. */
  log: SailsLog;
  /** Closes the sockets, the socket.io server, HTTP and the database. Safe to call twice. */
  lower(): Promise<void>;
}

const CURRENT = Symbol.for('sails-rt.app');
const LIFTED = Symbol.for('sails-rt.apps');

interface AppRegistry {
  [CURRENT]?: SailsApp;
  [LIFTED]?: SailsApp[];
}

const registry = globalThis as typeof globalThis & AppRegistry;

/** Makes `app` the one `sails` reads. */
export function setCurrentApp(app: SailsApp): void {
  (registry[LIFTED] ??= []).push(app);
  registry[CURRENT] = app;
}

/** Forgets `app`; `sails` then reads the most recently lifted app still up, if any. */
export function forgetApp(app: SailsApp): void {
  const lifted = (registry[LIFTED] ??= []).filter((a) => a !== app);
  registry[LIFTED] = lifted;
  if (registry[CURRENT] === app) {
    const previous = lifted[lifted.length - 1];
    if (previous) registry[CURRENT] = previous;
    else delete registry[CURRENT];
  }
}

export function currentApp(): SailsApp | undefined {
  return registry[CURRENT];
}

/**
 * The lifted app, as Sails' global `sails`: `sails.sockets`, `sails.config`, `sails.models`,
 * `sails.io`, `sails.log`. Reading it before `lift()` resolves throws.
 *
 * @example import { sails } from 'sails-rt'; sails.sockets.join(req, 'funSockets');
 */
export const sails: SailsApp = new Proxy({} as SailsApp, {
  get(_target, property) {
    const app = registry[CURRENT];
    if (!app) {
      // Probes by promises (`then`), inspectors and serializers must not throw: only real reads do.
      if (typeof property === 'symbol' || property === 'then' || property === 'toJSON') return undefined;
      throw new Error(
        `sails.${String(property)} was read before the app was lifted; read it inside an action, or after \`await lift()\` resolves.`,
      );
    }
    return Reflect.get(app, property);
  },
  has(_target, property) {
    const app = registry[CURRENT];
    return app !== undefined && property in app;
  },
});
