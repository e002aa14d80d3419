/**
 * `sails-rt lift --instances N`: N processes of the app on this machine behind one port, with
 * node's cluster module. This process is the primary: it checks that the app's config can be
 * shared, forks N workers that each run the plain `sails-rt lift` (the worker's side is in
 * src/cli/commands/lift.ts), and the cluster hands each new connection to the next worker.
 *
 * The first worker lifts alone: the schema it syncs (or the migrations it applies in
 * development) are then in place when the others open the database, which they would otherwise
 * race to create. A worker that dies is reported and replaced; one that keeps dying as it starts
 * makes the primary give up rather than fork for ever.
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { SailsConfig } from '../runtime/config/index.js';
import type { CliContext } from './context.js';
import { CliError } from './errors.js';
import { PACKAGE_ROOT } from './package-info.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'sails-rt.js');
/** A worker that exits this soon after it was forked died starting, not serving. */
const QUICK_EXIT_MS = 5000;
/** Quick exits in a row after which the primary gives up. */
const QUICK_EXITS_LIMIT = 3;
/** How long a worker may take to lower after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5000;

/** What a worker tells the primary once it listens (the line it would have printed). */
export interface LiftedMessage {
  type: 'sails-rt:lifted';
  line: string;
}

export interface InstancesOptions {
  appPath: string;
  appName: string;
  count: number;
  port?: number;
  host?: string;
  /** Resolves when the primary should stop (Ctrl-C, SIGTERM). */
  stopped: Promise<NodeJS.Signals>;
}

/**
 * Why `config` cannot be shared by several processes of one machine, as one sentence with the
 * fix; undefined when it can.
 *
 * @example sharingProblem(await loadConfig(appPath, 'development')) // "lift --instances needs sockets.adapter 'redis' …"
 */
export function sharingProblem(config: SailsConfig): string | undefined {
  const { sockets } = config;
  if (sockets.adapter !== 'redis') {
    return "lift --instances needs sockets.adapter: 'redis' in config/sockets.ts, as without it a message one instance publishes reaches only that instance's sockets; set it (with sockets.url or REDIS_URL) to run several instances.";
  }
  // config/index.ts already refuses 'polling' across instances unless sockets.sticky says a proxy routes each client to one instance.
  if (sockets.transports?.includes('polling')) {
    return "lift --instances cannot serve sockets.transports with 'polling' (config/sockets.ts, allowed there by sockets.sticky: true), as its instances share one port without sticky routing and a long-polling client's requests would reach instances that do not know its connection; use ['websocket'], the default with sockets.adapter 'redis'.";
  }
  // Sessions cannot be turned off: every request and socket has one, so a store the instances share is needed.
  if (config.session?.store === undefined) {
    return "lift --instances needs session.store in config/session.ts, as without it each instance keeps its own sessions in memory and a visitor's session would change with the instance that answers; set it to a store the instances share, such as 'redis'.";
  }
  const datastore = config.datastores.default ?? {};
  if ((datastore.adapter ?? 'sqlite') === 'sqlite') {
    const filename = datastore.filename ?? '.tmp/db.sqlite';
    const reason =
      filename === ':memory:'
        ? "is SQLite in memory (':memory:'), a database of each process's own"
        : datastore.exclusive !== false
          ? `is the SQLite file ${filename}, which the first instance locks for itself (exclusive, the default)`
          : `is the SQLite file ${filename}, on which writes from several processes fail with SQLITE_BUSY when they overlap`;
    return `lift --instances needs a database the instances share, and datastores.default (config/datastores.ts) ${reason}; use adapter 'postgres' or 'mysql' (docs/deploy.md, The database).`;
  }
  return undefined;
}

interface Slot {
  /** 1..N, as the user counts instances. */
  number: number;
  worker: Worker;
  forkedAt: number;
  lifted: boolean;
}

/**
 * Runs `count` workers until `stopped` resolves, then lowers them all and resolves once every one
 * is gone. Rejects with a CliError (nothing left running) when the app does not start, or when
 * workers keep dying as they start.
 */
export async function superviseInstances(context: CliContext, options: InstancesOptions): Promise<void> {
  // One port for every worker, known before they start: a worker replaced later listens on it too.
  const port = options.port === 0 ? await freePort(options.host ?? '127.0.0.1') : options.port;
  cluster.setupPrimary({
    exec: BIN,
    args: ['lift', ...(port !== undefined ? ['--port', String(port)] : []), ...(options.host !== undefined ? ['--host', options.host] : [])],
  });

  const slots = new Map<number, Slot>();
  let started = false;
  let stopping = false;
  let quickExits = 0;
  let failure: CliError | undefined;
  let settle: () => void = () => {};
  /** Resolves when the primary should stop: a signal, or a failure that leaves nothing to supervise. */
  const done = new Promise<void>((resolve) => (settle = resolve));

  const fork = (number: number): Slot => {
    const slot: Slot = { number, worker: cluster.fork(), forkedAt: performance.now(), lifted: false };
    slots.set(number, slot);
    slot.worker.on('message', (message: LiftedMessage) => {
      if (message?.type !== 'sails-rt:lifted' || stopping) return;
      // quickExits is not reset here: a worker that listens and dies a second later is still a crash loop.
      slot.lifted = true;
      if (started) {
        context.stdout(`sails-rt: instance ${number} (pid ${slot.worker.process.pid}) is back; ${options.count} instances answer.\n`);
      } else if ([...slots.values()].filter((s) => s.lifted).length === options.count) {
        started = true;
        context.stdout(`${message.line.replace(/ \(([^)]*)\)$/, ` (${options.count} instances, $1)`)}\n`);
      } else if (slots.size === 1) {
        // The first one synced the schema; the others can open the database now.
        for (let next = 2; next <= options.count; next++) fork(next);
      }
    });
    slot.worker.once('exit', (code, signal) => onExit(slot, code, signal));
    return slot;
  };

  const fail = (message: string) => {
    failure ??= new CliError(message);
    settle();
  };

  const onExit = (slot: Slot, code: number | null, signal: string | null) => {
    if (slots.get(slot.number) === slot && stopping) slots.delete(slot.number);
    if (stopping) return;
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    const which = `instance ${slot.number} (pid ${slot.worker.process.pid})`;
    if (!started) {
      return fail(`${which} exited before it listened (${how}; error above), so lift --instances stopped the app.`);
    }
    const quick = performance.now() - slot.forkedAt < QUICK_EXIT_MS;
    quickExits = quick ? quickExits + 1 : 0;
    if (quickExits >= QUICK_EXITS_LIMIT) {
      return fail(`${which} exited within ${QUICK_EXIT_MS / 1000} s of starting ${QUICK_EXITS_LIMIT} times in a row (${how}; error above, if any), so lift --instances gave up; fix the cause and lift again.`);
    }
    context.stdout(`sails-rt: ${which} exited unexpectedly (${how}; error above, if any); starting another.\n`);
    fork(slot.number);
  };

  fork(1);
  const signal = await Promise.race([options.stopped, done.then(() => undefined)]);
  stopping = true;
  if (signal !== undefined) context.stdout(`${signal}: lowering ${options.appName} (${options.count} instances).\n`);
  await Promise.all([...slots.values()].map((slot) => stopWorker(context, slot)));
  if (failure) throw failure;
}

/** SIGTERM (the worker lowers as a plain lift does), then SIGKILL if it is still there after STOP_GRACE_MS. */
async function stopWorker(context: CliContext, slot: Slot): Promise<void> {
  const { worker } = slot;
  const child = worker.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_GRACE_MS)));
  if ((await Promise.race([exited, late])) === 'late' && child.exitCode === null && child.signalCode === null) {
    context.stdout(`sails-rt: instance ${slot.number} (pid ${child.pid}) did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM, so it was killed.\n`);
    child.kill('SIGKILL');
  }
  clearTimeout(timer);
  await exited;
}

/** A port free right now on `host`, for the workers to share. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
