/**
 * The several-instances part of `npm run bench` (ratio 7): fan-out through the Redis streams
 * adapter. One app on PostgreSQL is lifted twice on one Redis; 500 sockets watch the user model,
 * spread over both instances, and one socket on the first creates 200 users. Printed: events
 * delivered (all of them, or the run failed), each instance's CPU per event it delivered, and
 * Redis' traffic per create; next to the same app lifted once without the adapter, where the
 * same watchers all sit on one process.
 *
 * The CPU of an instance is read from /proc over the creates only (bench/load.ts prints `counting`
 * and `counted` around them), so the sockets' handshakes are not in it. Redis' figures come from
 * INFO before and after: on a Redis that serves others meanwhile, they include that traffic.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { countedLoad, cpuSeconds, makeBenchApp, start, stop, type BenchAppOptions, type Fanout, type Server } from './processes.js';

export interface ScaleBenchOptions extends BenchAppOptions {
  subscribers: number;
  creates: number;
  sockets: number;
  seconds: number;
}

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Returns the lines to print among the ratios; the figures are printed as they come. */
export async function measureScale(options: ScaleBenchOptions): Promise<string[]> {
  const name = `sailsrt_scale_${Math.random().toString(36).slice(2, 10)}`;
  const keyPrefix = `bench-${name}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const redis = createClient({ url: REDIS_URL, RESP: 2 });
  await redis.connect();
  const env = { ...options.env, DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${name}`, REDIS_URL };
  try {
    const single = makeApp(options, 'scale-single', undefined);
    const shared = makeApp(options, 'scale-shared', keyPrefix);

    const one = await start(process.execPath, [options.cli, 'lift', '--port', '0'], single, env);
    let alone: { fanout: Fanout; micros: number[] };
    try {
      alone = await fanoutWindow(options, [one]);
    } finally {
      await stop(one.child);
    }
    console.log(`fan-out, one instance (no adapter): ${alone.fanout.delivered}/${alone.fanout.expected} delivered, ${alone.fanout.eventsPerSecond} events/s, ${alone.micros[0]} µs server CPU per delivered event`);

    const a = await start(process.execPath, [options.cli, 'lift', '--port', '0'], shared, env);
    let pair: { fanout: Fanout; micros: number[] };
    let traffic: { commands: number; bytesIn: number; bytesOut: number };
    try {
      const b = await start(process.execPath, [options.cli, 'lift', '--port', '0'], shared, env);
      try {
        const before = await redisStats(redis);
        pair = await fanoutWindow(options, [a, b]);
        const after = await redisStats(redis);
        traffic = { commands: after.commands - before.commands, bytesIn: after.bytesIn - before.bytesIn, bytesOut: after.bytesOut - before.bytesOut };
      } finally {
        await stop(b.child);
      }
    } finally {
      await stop(a.child);
    }
    const perCreate = (value: number): string => (value / options.creates).toFixed(1);
    console.log(
      `fan-out, two instances on Redis: ${pair.fanout.delivered}/${pair.fanout.expected} delivered (${pair.fanout.lost} lost), ${pair.fanout.eventsPerSecond} events/s, ` +
        `server CPU per delivered event ${pair.micros[0]} µs on the creating instance, ${pair.micros[1]} µs on the other; ` +
        `Redis per create: ${perCreate(traffic.commands)} commands, ${perCreate(traffic.bytesIn)} bytes in, ${perCreate(traffic.bytesOut)} bytes out`,
    );
    // Socket GET /user/:id throughput, one process vs `lift --instances 2` (node's cluster), the
    // same app: the load is one more process on the same two cores.
    writeFileSync(join(shared, 'config', 'session.ts'), `export const session = { secret: 'bench-only-secret-0123456789abcdef', store: 'redis', prefix: ${JSON.stringify(`${keyPrefix}:sess:`)} };\n`);
    const throughputOf = async (args: string[]): Promise<number> => {
      const lifted = await start(process.execPath, [options.cli, 'lift', '--port', '0', ...args], shared, env);
      try {
        const created = await fetch(`${lifted.url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', email: 'bench@example.com', age: 30 }) });
        const { id } = (await created.json()) as { id: number };
        const result = await countedLoad<{ perSecond: number; failed: number }>(['throughput', lifted.url, String(options.sockets), String(options.seconds), `/user/${id}`], { counting() {}, counted() {} });
        if (result.failed > 0) throw new Error(`${result.failed} socket requests failed against lift ${args.join(' ')}`);
        return result.perSecond;
      } finally {
        await stop(lifted.child);
      }
    };
    const oneProcess = await throughputOf([]);
    const twoWorkers = await throughputOf(['--instances', '2']);
    console.log(`socket GET /user/:id, ${options.sockets} sockets: ${oneProcess} req/s on one process, ${twoWorkers} req/s with lift --instances 2 (${(twoWorkers / oneProcess).toFixed(2)}x; the load runs on the same 2 cores)`);

    // Both instances' CPU over every event delivered: what the pair spends per event, as the one
    // instance's figure is (each instance's own figure above also carries the creates' cost, all of
    // it on the creating one, over half the events).
    const together = Math.round(((pair.micros[0]! + pair.micros[1]!) / 2) * 10) / 10;
    return [
      `7. fan-out on two instances (Redis streams adapter, PostgreSQL), server CPU per delivered event, both instances vs one instance alone: ${together} µs vs ${alone.micros[0]} µs, ${(together / alone.micros[0]!).toFixed(2)}x (target <= 1.5x); ${pair.fanout.lost} of ${pair.fanout.expected} lost (target 0)`,
      `   socket GET /user/:id throughput, lift --instances 2 vs one process: ${twoWorkers} vs ${oneProcess} req/s, ${(twoWorkers / oneProcess).toFixed(2)}x`,
    ];
  } finally {
    // The adapter's stream and whatever else the instances kept under the prefix.
    for await (const keys of redis.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 100 })) {
      if (keys.length > 0) await redis.del(keys);
    }
    await redis.quit();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/** The bench app on PostgreSQL (DATABASE_URL), on Redis when `keyPrefix` is given. */
function makeApp(options: ScaleBenchOptions, folder: string, keyPrefix: string | undefined): string {
  const app = makeBenchApp(options, folder, 'postgres');
  if (keyPrefix !== undefined) {
    writeFileSync(join(app, 'config', 'sockets.ts'), `export const sockets = { adapter: 'redis', keyPrefix: ${JSON.stringify(keyPrefix)}, transports: ['websocket'] };\n`);
  }
  return app;
}

/** One fan-out, watchers spread over `servers`: each server's CPU per event it delivered, in µs. */
async function fanoutWindow(options: ScaleBenchOptions, servers: Server[]): Promise<{ fanout: Fanout; micros: number[] }> {
  const cpu = servers.map(() => 0);
  const fanout = await countedLoad<Fanout>(['fanout', servers.map((server) => server.url).join(','), String(options.subscribers), String(options.creates)], {
    counting: () => servers.forEach((server, i) => (cpu[i] = -cpuSeconds(server.child.pid!))),
    counted: () => servers.forEach((server, i) => (cpu[i]! += cpuSeconds(server.child.pid!))),
  });
  // Each instance delivered to its own share of the watchers (bench/load.ts spreads them evenly).
  const micros = servers.map((_, i) => {
    const share = Math.floor(options.subscribers / servers.length) + (i < options.subscribers % servers.length ? 1 : 0);
    const delivered = fanout.delivered * (share / options.subscribers);
    return Math.round(((cpu[i]! * 1e6) / delivered) * 10) / 10;
  });
  return { fanout, micros };
}

async function redisStats(redis: ReturnType<typeof createClient>): Promise<{ commands: number; bytesIn: number; bytesOut: number }> {
  const info = await redis.info('stats');
  const field = (key: string): number => Number(new RegExp(`^${key}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { commands: field('total_commands_processed'), bytesIn: field('total_net_input_bytes'), bytesOut: field('total_net_output_bytes') };
}
