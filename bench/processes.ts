/**
 * The child processes of `npm run bench`: servers started until they say where they listen,
 * stopped by their PID, their CPU read from /proc, and the load runs of bench/load.ts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

export interface Server {
  child: ChildProcess;
  url: string;
}

/** Spawns `command` and resolves once it prints the http://127.0.0.1:<port> it listens on. */
export function start(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Server> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], env });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(output);
      if (match) resolve({ child, url: match[0] });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} in ${cwd} exited with ${code} before listening:\n${output}`)));
  });
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * One closed-loop run of bench/load.ts (`args` after the script), telling `marks` when it prints
 * `counting` and `counted` around its measured window: resolves with the JSON line it printed last.
 */
export async function countedLoad<T>(args: string[], marks: { counting(): void; counted(): void }): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'load.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (text.includes('counting')) marks.counting();
    if (text.includes('counted')) marks.counted();
    output += text;
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench/load.ts ${args[0] ?? ''} exited with ${String(code)}:\n${output}`);
  return JSON.parse(output.trim().split('\n').at(-1)!) as T;
}

/** One run of bench/load.ts to its end: the JSON line it printed last. */
export function load(args: string[]): unknown {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'load.ts'), ...args], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

/** Where the bench's apps are made and how its CLI runs: what every part of the bench is given. */
export interface BenchAppOptions {
  root: string;
  work: string;
  cli: string;
  env: NodeJS.ProcessEnv;
}

/** What `bench/load.ts fanout` prints. */
export interface Fanout {
  expected: number;
  delivered: number;
  lost: number;
  seconds: number;
  eventsPerSecond: number;
}

/**
 * A new app in `work`/`folder` on `database`, with the bench's User model, sails-rt linked from
 * `root` and its log at warn (no line per request, as the bare peers print none).
 */
export function makeBenchApp(options: BenchAppOptions, folder: string, database: 'sqlite' | 'postgres' | 'mysql'): string {
  const app = join(options.work, folder);
  const run = (args: string[], cwd: string): void => void execFileSync(process.execPath, [options.cli, ...args], { cwd, stdio: 'ignore', env: options.env });
  run(['new', app, '--yes', '--skip-install', '--no-example', '--database', database], options.work);
  run(['generate', 'model', 'User', 'name:string:required', 'email:string', 'age:number'], app);
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(options.root, join(app, 'node_modules', 'sails-rt'), 'dir');
  writeFileSync(join(app, 'config', 'log.ts'), "export const log = { level: 'warn' };\n");
  return app;
}
