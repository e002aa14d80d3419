/**
 * `npm run bench`: measures, asserts nothing. For a generated app lifted by `sails-rt lift` and
 * for a bare socket.io 4 server answering the same envelope with a constant body, in the same
 * run: socket request throughput (closed loops of GET /user/:id) and fan-out (subscribers that
 * hear every `created`). Then, on the generated app, the same closed loops while one more socket
 * floods it with pipelined 1 MB reads: their p99 next to the p99 without the flood, measured
 * just before, and the server's peak memory. Servers and the load each run in their own process.
 * Then a populated page of 10,000 users next to the same page unpopulated (bench/populate.ts), and the CLI's own
 * times, from bench/cli-times.ts: `new`, `generate` with 50 models, `lift --watch` restarts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureCliTimes } from './cli-times.js';
import { measurePopulate } from './populate.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(root, 'bin', 'sails-rt.js');
const SOCKETS = Number(process.env['BENCH_SOCKETS'] ?? 50);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const SUBSCRIBERS = Number(process.env['BENCH_SUBSCRIBERS'] ?? 500);
const CREATES = Number(process.env['BENCH_CREATES'] ?? 200);

interface Throughput { requests: number; failed: number; seconds: number; perSecond: number; p50ms: number; p99ms: number }
interface Fanout { expected: number; delivered: number; lost: number; seconds: number; eventsPerSecond: number }

function start(command: string, args: string[], cwd: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'development' } });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(output);
      if (match) resolve({ child, url: match[0] });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before listening:\n${output}`)));
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function load(args: string[]): unknown {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'load.ts'), ...args], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

function measure(name: string, server: { child: ChildProcess; url: string }, path: string): { throughput: Throughput; fanout: Fanout; cpuMicros: number } {
  const before = cpuSeconds(server.child.pid!);
  const throughput = load(['throughput', server.url, String(SOCKETS), String(SECONDS), path]) as Throughput;
  const cpu = cpuSeconds(server.child.pid!) - before;
  const fanout = load(['fanout', server.url, String(SUBSCRIBERS), String(CREATES)]) as Fanout;
  // Warm-up second included in the CPU figure: it overstates the cost a little, never understates it.
  const cpuMicros = Math.round((cpu * 1e6) / (throughput.requests * (1 + 1 / SECONDS)));
  console.log(`${name}: ${throughput.perSecond} req/s (p50 ${throughput.p50ms} ms, p99 ${throughput.p99ms} ms, ${throughput.failed} failed), ~${cpuMicros} µs server CPU/request; fan-out ${fanout.delivered}/${fanout.expected} delivered, ${fanout.lost} lost, ${fanout.eventsPerSecond} events/s`);
  return { throughput, fanout, cpuMicros };
}

/** The peak resident memory of a process so far, in MB (VmHWM). */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(match?.[1] ?? 0) / 1024);
}

/** 50 well-behaved sockets' p99 with and without one socket flooding the app with 1 MB pages. */
async function measureFlood(server: { child: ChildProcess; url: string }, path: string): Promise<void> {
  // 20 users of 50 KB: the flood path's page is about 1 MB.
  for (let i = 0; i < 20; i++) {
    await fetch(`${server.url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `${i}`.padEnd(50_000, 'x'), email: 'big@example.com' }) });
  }
  const quiet = load(['throughput', server.url, String(SOCKETS), String(SECONDS), path]) as Throughput;
  const rssBefore = peakRssMb(server.child.pid!);
  const flooded = load(['flood', server.url, String(SOCKETS), String(SECONDS), path, '/user?email=big@example.com']) as Throughput & { flood: { sent: number; byStatus: Record<string, number> } };
  console.log(
    `flood (one socket pipelining 1 MB pages, up to 1,000 unanswered): ${SOCKETS} other sockets p99 ${flooded.p99ms} ms (p50 ${flooded.p50ms} ms, ${flooded.perSecond} req/s, ${flooded.failed} failed) ` +
      `vs ${quiet.p99ms} ms (p50 ${quiet.p50ms} ms, ${quiet.perSecond} req/s) without it: p99 ratio ${(flooded.p99ms / quiet.p99ms).toFixed(1)}; ` +
      `flood answered ${JSON.stringify(flooded.flood.byStatus)}; server peak RSS ${rssBefore} MB before, ${peakRssMb(server.child.pid!)} MB after`,
  );
}

const work = mkdtempSync(join(tmpdir(), 'sails-rt-bench-'));
const app = join(work, 'bench-app');
const children: ChildProcess[] = [];
try {
  execFileSync(process.execPath, [cli, 'new', app, '--yes', '--skip-install'], { stdio: 'ignore' });
  execFileSync(process.execPath, [cli, 'generate', 'model', 'User', 'name:string:required', 'email:string', 'age:number'], { cwd: app, stdio: 'ignore' });
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(root, join(app, 'node_modules', 'sails-rt'), 'dir');
  // The runtime is measured as it runs in production, with no line per request (development
  // writes one to the terminal, at about 8 µs each); the bare socket.io server logs nothing either.
  writeFileSync(join(app, 'config', 'log.ts'), "export const log = { level: 'warn' };\n");

  const lifted = await start(process.execPath, [cli, 'lift', '--port', '0'], app);
  children.push(lifted.child);
  const seeded = await fetch(`${lifted.url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', email: 'bench@example.com', age: 30 }) });
  const { id } = (await seeded.json()) as { id: number };
  const bare = await start(process.execPath, ['--import', 'tsx', join(root, 'bench', 'bare-server.ts')], root);
  children.push(bare.child);

  console.log(`sails-rt bench: ${SOCKETS} sockets in closed loops for ${SECONDS}s (GET /user/${id}); fan-out to ${SUBSCRIBERS} subscribers of ${CREATES} creates. Node ${process.version}.`);
  const ours = measure('sails-rt (lifted generated app, SQLite)', lifted, `/user/${id}`);
  const base = measure('bare socket.io 4 (constant body)      ', bare, `/user/${id}`);
  const ratio = ours.throughput.perSecond / base.throughput.perSecond;
  console.log(`ratio sails-rt / bare socket.io: ${ratio.toFixed(2)} (throughput), ${(ours.fanout.eventsPerSecond / base.fanout.eventsPerSecond).toFixed(2)} (fan-out events/s)`);
  await measureFlood(lifted, `/user/${id}`);
  for (const child of children.splice(0)) child.kill('SIGTERM');
  // After the servers stop: these figures are not measured against their CPU load.
  await measurePopulate(root);
  await measureCliTimes(root, work);
} finally {
  for (const child of children) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
