import { InvalidArgumentError, type Command } from 'commander';
import { findApp } from '../app-folder.js';
import type { CliContext } from '../context.js';

interface LiftFlags {
  port?: number;
  host?: string;
  watch?: boolean;
}

export function registerLift(program: Command, context: CliContext): void {
  program
    .command('lift')
    .description('Start the app in this folder: HTTP and sockets, until Ctrl-C.')
    .option('-p, --port <n>', 'the port to listen on; 0 picks a free one (default: config port, then 1337)', parsePort)
    .option('--host <h>', 'the address to listen on (default: 127.0.0.1, this machine only)')
    .option('-w, --watch', 'restart the app when api/, config/ or assets/ change; re-derive generated/ first when api/models change')
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt lift                       listens on the configured port
  $ sails-rt lift --port 8080
  $ sails-rt lift --port 0              a free port; the URL is printed
  $ sails-rt lift --host 0.0.0.0        reachable from other machines
  $ sails-rt lift --watch               restarts on each saved change, on one port`,
    )
    .action(async (flags: LiftFlags) => {
      await runLift(context, flags);
    });
}

async function runLift(context: CliContext, flags: LiftFlags): Promise<void> {
  const app = await findApp(context.cwd, 'lift');
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
  // inside the sails-rt package, which need not be resolvable by its own name.
  const { lift } = await import('../../runtime/index.js');
  const supervisor = watchSupervisor();
  // The runtime says where it listens, in one line.
  const sails = await lift({
    appPath: app.path,
    log: (line) => context.stdout(`${line}\n`),
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(supervisor ? { beforeOpen: supervisor.handOver } : {}),
  });
  const signal = await Promise.race([stopSignal(), ...(supervisor ? [supervisor.gone] : [])]);
  context.stdout(`${signal === 'supervisor gone' ? 'The lift --watch supervisor is gone' : signal}: lowering ${app.name}.\n`);
  await sails.lower();
}

interface Supervisor {
  /** Tells the supervisor this version loaded, and resolves when it may open the database and port. */
  handOver: () => Promise<void>;
  /** Resolves if the supervisor dies (even SIGKILLed): its app must not outlive it. */
  gone: Promise<'supervisor gone'>;
}

/**
 * The `lift --watch` supervisor's side of the hand-over (src/cli/watch.ts), when this process is
 * its child: an IPC channel and SAILS_RT_WATCH_CHILD=1. The channel is unreferenced, so that it
 * never keeps a lowered app's process alive.
 */
function watchSupervisor(): Supervisor | undefined {
  const channel = process.channel;
  if (process.env['SAILS_RT_WATCH_CHILD'] !== '1' || !channel || !process.send) return undefined;
  channel.unref();
  let opened = false;
  const gone = new Promise<'supervisor gone'>((resolve) => process.once('disconnect', () => resolve('supervisor gone')));
  // Gone before the app listens: nothing to lower, so just leave.
  void gone.then(() => {
    if (!opened) process.exit(0);
  });
  const handOver = () =>
    new Promise<void>((resolve) => {
      channel.ref();
      process.on('message', function onMessage(message: unknown) {
        if ((message as { type?: unknown }).type !== 'open') return;
        process.off('message', onMessage);
        channel.unref();
        opened = true;
        resolve();
      });
      process.send!({ type: 'loaded' });
    });
  return { handOver, gone };
}

/** Resolves at the first Ctrl-C or SIGTERM. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0 picks a free port)');
  }
  return port;
}
