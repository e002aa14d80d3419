/**
 * Fault tests against a generated app lifted with `sails-rt lift`: clients that vanish mid-request,
 * garbage on the wire, writes racing a destroy, and a burst of 1,000 sockets. Each asserts the
 * behaviour and that the server neither crashes nor leaves anything behind.
 */
import { createRequire } from 'node:module';
import { io as ioClient4, type Socket as Socket4 } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as clientRequest, SailsRequestError, type SailsSocketLike } from '../../src/client/index.js';
import { liftGeneratedApp, type GeneratedApp } from './generated-app.js';

const require = createRequire(import.meta.url);

interface Jwr {
  body?: unknown;
  headers: Record<string, string>;
  statusCode: number;
}

interface SailsSocket extends SailsSocketLike {
  request(options: { method: string; url: string; data?: unknown; headers?: Record<string, string> }, cb: (body: unknown, jwr: Jwr & { body: unknown }) => void): void;
  on(event: string, handler: (payload: unknown) => void): void;
  disconnect(): void;
  isConnected(): boolean;
}

let sailsIo: { sails: Record<string, unknown> & { connect(url: string, options: object): SailsSocket } } | undefined;

let app: GeneratedApp;
let url = '';
const opened: { close(): void }[] = [];

beforeAll(async () => {
  app = await liftGeneratedApp({ nodeOptions: ['--expose-gc'] });
  url = app.url;
}, 60_000);

afterAll(async () => {
  for (const socket of opened) {
    try {
      socket.close();
    } catch {}
  }
  await app?.stop();
});

async function connectSails(): Promise<SailsSocket> {
  if (!sailsIo) {
    sailsIo = (require('sails.io.js') as (client: unknown) => NonNullable<typeof sailsIo>)(require('socket.io-client-2'));
    sailsIo.sails['autoConnect'] = false;
    sailsIo.sails['environment'] = 'production';
  }
  const socket = sailsIo.sails.connect(url, { transports: ['websocket'], reconnection: false, multiplex: false });
  opened.push({ close: () => socket.isConnected() && socket.disconnect() });
  await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
  return socket;
}

async function connect4(): Promise<Socket4> {
  const socket = ioClient4(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  opened.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

function sailsRequest(socket: SailsSocket, method: string, path: string, data?: unknown): Promise<Jwr> {
  return new Promise((resolve) => socket.request({ method, url: path, ...(data === undefined ? {} : { data }) }, (_body, jwr) => resolve(jwr)));
}

function request4(socket: Socket4, method: string, path: string, data: unknown = {}): Promise<Jwr> {
  return new Promise((resolve) => socket.emit(method, { method, headers: {}, data, url: path }, resolve));
}

interface AdapterStats {
  rooms: Record<string, string[]>;
  roomCount: number;
  socketCount: number;
  heapUsed: number;
}

async function stats(): Promise<AdapterStats> {
  await fetch(`${url}/probe/gc`);
  return (await (await fetch(`${url}/probe/adapter`)).json()) as AdapterStats;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The server process is up and answering, and has printed no error. */
async function expectServerHealthy(): Promise<void> {
  expect(app.server.exitCode).toBeNull();
  expect((await fetch(`${url}/probe/status/200`)).status).toBe(200);
  expect(app.output()).not.toMatch(/Unhandled|uncaught|Error:|TypeError|RangeError/i);
}

describe('a client that disconnects while its request runs', () => {
  it('sails.io.js calls back once with statusCode 0 (docs/protocol.md 2.5); the server stays up and other clients are unaffected', async () => {
    const leaver = await connectSails();
    const bystander = await connectSails();
    const calls: unknown[][] = [];
    leaver.request({ method: 'get', url: '/probe/slow?ms=300' }, (...args) => calls.push(args));
    const bystanderSlow = sailsRequest(bystander, 'get', '/probe/slow?ms=300');
    await sleep(50);
    leaver.disconnect();
    await sleep(500);
    expect(calls).toHaveLength(1);
    const [error, response] = calls[0] as [Error, unknown];
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('The socket disconnected before the request completed.');
    expect(response).toStrictEqual({ body: null, statusCode: 0, headers: {} });
    expect(await bystanderSlow).toMatchObject({ statusCode: 200, body: { slept: true } });
    await expectServerHealthy();
  });

  it("sails-rt's client settles once: a disconnect inside the response callback makes sails.io.js call back twice (item 5), the promise resolves once", async () => {
    const socket = await connectSails();
    let innerCalls = 0;
    // A SailsSocket whose response callback disconnects the socket, as an app's handler might.
    const disconnecting: SailsSocketLike = {
      request(options, cb) {
        socket.request(options, (body, jwr) => {
          innerCalls++;
          cb(body, jwr as never);
          if (socket.isConnected()) socket.disconnect();
        });
      },
      on: (event, listener) => socket.on(event, listener),
      off: (event, listener) => socket.off(event, listener),
    };
    const outcomes: string[] = [];
    await clientRequest(disconnecting, 'get', '/probe/status/200').then(
      (jwr) => outcomes.push(`resolved ${jwr.statusCode}`),
      (error: SailsRequestError) => outcomes.push(`rejected ${error.statusCode}`),
    );
    await sleep(100);
    expect(innerCalls).toBe(2);
    expect(outcomes).toEqual(['resolved 200']);
  });

  it("sails-rt's client rejects once with statusCode 0 when sails.io.js reports the disconnect, and socket.io-client 4 times out once", async () => {
    const sails = await connectSails();
    const pending = clientRequest(sails, 'get', '/probe/slow?ms=300').catch((error: SailsRequestError) => error);
    await sleep(50);
    sails.disconnect();
    const error = await pending;
    expect(error).toBeInstanceOf(SailsRequestError);
    expect((error as SailsRequestError).statusCode).toBe(0);

    const modern = await connect4();
    let settled = 0;
    const timedOut = clientRequest(modern, 'get', '/probe/slow?ms=300', undefined, { timeout: 200 }).then(
      () => settled++,
      (failure: SailsRequestError) => {
        settled++;
        return failure;
      },
    );
    await sleep(50);
    modern.close();
    const failure = await timedOut;
    await sleep(300);
    expect(settled).toBe(1);
    expect((failure as SailsRequestError).statusCode).toBe(0);
    expect((failure as SailsRequestError).message).toBe('GET /probe/slow?ms=300 got no answer within 200 ms.');
    await expectServerHealthy();
  });
});

describe('garbage on the wire', () => {
  /**
   * Opens a raw EIO4 websocket, joins "/", sends `junk`, then a valid request; resolves with
   * "answered" if the valid request got its JWR, "closed" if the server closed the socket.
   */
  async function sendJunk(junk: string | Buffer): Promise<'answered' | 'closed'> {
    const WebSocket = require('ws') as typeof import('ws').WebSocket;
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    try {
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer and no close after ${String(junk).slice(0, 40)}`)), 3000);
        ws.on('message', (data) => {
          const frame = String(data);
          if (frame.startsWith('0{')) ws.send('40');
          else if (frame.startsWith('40{')) {
            ws.send(junk);
            ws.send('4277["get",{"method":"get","headers":{},"data":{},"url":"/probe/status/200"}]');
          } else if (frame.startsWith('4377')) {
            clearTimeout(timer);
            expect(JSON.parse(frame.slice(4))).toStrictEqual([{ body: 'OK', headers: {}, statusCode: 200 }]);
            resolve('answered');
          }
        });
        ws.on('close', () => {
          clearTimeout(timer);
          resolve('closed');
        });
        ws.on('error', () => {});
      });
    } finally {
      ws.close();
    }
  }

  const junkFrames: [string, string | Buffer, 'answered' | 'closed' | 'either'][] = [
    ['text that is no packet', 'garbage', 'either'],
    ['an unknown engine.io packet type', '9hello', 'either'],
    ['an event that is not JSON', '42["get",{', 'either'],
    ['an event whose name is not a string', '42[1,2,3]', 'answered'],
    ['an event with no array', '42{"url":"/user"}', 'either'],
    ['an unknown socket.io packet type', '49[]', 'either'],
    ['an event for a namespace never joined', '42/admin,["get",{"url":"/user"}]', 'either'],
    ['a binary event whose attachment never comes', '451-["get",{"_placeholder":true,"num":0}]', 'either'],
    ['an ack id too big for a number', '4299999999999999999999999["get",{"url":"/probe/status/200"}]', 'either'],
    ['binary junk', Buffer.from([0xff, 0x00, 0xfe, 0x42, 0x13, 0x37]), 'either'],
    ['an event with 10 args', '42["get",{"url":"/probe/status/200"},2,3,4,5,6,7,8,9,10]', 'answered'],
    ['an acked event with 10 args', '425["get",{"url":"/probe/status/200"},2,3,4,5,6,7,8,9,10]', 'answered'],
    ['an event with 10 args of an unknown name', '42["chat",1,2,3,4,5,6,7,8,9,10]', 'answered'],
    ['a request whose envelope is a deeply nested array', `42["post",${'['.repeat(5000)}${']'.repeat(5000)}]`, 'either'],
  ];

  it('an acked request event with extra arguments gets a 400 JWR instead of no answer (docs/protocol.md 10, item 4)', async () => {
    const socket = await connect4();
    const jwr = await new Promise((resolve) => socket.emit('get', { url: '/probe/status/200' }, 2, 3, resolve));
    expect(jwr).toStrictEqual({
      body: {
        code: 'E_BAD_SOCKET_REQUEST',
        message: 'A request event takes one argument, the envelope, and got 3; send { method, headers, data, url } with url a path such as "/user/1".',
      },
      headers: {},
      statusCode: 400,
    });
    socket.close();
  });

  it.each(junkFrames)('%s: the server keeps serving that socket or closes only it', async (_name, junk, expected) => {
    const bystander = await connect4();
    const outcome = await sendJunk(junk);
    if (expected !== 'either') expect(outcome).toBe(expected);
    else expect(['answered', 'closed']).toContain(outcome);
    expect(bystander.connected).toBe(true);
    expect(await request4(bystander, 'get', '/probe/status/200')).toStrictEqual({ body: 'OK', headers: {}, statusCode: 200 });
    bystander.close();
    await expectServerHealthy();
  });
});

describe('a record read and written while it is being destroyed', () => {
  it('every answer is 200 or 404, never 500, and no subscriber hears updated after destroyed for the same id', async () => {
    const subscriber = await connectSails();
    const writers = [await connect4(), await connect4(), await connectSails()];
    const heard: { verb: string; id: number }[] = [];
    subscriber.on('user', (message) => heard.push(message as { verb: string; id: number }));
    const statuses = new Map<number, number>();
    const count = (status: number): void => void statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const send = (i: number, method: string, path: string, data?: unknown): Promise<Jwr> => {
      const socket = writers[i % writers.length]!;
      return socket instanceof Object && 'emit' in socket && !('request' in socket)
        ? request4(socket as Socket4, method, path, data)
        : sailsRequest(socket as SailsSocket, method, path, data);
    };

    const ids: number[] = [];
    for (let round = 0; round < 10; round++) {
      const made: number[] = [];
      for (let i = 0; i < 10; i++) made.push(((await request4(writers[0] as Socket4, 'post', '/user', { name: `race-${round}-${i}` })).body as { id: number }).id);
      ids.push(...made);
      for (const id of made) expect((await sailsRequest(subscriber, 'get', `/user/${id}`)).statusCode).toBe(200);
      const replies = await Promise.all(
        made.flatMap((id, i) => [
          send(i, 'get', `/user/${id}`),
          send(i + 1, 'patch', `/user/${id}`, { age: 1 }),
          send(i + 2, 'delete', `/user/${id}`),
          send(i, 'patch', `/user/${id}`, { age: 2 }),
          send(i + 1, 'put', `/user/${id}`, { name: 'late' }),
          send(i + 2, 'get', `/user/${id}`),
          send(i, 'delete', `/user/${id}`),
        ]),
      );
      for (const reply of replies) {
        count(reply.statusCode);
        expect([200, 404], JSON.stringify(reply.body)).toContain(reply.statusCode);
      }
    }
    await sailsRequest(subscriber, 'get', '/probe/status/200');
    for (const id of ids) {
      const verbs = heard.filter((m) => m.id === id).map((m) => m.verb);
      expect(verbs.filter((verb) => verb === 'destroyed'), `user ${id}: ${verbs.join(',')}`).toHaveLength(1);
      expect(verbs.slice(verbs.indexOf('destroyed') + 1), `user ${id}: ${verbs.join(',')}`).toEqual([]);
    }
    console.log(`race: ${ids.length} users, answers by status ${JSON.stringify(Object.fromEntries(statuses))}`);
    for (const socket of writers) (socket as { disconnect(): void }).disconnect();
    subscriber.disconnect();
    await expectServerHealthy();
  });
});

describe('1,000 sockets subscribing and disconnecting in a burst', () => {
  it('leaves no rooms and no sockets behind', async () => {
    const seed = await connect4();
    for (let i = 0; i < 5; i++) await request4(seed, 'post', '/user', { name: `burst-${i}` });
    seed.close();
    await sleep(100);
    const before = await stats();

    const sockets: Socket4[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const connected = await Promise.all(
        Array.from({ length: 100 }, async () => {
          const socket = ioClient4(url, { transports: ['websocket'], forceNew: true, reconnection: false });
          await new Promise<void>((resolve, reject) => {
            socket.once('connect', () => resolve());
            socket.once('connect_error', reject);
          });
          return socket;
        }),
      );
      sockets.push(...connected);
    }
    const finds = await Promise.all(sockets.map((socket) => request4(socket, 'get', '/user?limit=5')));
    expect(finds.every((jwr) => jwr.statusCode === 200 && (jwr.body as unknown[]).length === 5)).toBe(true);
    const during = await stats();
    expect(during.socketCount).toBe(before.socketCount + 1000);
    expect(during.rooms['sails_model_create_user']).toHaveLength(1000);

    for (const socket of sockets) socket.close();
    let after = await stats();
    for (let i = 0; i < 50 && (after.socketCount !== before.socketCount || after.roomCount !== before.roomCount); i++) {
      await sleep(100);
      after = await stats();
    }
    console.log(
      `1,000-socket burst: rooms ${before.roomCount} -> ${during.roomCount} -> ${after.roomCount}, ` +
        `sockets ${before.socketCount} -> ${during.socketCount} -> ${after.socketCount}, ` +
        `heapUsed ${(before.heapUsed / 1e6).toFixed(1)} MB -> ${(during.heapUsed / 1e6).toFixed(1)} MB -> ${(after.heapUsed / 1e6).toFixed(1)} MB (after gc)`,
    );
    expect(after.socketCount).toBe(before.socketCount);
    expect(after.roomCount).toBe(before.roomCount);
    expect(after.rooms).toStrictEqual(before.rooms);
    await expectServerHealthy();
  }, 60_000);
});
