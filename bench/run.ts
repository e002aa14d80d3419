/**
 * `npm run bench`: measures, asserts nothing. It ends with eight ratios, each figure next to its
 * peer measured in the same run:
 *
 * 1. lift to first answer (spawn to the first 200 to GET /user), `sails-rt lift` vs `sails lift`
 *    (Sails 1.5, bench/sails-peer.ts), median of BENCH_RUNS each, interleaved;
 * 2. `sails-rt generate model` vs `sails generate model`, the same way;
 * 3. `sails-rt new --skip-install` vs `sails new --fast`, the same way;
 * 4. server CPU per HTTP `GET /user/:id` (closed loops over keep-alive connections) vs a bare
 *    Node `http` server answering the same JSON (bench/bare-http.ts);
 * 5. server CPU per socket `GET /user/:id` vs a bare socket.io 4 server answering the same
 *    envelope (bench/bare-server.ts).
 * 4 and 5 are measured in BENCH_CPU_ROUNDS rounds (default 5) of the four windows in turn, and
 * each is the median of its rounds' ratios.
 *
 * 6. server CPU per socket `GET /user/:id` on PostgreSQL vs SQLite, the same app (bench/stores.ts),
 *    with `POST /user`, fan-out and MySQL's figures beside it, and the database's own CPU apart
 *    (BENCH_STORES=0 skips it).
 * 7. fan-out on two instances sharing Redis and PostgreSQL vs one instance alone: server CPU per
 *    delivered event, events lost, Redis' traffic per create (bench/scale.ts; BENCH_SCALE=0 skips it).
 * 8. fan-out on one instance with connection-state recovery (`sockets.recovery`, the default) vs
 *    with `recovery: false`: server CPU per delivered event and events/s, median of BENCH_CPU_ROUNDS
 *    alternating lifts (bench/recovery.ts; BENCH_RECOVERY=0 skips it).
 *
 * Along the way: Sails' own CPU per HTTP and socket request (BENCH_SAILS_CPU=0 skips it),
 * fan-out (subscribers that hear every `created`), the same socket loops while one more socket
 * floods the app with pipelined 1 MB reads (p99 next to the p99 without the flood, and the
 * server's peak memory), a populated page of 10,000 users next to the same page unpopulated
 * (bench/populate.ts), and the CLI's own times (bench/cli-times.ts). Servers and the load each
 * run in their own process; CPU is read from /proc, so a busy machine slows the figures down
 * together and their ratio holds better than each figure.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureCliTimes } from './cli-times.js';
import { measurePopulate } from './populate.js';
import { measureRecovery } from './recovery.js';
import { measureScale } from './scale.js';
import { countedLoad, cpuSeconds, load, start, stop, type Fanout, type Server } from './processes.js';
import { measureStores } from './stores.js';
import { makeSailsApp, SAILS_MODEL_ARGS, sailsCli, sailsNewArgs } from './sails-peer.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(root, 'bin', 'sails-rt.js');
const SOCKETS = Number(process.env['BENCH_SOCKETS'] ?? 50);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 50);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const SUBSCRIBERS = Number(process.env['BENCH_SUBSCRIBERS'] ?? 500);
const CREATES = Number(process.env['BENCH_CREATES'] ?? 200);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const CPU_ROUNDS = Number(process.env['BENCH_CPU_ROUNDS'] ?? 5);
const SAILS_CPU = process.env['BENCH_SAILS_CPU'] !== '0';
/** BENCH_STORES=0 skips the PostgreSQL and MySQL figures (which need both servers running). */
const STORES = process.env['BENCH_STORES'] !== '0';
/** BENCH_SCALE=0 skips the several-instances figures (which need PostgreSQL and Redis running). */
const SCALE = process.env['BENCH_SCALE'] !== '0';
/** BENCH_RECOVERY=0 skips ratio 8, recovery on vs off. */
const RECOVERY = process.env['BENCH_RECOVERY'] !== '0';
/** BENCH_ONLY=cpu: only ratios 4 and 5 (with their servers), for measuring a change to the request path. */
const ONLY_CPU = process.env['BENCH_ONLY'] === 'cpu';
/** BENCH_ONLY=cli: only ratios 1 to 3 (lift, generate model, new), for measuring a change to start-up. */
const ONLY_CLI = process.env['BENCH_ONLY'] === 'cli';
/**
 * The environment of every process the bench starts, ours and Sails' alike. Without
 * NODE_EXTRA_CA_CERTS: where a machine sets it (this one does), Node reads and parses that CA
 * bundle at every start, some 45 ms here, before either CLI runs a line; no command timed here
 * makes a TLS connection.
 */
const ENV: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development' };
delete ENV['NODE_EXTRA_CA_CERTS'];

interface Throughput { requests: number; failed: number; seconds: number; perSecond: number; p50ms: number; p99ms: number }
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a server told to listen on a free port and asks `GET /user` every 5 ms until it answers
 * 200: resolves with the milliseconds from spawn to that answer, and the running server.
 */
async function liftUntilAnswered(args: string[], cwd: string): Promise<Server & { ms: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...args, '--port', String(port)], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: ENV });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exited) throw new Error(`${args.join(' ')} exited before answering:\n${stderr}`);
    if (performance.now() - started > 120_000) throw new Error(`${args.join(' ')} did not answer GET /user within 120 s:\n${stderr}`);
    const status = await fetch(`${url}/user`).then((response) => (void response.arrayBuffer(), response.status), () => 0);
    if (status === 200) return { child, url, ms: performance.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Two commands, run alternately RUNS times each: their median wall-clock milliseconds. */
async function interleaved(ours: () => Promise<number> | number, theirs: () => Promise<number> | number): Promise<{ ours: number[]; theirs: number[] }> {
  const out = { ours: [] as number[], theirs: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    out.ours.push(await ours());
    out.theirs.push(await theirs());
  }
  return out;
}

function timed(args: string[], cwd: string): number {
  const started = performance.now();
  execFileSync(process.execPath, args, { cwd, stdio: 'ignore', env: ENV });
  return performance.now() - started;
}

/**
 * Closed loops of `mode` (socket `throughput` or `http`) against `server`: throughput, and the
 * server's CPU per request over the counted window only (read when the load prints `counting`
 * and `counted`), so neither the warm-up nor the JIT's first compiles are in the figure.
 */
async function measureCpu(name: string, mode: 'throughput' | 'http', server: Server, path: string): Promise<{ throughput: Throughput; cpuMicros: number }> {
  let before = 0;
  let cpu = 0;
  const throughput = await countedLoad<Throughput>([mode, server.url, String(mode === 'http' ? CONNECTIONS : SOCKETS), String(SECONDS), path], {
    counting: () => (before = cpuSeconds(server.child.pid!)),
    counted: () => (cpu = cpuSeconds(server.child.pid!) - before),
  });
  // To a tenth of a µs: a whole µs is some 3% of a socket request, too coarse for a ratio's rounds.
  const cpuMicros = Math.round((cpu * 1e7) / throughput.requests) / 10;
  console.log(`${name}: ${throughput.perSecond} req/s (p50 ${throughput.p50ms} ms, p99 ${throughput.p99ms} ms, ${throughput.failed} failed), ~${cpuMicros} µs server CPU/request`);
  return { throughput, cpuMicros };
}

function measureFanout(name: string, server: Server): Fanout {
  const fanout = load(['fanout', server.url, String(SUBSCRIBERS), String(CREATES)]) as Fanout;
  console.log(`${name}: fan-out ${fanout.delivered}/${fanout.expected} delivered, ${fanout.lost} lost, ${fanout.eventsPerSecond} events/s`);
  return fanout;
}

/** The peak resident memory of a process so far, in MB (VmHWM). */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(match?.[1] ?? 0) / 1024);
}

/** 50 well-behaved sockets' p99 with and without one socket flooding the app with 1 MB pages. */
async function measureFlood(server: Server, path: string): Promise<void> {
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

/** Creates the bench user through the server's own POST /user: its id, and the record GET /user/:id answers with. */
async function seed(url: string): Promise<{ id: number; record: unknown }> {
  const created = await fetch(`${url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', email: 'bench@example.com', age: 30 }) });
  const { id } = (await created.json()) as { id: number };
  return { id, record: await (await fetch(`${url}/user/${id}`)).json() };
}

const ratios: string[] = [];
function ratio(label: string, ours: number, theirs: number, unit: string, target: string): void {
  ratios.push(`${label}: ${ours.toFixed(unit === 'ms' ? 0 : 1)} ${unit} vs ${theirs.toFixed(unit === 'ms' ? 0 : 1)} ${unit}, ${(ours / theirs).toFixed(2)}x (target ${target})`);
}
/** A ratio from rounds measured in turn: the medians of each side, and the median of the rounds' own ratios with their spread. */
function pairedRatio(label: string, ours: number, theirs: number, perRound: number[], target: string): void {
  const shown = perRound.map((r) => r.toFixed(2)).join(', ');
  ratios.push(`${label}: ${ours.toFixed(1)} µs vs ${theirs.toFixed(1)} µs (medians of ${perRound.length} rounds), ${median(perRound).toFixed(2)}x, the median of the rounds' ratios (${shown}) (target ${target})`);
}
const times = (values: number[]): string => `median ${Math.round(median(values))} ms (${values.map((v) => Math.round(v)).join(', ')})`;

const work = mkdtempSync(join(tmpdir(), 'sails-rt-bench-'));
const app = join(work, 'bench-app');
const sailsApp = join(work, 'sails-app');
const children: ChildProcess[] = [];
try {
  const sails = sailsCli(root);
  execFileSync(process.execPath, [cli, 'new', app, '--yes', '--skip-install'], { stdio: 'ignore' });
  execFileSync(process.execPath, [cli, 'generate', 'model', 'User', 'name:string:required', 'email:string', 'age:number'], { cwd: app, stdio: 'ignore' });
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(root, join(app, 'node_modules', 'sails-rt'), 'dir');
  // The runtime is measured as it runs in production, with no line per request (development
  // writes one to the terminal, at about 8 µs each); the bare servers log nothing either.
  writeFileSync(join(app, 'config', 'log.ts'), "export const log = { level: 'warn' };\n");
  makeSailsApp(sails, root, sailsApp);
  console.log(`sails-rt bench, Node ${process.version}; the Sails peer is ${JSON.parse(readFileSync(join(root, 'bench', 'sails', 'node_modules', 'sails', 'package.json'), 'utf8')).version as string}.`);

  // 1. Lift to first answer, interleaved.
  if (!ONLY_CPU) await measureCli();
  async function measureCli(): Promise<void> {
    const lifts = await interleaved(
      async () => {
        const lifted = await liftUntilAnswered([cli, 'lift'], app);
        await stop(lifted.child);
        return lifted.ms;
      },
      async () => {
        const lifted = await liftUntilAnswered([sails, 'lift'], sailsApp);
        await stop(lifted.child);
        return lifted.ms;
      },
    );
    console.log(`lift to first 200 on GET /user: sails-rt ${times(lifts.ours)}; Sails ${times(lifts.theirs)}`);
    ratio('1. lift to first answer, sails-rt vs Sails 1.5', median(lifts.ours), median(lifts.theirs), 'ms', '<= 0.4x');
    // The figure above is every lift after the first (the app's TypeScript compiled and kept, as
    // `sails-rt build` leaves it); docs/deploy.md shows it next to a lift that compiles everything.
    const cold: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      rmSync(join(app, '.tmp', 'sails-rt'), { recursive: true, force: true });
      const lifted = await liftUntilAnswered([cli, 'lift'], app);
      await stop(lifted.child);
      cold.push(lifted.ms);
    }
    console.log(`sails-rt lift with nothing compiled yet (.tmp/sails-rt removed before each run): ${times(cold)}`);

    // 2. generate model, each in a fresh app of its own CLI, the files removed after each run.
    const ourModel = join(work, 'model-ours');
    const sailsModel = join(work, 'model-sails');
    execFileSync(process.execPath, [cli, 'new', ourModel, '--yes', '--skip-install'], { stdio: 'ignore' });
    execFileSync(process.execPath, [sails, ...sailsNewArgs(sailsModel)], { stdio: 'ignore' });
    const models = await interleaved(
      () => {
        const ms = timed([cli, 'generate', 'model', 'User', 'name:string:required', 'email:string', 'age:number'], ourModel);
        for (const file of ['api/models/User.ts', 'api/controllers/UserController.ts', 'test/user.test.ts']) rmSync(join(ourModel, file), { force: true });
        return ms;
      },
      () => {
        const ms = timed([sails, ...SAILS_MODEL_ARGS], sailsModel);
        rmSync(join(sailsModel, 'api', 'models', 'User.js'), { force: true });
        return ms;
      },
    );
    console.log(`generate model User: sails-rt ${times(models.ours)}; Sails ${times(models.theirs)}`);
    ratio('2. generate model, sails-rt vs sails generate model', median(models.ours), median(models.theirs), 'ms', '<= 0.5x');

    // 3. new, without installing.
    let made = 0;
    const news = await interleaved(
      () => timed([cli, 'new', join(work, `new-ours-${made}`), '--yes', '--skip-install'], work),
      () => timed([sails, ...sailsNewArgs(join(work, `new-sails-${made++}`))], work),
    );
    console.log(`new: sails-rt --skip-install ${times(news.ours)}; sails new --fast ${times(news.theirs)}`);
    ratio('3. new --skip-install vs sails new --fast', median(news.ours), median(news.theirs), 'ms', '<= 0.5x');
  }

  if (!ONLY_CLI) await measureServers();
  async function measureServers(): Promise<void> {
    // 4 and 5. CPU per request, with the bare servers answering the record the app answers with.
    const lifted = await start(process.execPath, [cli, 'lift', '--port', '0'], app, ENV);
    children.push(lifted.child);
    const { id, record } = await seed(lifted.url);
    const path = `/user/${id}`;
    const peerEnv = { ...ENV, BENCH_RECORD: JSON.stringify(record) };
    const bareHttp = await start(process.execPath, ['--import', 'tsx', join(root, 'bench', 'bare-http.ts')], root, peerEnv);
    children.push(bareHttp.child);
    const bare = await start(process.execPath, ['--import', 'tsx', join(root, 'bench', 'bare-server.ts')], root, peerEnv);
    children.push(bare.child);

    console.log(`CPU per request: ${CONNECTIONS} HTTP keep-alive connections / ${SOCKETS} sockets in closed loops for ${SECONDS}s (GET ${path}).`);
    // Rounds of the four windows in turn: one window's CPU figure swings by a fifth or more on a
    // shared machine, so each ratio is the median of its rounds' ratios, pair by pair.
    const rounds: { ourHttp: number; bareHttp: number; ourSocket: number; bareSocket: number }[] = [];
    let ourSocket = { throughput: { perSecond: 0 } as Throughput, cpuMicros: 0 };
    let bareSocket = ourSocket;
    for (let round = 1; round <= Math.max(1, CPU_ROUNDS); round++) {
      console.log(`round ${round} of ${Math.max(1, CPU_ROUNDS)}:`);
      const ourHttp = await measureCpu('sails-rt HTTP   (lifted generated app, SQLite)', 'http', lifted, path);
      const bareHttpCpu = await measureCpu('bare Node http  (constant body)              ', 'http', bareHttp, path);
      ourSocket = await measureCpu('sails-rt socket (lifted generated app, SQLite)', 'throughput', lifted, path);
      bareSocket = await measureCpu('bare socket.io 4 (constant body)             ', 'throughput', bare, path);
      rounds.push({ ourHttp: ourHttp.cpuMicros, bareHttp: bareHttpCpu.cpuMicros, ourSocket: ourSocket.cpuMicros, bareSocket: bareSocket.cpuMicros });
    }
    const medianOf = (pick: (r: (typeof rounds)[number]) => number): number => median(rounds.map(pick));
    pairedRatio('4. HTTP GET /user/:id server CPU, sails-rt vs bare Node http', medianOf((r) => r.ourHttp), medianOf((r) => r.bareHttp), rounds.map((r) => r.ourHttp / r.bareHttp), '<= 1.5x');
    pairedRatio('5. socket GET /user/:id server CPU, sails-rt vs bare socket.io', medianOf((r) => r.ourSocket), medianOf((r) => r.bareSocket), rounds.map((r) => r.ourSocket / r.bareSocket), '<= 1.3x');

    if (!ONLY_CPU) await measureRest();
    async function measureRest(): Promise<void> {
      const ourFanout = measureFanout('sails-rt        ', lifted);
      const bareFanout = measureFanout('bare socket.io 4', bare);
      console.log(`ratio sails-rt / bare socket.io: ${(ourSocket.throughput.perSecond / bareSocket.throughput.perSecond).toFixed(2)} (socket throughput), ${(ourFanout.eventsPerSecond / bareFanout.eventsPerSecond).toFixed(2)} (fan-out events/s)`);
      await measureFlood(lifted, path);
      for (const child of children.splice(0)) await stop(child);

      if (SAILS_CPU) {
        // The same loops against Sails itself (sails-disk, its default datastore), for reference.
        const sailsLifted = await liftUntilAnswered([sails, 'lift'], sailsApp);
        children.push(sailsLifted.child);
        const seeded = await seed(sailsLifted.url);
        const sailsHttp = await measureCpu('Sails 1.5 HTTP   (sails-disk)', 'http', sailsLifted, `/user/${seeded.id}`);
        const sailsSocket = await measureCpu('Sails 1.5 socket (sails-disk)', 'throughput', sailsLifted, `/user/${seeded.id}`);
        ratios.push(`   for reference, Sails 1.5's own server CPU per GET /user/:id: HTTP ${sailsHttp.cpuMicros} µs (sails-rt ${(medianOf((r) => r.ourHttp) / sailsHttp.cpuMicros).toFixed(2)}x), socket ${sailsSocket.cpuMicros} µs (sails-rt ${(medianOf((r) => r.ourSocket) / sailsSocket.cpuMicros).toFixed(2)}x)`);
        for (const child of children.splice(0)) await stop(child);
    }

    // 6. The stores: the same app on SQLite, PostgreSQL and MySQL (bench/stores.ts).
    if (STORES) {
      const lines = await measureStores({ root, work, cli, env: ENV, sockets: SOCKETS, seconds: SECONDS, subscribers: SUBSCRIBERS, creates: CREATES });
      ratios.push(...lines);
    }

    // 7. Several instances: fan-out through Redis (bench/scale.ts).
    if (SCALE) {
      const lines = await measureScale({ root, work, cli, env: ENV, subscribers: SUBSCRIBERS, creates: CREATES, sockets: SOCKETS, seconds: SECONDS });
      ratios.push(...lines);
    }

    // 8. What connection-state recovery costs one instance (bench/recovery.ts).
    if (RECOVERY) {
      const lines = await measureRecovery({ root, work, cli, env: ENV, subscribers: SUBSCRIBERS, creates: CREATES, rounds: CPU_ROUNDS });
      ratios.push(...lines);
    }

    // After the servers stop: these figures are not measured against their CPU load.
    await measurePopulate(root);
    await measureCliTimes(root, work);
    }
  }
  console.log(`\nRatios (each figure next to its peer measured in this run; wall-clock medians of ${RUNS} interleaved runs, CPU from /proc):`);
  for (const line of ratios) console.log(line);
} finally {
  for (const child of children) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
