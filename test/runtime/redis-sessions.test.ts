/**
 * `session.store: 'redis'`: two instances lifted in this process on one Redis share every
 * session, over HTTP and sockets, and each response goes out only once its session is stored.
 * Needs Redis at 127.0.0.1:6379 (REDIS_TEST_URL to change it); without it these tests are
 * skipped, except with CI=true, where that fails the run. The outage test starts a Redis of its
 * own (redis-server on PATH), never stopping the shared one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { createClient } from 'redis';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Req } from '../../src/runtime/index.js';
import { connect, sleep, type Lifted } from './helpers.js';
import { httpSession, liftSecure } from './secure-helpers.js';

const REDIS_URL = process.env['REDIS_TEST_URL'] ?? 'redis://127.0.0.1:6379';
const SECRET = 'a-test-secret-shared-by-both-instances';

async function redisAnswers(url: string): Promise<boolean> {
  const client = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    await client.close();
    return true;
  } catch (error) {
    if (process.env['CI'] === 'true') throw new Error(`Redis at ${url} does not answer (${(error as Error).message}); CI needs it.`, { cause: error });
    return false;
  }
}

const available = await redisAnswers(REDIS_URL);
/** Every key these tests write starts with this, and is deleted at the end. */
const PREFIX = `sails-rt-test:${randomUUID()}:`;

/** Inline routes over the secure fixture app's: logout, and a write to read back elsewhere. */
const routes = {
  'POST /logout': (req: Req) => {
    req.session = {};
    return { loggedOut: true };
  },
  'POST /mark': (req: Req) => {
    req.session['mark'] = req.param('value');
    return { marked: req.session['mark'] };
  },
  'GET /mark': (req: Req) => ({ mark: req.session['mark'] ?? null }),
};

function liftOnRedis(url: string, prefix = PREFIX): Promise<Lifted> {
  return liftSecure({ session: { secret: SECRET, store: 'redis', url, prefix }, routes });
}

describe.skipIf(!available)('sessions on Redis, two instances', () => {
  afterAll(async () => {
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${PREFIX}*`, COUNT: 100 })) keys.push(...batch);
    if (keys.length > 0) await client.del(keys);
    await client.close();
  });

  it('a session written on one instance is read on the other, over HTTP and sockets, and so is its logout', async () => {
    const [a, b] = await Promise.all([liftOnRedis(REDIS_URL), liftOnRedis(REDIS_URL)]);
    onTestFinished(() => Promise.all([a.close(), b.close()]).then(() => undefined));
    expect(a.app.port).not.toBe(b.app.port);

    const onA = httpSession(a.app.url);
    expect((await onA.request('post', '/login', { name: 'ann' })).body).toStrictEqual({ loggedIn: 'ann' });
    const onB = httpSession(b.app.url, onA.cookie);
    expect((await onB.request('get', '/session')).body).toStrictEqual({ session: { userId: 'ann' }, hasCsrfSecret: false });

    const socketOnB = await connect('socket.io-client 4', b.app.url, { headers: { cookie: onA.cookie ?? '' } });
    onTestFinished(() => socketOnB.close());
    expect((await socketOnB.request('get', '/session')).body).toStrictEqual({ session: { userId: 'ann' }, hasCsrfSecret: false });
    // Written over the socket on B, read over HTTP on A.
    expect((await socketOnB.request('get', '/count')).body).toStrictEqual({ count: 1 });
    expect((await onA.request('get', '/session')).body).toStrictEqual({ session: { userId: 'ann', count: 1 }, hasCsrfSecret: false });

    // Logout on A: B's HTTP requests and B's socket (same cookie) no longer see the user.
    expect((await onA.request('post', '/logout')).body).toStrictEqual({ loggedOut: true });
    expect((await onB.request('get', '/session')).body).toStrictEqual({ session: {}, hasCsrfSecret: false });
    expect((await socketOnB.request('get', '/session')).body).toStrictEqual({ session: {}, hasCsrfSecret: false });

    // One key per session, under the prefix, as connect-redis stores it: the whole session as JSON.
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    const sid = decodeURIComponent(onA.cookie ?? '').replace(/^sails\.sid=s:/, '').replace(/\.[^.]*$/, '');
    expect(await client.get(`${PREFIX}${sid}`)).toBe('{}');
    expect(await client.ttl(`${PREFIX}${sid}`)).toBeGreaterThan(86000);
    await client.close();
  });

  it('each response goes out once its session is stored: the next request, on the other instance, reads it', async () => {
    const [a, b] = await Promise.all([liftOnRedis(REDIS_URL), liftOnRedis(REDIS_URL)]);
    onTestFinished(() => Promise.all([a.close(), b.close()]).then(() => undefined));
    const onA = httpSession(a.app.url);
    await onA.request('post', '/mark', { value: 'start' });
    const onB = httpSession(b.app.url, onA.cookie);
    const socketOnA = await connect('sails.io.js 1.2.1', a.app.url, { headers: { cookie: onA.cookie ?? '' } });
    onTestFinished(() => socketOnA.close());
    for (let i = 0; i < 20; i++) {
      const value = `v${i}`;
      // Alternately over HTTP and over a socket (its JWR is the response).
      const writer = i % 2 === 0 ? onA : socketOnA;
      expect((await writer.request('post', '/mark', { value })).body).toStrictEqual({ marked: value });
      expect((await onB.request('get', '/mark')).body).toStrictEqual({ mark: value });
    }
  });

  it('Redis going away: 503 E_SESSION_STORE_UNAVAILABLE for requests that use a session, one log line, no crash; back again, sessions work', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    onTestFinished(() => stopRedis(redis));
    const url = `redis://127.0.0.1:${port}`;
    const app = await liftOnRedis(url, 'down-test:');
    onTestFinished(() => app.close());

    const http = httpSession(app.app.url);
    expect((await http.request('post', '/login', { name: 'ann' })).statusCode).toBe(200);
    const socket = await connect('socket.io-client 4', app.app.url, { headers: { cookie: http.cookie ?? '' } });
    const bare = await connect('socket.io-client 4', app.app.url, { query: 'nosession=true' });
    onTestFinished(() => [socket, bare].forEach((client) => client.close()));

    const unavailable = { code: 'E_SESSION_STORE_UNAVAILABLE', message: expect.stringMatching(/^The session store is unavailable/) };
    // A Redis that is connected but stalls: the request gets its 503 after 5 s, not never.
    const admin = createClient({ url });
    await admin.connect();
    await admin.sendCommand(['CLIENT', 'PAUSE', '7000', 'ALL']);
    const stalled = Date.now();
    expect(await http.request('get', '/session')).toMatchObject({ statusCode: 503, body: unavailable });
    expect(Date.now() - stalled).toBeGreaterThanOrEqual(4900);
    admin.destroy();

    await stopRedis(redis);
    // Reading the session fails, over HTTP and over a socket; never an empty session instead.
    expect(await http.request('get', '/session')).toMatchObject({ statusCode: 503, body: unavailable });
    expect(await socket.request('get', '/session')).toMatchObject({ statusCode: 503, body: unavailable });
    // A new visitor's write cannot be stored: 503, and no cookie for a session that does not exist.
    const visitor = httpSession(app.app.url);
    const refused = await visitor.request('post', '/login', { name: 'bob' });
    expect(refused).toMatchObject({ statusCode: 503, body: unavailable });
    expect(refused.headers['set-cookie']).toBeUndefined();
    // What needs no session keeps working: a request with no session cookie that stores nothing,
    // a socket connected with nosession.
    expect(await httpSession(app.app.url).request('get', '/inline')).toMatchObject({ statusCode: 200, body: { inline: true } });
    expect(await bare.request('get', '/count')).toMatchObject({ statusCode: 200, body: { count: 1 } });
    expect(app.lines.filter((line) => line.includes('is unreachable'))).toStrictEqual([
      `sails-rt: the session store Redis at ${url} is unreachable (Socket closed unexpectedly); requests that use a session get 503 E_SESSION_STORE_UNAVAILABLE until it is back.`,
    ]);

    redis = await startRedis(port);
    // The client reconnects by itself (at most 2 s between attempts).
    let answer = await http.request('get', '/session');
    for (let tries = 0; answer.statusCode === 503 && tries < 50; tries++) {
      await sleep(100);
      answer = await http.request('get', '/session');
    }
    // That Redis kept nothing (--save ''): the session is gone, and a new login works.
    expect(answer).toMatchObject({ statusCode: 200, body: { session: {} } });
    expect((await http.request('post', '/login', { name: 'ann' })).statusCode).toBe(200);
    expect((await socket.request('get', '/session')).body).toStrictEqual({ session: { userId: 'ann' }, hasCsrfSecret: false });
    expect(app.lines.filter((line) => line.includes('is unreachable'))).toHaveLength(1);
  }, 30_000);
});

describe('session.store: redis at lift', () => {
  it('refuses a Redis that does not answer, naming the URL without its password and the fix', async () => {
    const port = await freePort();
    const started = Date.now();
    await expect(liftOnRedis(`redis://:hunter2@127.0.0.1:${port}`)).rejects.toThrow(
      new RegExp(`^The session store Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} \\(session\\.url in config/session\\.ts, else REDIS_URL\\) could not be reached \\(.*ECONNREFUSED.*\\); start Redis there, or point REDIS_URL at a running server\\.$`),
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up after 5 s on a port that accepts connections but never answers', async () => {
    const accepted = new Set<Socket>();
    const silent = createServer((socket) => accepted.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      for (const socket of accepted) socket.destroy();
      silent.close();
    });
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const started = Date.now();
    await expect(liftOnRedis(`redis://127.0.0.1:${port}`)).rejects.toThrow('could not be reached (no answer within 5 s); start Redis there');
    expect(Date.now() - started).toBeLessThan(8000);
  }, 15_000);

  it('refuses store: redis with neither session.url nor REDIS_URL, in one sentence with an example', async () => {
    const saved = process.env['REDIS_URL'];
    delete process.env['REDIS_URL'];
    onTestFinished(() => {
      if (saved !== undefined) process.env['REDIS_URL'] = saved;
    });
    await expect(liftSecure({ session: { secret: SECRET, store: 'redis' } })).rejects.toThrow(
      "The setting session.url (config/session.ts) is not set, and neither is the REDIS_URL environment variable, which session.store: 'redis' needs; set REDIS_URL (or session.url) to the Redis server, such as redis://127.0.0.1:6379.",
    );
    await expect(liftSecure({ session: { secret: SECRET, store: 'redis', url: 'http://app:hunter2@cache:6379' } })).rejects.toThrow(
      'The setting session.url (config/session.ts) is "http://app:***@cache:6379/", not a Redis URL; use a URL such as redis://127.0.0.1:6379 (rediss:// for TLS).',
    );
    await expect(liftSecure({ session: { secret: SECRET, store: 'redis', url: REDIS_URL, prefix: '' } })).rejects.toThrow(
      "The setting session.prefix (config/session.ts) is \"\"; use a short non-empty string such as 'sess:'.",
    );
    await expect(liftSecure({ session: { secret: SECRET, url: 'redis://127.0.0.1:6379' } })).rejects.toThrow(
      "The setting session.url (config/session.ts) is set but session.store is not 'redis'; set store: 'redis', or remove it.",
    );
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** A Redis of this test's own, on 127.0.0.1, keeping nothing on disk; resolves once it answers. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let tries = 0; tries < 50; tries++) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`);
    const client = createClient({ url, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.close();
      return child;
    } catch {
      await sleep(100);
    }
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer`);
}

/** Stops that Redis by its own PID, at once (an outage, not a shutdown). */
async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
