/**
 * `sails-rt lift --watch`: a supervisor that runs the app in a child process and restarts it when
 * api/, config/ or assets/ change. A child process, because the app's TS files are imported
 * through tsx and ESM caches modules: a changed model is never re-read by the process that
 * imported it. After a model changed, the child first re-derives generated/ from api/models (as
 * `sails-rt generate` does) and then lifts, importing the models once.
 *
 * A restart is a hand-over (the child's side and the messages are in src/cli/watch-child.ts): a
 * spare child, started ahead with the runtime loaded, is told to load the app ('load'); it loads
 * every file and resolves every route while the old one still serves, and says so ('loaded');
 * only then is the old one stopped and the new one told to open the database and the port
 * ('open'). A version that does not load never stops the last good one. A child lowers itself
 * when the IPC channel closes, so even a SIGKILLed supervisor leaves no app behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { CliContext } from './context.js';
import { PACKAGE_ROOT } from './package-info.js';
import { WATCH_CHILD_ENV, type FromChild, type ToChild } from './watch-child.js';

/** The folders whose changes restart the app; generated/ and .tmp/ are written by us, so not these. */
export const WATCHED = ['api', 'config', 'assets'] as const;
/** Editors save in bursts (temp file, rename, chmod): one restart per burst. */
const DEBOUNCE_MS = 100;
const BIN = join(PACKAGE_ROOT, 'bin', 'sails-rt.js');
const LIFTED = /app lifted at (http:\/\/\S+)/;

export interface WatchOptions {
  appPath: string;
  appName: string;
  port?: number;
  host?: string;
  /** Resolves when the supervisor should stop (Ctrl-C, SIGTERM). */
  stopped: Promise<NodeJS.Signals>;
}

interface Running {
  child: ChildProcess;
  /** True once the runtime is loaded and it waits for 'load'; false if it exits first. */
  ready: Promise<boolean>;
  /** True once the app's files are loaded and it waits for 'open'; false if it exits first. */
  loaded: Promise<boolean>;
  /** Resolves with the URL once the app listens, or with undefined if it exits first. */
  lifted: Promise<string | undefined>;
  exited: Promise<void>;
}

/**
 * Runs the app until `stopped` resolves, restarting it after each burst of changes. A change
 * under api/models also re-derives generated/ (in the new child). A new version that fails to
 * regenerate or load prints its error, and the running app is left alone.
 */
export async function superviseLift(context: CliContext, options: WatchOptions): Promise<void> {
  // One port for every child: a user's browser and socket clients reconnect to the same URL.
  const port = options.port === 0 ? await freePort(options.host ?? '127.0.0.1') : options.port;
  const liftArgs = [
    'lift',
    ...(port !== undefined ? ['--port', String(port)] : []),
    ...(options.host !== undefined ? ['--host', options.host] : []),
  ];

  let current: Running | undefined;
  /** A child loading a new version while `current` still serves. */
  let pending: Running | undefined;
  /** The next child, runtime loaded, waiting for 'load'. */
  let spare: Running | undefined = startChild(context, options.appPath, liftArgs);
  let changed = new Set<string>();
  let firstChangeAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> | undefined;
  let stopping = false;

  const onChange = (folder: string, file: string | Buffer | null) => {
    const name = file === null ? folder : `${folder}/${String(file).split('\\').join('/')}`;
    if (!restartsFor(name)) return;
    if (changed.size === 0) firstChangeAt = performance.now();
    changed.add(name);
    clearTimeout(timer);
    timer = setTimeout(flush, DEBOUNCE_MS);
  };
  const flush = () => {
    // A burst that lands during a restart waits for it, then gets its own restart.
    if (busy) {
      timer = setTimeout(flush, DEBOUNCE_MS);
      return;
    }
    const files = [...changed].sort();
    const since = firstChangeAt;
    changed = new Set();
    busy = restart(files, since).finally(() => {
      busy = undefined;
    });
  };

  const restart = async (files: string[], since: number) => {
    const what = `${files[0]}${files.length > 1 ? ` and ${files.length - 1} more` : ''} changed`;
    const models = files.some((file) => file === 'api/models' || file.startsWith('api/models/'));
    const outcome = await takeOver(models);
    if (stopping) return;
    const took = Math.round(performance.now() - since);
    if (outcome === 'not loaded') {
      context.stdout(
        current
          ? `sails-rt: ${what}; the new version did not load (error above), so the app was not restarted and still runs the last good version.\n`
          : `sails-rt: ${what}; the app did not load (error above); fix it and save again.\n`,
      );
    } else if (outcome === 'not lifted') {
      context.stdout(`sails-rt: ${what}; the app did not start (error above); fix it and save again.\n`);
    } else {
      context.stdout(`sails-rt: ${what}; ${models ? 'regenerated and restarted' : 'restarted'} in ${took} ms.\n`);
    }
  };

  /** Starts a child with the app as it is on disk now and, once it has loaded, hands it the app. */
  const takeOver = async (regenerate = false): Promise<'lifted' | 'not loaded' | 'not lifted'> => {
    // The spare, unless it died; then a new child, which loads the runtime first.
    let next = spare ?? startChild(context, options.appPath, liftArgs);
    spare = undefined;
    pending = next;
    try {
      if (!(await next.ready)) next = pending = startChild(context, options.appPath, liftArgs);
      if (!(await next.ready)) return 'not loaded';
      send(next, { type: 'load', regenerate });
      if (!(await next.loaded)) return 'not loaded';
      pending = undefined;
      if (current) await stopApp(current);
      current = next;
      send(next, { type: 'open' });
      if ((await next.lifted) !== undefined) return 'lifted';
      current = undefined;
      return 'not lifted';
    } finally {
      pending = undefined;
      // The next spare loads once this attempt is over, not during it: the machine may have two cores.
      if (!stopping) spare = startChild(context, options.appPath, liftArgs);
    }
  };

  busy = takeOver()
    .then((outcome) => {
      if (outcome !== 'lifted' && !stopping) context.stdout(`sails-rt: the app did not start (error above); fix it and save, and it starts again.\n`);
    })
    .finally(() => {
      busy = undefined;
    });

  const watchers: FSWatcher[] = [];
  for (const folder of WATCHED) {
    const path = join(options.appPath, folder);
    if (!existsSync(path)) continue;
    watchers.push(watch(path, { recursive: true }, (_event, file) => onChange(folder, file)));
  }
  context.stdout(`sails-rt: watching ${WATCHED.filter((f) => existsSync(join(options.appPath, f))).map((f) => `${f}/`).join(', ')}; a change restarts ${options.appName}.\n`);

  const signal = await options.stopped;
  stopping = true;
  for (const watcher of watchers) watcher.close();
  clearTimeout(timer);
  // A version still loading is not waited for: it would only be stopped again.
  if (pending) await stopApp(pending);
  await busy;
  if (spare) await stopApp(spare);
  context.stdout(`${signal}: stopping ${options.appName}.\n`);
  if (current) await stopApp(current);
}

/** Source files the app loads (api/, config/) and anything it serves (assets/); never an editor's temp or backup file. */
export function restartsFor(path: string): boolean {
  const parts = path.split('/');
  const name = parts[parts.length - 1] ?? '';
  // Hidden files and folders (.#x emacs locks, .x.swp vim swaps, .DS_Store), and the rest of the usual editor litter.
  if (parts.some((part) => part.startsWith('.'))) return false;
  if (/~$|^#.*#$|\.sw[a-p]$|^4913$|\.tmp$|___jb_(?:tmp|old)___$|\.orig(?:\.\d+)?$|\.bak$/.test(name)) return false;
  if (parts[0] === 'assets' || parts.length === 1) return true;
  return /\.(?:[cm]?[jt]s|json)$/.test(name);
}

/** A `sails-rt lift` child that loads the runtime and then waits for 'load' (src/cli/watch-child.ts). */
function startChild(context: CliContext, appPath: string, args: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: appPath,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, [WATCH_CHILD_ENV]: '1' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const said = (type: FromChild['type']) =>
    new Promise<boolean>((resolve) => {
      child.on('message', (message: FromChild) => {
        if (message.type === type) resolve(true);
      });
      void exited.then(() => resolve(false));
    });
  const ready = said('ready');
  const loaded = said('loaded');
  const lifted = new Promise<string | undefined>((resolve) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      context.stdout(text);
      // Lines may arrive split across chunks; only the tail is kept while waiting.
      seen = (seen + text).slice(-4096);
      const match = LIFTED.exec(seen);
      if (match) resolve(match[1]);
    });
    void exited.then(() => resolve(undefined));
  });
  child.stderr!.on('data', (chunk: Buffer) => context.stderr(chunk.toString()));
  return { child, ready, loaded, lifted, exited };
}

function send(running: Running, message: ToChild): void {
  // A child that has just exited has no channel; its `exited` already settles what waits on it.
  if (running.child.connected) running.child.send(message);
}

async function stopApp(running: Running): Promise<void> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM');
  await running.exited;
}

/** A port free right now on `host`, for the children to share. */
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
