/**
 * Ratio 8 of `npm run bench`: what connection-state recovery (`sockets.recovery`, on by default)
 * costs one instance. One SQLite app is lifted with recovery on and with `recovery: false`
 * (config/sockets.ts); in each, sockets watch the user model and one socket creates users
 * (bench/load.ts fanout). Printed: events/s and server CPU per delivered event, each the median of
 * `rounds` rounds, the two lifts alternating so a busy machine weighs on both alike.
 *
 * With recovery on, socket.io appends an offset to every message it keeps, keeps each one for the
 * window, and a socket's own `socket.emit` goes through the adapter as a broadcast to its own room.
 *
 * Run alone: `node --import tsx bench/recovery.ts [subscribers] [creates] [rounds]` (after `npm run build`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countedLoad, cpuSeconds, makeBenchApp, start, stop, type BenchAppOptions, type Fanout } from './processes.js';

export interface RecoveryBenchOptions extends BenchAppOptions {
  subscribers: number;
  creates: number;
  rounds: number;
}

interface Figures {
  eventsPerSecond: number;
  micros: number;
  lost: number;
}

/** Returns the ratio line; the figures are printed as they come. */
export async function measureRecovery(options: RecoveryBenchOptions): Promise<string[]> {
  const apps = { on: makeApp(options, 'recovery-on', undefined), off: makeApp(options, 'recovery-off', false) };
  const figures: Record<'on' | 'off', Figures[]> = { on: [], off: [] };
  for (let round = 0; round < options.rounds; round++) {
    for (const mode of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const server = await start(process.execPath, [options.cli, 'lift', '--port', '0'], apps[mode], options.env);
      try {
        let cpu = 0;
        const fanout = await countedLoad<Fanout>(['fanout', server.url, String(options.subscribers), String(options.creates)], {
          counting: () => (cpu = -cpuSeconds(server.child.pid!)),
          counted: () => (cpu += cpuSeconds(server.child.pid!)),
        });
        const result = { eventsPerSecond: fanout.eventsPerSecond, micros: Math.round(((cpu * 1e6) / fanout.delivered) * 10) / 10, lost: fanout.lost };
        figures[mode].push(result);
        console.log(`fan-out, recovery ${mode.padEnd(3)} (round ${round + 1}): ${fanout.delivered}/${fanout.expected} delivered, ${result.eventsPerSecond} events/s, ${result.micros} µs server CPU per delivered event`);
      } finally {
        await stop(server.child);
      }
    }
  }
  const on = { micros: median(figures.on.map((f) => f.micros)), rate: median(figures.on.map((f) => f.eventsPerSecond)) };
  const off = { micros: median(figures.off.map((f) => f.micros)), rate: median(figures.off.map((f) => f.eventsPerSecond)) };
  const lost = [...figures.on, ...figures.off].reduce((sum, f) => sum + f.lost, 0);
  return [
    `8. fan-out server CPU per delivered event, sockets.recovery on vs off (one instance, SQLite, ${options.subscribers} watchers x ${options.creates} creates, median of ${options.rounds}): ` +
      `${on.micros} µs vs ${off.micros} µs, ${(on.micros / off.micros).toFixed(2)}x (target <= 1.2x); ${on.rate} vs ${off.rate} events/s; ${lost} lost`,
  ];
}

/** The bench app on SQLite, with `sockets.recovery: false` when asked. */
function makeApp(options: RecoveryBenchOptions, folder: string, recovery: false | undefined): string {
  const app = makeBenchApp(options, folder, 'sqlite');
  if (recovery === false) writeFileSync(join(app, 'config', 'sockets.ts'), 'export const sockets = { recovery: false };\n');
  return app;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : Math.round(((sorted[middle - 1]! + sorted[middle]!) / 2) * 10) / 10;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  const work = mkdtempSync(join(tmpdir(), 'sails-rt-bench-recovery-'));
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development' };
  delete env['NODE_EXTRA_CA_CERTS'];
  try {
    const [subscribers = 200, creates = 50, rounds = 3] = process.argv.slice(2).map(Number);
    const lines = await measureRecovery({ root, work, cli: join(root, 'bin', 'sails-rt.js'), env, subscribers, creates, rounds });
    for (const line of lines) console.log(line);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
