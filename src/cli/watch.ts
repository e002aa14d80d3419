/**
 * `sails-rt lift --watch`: a supervisor that runs the app in a child process and restarts it when
 * api/, config/ or assets/ change. A child process, because the app's TS files are imported
 * as ES modules and ESM caches modules: a changed model is never re-read by the process that
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
import { existsSync, readdirSync, statSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { CliContext } from './context.js';
import { PACKAGE_ROOT } from './package-info.js';
import { WATCH_CHILD_ENV, type FromChild, type ToChild } from './watch-child.js';
import { freePort } from './free-port.js';

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
  /** A newer save came while this child was loading: it is being stopped, not handed the app. */
  superseded: boolean;
  /** The supervisor stopped it (a restart, Ctrl-C), as opposed to it dying on its own. */
  stopRequested: boolean;
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
  /** A child loading a new version while `current` still serves: a newer save supersedes it. */
  let pending: Running | undefined;
  /** The next child, runtime loaded, waiting for 'load'. */
  let spare: Running | undefined = startChild(context, options.appPath, liftArgs);
  let changed = new Set<string>();
  let firstChangeAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> | undefined;
  let stopping = false;

  const onChange = (name: string) => {
    if (!restartsFor(name)) return;
    if (changed.size === 0) firstChangeAt = performance.now();
    changed.add(name);
    clearTimeout(timer);
    timer = setTimeout(flush, DEBOUNCE_MS);
  };
  const flush = () => {
    if (busy) {
      // A version still loading is out of date (and may never finish: a loop typed mid-edit),
      // so it is dropped for this save; a hand-over already under way is waited for.
      if (pending && !pending.superseded) {
        pending.superseded = true;
        void stopApp(context, pending);
      }
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
    // From the save, or from when this restart could begin if it waited behind another one.
    const began = Math.max(since, performance.now());
    const hadApp = current !== undefined;
    const outcome = await takeOver(models);
    if (stopping) return;
    const took = Math.round(performance.now() - began);
    switch (outcome) {
      case 'superseded':
        // The newer save restarts with these files too: a model among them still regenerates.
        for (const file of files) changed.add(file);
        return;
      case 'not loaded':
        context.stdout(
          current
            ? `sails-rt: ${what}; the new version did not load (error above), so the app was not restarted and still runs the last good version.\n`
            : `sails-rt: ${what}; the app did not load (error above); fix it and save again.\n`,
        );
        return;
      case 'not lifted':
        context.stdout(
          hadApp
            ? `sails-rt: ${what}; the new version loaded but did not start (error above), and the previous one was already stopped, so nothing answers until you save a fix.\n`
            : `sails-rt: ${what}; the app did not start (error above); fix it and save again.\n`,
        );
        return;
      case 'lifted':
        context.stdout(`sails-rt: ${what}; ${models ? 'regenerated and restarted' : 'restarted'} in ${took} ms.\n`);
    }
  };

  /** Has the spare (or a new child) load the app as it is on disk now and, once loaded, hands it the app. */
  const takeOver = async (regenerate = false): Promise<'lifted' | 'not loaded' | 'not lifted' | 'superseded'> => {
    let next = spare && isAlive(spare) ? spare : startChild(context, options.appPath, liftArgs);
    spare = undefined;
    pending = next;
    const interrupted = () => (next.superseded ? 'superseded' : 'not loaded');
    try {
      // A spare that died before it was ready is replaced once.
      if (!(await next.ready) && !stopping && !next.superseded) next = pending = startChild(context, options.appPath, liftArgs);
      if (!(await next.ready) || stopping || next.superseded) return interrupted();
      send(next, { type: 'load', regenerate });
      if (!(await next.loaded) || stopping || next.superseded) return interrupted();
      pending = undefined;
      if (current) await stopApp(context, current);
      current = next;
      send(next, { type: 'open' });
      if ((await next.lifted) === undefined) {
        current = undefined;
        return 'not lifted';
      }
      const lifted = next;
      void lifted.exited.then(() => {
        // The app died on its own (a throw in a timer, kill -9): say so, rather than claim it still runs.
        if (current !== lifted || lifted.stopRequested || stopping) return;
        current = undefined;
        context.stdout(`sails-rt: the app exited (${describeExit(lifted.child)}; error above, if any); save a change to start it again.\n`);
      });
      return 'lifted';
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

  const watchers = new Map<string, FSWatcher>();
  for (const folder of WATCHED) watchFolder(options.appPath, folder, watchers, (path) => onChange(path));
  context.stdout(`sails-rt: watching ${WATCHED.filter((f) => existsSync(join(options.appPath, f))).map((f) => `${f}/`).join(', ')}; a change restarts ${options.appName}.\n`);

  const signal = await options.stopped;
  stopping = true;
  for (const watcher of watchers.values()) watcher.close();
  clearTimeout(timer);
  // A version still loading is not waited for: it would only be stopped again.
  if (pending) await stopApp(context, pending);
  await busy;
  if (spare) await stopApp(context, spare);
  context.stdout(`${signal}: stopping ${options.appName}.\n`);
  if (current) await stopApp(context, current);
}

/**
 * Watches `folder` of the app and every folder below it, one non-recursive watcher each, and
 * calls `onChange` with the path (`api/models/User.ts`) of what changed. Not `recursive: true`:
 * on Linux, Node 20's recursive watcher follows files, and loses one that an editor saves by
 * writing a temp file and renaming it over (sed -i, JetBrains, vim): later saves went unseen.
 * A folder made later is watched from its first event; hidden folders are not.
 */
function watchFolder(appPath: string, folder: string, watchers: Map<string, FSWatcher>, onChange: (path: string) => void): void {
  const full = join(appPath, folder);
  if (watchers.has(folder) || isHidden(folder) || !isFolder(full)) return;
  let watcher: FSWatcher;
  try {
    watcher = watch(full, (_event, file) => {
      if (file === null) return onChange(folder);
      const path = `${folder}/${String(file)}`;
      const gone = watchers.get(path);
      if (gone && !isFolder(join(appPath, path))) {
        gone.close();
        watchers.delete(path);
      }
      watchFolder(appPath, path, watchers, onChange);
      onChange(path);
    });
  } catch {
    return; // Gone between the check and the watch.
  }
  // The folder was removed (or renamed): forget it; its parent's watcher reports the change.
  watcher.on('error', () => {
    watcher.close();
    watchers.delete(folder);
  });
  watchers.set(folder, watcher);
  let entries: Dirent[] = [];
  try {
    entries = readdirSync(full, { withFileTypes: true });
  } catch {
    // Removed already: the error handler above forgets it.
  }
  for (const entry of entries) {
    if (entry.isDirectory()) watchFolder(appPath, `${folder}/${entry.name}`, watchers, onChange);
  }
}

/** A path with a hidden file or folder in it (`api/.git/x`, `api/models/.User.ts.swp`). */
function isHidden(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.'));
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Source files the app loads (api/, config/) and anything it serves (assets/); never an editor's temp or backup file. */
export function restartsFor(path: string): boolean {
  const parts = path.split('/');
  const name = parts[parts.length - 1] ?? '';
  // Hidden files and folders (.#x emacs locks, .x.swp vim swaps, .DS_Store), and the rest of the usual editor litter.
  if (isHidden(path)) return false;
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
  // 'close', not 'exit': its output is all read by then, so its error comes before our line about it.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
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
  return { child, superseded: false, stopRequested: false, ready, loaded, lifted, exited };
}

function send(running: Running, message: ToChild): void {
  // A child that has just exited has no channel; its `exited` already settles what waits on it.
  if (running.child.connected) running.child.send(message);
}

/** How long a child may take to lower after SIGTERM before it is killed. */
const STOP_GRACE_MS = 3000;

/**
 * Stops a child: SIGTERM, then SIGKILL if it is still there after STOP_GRACE_MS (an app whose
 * own timer or handle keeps it alive must not wedge every later restart).
 */
async function stopApp(context: CliContext, running: Running): Promise<void> {
  running.stopRequested = true;
  if (!isRunning(running)) return running.exited;
  running.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_GRACE_MS)));
  if ((await Promise.race([running.exited, late])) === 'late' && isRunning(running)) {
    context.stdout(`sails-rt: the app did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM (something in it keeps the process alive), so it was killed.\n`);
    running.child.kill('SIGKILL');
  }
  clearTimeout(timer);
  await running.exited;
}

function isRunning(running: Running): boolean {
  return running.child.exitCode === null && running.child.signalCode === null;
}

/** Still usable as a spare: running, and its IPC channel open. */
function isAlive(running: Running): boolean {
  return isRunning(running) && running.child.connected;
}

function describeExit(child: ChildProcess): string {
  return child.signalCode ? `killed by ${child.signalCode}` : `exit code ${child.exitCode}`;
}

