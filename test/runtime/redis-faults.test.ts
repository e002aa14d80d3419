/**
 * Faults with sockets.adapter 'redis': Redis restarted under two running instances (a redis-server
 * of this test's own, never the shared one), and instances in processes of their own, one killed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serverDatabase, serverProblem } from '../store/databases.js';
import { deleteKeys, freePort, redisProblem, startRedisServer, TEST_REDIS_URL, uniquePrefix } from '../support/redis.js';
import { connect, FIXTURE_APP, sleep, type Client } from './helpers.js';
import { liftPair } from './redis-helpers.js';

const INSTANCE = fileURLToPath(new URL('../support/lift-instance.ts', import.meta.url));
const redisMissing = await redisProblem();
const postgresMissing = await serverProblem('postgres');
if (postgresMissing !== undefined && process.env['CI'] === 'true') throw new Error(postgresMissing);
const missing = redisMissing ?? postgresMissing;
if (missing !== undefined) console.warn(`skipping the Redis fault tests: ${missing}`);

/** Sends PATCHes through `writer` until `listener` hears one more `user` message; resolves with how long that took. */
async function untilHeard(writer: Client, listener: Client, id: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  const before = listener.events('user').length;
  for (let age = 1000; Date.now() - started < timeoutMs; age += 1) {
    await writer.request('patch', `/user/${id}`, { age });
    for (let wait = 0; wait < 5; wait += 1) {
      if (listener.events('user').length > before) return Date.now() - started;
      await sleep(20);
    }
  }
  throw new Error(`no pub-sub message crossed within ${timeoutMs} ms`);
}

describe.skipIf(missing !== undefined)('Redis faults', () => {
  it('Redis restarted: no crash, requests that need no Redis answer while it is down, pub-sub resumes once it is back', async () => {
    const port = await freePort();
    let redis = await startRedisServer(port);
    onTestFinished(() => redis.stop());
    const pair = await liftPair(FIXTURE_APP, redis.url);
    const onA = await pair.client('a');
    const onB = await pair.client('b');
    const bob = (await onB.request('post', '/user', { name: 'bob' })).body as { id: number };
    await onA.request('get', `/user/${bob.id}`);
    expect(await untilHeard(onB, onA, bob.id, 2000)).toBeLessThan(2000);

    await redis.stop();
    await sleep(1500);
    // Answered by the instance alone, and its own sockets still hear its own writes.
    expect((await onA.request('get', `/user/${bob.id}`)).statusCode).toBe(200);
    const alsoOnA = await pair.client('a');
    await alsoOnA.request('get', `/user/${bob.id}`);
    expect((await onA.request('patch', `/user/${bob.id}`, { age: 1 })).statusCode).toBe(200);
    expect(await alsoOnA.next('user')).toMatchObject({ verb: 'updated', data: { age: 1 } });
    await sleep(2000);
    // One line per outage, not one per retry.
    expect(pair.a.logs.filter((line) => line.includes('is unreachable'))).toHaveLength(1);

    redis = await startRedisServer(port);
    const resumedAfter = await untilHeard(onB, onA, bob.id, 10_000);
    console.log(`pub-sub across instances resumed ${resumedAfter} ms after Redis answered again`);
    expect(resumedAfter).toBeLessThan(5000);
    await sleep(200);
    expect(pair.a.logs.filter((line) => line.includes('answers again'))).toHaveLength(1);
  });

  it('lowers at once and without a crash while Redis is away', async () => {
    const port = await freePort();
    const redis = await startRedisServer(port);
    onTestFinished(() => redis.stop());
    const pair = await liftPair(FIXTURE_APP, redis.url);
    await pair.client('a');
    await redis.stop();
    await sleep(500);
    const started = Date.now();
    await pair.a.app.lower();
    await pair.b.app.lower();
    expect(Date.now() - started).toBeLessThan(2000);
    await sleep(500);
  });

  it('instances in processes of their own: pub-sub crosses; one killed, the other goes on serving and publishing', async () => {
    const prefix = uniquePrefix();
    const database = await serverDatabase('postgres');
    const config = JSON.stringify({ sockets: { adapter: 'redis', url: TEST_REDIS_URL, keyPrefix: prefix }, datastores: { default: database.datastore } });
    const pids: number[] = [];
    const clients: Client[] = [];
    onTestFinished(async () => {
      for (const client of clients) {
        try {
          client.close();
        } catch {
          // its instance was killed
        }
      }
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await sleep(200);
      await database.drop();
      await deleteKeys(prefix);
    });
    const start = async (): Promise<{ url: string; pid: number; exited: Promise<number | null> }> => {
      const child = spawn(process.execPath, ['--import', 'tsx', INSTANCE, FIXTURE_APP, config], { stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
      pids.push(child.pid as number);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const found = /listening (\S+)/.exec(out);
          if (found?.[1] !== undefined) resolve(found[1]);
        });
        void exited.then((code) => reject(new Error(`the instance exited with ${code} before it listened:\n${log}`)));
      });
      return { url, pid: child.pid as number, exited };
    };
    // One after the other: the first creates the tables.
    const a = await start();
    const b = await start();
    const onA = await connect('socket.io-client 4', a.url);
    const onB = await connect('sails.io.js 1.2.1', b.url);
    clients.push(onA, onB);
    const httpA = connect('http', a.url);
    const ann = (await (await httpA).request('post', '/user', { name: 'ann' })).body as { id: number };
    await onA.request('get', `/user/${ann.id}`);
    await onB.request('get', `/user/${ann.id}`);
    expect(await untilHeard(onB, onA, ann.id, 3000)).toBeLessThan(3000);

    process.kill(b.pid, 'SIGKILL');
    expect(await b.exited).toBe(null);
    expect((await (await httpA).request('get', `/user/${ann.id}`)).statusCode).toBe(200);
    const watcher = await connect('socket.io-client 4', a.url);
    clients.push(watcher);
    expect((await watcher.request('get', '/user')).statusCode).toBe(200);
    const created = (await (await httpA).request('post', '/user', { name: 'cy' })).body as { id: number };
    expect(await watcher.next('user')).toMatchObject({ verb: 'created', id: created.id });
    expect((await onA.request('post', '/echo/join', { room: 'r' })).statusCode).toBe(200);
    expect(await untilHeard(await httpA, onA, ann.id, 3000)).toBeLessThan(3000);
    expect(onA.events('user').at(-1)).toMatchObject({ verb: 'updated', id: ann.id });
  });
});
