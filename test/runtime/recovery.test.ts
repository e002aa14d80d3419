/**
 * sockets.recovery (docs/runtime.md, Recovery): a socket.io-client 4 socket whose connection drops
 * for a moment gets back what it missed, exactly once and in order, with its rooms, including the
 * rooms of records created while it was away; in one process and across two instances on Redis.
 */
import { io, type Socket } from 'socket.io-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serverProblem } from '../store/databases.js';
import { freePort, redisProblem, startRedisServer } from '../support/redis.js';
import { socketRequest } from '../support/clients.js';
import { connect, FIXTURE_APP, liftFixture, sleep, type Client, type Lifted } from './helpers.js';
import { liftPair } from './redis-helpers.js';
import { httpSession, liftSecure } from './secure-helpers.js';

/** How long a dropped test socket stays away before it reconnects. */
const AWAY = 1_500;

/** A socket.io-client 4 socket that reconnects AWAY ms after its connection drops, and what it heard of users. */
async function watcher(url: string): Promise<{ socket: Socket; heard: Record<string, unknown>[] }> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: AWAY, reconnectionDelayMax: AWAY, randomizationFactor: 0 });
  onTestFinished(() => {
    socket.close();
  });
  const heard: Record<string, unknown>[] = [];
  socket.on('user', (message: Record<string, unknown>) => heard.push(message));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, heard };
}

/**
 * Closes the socket's connection from the client side, as a network drop would; resolves once its
 * server has noticed, with `back`, which resolves when the socket is connected again.
 */
async function drop(socket: Socket, server: Lifted): Promise<{ back: Promise<void> }> {
  const id = socket.id ?? '';
  const back = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.io.engine.close();
  await expect.poll(() => server.app.io.of('/').sockets.has(id)).toBe(false);
  return { back };
}

async function post(client: Client, url: string, body: unknown): Promise<{ id: number; name: string }> {
  const reply = await client.request('post', url, body);
  expect(reply.statusCode).toBe(200);
  return reply.body as { id: number; name: string };
}

/**
 * A watcher of users on `server` hears of bob, drops; meanwhile `writer` creates six users and
 * updates each (and bob): 13 messages. Returns the watcher, once back, with what it was expected to hear.
 */
async function missWhileAway(server: Lifted, writer: Client): Promise<{ socket: Socket; heard: Record<string, unknown>[]; expected: Record<string, unknown>[]; created: { id: number }[]; id: string }> {
  const { socket, heard } = await watcher(server.app.url);
  expect((await socketRequest(socket, 'get', '/user')).statusCode).toBe(200);
  const bob = await post(writer, '/user', { name: 'bob' });
  // Its first message gives the client an offset to come back with.
  await expect.poll(() => heard.length).toBe(1);
  const id = socket.id ?? '';
  const { back } = await drop(socket, server);
  const expected: Record<string, unknown>[] = [];
  const created: { id: number }[] = [];
  for (let i = 0; i < 6; i++) {
    const user = await post(writer, '/user', { name: `u${i}` });
    created.push(user);
    expected.push({ verb: 'created', id: user.id, data: { name: `u${i}` } });
    expect((await writer.request('patch', `/user/${user.id}`, { age: i })).statusCode).toBe(200);
    expected.push({ verb: 'updated', id: user.id, data: { age: i } });
  }
  expect((await writer.request('patch', `/user/${bob.id}`, { age: 99 })).statusCode).toBe(200);
  expected.push({ verb: 'updated', id: bob.id, data: { age: 99 } });
  // All written while it was away.
  expect(socket.connected).toBe(false);
  await back;
  return { socket, heard, expected, created, id };
}

/** Every missed message once, in order, and later messages of the records created while away. */
async function expectRecovered(outcome: Awaited<ReturnType<typeof missWhileAway>>, writer: Client): Promise<void> {
  const { socket, heard, expected, created, id } = outcome;
  expect(socket.recovered).toBe(true);
  expect(socket.id).toBe(id);
  await expect.poll(() => heard.length).toBe(1 + expected.length);
  await sleep(200);
  expect(heard.slice(1)).toMatchObject(expected);
  expect(heard).toHaveLength(1 + expected.length);
  const [first, second] = created as [{ id: number }, { id: number }];
  expect((await writer.request('patch', `/user/${first.id}`, { age: 100 })).statusCode).toBe(200);
  await expect.poll(() => heard.at(-1)).toMatchObject({ verb: 'updated', id: first.id, data: { age: 100 } });
  expect((await writer.request('delete', `/user/${second.id}`)).statusCode).toBe(200);
  await expect.poll(() => heard.at(-1)).toMatchObject({ verb: 'destroyed', id: second.id });
  expect(heard).toHaveLength(3 + expected.length);
}

describe('recovery in one process', () => {
  it('on by default: a socket away for 1.5 s gets the 13 messages it missed once, in order, and hears of the records created meanwhile', async () => {
    const server = await liftFixture();
    onTestFinished(() => server.close());
    const writer = await connect('socket.io-client 4', server.app.url);
    onTestFinished(() => writer.close());
    await expectRecovered(await missWhileAway(server, writer), writer);
  });

  it('a socket away longer than sockets.recovery comes back without its state, and recovered says so', async () => {
    const server = await liftFixture({ sockets: { recovery: 500 } });
    onTestFinished(() => server.close());
    const writer = await connect('socket.io-client 4', server.app.url);
    onTestFinished(() => writer.close());
    const { socket, heard, id } = await missWhileAway(server, writer);
    expect(socket.recovered).toBe(false);
    expect(socket.id).not.toBe(id);
    await sleep(200);
    expect(heard).toHaveLength(1);
  });

  it('sockets.recovery false: never recovered', async () => {
    const server = await liftFixture({ sockets: { recovery: false } });
    onTestFinished(() => server.close());
    const writer = await connect('socket.io-client 4', server.app.url);
    onTestFinished(() => writer.close());
    const { socket, heard } = await missWhileAway(server, writer);
    // The server gave the client no session id to come back with: recovered stays unset.
    expect(socket.recovered).toBeFalsy();
    expect(heard).toHaveLength(1);
  });

  it("a recovered socket is bound again to its cookie's session (the handshake middlewares run again), and sails.sockets rooms survive", async () => {
    const server = await liftSecure();
    onTestFinished(() => server.close());
    const http = httpSession(server.app.url);
    expect((await http.request('get', '/count')).body).toStrictEqual({ count: 1 });
    const socket = io(server.app.url, { transports: ['websocket'], forceNew: true, extraHeaders: { cookie: http.cookie ?? '' }, reconnectionDelay: 500, reconnectionDelayMax: 500, randomizationFactor: 0 });
    onTestFinished(() => {
      socket.close();
    });
    const pings: unknown[] = [];
    socket.on('ping', (message: unknown) => pings.push(message));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    expect((await socketRequest(socket, 'get', '/count')).body).toStrictEqual({ count: 2 });
    await server.app.sockets.join(socket.id ?? '', 'lobby');
    server.app.sockets.broadcast('lobby', 'ping', { n: 1 });
    await expect.poll(() => pings.length).toBe(1);
    const { back } = await drop(socket, server);
    server.app.sockets.broadcast('lobby', 'ping', { n: 2 });
    await back;
    expect(socket.recovered).toBe(true);
    await expect.poll(() => pings).toStrictEqual([{ n: 1 }, { n: 2 }]);
    expect((await socketRequest(socket, 'get', '/count')).body).toStrictEqual({ count: 3 });
    expect((await http.request('get', '/count')).body).toStrictEqual({ count: 4 });
    server.app.sockets.broadcast('lobby', 'ping', { n: 3 });
    await expect.poll(() => pings).toHaveLength(3);
  });

  it.each([['a string', '2m'], ['zero', 0], ['a fraction', 1.5], ['true', true]])('sockets.recovery as %s is refused in one sentence', async (_, value) => {
    await expect(liftFixture({ sockets: { recovery: value } })).rejects.toThrow(/^The setting sockets\.recovery \(config\/sockets\.ts\) is .+; use a whole number of milliseconds such as 120000 \(2 minutes\), or false to turn recovery off\.$/);
  });
});

const redisMissing = await redisProblem();
const postgresMissing = await serverProblem('postgres');
if (postgresMissing !== undefined && process.env['CI'] === 'true') throw new Error(postgresMissing);
const missing = redisMissing ?? postgresMissing;
if (missing !== undefined) console.warn(`skipping the recovery tests across instances: ${missing}`);

describe.skipIf(missing !== undefined)('recovery across two instances on Redis', () => {
  it('a socket on A away for 1.5 s while B writes gets every missed message once, in order, and hears of the records created meanwhile', async () => {
    const pair = await liftPair();
    const onB = await pair.client('b');
    await expectRecovered(await missWhileAway(pair.a, onB), onB);
  });

  it('Redis down while the socket is away: not recovered, no crash, and the client is told', async () => {
    const port = await freePort();
    let redis = await startRedisServer(port);
    onTestFinished(() => redis.stop());
    const pair = await liftPair(FIXTURE_APP, redis.url);
    const onB = await pair.client('b');
    const { socket, heard } = await watcher(pair.a.app.url);
    expect((await socketRequest(socket, 'get', '/user')).statusCode).toBe(200);
    await post(onB, '/user', { name: 'bob' });
    await expect.poll(() => heard.length).toBe(1);
    const id = socket.id ?? '';
    await redis.stop();
    const { back } = await drop(socket, pair.a);
    await back;
    expect(socket.recovered).toBe(false);
    expect(socket.id).not.toBe(id);
    // Still answering, and Redis coming back changes nothing for the one that was not recovered.
    expect((await socketRequest(socket, 'get', '/user')).statusCode).toBe(200);
    redis = await startRedisServer(port);
    await sleep(500);
    expect(socket.connected).toBe(true);
  });
});
