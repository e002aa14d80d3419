/**
 * Shared by the runtime tests: lift the fixture app on port 0 with its own database, and talk to
 * it over HTTP, socket.io-client 4, and the official sails.io.js 1.2.1 (socket.io-client 2.0.3).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import { onTestFinished } from 'vitest';
import { lift, type LiftOptions, type SailsApp } from '../../src/runtime/index.js';
import { serverDatabase } from '../store/databases.js';

/** A throwaway app folder of `files` (path to text), removed when the test finishes. */
export function tempApp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sails-rt-app-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The store liftFixture lifts on: 'sqlite', or the server SAILS_RT_TEST_STORE names. */
export const TEST_STORE = process.env['SAILS_RT_TEST_STORE'] === 'postgres' || process.env['SAILS_RT_TEST_STORE'] === 'mysql' ? process.env['SAILS_RT_TEST_STORE'] : 'sqlite';
/**
 * True when the runtime tests run on a server store. The few tests about SQLite's own file, or
 * that lift the fixture in production (which on PostgreSQL and MySQL needs a migrations/ folder
 * the fixture app has not), skip themselves then: what they test does not depend on the store.
 */
export const ON_SERVER_STORE = TEST_STORE !== 'sqlite';

export const FIXTURE_APP = fileURLToPath(new URL('./fixture-app', import.meta.url));

export interface Lifted {
  app: SailsApp;
  /** Lift's own lines (LiftOptions.log). */
  lines: string[];
  /** What the app's log wrote (LiftOptions.logDestination), one entry a line, without the newline. */
  logs: string[];
  dir: string;
  close(): Promise<void>;
}

/**
 * Lifts the fixture app on a free port with a fresh database in a temp folder, or, with
 * SAILS_RT_TEST_STORE=postgres (or mysql), a fresh database on that server, dropped on close,
 * unless the test sets a datastore of its own.
 */
export async function liftFixture(config: Record<string, unknown> = {}, options: LiftOptions = {}): Promise<Lifted> {
  const dir = mkdtempSync(join(tmpdir(), 'sails-rt-test-'));
  const lines: string[] = [];
  const logs: string[] = [];
  // A datastore setting the test gives (e.g. exclusive) goes over the per-test file.
  const { datastores: given, ...rest } = config as { datastores?: { default?: Record<string, unknown> } };
  let drop = async (): Promise<void> => {};
  let base: Record<string, unknown> = { filename: join(dir, 'db.sqlite') };
  if (TEST_STORE !== 'sqlite' && given?.default === undefined) {
    const database = await serverDatabase(TEST_STORE);
    base = { ...database.datastore };
    drop = database.drop;
  }
  const datastores = { default: { ...base, ...given?.default } };
  let app: SailsApp;
  try {
    app = await lift({
      appPath: FIXTURE_APP,
      port: 0,
      environment: 'development',
      log: (line) => lines.push(line),
      logDestination: { write: (text: string) => logs.push(...text.replace(/\n$/, '').split('\n')) },
      ...options,
      config: { ...rest, datastores },
    });
  } catch (error) {
    // Many tests expect lift to refuse: the folder is theirs to lose, not the OS temp dir's to keep.
    rmSync(dir, { recursive: true, force: true });
    await drop();
    throw error;
  }
  return {
    app,
    lines,
    logs,
    dir,
    async close() {
      try {
        await app.lower();
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await drop();
      }
    },
  };
}

/** What a request got back, the same shape for every transport. */
export interface Jwr {
  statusCode: number;
  body: unknown;
  headers: Record<string, string>;
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One client, over any transport: request plus the server's events. */
export interface Client {
  readonly kind: ClientKind;
  request(method: Method, url: string, data?: unknown): Promise<Jwr>;
  /** Every event received so far, by name. */
  events(name: string): unknown[];
  /** Resolves with the next (or an already received, not yet taken) event of that name. */
  next(name: string, timeoutMs?: number): Promise<unknown>;
  close(): void;
}

export type ClientKind = 'http' | 'socket.io-client 4' | 'sails.io.js 1.2.1';
export const SOCKET_KINDS: ClientKind[] = ['socket.io-client 4', 'sails.io.js 1.2.1'];
export const ALL_KINDS: ClientKind[] = ['http', ...SOCKET_KINDS];

export async function connect(kind: ClientKind, url: string, options: { query?: string; headers?: Record<string, string> } = {}): Promise<Client> {
  if (kind === 'http') return httpClient(url);
  if (kind === 'socket.io-client 4') return socketIo4Client(url, options);
  return sailsIoClient(url, options);
}

function httpClient(url: string): Client {
  return {
    kind: 'http',
    async request(method, path, data) {
      let target = url + path;
      const init: RequestInit = { method: method.toUpperCase() };
      if (data !== undefined && (method === 'get' || method === 'delete')) {
        const query = new URLSearchParams();
        for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
          query.set(key, typeof value === 'string' ? value : JSON.stringify(value));
        }
        target += (path.includes('?') ? '&' : '?') + query.toString();
      } else if (data !== undefined) {
        init.body = JSON.stringify(data);
        init.headers = { 'content-type': 'application/json' };
      }
      const response = await fetch(target, init);
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      const headers: Record<string, string> = {};
      response.headers.forEach((value, key) => (headers[key] = value));
      return { statusCode: response.status, body: type.startsWith('application/json') ? JSON.parse(text) : text, headers };
    },
    events: () => [],
    next: () => Promise.reject(new Error('HTTP clients get no events')),
    close() {},
  };
}

/** Event bookkeeping shared by both socket clients. */
function eventLog(subscribe: (handler: (name: string, payload: unknown) => void) => void) {
  const received = new Map<string, unknown[]>();
  const taken = new Map<string, number>();
  const waiters: { name: string; resolve: (payload: unknown) => void }[] = [];
  subscribe((name, payload) => {
    const list = received.get(name) ?? [];
    list.push(payload);
    received.set(name, list);
    const index = waiters.findIndex((w) => w.name === name);
    if (index !== -1) {
      const [waiter] = waiters.splice(index, 1);
      taken.set(name, (taken.get(name) ?? 0) + 1);
      waiter?.resolve(payload);
    }
  });
  return {
    events: (name: string) => [...(received.get(name) ?? [])],
    next(name: string, timeoutMs = 2000): Promise<unknown> {
      const list = received.get(name) ?? [];
      const count = taken.get(name) ?? 0;
      if (list.length > count) {
        taken.set(name, count + 1);
        return Promise.resolve(list[count]);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${name}" event within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          name,
          resolve: (payload) => {
            clearTimeout(timer);
            resolve(payload);
          },
        });
      });
    },
  };
}

async function socketIo4Client(url: string, options: { query?: string; headers?: Record<string, string> }): Promise<Client> {
  const socket: ClientSocket = ioClient(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(options.query ? { query: Object.fromEntries(new URLSearchParams(options.query)) } : {}),
    ...(options.headers ? { extraHeaders: options.headers } : {}),
  });
  const log = eventLog((handler) => socket.onAny((name: string, payload: unknown) => handler(name, payload)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return {
    kind: 'socket.io-client 4',
    request: (method, path, data) =>
      new Promise((resolve) => socket.emit(method, { method, headers: {}, data: data ?? {}, url: path }, (jwr: Jwr) => resolve(jwr))),
    ...log,
    close: () => socket.close(),
    // For tests that need the raw client.
    ...({ raw: socket } as object),
  };
}

/** The raw socket.io-client 4 socket behind a client made by connect(). */
export function rawSocket(client: Client): ClientSocket {
  return (client as unknown as { raw: ClientSocket }).raw;
}

/**
 * Sends socket.io EVENT packets as raw text over a socket.io-client 4 client (a normal client's
 * encoder would overflow on what they hold), with ack ids `firstId`, `firstId + 1` …, and
 * resolves with the ACK payloads by id once all are in or `ms` passed.
 */
export async function sendRawFrames(client: Client, frames: string[], { firstId = 9000, ms = 2000 } = {}): Promise<Map<number, unknown>> {
  const engine = rawSocket(client).io.engine;
  const acks = new Map<number, unknown>();
  const done = new Promise<void>((resolve) => {
    engine.on('message', (data: unknown) => {
      const match = typeof data === 'string' ? /^3(\d+)(.*)$/s.exec(data) : null;
      if (!match) return;
      acks.set(Number(match[1]), (JSON.parse(match[2] ?? 'null') as unknown[])[0]);
      if (acks.size === frames.length) resolve();
    });
  });
  frames.forEach((frame, i) => engine.write(`2${firstId + i}${frame}`));
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, ms))]);
  return acks;
}

interface SailsSocket {
  on(event: string, handler: (payload: unknown) => void): void;
  request(options: { method: string; url: string; data?: unknown; headers?: Record<string, string> }, cb: (body: unknown, jwr: { toPOJO(): Jwr }) => void): void;
  disconnect(): void;
  isConnected(): boolean;
  _raw?: { onevent?: unknown; on(event: string, handler: (...args: unknown[]) => void): void };
}

interface SailsIo {
  sails: { autoConnect: boolean; reconnection: boolean; environment: string; connect(url: string, options: Record<string, unknown>): SailsSocket };
}

let sailsIo: SailsIo | undefined;

function sailsIoModule(): SailsIo {
  if (!sailsIo) {
    const require = createRequire(import.meta.url);
    const factory = require('sails.io.js') as (client: unknown) => SailsIo;
    sailsIo = factory(require('socket.io-client-2'));
    // Set synchronously, before the SDK's setTimeout(0) would auto-connect io.socket.
    sailsIo.sails.autoConnect = false;
    sailsIo.sails.reconnection = false;
    sailsIo.sails.environment = 'production';
  }
  return sailsIo;
}

async function sailsIoClient(url: string, options: { query?: string; headers?: Record<string, string> }): Promise<Client> {
  const io = sailsIoModule();
  const socket = io.sails.connect(url, {
    transports: ['websocket'],
    reconnection: false,
    multiplex: false,
    ...(options.query ? { query: options.query } : {}),
    ...(options.headers ? { initialConnectionHeaders: options.headers } : {}),
  });
  const handlers: ((name: string, payload: unknown) => void)[] = [];
  const log = eventLog((handler) => handlers.push(handler));
  const known = new Set<string>();
  const listen = (name: string): void => {
    if (known.has(name)) return;
    known.add(name);
    socket.on(name, (payload) => handlers.forEach((h) => h(name, payload)));
  };
  // sails.io.js has no onAny: listen to the events the tests use.
  for (const name of ['user', 'note', 'widget', 'hello', 'message', 'custom', 'sails:parseError']) listen(name);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sails.io.js did not connect')), 3000);
    socket.on('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return {
    kind: 'sails.io.js 1.2.1',
    request: (method, path, data) =>
      new Promise((resolve) => socket.request({ method, url: path, data: data ?? {} }, (_body, jwr) => resolve(jwr.toPOJO()))),
    events: (name) => {
      listen(name);
      return log.events(name);
    },
    next: (name, timeoutMs) => {
      listen(name);
      return log.next(name, timeoutMs);
    },
    close: () => socket.disconnect(),
  };
}

/** Waits for a round trip on `client`, so every event the server sent it before is in. */
export async function flush(client: Client): Promise<void> {
  if (client.kind !== 'http') await client.request('get', '/__flush__');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A fixture app lifted (`appPath`, default the fixture app) and one client of each kind connected
 * to it, each listening to `events` from the start (sails.io.js has no onAny); the clients and the
 * app are closed when the test finishes.
 */
export async function liftAndConnect(
  kinds: readonly ClientKind[],
  { config = {}, appPath, events = [] }: { config?: Record<string, unknown>; appPath?: string; events?: readonly string[] } = {},
): Promise<{ lifted: Lifted; clients: Client[] }> {
  const lifted = await liftFixture(config, appPath === undefined ? {} : { appPath });
  const clients: Client[] = [];
  onTestFinished(async () => {
    for (const client of clients) client.close();
    await lifted.close();
  });
  for (const kind of kinds) {
    const client = await connect(kind, lifted.app.url);
    for (const event of events) client.events(event);
    clients.push(client);
  }
  return { lifted, clients };
}
