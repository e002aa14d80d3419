/**
 * One client cannot take the server down. The app is lifted with a 256 MB heap, so a server that
 * held a flood's answers in memory (as it did: 4 GB in 30 s, then "heap out of memory") dies
 * here and the test fails; each test then checks that the flooder was dealt with and that every
 * other client was served in full while it flooded.
 */
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liftGeneratedApp, type GeneratedApp } from '../conformance/generated-app.js';
import { peakRss, pipelineHttp, rawSocket, until, within, type RawJwr } from './raw-clients.js';

/** 20 users of about 50 KB each: a page of `GET /user` is about 1 MB, legal in every way. */
const USERS = 20;
const NAME_BYTES = 50_000;

let app: GeneratedApp;
const sockets: Socket[] = [];

beforeAll(async () => {
  app = await liftGeneratedApp({ nodeOptions: ['--max-old-space-size=256', '--expose-gc'] });
  const writer = await connect();
  for (let i = 0; i < USERS; i++) {
    const jwr = await request(writer, 'post', '/user', { name: `${i}`.padEnd(NAME_BYTES, 'x'), age: i });
    expect(jwr.statusCode).toBe(200);
  }
}, 120_000);

afterAll(async () => {
  for (const socket of sockets) socket.close();
  if (app) console.log(`flood suite: peak RSS of the app ${(await peakRss(app.server.pid!)) / 1e6} MB`);
  await app?.stop();
});

async function connect(): Promise<Socket> {
  const socket = ioClient(app.url, { transports: ['websocket'], forceNew: true, reconnection: false });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

function request(socket: Socket, method: string, url: string, data: unknown = {}): Promise<RawJwr> {
  return new Promise((resolve) => socket.emit(method, { method, url, headers: {}, data }, resolve));
}

/** 50 well-behaved sockets, each sending `rounds` small requests one after another, while `during` runs. */
async function wellBehaved(during: Promise<unknown>, rounds = 20): Promise<RawJwr[]> {
  const clients = await Promise.all(Array.from({ length: 50 }, () => connect()));
  const answers = await Promise.all(
    clients.map(async (client, i) => {
      const mine: RawJwr[] = [];
      for (let round = 0; round < rounds; round++) mine.push(await request(client, 'get', `/user/${(i % USERS) + 1}?select=age`));
      return mine;
    }),
  );
  await during;
  for (const client of clients) client.close();
  return answers.flat();
}

async function expectHealthy(): Promise<void> {
  const probe = await connect();
  const jwr = await request(probe, 'get', '/user?select=age&limit=3');
  expect(jwr.statusCode).toBe(200);
  expect(jwr.body).toHaveLength(3);
  probe.close();
  const http = await fetch(`${app.url}/user?select=age&limit=1`);
  expect(http.status).toBe(200);
  expect(app.server.exitCode).toBeNull();
}

describe('a socket that pipelines large reads', () => {
  it('and stops reading is held to sockets.maxBufferedBytes while 50 other sockets are served in full; when it reads again it gets every answer', async () => {
    const flooder = await rawSocket(app.url);
    flooder.stopReading();
    const sent = 500;
    // 500 pages of 1 MB: without backpressure the server holds them all, past its 256 MB heap.
    for (let i = 0; i < sent; i++) flooder.request(i, 'get', '/user');
    const answers = await wellBehaved(new Promise((resolve) => setTimeout(resolve, 3000)));
    expect(answers).toHaveLength(50 * 20);
    expect(answers.every((jwr) => jwr.statusCode === 200)).toBe(true);
    expect(flooder.acks.size).toBe(0);
    const stats = (await request(await connect(), 'get', '/probe/gc')).body as { heapUsed: number };
    console.log(`stalled flooder: app heap ${(stats.heapUsed / 1e6).toFixed(1)} MB after gc, peak RSS ${((await peakRss(app.server.pid!)) / 1e6).toFixed(0)} MB`);
    flooder.resumeReading();
    await until(() => flooder.acks.size >= sent, `all ${sent} answers reaching the flooder once it reads`, 45_000);
    const statuses = new Set([...flooder.acks.values()].map((jwr) => jwr.statusCode));
    expect([...statuses].every((status) => status === 200 || status === 429)).toBe(true);
    expect(flooder.isOpen()).toBe(true);
    flooder.close();
    await expectHealthy();
  }, 90_000);

  it('that reads is served: every request gets a 200 or, past sockets.maxInFlight, a 429 that says so', async () => {
    const flooder = await rawSocket(app.url);
    const sent = 600;
    for (let i = 0; i < sent; i++) flooder.request(i, 'get', '/user');
    const answers = await wellBehaved(
      until(() => flooder.acks.size >= sent, `all ${sent} answers reaching the flooder`, 45_000),
      5,
    );
    expect(answers.every((jwr) => jwr.statusCode === 200)).toBe(true);
    const statuses = new Map<number, number>();
    for (const jwr of flooder.acks.values()) statuses.set(jwr.statusCode, (statuses.get(jwr.statusCode) ?? 0) + 1);
    console.log(`reading flooder: ${sent} large reads answered ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect([...statuses.keys()].every((status) => status === 200 || status === 429)).toBe(true);
    expect(statuses.get(200)).toBeGreaterThanOrEqual(64);
    const tooMany = [...flooder.acks.values()].find((jwr) => jwr.statusCode === 429);
    if (tooMany) {
      expect(tooMany.body).toMatchObject({ code: 'E_TOO_MANY_REQUESTS', message: expect.stringContaining('sockets.maxInFlight') });
    }
    expect(flooder.isOpen()).toBe(true);
    flooder.close();
    await expectHealthy();
  }, 90_000);
});

describe('a flood of small requests on one socket', () => {
  it('gets every request answered, 200 or 429, and the other sockets are served', async () => {
    const flooder = await rawSocket(app.url);
    const sent = 10_000;
    for (let i = 0; i < sent; i++) flooder.request(i, 'get', '/probe/status/200');
    const answers = await wellBehaved(
      until(() => flooder.acks.size >= sent, `all ${sent} answers`, 45_000),
      10,
    );
    expect(answers.every((jwr) => jwr.statusCode === 200)).toBe(true);
    const statuses = new Set([...flooder.acks.values()].map((jwr) => jwr.statusCode));
    expect([...statuses].every((status) => status === 200 || status === 429)).toBe(true);
    flooder.close();
    await expectHealthy();
  }, 90_000);
});

describe('a subscriber that stops reading', () => {
  it('is disconnected when the messages it has not read pass sockets.maxBufferedBytes; other subscribers get every message', async () => {
    const slow = await rawSocket(app.url);
    slow.request(1, 'get', '/user?select=age&limit=1');
    await until(() => slow.acks.has(1), 'the slow subscriber’s find', 5000);
    slow.stopReading();
    const good = await connect();
    await request(good, 'get', '/user?select=age&limit=1');
    const heard: unknown[] = [];
    good.on('user', (message: { verb: string }) => {
      if (message.verb === 'created') heard.push(message);
    });
    const writer = await connect();
    const creates = 60;
    for (let i = 0; i < creates; i++) {
      // 500 KB each: 60 of them are 30 MB the slow subscriber is sent and never reads.
      expect((await request(writer, 'post', '/user', { name: `big-${i}`.padEnd(500_000, 'y') })).statusCode).toBe(200);
    }
    // It reads again, to see that the server has closed its end (a paused client notices nothing).
    slow.resumeReading();
    await within(slow.closed, 30_000, 'the slow subscriber being disconnected');
    expect((slow.events.get('user') ?? []).length).toBeLessThan(creates);
    await until(() => heard.length >= creates, `the good subscriber hearing all ${creates} created messages`, 30_000);
    expect(heard).toHaveLength(creates);
    expect(app.output()).toMatch(/disconnected socket .*waited unread/);
    // The big users go again, so the other tests' pages keep their size.
    for (let i = 0; i < creates; i++) await request(writer, 'delete', `/user/${USERS + 1 + i}`);
    await expectHealthy();
  }, 90_000);
});

describe('an HTTP client that pipelines large reads and never reads', () => {
  it('cannot grow the server’s memory: the other clients are served, and the server is fine after it leaves', async () => {
    const before = await peakRss(app.server.pid!);
    const hog = await pipelineHttp(app.url, '/user', 2000);
    const answers = await wellBehaved(new Promise((resolve) => setTimeout(resolve, 2000)), 5);
    expect(answers.every((jwr) => jwr.statusCode === 200)).toBe(true);
    const during = await peakRss(app.server.pid!);
    console.log(`HTTP pipelining hog: peak RSS ${(before / 1e6).toFixed(0)} MB before, ${(during / 1e6).toFixed(0)} MB with it`);
    hog.destroy();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expectHealthy();
  }, 60_000);
});
