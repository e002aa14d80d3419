/**
 * The app the conformance and fault suites drive: `sails-rt new` in a temp folder, the docs/protocol.md
 * test models made with `generate model`, sails-rt linked to this checkout (no npm install), a
 * probe controller that shows what a request looks like from inside an action, a session store
 * the probes can count, and `sails-rt lift --port 0` in a child process, stopped by its PID.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const BIN = join(ROOT, 'bin', 'sails-rt.js');

/** The models docs/protocol.md's observations used (its introduction), as `generate model` specs. */
const MODELS = [
  ['User', 'name:string:required', 'age:number', 'pets:collection:pet:owner', 'tags:collection:tag:users'],
  ['Pet', 'name:string', 'owner:model:user'],
  ['Tag', 'label:string:required:unique', 'users:collection:user:tags'],
];

/** Actions that answer with what the pipeline gave them, or do one thing the suites check. */
const PROBE_CONTROLLER = `import { defineController, sails } from 'sails-rt';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export default defineController({
  echo(req) {
    return {
      method: req.method,
      url: req.url,
      path: req.path,
      query: req.query,
      params: req.params,
      body: req.body,
      headers: req.headers,
      isSocket: req.isSocket,
      transport: req.transport,
      protocol: req.protocol,
      port: req.port,
      wantsJSON: req.wantsJSON,
      all: req.allParams(),
      param: { p: req.param('p') ?? null, q: req.param('q') ?? null },
      handshakeQuery: req.socket?.handshake.query ?? null,
    };
  },
  count(req) {
    const n = ((req.session['n'] as number | undefined) ?? 0) + 1;
    req.session['n'] = n;
    return { n };
  },
  jsonString(_req, res) {
    return res.json('hi');
  },
  sendStatus(req, res) {
    return res.sendStatus(Number(req.params['code']));
  },
  headers(_req, res) {
    return res.set('X-Custom', 'yes').set('Content-Language', 'en').json({ ok: true });
  },
  throws() {
    throw new Error('boom from the probe');
  },
  rooms(req) {
    const socket = req.socket;
    return {
      id: socket?.id ?? null,
      ownRoom: socket ? socket.rooms.has(socket.id) : false,
      rooms: socket ? [...socket.rooms].filter((room) => room !== socket.id).sort() : [],
    };
  },
  /** Every room that is not a socket's own room, with its members; and the totals (engine.io connections and sessions too). */
  adapter() {
    const nsp = sails.io.of('/');
    const named: Record<string, string[]> = {};
    for (const [room, members] of nsp.adapter.rooms) {
      if (!nsp.sockets.has(room)) named[room] = [...members].sort();
    }
    const sessionCount = (sails.config.session?.store as { size?: number } | undefined)?.size ?? null;
    return {
      rooms: named,
      roomCount: nsp.adapter.rooms.size,
      socketCount: nsp.sockets.size,
      connectionCount: sails.io.engine.clientsCount,
      sessionCount,
      heapUsed: process.memoryUsage().heapUsed,
    };
  },
  gc() {
    (globalThis as { gc?: () => void }).gc?.();
    return { heapUsed: process.memoryUsage().heapUsed };
  },
  /** Calls one sails.sockets function; "$req" in the args stands for this request, "$socket" for its socket. */
  async sockets(req) {
    const { fn, args } = req.body as { fn: string; args: unknown[] };
    const real = args.map((arg) => (arg === '$req' ? req : arg === '$socket' ? req.socket : arg));
    const api = sails.sockets as unknown as Record<string, (...a: unknown[]) => unknown>;
    try {
      const result = await api[fn]!(...real);
      if (result !== null && typeof result === 'object' && 'id' in result && 'rooms' in result) return { result: { socketId: (result as { id: string }).id } };
      return { result: result === undefined ? null : result };
    } catch (error) {
      const { code, status } = error as { code?: string; status?: number };
      return { threw: { code, status } };
    }
  },
  publish(req) {
    const { ids, data, omitMe } = req.body as { ids: number[]; data: unknown; omitMe: boolean };
    sails.models['user']!.publish(ids, data, omitMe ? req : undefined);
    return { published: ids };
  },
  async subscribe(req) {
    const { ids } = req.body as { ids: number[] };
    await sails.models['user']!.subscribe(req, ids);
    return { subscribed: ids };
  },
  /** Whether anything reached the shared prototypes: a fresh object or array in the server must have no such key. */
  pollution() {
    const fresh: Record<string, unknown> = {};
    return {
      polluted: 'polluted' in fresh || 'polluted' in [] || 'polluted' in Object.create(Object.prototype),
      objectPrototype: Object.getOwnPropertyNames(Object.prototype).sort(),
    };
  },
  /** A stand-in for an app's login: the session's user is what the policy isLoggedIn checks. */
  login(req) {
    req.session['userId'] = 1;
    return { userId: 1 };
  },
  async slow(req) {
    await sleep(Number(req.param('ms') ?? 300));
    return { slept: true };
  },
});
`;

const ROUTES = `import type { RoutesConfig } from 'sails-rt';

export const routes: RoutesConfig = {
  'GET /say/hello': 'SayController.hello',
  '/probe/echo': 'ProbeController.echo',
  '/probe/echo/:p': 'ProbeController.echo',
  'GET /probe/json-string': 'ProbeController.jsonString',
  'GET /probe/status/:code': 'ProbeController.sendStatus',
  'GET /probe/headers': 'ProbeController.headers',
  'GET /probe/throws': 'ProbeController.throws',
  'GET /probe/rooms': 'ProbeController.rooms',
  'GET /probe/adapter': 'ProbeController.adapter',
  'GET /probe/gc': 'ProbeController.gc',
  'POST /probe/sockets': 'ProbeController.sockets',
  'POST /probe/publish': 'ProbeController.publish',
  'POST /probe/subscribe': 'ProbeController.subscribe',
  'GET /probe/slow': 'ProbeController.slow',
  'GET /probe/count': 'ProbeController.count',
  'GET /probe/pollution': 'ProbeController.pollution',
  'POST /probe/login': 'ProbeController.login',
};
`;

/** The default store, given by the app so the probe controller can count its sessions (`size`). */
const SESSION_CONFIG = `import { MemorySessionStore, type SessionConfig } from 'sails-rt';

export const session: SessionConfig = {
  secret: process.env['SESSION_SECRET'],
  store: new MemorySessionStore(),
};
`;

/** In place of the secret `sails-rt new` drew: a known one, which the production suite looks for in every answer. */
const LOCAL_CONFIG = `export const session = { secret: 'a secret for the generated test app only' };
`;

export interface GeneratedApp {
  dir: string;
  url: string;
  /** Everything the lifted process wrote to stdout and stderr so far. */
  output(): string;
  server: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Generates the app in a temp folder and lifts it. `files` are written over the generated app
 * (e.g. config/local.ts); `nodeOptions` go to the lifted process (e.g. --expose-gc); `env` is
 * merged over its environment, which has NODE_ENV=development unless `env` says otherwise.
 */
export async function liftGeneratedApp(
  options: { files?: Record<string, string>; nodeOptions?: string[]; env?: Record<string, string> } = {},
): Promise<GeneratedApp> {
  const work = mkdtempSync(join(tmpdir(), 'sails-rt-conformance-'));
  let server: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (server !== undefined && server.exitCode === null && server.signalCode === null && server.pid !== undefined) {
      const exited = new Promise<void>((resolve) => server?.once('exit', () => resolve()));
      process.kill(server.pid, 'SIGTERM');
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const dir = join(work, 'app');
    await run(process.execPath, [BIN, 'new', dir, '--yes', '--skip-install']);
    for (const [name, ...specs] of MODELS) {
      await run(process.execPath, [BIN, 'generate', 'model', name ?? '', ...specs], { cwd: dir });
    }
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(dir, 'node_modules', 'sails-rt'), 'dir');
    const files: Record<string, string> = {
      'api/controllers/ProbeController.ts': PROBE_CONTROLLER,
      'config/routes.ts': ROUTES,
      'config/session.ts': SESSION_CONFIG,
      'config/local.ts': LOCAL_CONFIG,
      // No line per request: the suites send tens of thousands; warnings and 500s are still written.
      'config/log.ts': "export const log = { level: 'warn' };\n",
      ...options.files,
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }

    const child = spawn(process.execPath, [...(options.nodeOptions ?? []), BIN, 'lift', '--port', '0'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'development', ...options.env },
    });
    server = child;
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /app lifted at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`sails-rt lift exited with ${code}:\n${output}`)));
    });

    return { dir, url, output: () => output, server: child, stop };
  } catch (error) {
    // The caller gets no app to stop: the folder and the process are this function's to end.
    await stop();
    throw error;
  }
}
