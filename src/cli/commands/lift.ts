import { availableParallelism } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { findApp } from '../app-folder.js';
import { readAppEnvFile } from '../env-file.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import type { LiftedMessage } from '../instances.js';
import { watchChild } from '../watch-child.js';

interface LiftFlags {
  port?: number;
  host?: string;
  watch?: boolean;
  instances?: number;
}

export function registerLift(program: Command, context: CliContext): void {
  program
    .command('lift')
    .description('Start the app in this folder: HTTP and sockets, until Ctrl-C.')
    .option('-p, --port <n>', 'the port to listen on; 0 picks a free one (default: config port, then 1337)', parsePort)
    .option('--host <h>', 'the address to listen on, e.g. 0.0.0.0 for every interface (default: 127.0.0.1, this machine only)')
    .option('-w, --watch', 'restart the app when api/, config/ or assets/ change; re-derive generated/ first when api/models change')
    .option('-i, --instances <n>', 'run n processes of the app behind the one port, sharing its Redis and database; max is one per core (default: 1)', parseInstances)
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt lift                       listens on the configured port
  $ sails-rt lift --port 8080
  $ sails-rt lift --port 0              a free port; the URL is printed
  $ sails-rt lift --host 0.0.0.0        reachable from other machines
  $ sails-rt lift --watch               restarts on each saved change, on one port
  $ sails-rt lift --instances max       one process per core on one port (needs sockets.adapter
                                        'redis', a shared session.store, PostgreSQL or MySQL)
  $ NODE_ENV=production sails-rt lift   as in production (see Environment)

Environment:
  NODE_ENV       production: config/env/production.ts is merged over config/, logs are JSON
                 lines, clients get no error details, and lift refuses what is unsafe there
                 (a missing session secret, sockets.onlyAllowOrigins and beforeConnect both
                 unset, blueprint writes no policy guards, CORS '*' with credentials); any other
                 value <env> merges config/env/<env>.ts; unset is development
  DEBUG          sails-rt:* prints the runtime's debug lines (e.g. DEBUG=sails-rt:sockets)
  .env           the app folder's .env is read first (DATABASE_URL=..., SESSION_SECRET=...);
                 a variable already set in the environment wins
lift reads no PORT or HOST variable: pass --port and --host (in a script, --port "$PORT"), or set
the port in a config file (export const port = 8080 in config/local.ts).`,
    )
    .action(async (flags: LiftFlags) => {
      await runLift(context, flags);
    });
}

/** How long a lowered app may take to end on its own before lift ends the process. */
const LOWERED_GRACE_MS = 2000;

async function runLift(context: CliContext, flags: LiftFlags): Promise<void> {
  const instances = flags.instances ?? 1;
  if (flags.watch && flags.instances !== undefined) {
    throw new CliError('lift --watch runs one process of the app, which it restarts on each change, so it cannot be combined with --instances; drop one of the two flags.');
  }
  const app = await findApp(context.cwd, 'lift');
  // Before lift --watch or --instances forks: its children inherit what .env set, and so say nothing of it again.
  readAppEnvFile(app.path, context.stdout);
  if (instances > 1) {
    const [{ loadConfig }, { sharingProblem, superviseInstances }] = await Promise.all([import('../../runtime/config/index.js'), import('../instances.js')]);
    try {
      // Refused here, before any process starts: what one process keeps to itself would split the app.
      const problem = sharingProblem(await loadConfig(app.path, process.env['NODE_ENV'] ?? 'development'));
      if (problem !== undefined) throw new CliError(problem);
      await superviseInstances(context, {
        appPath: app.path,
        appName: app.name,
        count: instances,
        stopped: stopSignal(),
        ...(flags.port !== undefined ? { port: flags.port } : {}),
        ...(flags.host !== undefined ? { host: flags.host } : {}),
      });
    } finally {
      // The app's config files ran in this process too, and what they opened (a session store's
      // Redis client, say) is nobody's to close here: it must not keep the primary alive.
      setTimeout(() => process.exit(), LOWERED_GRACE_MS / 10).unref();
    }
    return;
  }
  // A worker that `lift --instances` forked (node's cluster) runs the app under its primary.
  const { default: cluster } = await import('node:cluster');
  if (cluster.isWorker) return runInstance(context, app.path, flags);
  if (flags.watch) {
    const { superviseLift } = await import('../watch.js');
    await superviseLift(context, {
      appPath: app.path,
      appName: app.name,
      stopped: stopSignal(),
      ...(flags.port !== undefined ? { port: flags.port } : {}),
      ...(flags.host !== undefined ? { host: flags.host } : {}),
    });
    return;
  }
  // Loaded here only: `new` and `generate` stay fast. A relative path, because the CLI runs
  // inside the sails-rt package, which need not be resolvable by its own name. The lift module
  // itself, not the root's lazy `lift`: Fastify, socket.io and SQLite load now (in a spare, ahead).
  const { lift } = await import('../../runtime/lift/index.js');
  const supervisor = watchChild();
  if (supervisor) {
    // A lift --watch spare: everything but the app is loaded now, ahead of the change.
    const [{ prepareAppLoader }, { regenerateApp }] = await Promise.all([import('../../schema/load/index.js'), import('./generate.js')]);
    prepareAppLoader();
    const { regenerate } = await supervisor.awaitLoad();
    // A model changed: re-derive generated/ here, where the models are imported anyway.
    if (regenerate) await regenerateApp({ ...context, stdout: () => {} }, app.path);
  }
  // The runtime says where it listens, in one line.
  const sails = await lift({
    appPath: app.path,
    log: (line) => context.stdout(`${line}\n`),
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(supervisor ? { beforeOpen: supervisor.handOver } : {}),
  });
  const signal = await Promise.race([stopSignal(), ...(supervisor ? [supervisor.gone] : [])]);
  // Under lift --watch the supervisor tells what happens; a child stopped for a restart says nothing.
  if (!supervisor) context.stdout(`${signal}: lowering ${app.name}.\n`);
  await sails.lower();
  // A timer or handle the app left open must not keep a lowered app's process alive: a watch
  // child leaves at once (its supervisor waits on it), a plain lift after a moment's grace.
  if (supervisor) process.exit(0);
  setTimeout(() => process.exit(process.exitCode ?? 0), LOWERED_GRACE_MS).unref();
}

/**
 * One worker of `lift --instances`: the plain lift, except that its primary says when the app
 * listens (one line for all of them) and when to stop. Ctrl-C at a terminal reaches every process
 * of the group; the worker leaves it to the primary, which sends each worker SIGTERM.
 */
async function runInstance(context: CliContext, appPath: string, flags: LiftFlags): Promise<void> {
  process.on('SIGINT', () => {});
  const stopped = new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  const { lift } = await import('../../runtime/lift/index.js');
  // A worker that fails to lift leaves once its error is printed, whatever its config opened: the primary reports it.
  const leave = () => setTimeout(() => process.exit(), LOWERED_GRACE_MS / 10).unref();
  const sails = await lift({
    appPath,
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    log: (line) => {
      if (/app lifted at http:/.test(line)) process.send?.({ type: 'sails-rt:lifted', line } satisfies LiftedMessage);
      else context.stdout(`${line}\n`);
    },
  }).catch((error: unknown) => {
    leave();
    throw error;
  });
  await stopped;
  await sails.lower();
  process.exit(0);
}

/** Resolves at the first Ctrl-C or SIGTERM. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** `--instances`: a whole number of 1 or more, or `max` for one per core. */
function parseInstances(value: string): number {
  if (value === 'max') return availableParallelism();
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1) {
    throw new InvalidArgumentError('use a whole number of instances, 1 or more (1 is the plain lift), or max for one per core');
  }
  return count;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0 picks a free port)');
  }
  return port;
}
