/**
 * The conformance suite: docs/protocol.md sections 1 to 8, walked with the official sails.io.js 1.2.1
 * client (socket.io-client 2.0.3, EIO3) against a generated app lifted with `sails-rt lift`.
 * Each `it` names the subsection it checks. Where sails-rt differs from Sails on purpose, the
 * test asserts sails-rt's behaviour and names the docs/protocol.md section-10 item or the entry of
 * docs/sails-differences.md.
 */
import { createRequire } from 'node:module';
import { io as ioClient4, type Socket as Socket4 } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liftGeneratedApp, type GeneratedApp } from './generated-app.js';

const require = createRequire(import.meta.url);

interface Jwr {
  body?: unknown;
  headers: Record<string, string>;
  statusCode: number;
}

/** sails.io.js's JWR as its callback gets it (docs/protocol.md 2.5). */
interface SailsJwr extends Jwr {
  error?: Error;
  toPOJO(): Jwr;
}

type Listener = (payload: unknown) => void;

/** socket.io-client 2.0.3's Socket, as sails.io.js keeps it in `_raw`. */
interface RawSocket {
  id: string;
  emit(event: string, ...args: unknown[]): void;
  on(event: string, handler: (...args: unknown[]) => void): void;
  close(): void;
}

interface SailsSocket {
  request(
    options: { method: string; url: string; data?: unknown; params?: unknown; headers?: Record<string, string> },
    cb: (body: unknown, jwr: SailsJwr) => void,
  ): void;
  on(event: string, handler: Listener): void;
  off(event: string, handler: Listener): void;
  disconnect(): void;
  isConnected(): boolean;
  _raw: RawSocket;
}

interface SailsIo {
  (url: string, options: Record<string, unknown>): RawSocket;
  sails: Record<string, unknown> & { connect(url: string, options: Record<string, unknown>): SailsSocket };
}

let ioSails: SailsIo | undefined;
/** sails.io.js wraps the socket.io-client 2.0.3 it is given, once per process. */
function sailsIoModule(): SailsIo {
  if (!ioSails) {
    const factory = require('sails.io.js') as (client: unknown) => SailsIo;
    ioSails = factory(require('socket.io-client-2'));
    ioSails.sails['autoConnect'] = false;
    ioSails.sails['environment'] = 'production';
  }
  return ioSails;
}

let app: GeneratedApp;
let url = '';
const opened: { close(): void }[] = [];

beforeAll(async () => {
  app = await liftGeneratedApp();
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

/** A sails.io.js 1.2.1 socket connected to the app. */
async function connect(options: Record<string, unknown> = {}): Promise<SailsSocket> {
  const socket = sailsIoModule().sails.connect(url, { transports: ['websocket'], reconnection: false, multiplex: false, ...options });
  opened.push({ close: () => socket.isConnected() && socket.disconnect() });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sails.io.js did not connect')), 3000);
    socket.on('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return socket;
}

/** One sails.io.js request; resolves with its JWR (the body is `jwr.body`). */
function request(
  socket: SailsSocket,
  method: string,
  path: string,
  data?: unknown,
  headers?: Record<string, string>,
): Promise<SailsJwr> {
  return new Promise((resolve) =>
    socket.request({ method, url: path, ...(data === undefined ? {} : { data }), ...(headers ? { headers } : {}) }, (_body, jwr) => resolve(jwr)),
  );
}

/** The JWR exactly as it came off the wire (socket.io-client 2.0.3 under sails.io.js), or 'no ack'. */
function rawEmit(socket: SailsSocket | RawSocket, event: string, args: unknown[], waitMs = 1000): Promise<unknown> {
  const raw = '_raw' in socket ? socket._raw : socket;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('no ack'), waitMs);
    raw.emit(event, ...args, (reply: unknown) => {
      clearTimeout(timer);
      resolve(reply);
    });
  });
}

const pojo = (jwr: SailsJwr): Jwr => jwr.toPOJO();

interface Echo {
  method: string;
  url: string;
  path: string;
  query: Record<string, unknown>;
  params: Record<string, string>;
  body: unknown;
  headers: Record<string, string>;
  isSocket: boolean;
  transport: string;
  all: Record<string, unknown>;
  param: { p: unknown; q: unknown };
  handshakeQuery: Record<string, string> | null;
}

async function echo(socket: SailsSocket, method: string, path: string, data?: unknown, headers?: Record<string, string>): Promise<Echo> {
  const jwr = await request(socket, method, path, data, headers);
  expect(jwr.statusCode).toBe(200);
  return jwr.body as Echo;
}

/** Every message of `event` the socket gets from now on. */
function collect<T = Record<string, unknown>>(socket: SailsSocket, event: string): T[] {
  const got: T[] = [];
  socket.on(event, (payload) => got.push(payload as T));
  return got;
}

/** A round trip: every message the server sent this socket before it is in. */
async function flush(socket: SailsSocket): Promise<void> {
  await request(socket, 'get', '/probe/rooms');
}

async function rooms(socket: SailsSocket): Promise<string[]> {
  return ((await request(socket, 'get', '/probe/rooms')).body as { rooms: string[] }).rooms;
}

async function adapterRooms(socket: SailsSocket): Promise<Record<string, string[]>> {
  return ((await request(socket, 'get', '/probe/adapter')).body as { rooms: Record<string, string[]> }).rooms;
}

interface UserRecord {
  id: number;
  name: string;
  age: number;
  createdAt: number;
  updatedAt: number;
  pets: unknown[];
  tags: unknown[];
}

async function createUser(socket: SailsSocket, values: Record<string, unknown>): Promise<UserRecord> {
  const jwr = await request(socket, 'post', '/user', values);
  expect(jwr.statusCode).toBe(200);
  return jwr.body as UserRecord;
}

async function create<T = { id: number }>(socket: SailsSocket, identity: string, values: Record<string, unknown>): Promise<T> {
  const jwr = await request(socket, 'post', `/${identity}`, values);
  expect(jwr.statusCode, JSON.stringify(jwr.body)).toBe(200);
  return jwr.body as T;
}

let unique = 0;
const label = (prefix: string): string => `${prefix}-${++unique}`;

// ------------------------------------------------------------------------------------------------

describe('1. Connection handshake', () => {
  it('1.1 sails.io.js 1.2.1 sends __sails_io_sdk_version/platform/language and EIO=3 over websocket', async () => {
    const socket = await connect();
    const seen = await echo(socket, 'get', '/probe/echo');
    expect(seen.handshakeQuery).toMatchObject({
      __sails_io_sdk_version: '1.2.1',
      __sails_io_sdk_platform: 'node',
      __sails_io_sdk_language: 'javascript',
      EIO: '3',
      transport: 'websocket',
    });
  });

  it('1.1 an SDK older than 0.11.0 gets a 400 on every request, not only the first (as Sails; the 400 JWR is item 4)', async () => {
    const raw = sailsIoModule()(url, { query: '__sails_io_sdk_version=0.10.5', transports: ['websocket'], forceNew: true, reconnection: false });
    opened.push(raw);
    await new Promise<void>((resolve) => raw.on('connect', () => resolve()));
    for (const path of ['/user', '/probe/echo']) {
      const jwr = (await rawEmit(raw, 'get', [{ method: 'get', headers: {}, data: {}, url: path }])) as Jwr;
      expect(jwr).toStrictEqual({
        body: {
          code: 'E_BAD_SOCKET_REQUEST',
          message: 'This socket was opened by sails.io.js 0.10.5, which is older than 0.11.0 and cannot make requests; upgrade the client to sails.io.js 1.x.',
        },
        headers: {},
        statusCode: 400,
      });
    }
  });

  it('1.1 versions 0.11.0 and 1.2.1-beta are accepted (the prerelease tag is dropped)', async () => {
    for (const version of ['0.11.0', '1.2.1-beta']) {
      const raw = sailsIoModule()(url, { query: `__sails_io_sdk_version=${version}`, transports: ['websocket'], forceNew: true, reconnection: false });
      opened.push(raw);
      await new Promise<void>((resolve) => raw.on('connect', () => resolve()));
      expect(await rawEmit(raw, 'get', [{ method: 'get', headers: {}, data: {}, url: '/probe/status/200' }])).toStrictEqual({
        body: 'OK',
        headers: {},
        statusCode: 200,
      });
    }
  });

  it('1.1 a missing SDK version is accepted (deliberate: Sails refuses it; socket.io-client 4 never sends one)', async () => {
    const socket: Socket4 = ioClient4(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    opened.push(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const jwr = await new Promise<Jwr>((resolve) => socket.emit('get', { method: 'get', headers: {}, data: {}, url: '/probe/status/200' }, resolve));
    expect(jwr).toStrictEqual({ body: 'OK', headers: {}, statusCode: 200 });
  });

  it('1.2 EIO3 raw websocket: the open frame, then 40 from the server, then the client-started heartbeat 2 -> 3', async () => {
    const frames = await rawWebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=3&transport=websocket`, ['2'], 3);
    const open = JSON.parse(frames[0]!.slice(1)) as Record<string, unknown>;
    expect(frames[0]![0]).toBe('0');
    expect(open).toStrictEqual({
      sid: expect.any(String),
      upgrades: [],
      pingInterval: 25000,
      pingTimeout: 60000,
      // Deliberate: socket.io's 1e6, not Sails' 1e8 (docs/sails-differences.md, maxHttpBufferSize).
      maxPayload: 1000000,
    });
    expect(frames.slice(1)).toEqual(['40', '3']);
  });

  it('1.2 EIO4 raw websocket (a modern client): the open frame, the client sends 40, the server answers 40{"sid","pid"} (item 16)', async () => {
    const frames = await rawWebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, ['40'], 2);
    expect(frames[0]).toMatch(/^0\{"sid":"[^"]+","upgrades":\[\],"pingInterval":25000,"pingTimeout":60000,"maxPayload":1000000\}$/);
    // pid: the private id a reconnecting client sends back to be recovered (sockets.recovery, on by default).
    expect(frames[1]).toMatch(/^40\{"sid":"[^"]+","pid":"[^"]+"\}$/);
  });

  it('1.4 a socket without a cookie has a session of its own for its lifetime (a counter rises 1 -> 2)', async () => {
    const socket = await connect();
    expect((await request(socket, 'get', '/probe/count')).body).toStrictEqual({ n: 1 });
    expect((await request(socket, 'get', '/probe/count')).body).toStrictEqual({ n: 2 });
    const other = await connect();
    expect((await request(other, 'get', '/probe/count')).body).toStrictEqual({ n: 1 });
  });

  it('1.4 a socket that connects with the HTTP session cookie shares that session', async () => {
    const first = await fetch(`${url}/probe/count`);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^sails\.sid=s%3A/);
    const socket = await connect({ initialConnectionHeaders: { cookie } });
    expect((await request(socket, 'get', '/probe/count')).body).toStrictEqual({ n: 2 });
    expect(await (await fetch(`${url}/probe/count`, { headers: { cookie } })).json()).toStrictEqual({ n: 3 });
  });

  it('1.5 GET /__getcookie answers the script sails.io.js waits for, and sets the session cookie a socket then shares', async () => {
    const response = await fetch(`${url}/__getcookie`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(await response.text()).toBe('_sailsIoJSConnect();');
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^sails\.sid=s%3A/);
    const socket = await connect({ initialConnectionHeaders: { cookie } });
    expect((await request(socket, 'get', '/probe/count')).body).toStrictEqual({ n: 1 });
    expect(await (await fetch(`${url}/probe/count`, { headers: { cookie } })).json()).toStrictEqual({ n: 2 });
  });
});

/** Opens a raw websocket, sends `send` after the first frame, and resolves with the first `count` text frames. */
async function rawWebSocket(address: string, send: string[], count: number): Promise<string[]> {
  const WebSocket = require('ws') as typeof import('ws').WebSocket;
  const ws = new WebSocket(address);
  const frames: string[] = [];
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got only ${JSON.stringify(frames)}`)), 3000);
      ws.on('message', (data) => {
        frames.push(String(data));
        if (frames.length === 1) for (const frame of send) ws.send(frame);
        if (frames.length === count) {
          clearTimeout(timer);
          resolve(frames);
        }
      });
      ws.on('error', reject);
    });
  } finally {
    ws.close();
  }
}

// ------------------------------------------------------------------------------------------------

describe('2. Virtual request / response envelope', () => {
  it('2.1 sails.io.js sends one event named after the lowercase method, with {method, headers, data, url}', async () => {
    const socket = await connect();
    const seen = await echo(socket, 'post', '/probe/echo?x=1', { b: 2 }, { 'X-Per-Req': 'r1' });
    expect(seen).toMatchObject({ method: 'POST', url: '/probe/echo?x=1', path: '/probe/echo', query: { x: '1' }, body: { b: 2 } });
    expect(seen.headers['x-per-req']).toBe('r1');
  });

  it('2.1 get/put/patch/delete pass their data as params, still sent as the key data', async () => {
    const socket = await connect();
    for (const method of ['get', 'put', 'patch', 'delete']) {
      const body = await new Promise<Echo>((resolve) =>
        (socket as unknown as Record<string, (u: string, d: unknown, cb: (b: Echo) => void) => void>)[method]!('/probe/echo', { e: 5 }, resolve),
      );
      expect(body).toMatchObject({ method: method.toUpperCase(), body: { e: 5 } });
    }
  });

  it('2.1 the data may be an array; the url is kept as given, trailing slash included', async () => {
    const socket = await connect();
    expect((await echo(socket, 'post', '/probe/echo', [1, 2, 3])).body).toStrictEqual([1, 2, 3]);
    const slash = await echo(socket, 'get', '/probe/echo/');
    expect(slash).toMatchObject({ url: '/probe/echo/', path: '/probe/echo/' });
  });

  it('2.1 a request without an ack id runs, and nothing is sent back', async () => {
    const socket = await connect();
    const name = label('no-ack');
    socket._raw.emit('post', { method: 'post', headers: {}, data: { name }, url: '/user' });
    await flush(socket);
    const found = await request(socket, 'get', `/user?name=${name}`);
    expect((found.body as UserRecord[]).map((u) => u.name)).toEqual([name]);
  });

  it('2.2 req.method is the event name in upper case; the envelope method is ignored', async () => {
    const socket = await connect();
    const jwr = (await rawEmit(socket, 'put', [{ method: 'get', headers: {}, data: {}, url: '/probe/echo' }])) as Jwr;
    expect((jwr.body as Echo).method).toBe('PUT');
  });

  it('2.2 body = {...params, ...data} (legacy params accepted); GET and DELETE keep their body', async () => {
    const socket = await connect();
    const merged = (await rawEmit(socket, 'post', [{ method: 'post', headers: {}, params: { p: 1, d: 0 }, data: { d: 2 }, url: '/probe/echo' }])) as Jwr;
    expect((merged.body as Echo).body).toStrictEqual({ p: 1, d: 2 });
    const del = (await rawEmit(socket, 'delete', [{ method: 'delete', headers: {}, data: { e: 5 }, url: '/probe/echo' }])) as Jwr;
    expect((del.body as Echo).body).toStrictEqual({ e: 5 });
  });

  it('2.2 req.query is flat, as Node querystring parses it (a[b]=1 stays the key a[b])', async () => {
    const socket = await connect();
    const seen = await echo(socket, 'get', '/probe/echo?a[b]=1&x=1&x=2&s=%20y');
    expect(seen.query).toStrictEqual({ 'a[b]': '1', x: ['1', '2'], s: ' y' });
  });

  it('2.2 header names are lowercased and values turned into strings', async () => {
    const socket = await connect();
    const jwr = (await rawEmit(socket, 'get', [{ method: 'get', headers: { 'X-Num': 5, 'X-Flag': true }, data: {}, url: '/probe/echo' }])) as Jwr;
    const headers = (jwr.body as Echo).headers;
    expect(headers['x-num']).toBe('5');
    expect(headers['x-flag']).toBe('true');
    expect(Object.keys(headers).every((key) => key === key.toLowerCase())).toBe(true);
  });

  it('2.2 origin is always the handshake origin: a sent origin is dropped', async () => {
    const withOrigin = await connect({ initialConnectionHeaders: { origin: 'http://front.example' } });
    const forced = await echo(withOrigin, 'get', '/probe/echo', undefined, { origin: 'http://evil.example' });
    expect(forced.headers['origin']).toBe('http://front.example');
    const without = await connect();
    const dropped = await echo(without, 'get', '/probe/echo', undefined, { origin: 'http://evil.example' });
    expect(dropped.headers['origin']).toBeUndefined();
  });

  it('2.2 the handshake cookie cannot be replaced per request', async () => {
    const withCookie = await connect({ initialConnectionHeaders: { cookie: 'k=v' } });
    expect((await echo(withCookie, 'get', '/probe/echo', undefined, { cookie: 'a=b' })).headers['cookie']).toBe('k=v');
    // Deliberate: the session cookie of a cookie-less socket is kept beside the socket, not written
    // into its handshake, so req.headers.cookie stays unset (docs/sails-differences.md).
    const cookieless = await connect();
    expect((await echo(cookieless, 'get', '/probe/echo', undefined, { cookie: 'a=b' })).headers['cookie']).toBeUndefined();
  });

  it('2.2 req.isSocket and req.transport; param(): route, then body, then query; allParams(): query < body < route', async () => {
    const socket = await connect();
    const seen = await echo(socket, 'post', '/probe/echo/R?p=Q&q=Q&only=q', { p: 'B', q: 'B' });
    expect(seen).toMatchObject({ isSocket: true, transport: 'socket.io', params: { p: 'R' }, param: { p: 'R', q: 'B' } });
    expect(seen.all).toStrictEqual({ p: 'R', q: 'B', only: 'q' });
    // An array body becomes {"0":…,"1":…} in allParams.
    expect((await echo(socket, 'post', '/probe/echo', ['x', 'y'])).all).toStrictEqual({ 0: 'x', 1: 'y' });
  });

  it('2.2 req.protocol is "ws", req.port null and req.wantsJSON true over a socket; over HTTP they are the server\'s', async () => {
    const socket = await connect();
    expect(await echo(socket, 'get', '/probe/echo')).toMatchObject({ protocol: 'ws', port: null, wantsJSON: true });
    const overHttp = (await (await fetch(`${url}/probe/echo`, { headers: { accept: 'text/html' } })).json()) as Record<string, unknown>;
    expect(overHttp).toMatchObject({ protocol: 'http', port: Number(new URL(url).port), wantsJSON: false });
    // Left out on purpose: req.ips (no trust-proxy setting yet) and req.file() (no uploads yet).
  });

  it('2.3 a normal JSON reply: the object as the body, headers {}, statusCode 200', async () => {
    const socket = await connect();
    const user = await createUser(socket, { name: label('jwr') });
    expect(await rawEmit(socket, 'get', [{ method: 'get', headers: {}, data: {}, url: `/user/${user.id}` }])).toStrictEqual({
      body: user,
      headers: {},
      statusCode: 200,
    });
  });

  it("2.3 res.json('hi') is not double-encoded (section 10 item 12: fixed)", async () => {
    const socket = await connect();
    expect(await rawEmit(socket, 'get', [{ method: 'get', headers: {}, data: {}, url: '/probe/json-string' }])).toStrictEqual({
      body: 'hi',
      headers: {},
      statusCode: 200,
    });
  });

  it('2.3 headers are only those the action set, each once, lowercase (section 10 item 13: fixed)', async () => {
    const socket = await connect();
    expect(await rawEmit(socket, 'get', [{ method: 'get', headers: {}, data: {}, url: '/probe/headers' }])).toStrictEqual({
      body: { ok: true },
      headers: { 'x-custom': 'yes', 'content-language': 'en' },
      statusCode: 200,
    });
  });

  it('2.3 res.sendStatus(n) sends Node\'s reason text; an unknown route is 404 "Not Found" with headers {}', async () => {
    const socket = await connect();
    const texts: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };
    for (const [code, text] of Object.entries(texts)) {
      expect(pojo(await request(socket, 'get', `/probe/status/${code}`))).toStrictEqual({ body: text, headers: {}, statusCode: Number(code) });
    }
    expect(await rawEmit(socket, 'get', [{ method: 'get', headers: {}, data: {}, url: '/no/such/route' }])).toStrictEqual({
      body: 'Not Found',
      headers: {},
      statusCode: 404,
    });
  });

  it('2.3 automatic OPTIONS: 200, the verbs in allow, no body key (without Express\'s other headers: item 13)', async () => {
    const socket = await connect();
    const jwr = await rawEmit(socket, 'options', [{ method: 'options', headers: {}, data: {}, url: '/user/1' }]);
    expect(jwr).toStrictEqual({ headers: { allow: 'DELETE, GET, HEAD, PATCH, PUT' }, statusCode: 200 });
    expect(Object.keys(jwr as object)).not.toContain('body');
  });

  it('2.3 HEAD replies still carry the full body', async () => {
    const socket = await connect();
    const jwr = (await rawEmit(socket, 'head', [{ method: 'head', headers: {}, data: {}, url: '/probe/echo' }])) as Jwr;
    expect(jwr.statusCode).toBe(200);
    expect((jwr.body as Echo).method).toBe('HEAD');
  });

  it('2.4 an envelope with no url, or a url that is not a string, is a 400 JWR, not a bare error object (section 10 item 4: fixed)', async () => {
    const socket = await connect();
    const hint = 'send { method, headers, data, url } with url a path such as "/user/1"';
    expect(await rawEmit(socket, 'get', [{ method: 'get', headers: {}, data: {} }])).toStrictEqual({
      body: { code: 'E_BAD_SOCKET_REQUEST', message: `The request envelope has no url; ${hint}.` },
      headers: {},
      statusCode: 400,
    });
    expect(await rawEmit(socket, 'get', [{ method: 'get', headers: {}, data: {}, url: 42 }])).toStrictEqual({
      body: { code: 'E_BAD_SOCKET_REQUEST', message: `The request url must be a string, got 42; ${hint}.` },
      headers: {},
      statusCode: 400,
    });
    // sails.io.js now sees the status: jwr.error is set, where Sails' bare object read as a 200.
    const viaSdk = await new Promise<SailsJwr>((resolve) => socket.request({ method: 'get', url: '?a=1' }, (_b, jwr) => resolve(jwr)));
    expect(viaSdk.statusCode).toBe(400);
    expect(viaSdk.error).toBeInstanceOf(Error);
  });

  it('2.4 without an ack the parse error comes as a sails:parseError event with the same body', async () => {
    const socket = await connect();
    const errors = collect(socket, 'sails:parseError');
    socket._raw.emit('get', { method: 'get', headers: {}, data: {} });
    await flush(socket);
    expect(errors).toStrictEqual([
      { code: 'E_BAD_SOCKET_REQUEST', message: 'The request envelope has no url; send { method, headers, data, url } with url a path such as "/user/1".' },
    ]);
  });

  it('2.4 a capitalised or unknown verb is answered with a 400 JWR (section 10 item 4: Sails never answered)', async () => {
    const socket = await connect();
    expect(await rawEmit(socket, 'GET', [{ method: 'get', headers: {}, data: {}, url: '/user' }])).toStrictEqual({
      body: { code: 'E_BAD_SOCKET_REQUEST', message: 'The event "GET" is not a request event: request event names are lowercase; emit "get".' },
      headers: {},
      statusCode: 400,
    });
    expect(((await rawEmit(socket, 'fetch', [{ method: 'get', url: '/user' }])) as Jwr).statusCode).toBe(400);
  });

  it('2.5 sails.io.js: jwr.error for 4xx/5xx with Sails\' message, none for 2xx and 3xx; toPOJO()', async () => {
    const socket = await connect();
    const missing = await request(socket, 'get', '/no/such/route');
    expect(missing.error).toBeInstanceOf(Error);
    expect(missing.error?.message).toBe('Server responded with a 404 status code:\n```\n"Not Found"\n```');
    expect(missing.toPOJO()).toStrictEqual({ body: 'Not Found', headers: {}, statusCode: 404 });
    expect((await request(socket, 'get', '/probe/status/302')).error).toBeUndefined();
    expect((await request(socket, 'get', '/probe/status/200')).error).toBeUndefined();
    expect((await request(socket, 'get', '/probe/status/500')).error).toBeInstanceOf(Error);
  });

  it('2.6 one example per method: get, post (200, not 201), put, patch, delete (the record as it was)', async () => {
    const socket = await connect();
    const created = await request(socket, 'post', '/user', { name: 'bob', age: 30 });
    expect(created.statusCode).toBe(200);
    const bob = created.body as UserRecord;
    expect(bob).toStrictEqual({ pets: [], tags: [], id: expect.any(Number), createdAt: expect.any(Number), updatedAt: expect.any(Number), name: 'bob', age: 30 });
    expect(Object.keys(bob).slice(0, 2)).toEqual(['pets', 'tags']);
    expect(pojo(await request(socket, 'get', `/user/${bob.id}`))).toStrictEqual({ body: bob, headers: {}, statusCode: 200 });
    expect((await request(socket, 'put', `/user/${bob.id}`, { name: 'bobby' })).body).toMatchObject({ id: bob.id, name: 'bobby', age: 30 });
    const patched = await request(socket, 'patch', `/user/${bob.id}`, { age: 31 });
    expect(patched.body).toMatchObject({ id: bob.id, name: 'bobby', age: 31 });
    expect(pojo(await request(socket, 'delete', `/user/${bob.id}`))).toStrictEqual({ body: patched.body, headers: {}, statusCode: 200 });
    expect((await request(socket, 'get', `/user/${bob.id}`)).statusCode).toBe(404);
  });
});

// ------------------------------------------------------------------------------------------------

describe('3. Events the server sends (resourceful pub-sub)', () => {
  it('3.1 created: to the class room, the populated record as data, no model key; the creator is left out', async () => {
    const watcher = await connect();
    const creator = await connect();
    await request(watcher, 'get', '/user?limit=0');
    const heard = collect(watcher, 'user');
    const own = collect(creator, 'user');
    const user = await createUser(creator, { name: label('created'), age: 30 });
    await flush(watcher);
    await flush(creator);
    expect(heard).toStrictEqual([{ verb: 'created', data: user, id: user.id }]);
    expect(Object.keys(heard[0]!['data'] as object).slice(0, 2)).toEqual(['pets', 'tags']);
    expect(own).toEqual([]);
  });

  it('3.1 a created pet carries its owner populated as an object; the owner hears addedTo (3.7)', async () => {
    const watcher = await connect();
    const creator = await connect();
    const owner = await createUser(creator, { name: label('owner') });
    await request(watcher, 'get', '/pet?limit=0');
    await request(watcher, 'get', `/user/${owner.id}`);
    const pets = collect(watcher, 'pet');
    const users = collect(watcher, 'user');
    const pet = await create<{ id: number; owner: unknown }>(creator, 'pet', { name: 'rex', owner: owner.id });
    await flush(watcher);
    expect(pet.owner).toMatchObject({ id: owner.id, name: owner.name });
    expect(pets).toStrictEqual([{ verb: 'created', data: pet, id: pet.id }]);
    expect(users).toStrictEqual([{ id: owner.id, verb: 'addedTo', attribute: 'pets', addedId: pet.id }]);
  });

  it('3.2 updated: data is the values written plus id and updatedAt; previous is the record before, populated', async () => {
    const subscriber = await connect();
    const writer = await connect();
    const user = await createUser(writer, { name: label('upd'), age: 30 });
    await request(subscriber, 'get', `/user/${user.id}`);
    const heard = collect(subscriber, 'user');
    const own = collect(writer, 'user');
    await request(writer, 'patch', `/user/${user.id}`, { age: 31 });
    await flush(subscriber);
    await flush(writer);
    expect(heard).toStrictEqual([{ verb: 'updated', data: { age: 31, id: user.id, updatedAt: expect.any(Number) }, id: user.id, previous: user }]);
    expect(own).toEqual([]);
  });

  it('3.3 destroyed: id and previous (populated), no data key; linked pets hear updated {owner: null} without previous (3.7)', async () => {
    const subscriber = await connect();
    const writer = await connect();
    const user = await createUser(writer, { name: label('gone') });
    const pet = await create(writer, 'pet', { name: 'tom', owner: user.id });
    await request(subscriber, 'get', `/user/${user.id}`);
    await request(subscriber, 'get', `/pet/${pet.id}`);
    const users = collect(subscriber, 'user');
    const pets = collect(subscriber, 'pet');
    const before = (await request(writer, 'get', `/user/${user.id}`)).body as UserRecord;
    expect(before.pets).toHaveLength(1);
    await request(writer, 'delete', `/user/${user.id}`);
    await flush(subscriber);
    expect(users).toStrictEqual([{ verb: 'destroyed', id: user.id, previous: before }]);
    expect(pets).toStrictEqual([{ verb: 'updated', data: { owner: null }, id: pet.id }]);
  });

  it('3.4 addedTo: one message per id, singular addedId, to the parent; the tag hears the reverse addedTo (3.7)', async () => {
    const subscriber = await connect();
    const writer = await connect();
    const user = await createUser(writer, { name: label('adder') });
    const tag = await create(writer, 'tag', { label: label('tag') });
    await request(subscriber, 'get', `/user/${user.id}`);
    await request(subscriber, 'get', `/tag/${tag.id}`);
    const users = collect(subscriber, 'user');
    const tags = collect(subscriber, 'tag');
    expect((await request(writer, 'put', `/user/${user.id}/tags/${tag.id}`)).statusCode).toBe(200);
    await flush(subscriber);
    expect(users).toStrictEqual([{ id: user.id, verb: 'addedTo', attribute: 'tags', addedId: tag.id }]);
    expect(tags).toStrictEqual([{ id: tag.id, verb: 'addedTo', attribute: 'users', addedId: user.id }]);
  });

  it('3.5 removedFrom: to the parent, and the reverse removedFrom to the tag (3.7)', async () => {
    const subscriber = await connect();
    const writer = await connect();
    const user = await createUser(writer, { name: label('remover') });
    const tag = await create(writer, 'tag', { label: label('tag') });
    await request(writer, 'put', `/user/${user.id}/tags/${tag.id}`);
    await request(subscriber, 'get', `/user/${user.id}`);
    const users = collect(subscriber, 'user');
    const tags = collect(subscriber, 'tag');
    expect((await request(writer, 'delete', `/user/${user.id}/tags/${tag.id}`)).statusCode).toBe(200);
    await flush(subscriber);
    expect(users).toStrictEqual([{ id: user.id, verb: 'removedFrom', attribute: 'tags', removedId: tag.id }]);
    // The subscriber was subscribed to the tag by subscribeDeep (findOne populated it).
    expect(tags).toStrictEqual([{ id: tag.id, verb: 'removedFrom', attribute: 'users', removedId: user.id }]);
  });

  it('3.4 replace sends one addedTo / removedFrom per id (item 7: the code\'s shape, not the docs\' addedIds)', async () => {
    const subscriber = await connect();
    const writer = await connect();
    const user = await createUser(writer, { name: label('replacer') });
    const [a, b, c] = [await create(writer, 'tag', { label: label('t') }), await create(writer, 'tag', { label: label('t') }), await create(writer, 'tag', { label: label('t') })];
    await request(writer, 'put', `/user/${user.id}/tags/${a!.id}`);
    await request(subscriber, 'get', `/user/${user.id}`);
    const users = collect(subscriber, 'user');
    expect((await request(writer, 'put', `/user/${user.id}/tags`, [b!.id, c!.id])).statusCode).toBe(200);
    await flush(subscriber);
    expect(users).toEqual(
      expect.arrayContaining([
        { id: user.id, verb: 'addedTo', attribute: 'tags', addedId: b!.id },
        { id: user.id, verb: 'addedTo', attribute: 'tags', addedId: c!.id },
        { id: user.id, verb: 'removedFrom', attribute: 'tags', removedId: a!.id },
      ]),
    );
    expect(users).toHaveLength(3);
  });

  it('3.7 add on a one-to-many: the child hears updated {owner: parentId} with no previous; a stolen child\'s old parent hears removedFrom', async () => {
    const subscriber = await connect();
    const writer = await connect();
    const first = await createUser(writer, { name: label('first') });
    const second = await createUser(writer, { name: label('second') });
    const pet = await create(writer, 'pet', { name: 'fido', owner: first.id });
    await request(subscriber, 'get', `/pet/${pet.id}`);
    await request(subscriber, 'get', `/user/${first.id}`);
    const pets = collect(subscriber, 'pet');
    const users = collect(subscriber, 'user');
    expect((await request(writer, 'put', `/user/${second.id}/pets/${pet.id}`)).statusCode).toBe(200);
    await flush(subscriber);
    expect(pets).toStrictEqual([{ verb: 'updated', data: { owner: second.id }, id: pet.id }]);
    expect(users).toStrictEqual([{ id: first.id, verb: 'removedFrom', attribute: 'pets', removedId: pet.id }]);
  });

  it('3.6 Model.publish(ids, data, req): event = identity, the data as given, the requester left out', async () => {
    const subscriber = await connect();
    const publisher = await connect();
    const user = await createUser(publisher, { name: label('pub') });
    await request(subscriber, 'get', `/user/${user.id}`);
    await request(publisher, 'get', `/user/${user.id}`);
    const heard = collect(subscriber, 'user');
    const own = collect(publisher, 'user');
    await request(publisher, 'post', '/probe/publish', { ids: [user.id], data: { custom: 'payload' }, omitMe: true });
    await flush(subscriber);
    await flush(publisher);
    expect(heard).toStrictEqual([{ custom: 'payload' }]);
    expect(own).toEqual([]);
  });

  it('3.6 sails.sockets.broadcast(room, data) and blast(data): the event is message', async () => {
    const listener = await connect();
    const sender = await connect();
    await request(listener, 'post', '/probe/sockets', { fn: 'join', args: ['$req', 'lobby-3-6'] });
    const heard = collect(listener, 'message');
    await request(sender, 'post', '/probe/sockets', { fn: 'broadcast', args: ['lobby-3-6', { hello: 'world' }] });
    await request(sender, 'post', '/probe/sockets', { fn: 'blast', args: [{ to: 'all' }] });
    await flush(listener);
    expect(heard).toStrictEqual([{ hello: 'world' }, { to: 'all' }]);
  });
});

// ------------------------------------------------------------------------------------------------

describe('4. Room naming', () => {
  it('4 findOne joins sails_model_<identity>_<id>:<identity> and (subscribeDeep + autoWatch) the class rooms of linked models', async () => {
    const socket = await connect();
    const user = await createUser(socket, { name: label('rooms') });
    const reader = await connect();
    await request(reader, 'get', `/user/${user.id}`);
    expect(await rooms(reader)).toEqual(['sails_model_create_pet', 'sails_model_create_tag', `sails_model_user_${user.id}:user`]);
  });

  it('4 find (autoWatch) joins the class room sails_model_create_<identity> and every returned record\'s room', async () => {
    const writer = await connect();
    const a = await createUser(writer, { name: label('room-find') });
    const reader = await connect();
    await request(reader, 'get', `/user?name=${a.name}`);
    expect(await rooms(reader)).toEqual(['sails_model_create_pet', 'sails_model_create_tag', 'sails_model_create_user', `sails_model_user_${a.id}:user`]);
  });

  it('4 _introduce: class-room members join a new record\'s room and then hear its updates', async () => {
    const watcher = await connect();
    const writer = await connect();
    await request(watcher, 'get', '/user?limit=0');
    const user = await createUser(writer, { name: label('intro') });
    expect(await rooms(watcher)).toContain(`sails_model_user_${user.id}:user`);
    const heard = collect(watcher, 'user');
    await request(writer, 'patch', `/user/${user.id}`, { age: 2 });
    await flush(watcher);
    expect(heard.map((m) => m['verb'])).toEqual(['updated']);
  });

  it('4 _retire: after destroy the record\'s room is gone for everyone, instance-only subscribers too (section 10 item 9: fixed)', async () => {
    const writer = await connect();
    const user = await createUser(writer, { name: label('retire') });
    const instanceOnly = await connect();
    await request(instanceOnly, 'post', '/probe/subscribe', { ids: [user.id] });
    const room = `sails_model_user_${user.id}:user`;
    expect(await rooms(instanceOnly)).toEqual([room]);
    await request(writer, 'delete', `/user/${user.id}`);
    expect(await rooms(instanceOnly)).toEqual([]);
    expect(Object.keys(await adapterRooms(writer))).not.toContain(room);
  });

  it('4 an id of 0 is a room like any other: sails_model_user_0:user (section 10 item 11: fixed)', async () => {
    const socket = await connect();
    await request(socket, 'post', '/probe/subscribe', { ids: [0] });
    expect(await rooms(socket)).toEqual(['sails_model_user_0:user']);
  });

  it("4 a socket's own room is its id, and it keeps it", async () => {
    const socket = await connect();
    const jwr = await request(socket, 'get', '/probe/rooms');
    expect(jwr.body).toMatchObject({ id: await socketId(socket), ownRoom: true });
  });
});

/** The server's id of the socket (socket.io 4 ids differ from the engine id socket.io-client 2 shows). */
async function socketId(socket: SailsSocket): Promise<string> {
  return ((await request(socket, 'get', '/probe/rooms')).body as { id: string }).id;
}

// ------------------------------------------------------------------------------------------------

describe('5. sails.sockets', () => {
  async function call(socket: SailsSocket, fn: string, ...args: unknown[]): Promise<{ result?: unknown; threw?: { code: string; status: number } }> {
    const jwr = await request(socket, 'post', '/probe/sockets', { fn, args });
    expect(jwr.statusCode).toBe(200);
    return jwr.body as { result?: unknown; threw?: { code: string; status: number } };
  }

  it('5 join(req, room) / leave(req, room) take a request or a socket id; getId(req) is the socket id', async () => {
    const socket = await connect();
    const other = await connect();
    const otherId = (await call(other, 'getId', '$req')).result as string;
    expect((await call(socket, 'getId', '$req')).result).toBe(await socketId(socket));
    await call(socket, 'join', '$req', 'five-a');
    await call(socket, 'join', otherId, 'five-a');
    expect(await rooms(socket)).toEqual(['five-a']);
    expect(await rooms(other)).toEqual(['five-a']);
    await call(socket, 'leave', '$req', 'five-a');
    await call(socket, 'leave', otherId, 'five-a');
    expect(await rooms(socket)).toEqual([]);
    expect(await rooms(other)).toEqual([]);
  });

  it("5 broadcast(room, data, req) and blast(data, req) leave the requester out (section 10 item 2: fixed); the 4- and 3-argument forms too", async () => {
    const sender = await connect();
    const listener = await connect();
    await call(sender, 'join', '$req', 'five-b');
    await call(listener, 'join', '$req', 'five-b');
    const senderHeard = collect(sender, 'message');
    const senderNews = collect(sender, 'news');
    const listenerHeard = collect(listener, 'message');
    const listenerNews = collect(listener, 'news');
    await call(sender, 'broadcast', 'five-b', { n: 1 }, '$req');
    await call(sender, 'broadcast', 'five-b', 'news', { n: 2 }, '$req');
    await call(sender, 'blast', { n: 3 }, '$req');
    await call(sender, 'blast', 'news', { n: 4 }, '$req');
    await flush(sender);
    await flush(listener);
    expect(senderHeard).toEqual([]);
    expect(senderNews).toEqual([]);
    expect(listenerHeard).toEqual([{ n: 1 }, { n: 3 }]);
    expect(listenerNews).toEqual([{ n: 2 }, { n: 4 }]);
  });

  it("5 get(id) returns the socket; get('nope') throws SAILS:HOOK:SOCKETS:NO_SUCH_SOCKET with status 404", async () => {
    const socket = await connect();
    const id = await socketId(socket);
    expect((await call(socket, 'get', id)).result).toStrictEqual({ socketId: id });
    expect((await call(socket, 'get', 'nope')).threw).toStrictEqual({ code: 'SAILS:HOOK:SOCKETS:NO_SUCH_SOCKET', status: 404 });
  });

  it('5 addRoomMembersToRooms / removeRoomMembersFromRooms move every member of a room; leaveAll keeps the own room', async () => {
    const a = await connect();
    const b = await connect();
    await call(a, 'join', '$req', 'five-src');
    await call(b, 'join', '$req', 'five-src');
    await call(a, 'addRoomMembersToRooms', 'five-src', ['five-x', 'five-y', 7]);
    expect(await rooms(b)).toEqual(['five-src', 'five-x', 'five-y']);
    await call(a, 'removeRoomMembersFromRooms', 'five-src', 'five-x');
    expect(await rooms(b)).toEqual(['five-src', 'five-y']);
    await call(a, 'leaveAll', 'five-src');
    expect(await rooms(a)).toEqual([]);
    expect(await rooms(b)).toEqual([]);
    expect((await request(b, 'get', '/probe/rooms')).body).toMatchObject({ ownRoom: true });
  });
});

// ------------------------------------------------------------------------------------------------

describe('6. Blueprint actions', () => {
  it('6.1 the REST routes answer; any other verb on those paths is 404 "Not Found"', async () => {
    const socket = await connect();
    const user = await createUser(socket, { name: label('routes') });
    expect((await request(socket, 'get', '/user')).statusCode).toBe(200);
    expect((await request(socket, 'get', `/user/${user.id}`)).statusCode).toBe(200);
    expect((await request(socket, 'get', `/user/${user.id}/pets`)).body).toEqual([]);
    expect(pojo(await request(socket, 'post', `/user/${user.id}`, { name: 'x' }))).toStrictEqual({ body: 'Not Found', headers: {}, statusCode: 404 });
    expect((await request(socket, 'patch', '/user')).statusCode).toBe(404);
  });

  it('6.1 shortcut routes are off by default (deliberate: Sails has them on; they let a plain link write data)', async () => {
    const socket = await connect();
    const name = label('shortcut');
    const jwr = await request(socket, 'get', `/user/create?name=${name}`);
    expect(jwr.statusCode).toBe(400);
    expect((await request(socket, 'get', `/user?name=${name}`)).body).toEqual([]);
  });

  it('6.2 create: the creator is subscribed to the new record and left out of created; single-record subscribers do not hear created (item 10: kept)', async () => {
    const creator = await connect();
    const recordOnly = await connect();
    const other = await createUser(creator, { name: label('other') });
    await request(recordOnly, 'get', `/user/${other.id}`);
    const recordOnlyHeard = collect(recordOnly, 'user');
    const user = await createUser(creator, { name: label('mine') });
    expect(await rooms(creator)).toContain(`sails_model_user_${user.id}:user`);
    await flush(recordOnly);
    expect(recordOnlyHeard).toEqual([]);
  });

  it('6.2 update and destroy: the instance room hears it, the requester does not; destroy unsubscribes the requester', async () => {
    const a = await connect();
    const b = await connect();
    const user = await createUser(a, { name: label('six-two') });
    await request(b, 'get', `/user/${user.id}`);
    const aHeard = collect(a, 'user');
    const bHeard = collect(b, 'user');
    await request(a, 'patch', `/user/${user.id}`, { age: 9 });
    await request(a, 'delete', `/user/${user.id}`);
    await flush(a);
    await flush(b);
    expect(aHeard).toEqual([]);
    expect(bHeard.map((m) => m['verb'])).toEqual(['updated', 'destroyed']);
    expect(await rooms(a)).not.toContain(`sails_model_user_${user.id}:user`);
  });

  it('6.2 HTTP requests subscribe nobody and are excluded from nothing', async () => {
    const subscriber = await connect();
    const user = await createUser(subscriber, { name: label('http') });
    const heard = collect(subscriber, 'user');
    const response = await fetch(`${url}/user/${user.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ age: 5 }) });
    expect(response.status).toBe(200);
    await flush(subscriber);
    expect(heard.map((m) => m['verb'])).toEqual(['updated']);
  });

  it('6.2 add twice answers 200 with one link (and publishes nothing the second time)', async () => {
    const writer = await connect();
    const subscriber = await connect();
    const user = await createUser(writer, { name: label('twice') });
    const tag = await create(writer, 'tag', { label: label('t') });
    await request(writer, 'put', `/user/${user.id}/tags/${tag.id}`);
    await request(subscriber, 'get', `/user/${user.id}`);
    const heard = collect(subscriber, 'user');
    const again = await request(writer, 'put', `/user/${user.id}/tags/${tag.id}`);
    await flush(subscriber);
    expect(again.statusCode).toBe(200);
    expect((again.body as UserRecord).tags).toHaveLength(1);
    expect(heard).toEqual([]);
  });

  it('6.2 populate: 200 with the linked list or record; 404 for a missing parent or a null to-one', async () => {
    const socket = await connect();
    const user = await createUser(socket, { name: label('populate') });
    const pet = await create<{ id: number }>(socket, 'pet', { name: 'p', owner: user.id });
    const lonely = await create<{ id: number }>(socket, 'pet', { name: 'lonely' });
    expect((await request(socket, 'get', `/user/${user.id}/pets`)).body).toMatchObject([{ id: pet.id, owner: user.id }]);
    expect((await request(socket, 'get', `/pet/${pet.id}/owner`)).body).toMatchObject({ id: user.id });
    expect(pojo(await request(socket, 'get', `/pet/${lonely.id}/owner`))).toStrictEqual({ body: 'Not Found', headers: {}, statusCode: 404 });
    expect((await request(socket, 'get', '/user/999999/pets')).statusCode).toBe(404);
  });

  it('6.3 a validation error is 400 with a code (one shape {code, message}, docs/sails-differences.md: errors)', async () => {
    const socket = await connect();
    const jwr = await request(socket, 'post', '/user', { age: 3 });
    expect(jwr.statusCode).toBe(400);
    expect(jwr.body).toStrictEqual({
      code: 'E_INVALID_NEW_RECORD',
      message: 'Could not create a user: "name" is required. Fix these values and send the request again.',
      details: '"name" is required',
    });
  });

  it('6.3 text a store cannot keep as sent (a lone surrogate, NUL) is 400 naming the attribute; other text round-trips (docs/sails-differences.md: text)', async () => {
    const socket = await connect();
    const surrogate = await request(socket, 'post', '/user', { name: 'x\ud800y' });
    expect(surrogate.statusCode).toBe(400);
    expect(surrogate.body).toMatchObject({ code: 'E_INVALID_NEW_RECORD', message: expect.stringContaining('"name" holds a lone surrogate') });
    const text = `${label('text')} 👨\u200d👩\u200d👧 cafe\u0301 \u200fשלום\ufeff`;
    const user = await createUser(socket, { name: text });
    expect(user.name).toBe(text);
    const nul = await request(socket, 'patch', `/user/${user.id}`, { name: 'a\u0000b' });
    expect(nul.statusCode).toBe(400);
    expect(nul.body).toMatchObject({ code: 'E_INVALID_VALUES_TO_SET', message: expect.stringContaining('"name" holds a NUL character') });
    expect((await request(socket, 'get', `/user/${user.id}`)).body).toMatchObject({ name: text });
  });

  it('6.3 a uniqueness conflict is 400 E_UNIQUE with modelIdentity and attrNames', async () => {
    const socket = await connect();
    const text = label('dup');
    await create(socket, 'tag', { label: text });
    const jwr = await request(socket, 'post', '/tag', { label: text });
    expect(jwr.statusCode).toBe(400);
    expect(jwr.body).toMatchObject({ code: 'E_UNIQUE', modelIdentity: 'tag', attrNames: ['label'] });
  });

  it('6.3 a missing record is 404 "Not Found" for findOne, update, destroy, add and remove', async () => {
    const socket = await connect();
    const tag = await create(socket, 'tag', { label: label('t') });
    for (const [method, path] of [
      ['get', '/user/999999'],
      ['patch', '/user/999999'],
      ['delete', '/user/999999'],
      ['put', `/user/999999/tags/${tag.id}`],
      ['delete', `/user/999999/tags/${tag.id}`],
    ] as const) {
      expect(pojo(await request(socket, method, path, method === 'patch' ? { age: 1 } : undefined))).toStrictEqual({
        body: 'Not Found',
        headers: {},
        statusCode: 404,
      });
    }
  });

  it('6.3 an action that throws is a 500 with the stack as the body in development', async () => {
    const socket = await connect();
    const jwr = await request(socket, 'get', '/probe/throws');
    expect(jwr.statusCode).toBe(500);
    expect(jwr.body).toMatch(/^Error: boom from the probe\n\s+at /);
  });
});

// ------------------------------------------------------------------------------------------------

describe('7. Query parameters', () => {
  let ids: number[] = [];
  const prefix = label('q');
  beforeAll(async () => {
    const socket = await connect();
    ids = [];
    for (const [i, age] of [8, 9, 3, 9].entries()) ids.push((await createUser(socket, { name: `${prefix}-u0${i + 1}`, age })).id);
  });
  const names = (jwr: SailsJwr): string[] => (jwr.body as UserRecord[]).map((u) => u.name.slice(prefix.length + 1));

  it('7.1 where as a JSON string in the query or an object in data; when where is given other params are ignored', async () => {
    const socket = await connect();
    const where = { name: { startsWith: prefix }, age: { '>=': 8, '<=': 9 } };
    expect(names(await request(socket, 'get', `/user?where=${encodeURIComponent(JSON.stringify(where))}&age=3`))).toEqual(['u01', 'u02', 'u04']);
    expect(names(await request(socket, 'get', '/user', { where, age: 3 }))).toEqual(['u01', 'u02', 'u04']);
  });

  it('7.1 without where, every other param is an equality filter (kept: stray params filter)', async () => {
    const socket = await connect();
    expect(names(await request(socket, 'get', `/user?name=${prefix}-u03`))).toEqual(['u03']);
    expect(names(await request(socket, 'get', '/user', { name: `${prefix}-u02`, age: 9 }))).toEqual(['u02']);
  });

  it('7.1 modifiers, the in shorthand, != with a list, or/and', async () => {
    const socket = await connect();
    const get = async (where: unknown): Promise<string[]> =>
      names(await request(socket, 'get', '/user', { where: { and: [{ name: { startsWith: prefix } }, where] }, sort: 'id ASC' }));
    expect(await get({ age: { '<': 9 } })).toEqual(['u01', 'u03']);
    expect(await get({ age: { '!=': [8, 3] } })).toEqual(['u02', 'u04']);
    expect(await get({ age: { in: [3] } })).toEqual(['u03']);
    expect(await get({ age: { nin: [3, 9] } })).toEqual(['u01']);
    expect(await get({ name: [`${prefix}-u01`, `${prefix}-u03`] })).toEqual(['u01', 'u03']);
    expect(await get({ name: { like: `%u0_` }, age: 8 })).toEqual(['u01']);
    expect(await get({ name: { contains: 'u04' } })).toEqual(['u04']);
    expect(await get({ name: { endsWith: '2' } })).toEqual(['u02']);
    expect(await get({ or: [{ age: 3 }, { age: 8 }] })).toEqual(['u01', 'u03']);
  });

  it('7.1 bad where JSON, an unknown modifier, an unknown attribute or a wrong type is 400 E_INVALID_CRITERIA (section 10 item 6: Sails gave 500 for bad JSON)', async () => {
    const socket = await connect();
    for (const where of ['{"age":', JSON.stringify({ age: { foo: 1 } }), JSON.stringify({ nope: 1 }), JSON.stringify({ age: 'old' })]) {
      const jwr = await request(socket, 'get', `/user?where=${encodeURIComponent(where)}`);
      expect(jwr.statusCode, where).toBe(400);
      expect(jwr.body).toMatchObject({ code: 'E_INVALID_CRITERIA', message: expect.any(String) });
    }
  });

  it('7.2 sort: "age DESC", "age", an array of objects, a JSON array of strings, Mongo style {age:-1}', async () => {
    const socket = await connect();
    const where = JSON.stringify({ name: { startsWith: prefix } });
    const sorted = async (sort: unknown): Promise<string[]> => names(await request(socket, 'get', '/user', { where, sort }));
    expect(await sorted('age DESC')).toEqual(expect.arrayContaining(['u02', 'u04']));
    expect((await sorted('age desc')).slice(2)).toEqual(['u01', 'u03']);
    expect(await sorted('age')).toEqual(['u03', 'u01', expect.any(String), expect.any(String)]);
    expect(await sorted([{ age: 'DESC' }, { name: 'ASC' }])).toEqual(['u02', 'u04', 'u01', 'u03']);
    expect(await sorted('[{"age":"DESC"},{"name":"DESC"}]')).toEqual(['u04', 'u02', 'u01', 'u03']);
    expect(await sorted(['age desc', 'name desc'])).toEqual(['u04', 'u02', 'u01', 'u03']);
    expect(await sorted({ age: -1, name: 1 })).toEqual(['u02', 'u04', 'u01', 'u03']);
  });

  it('7.2 sort: a comma in one string, an unknown attribute, or a dictionary not using 1/-1 is 400', async () => {
    const socket = await connect();
    for (const sort of ['age DESC,name ASC', 'nope ASC', '{"age":"DESC"}']) {
      const jwr = await request(socket, 'get', '/user', { sort });
      expect(jwr.statusCode, sort).toBe(400);
      expect(jwr.body).toMatchObject({ code: 'E_INVALID_CRITERIA' });
    }
  });

  it('7.3 limit defaults to 30 with no maximum; limit=0 gives [], limit=-1 everything; numeric strings are accepted; limit=abc and skip=-1 are 400', async () => {
    const socket = await connect();
    for (let i = 0; i < 31; i++) await createUser(socket, { name: label('bulk') });
    expect((await request(socket, 'get', '/user')).body).toHaveLength(30);
    expect(((await request(socket, 'get', '/user?limit=1000')).body as unknown[]).length).toBeGreaterThan(30);
    expect((await request(socket, 'get', '/user?limit=0')).body).toEqual([]);
    expect(((await request(socket, 'get', '/user?limit=-1')).body as unknown[]).length).toBeGreaterThan(30);
    expect((await request(socket, 'get', '/user', { limit: '1' })).body).toHaveLength(1);
    expect(names(await request(socket, 'get', '/user', { where: { name: { startsWith: prefix } }, sort: 'id ASC', skip: 2, limit: 1 }))).toEqual(['u03']);
    for (const query of ['limit=abc', 'skip=-1']) {
      const jwr = await request(socket, 'get', `/user?${query}`);
      expect(jwr.statusCode, query).toBe(400);
      expect(jwr.body).toMatchObject({ code: 'E_INVALID_CRITERIA' });
    }
  });

  it('7.4 select and omit are comma-separated strings; the id is always returned and links stay populated', async () => {
    const socket = await connect();
    const selected = (await request(socket, 'get', `/user/${ids[0]}?select=name`)).body as Record<string, unknown>;
    expect(Object.keys(selected).sort()).toEqual(['id', 'name', 'pets', 'tags']);
    const omitted = (await request(socket, 'get', `/user/${ids[0]}?omit=age,createdAt`)).body as Record<string, unknown>;
    expect(Object.keys(omitted).sort()).toEqual(['id', 'name', 'pets', 'tags', 'updatedAt']);
  });

  it('7.4 select and omit as arrays work (section 10 item 6: Sails gave 500 TypeError)', async () => {
    const socket = await connect();
    const selected = (await request(socket, 'get', `/user/${ids[0]}`, { select: ['name', 'age'] })).body as Record<string, unknown>;
    expect(Object.keys(selected).sort()).toEqual(['age', 'id', 'name', 'pets', 'tags']);
    const found = (await request(socket, 'get', '/user', { where: { id: ids[0] }, omit: ['age'] })).body as Record<string, unknown>[];
    expect(Object.keys(found[0]!)).not.toContain('age');
  });

  it('7.4 populate=false populates none, populate=pets only pets; an unknown alias is 400 E_INVALID_POPULATES', async () => {
    const socket = await connect();
    const none = (await request(socket, 'get', `/user/${ids[0]}?populate=false`)).body as Record<string, unknown>;
    expect(Object.keys(none)).not.toContain('pets');
    expect(Object.keys(none)).not.toContain('tags');
    const pets = (await request(socket, 'get', `/user/${ids[0]}?populate=pets`)).body as Record<string, unknown>;
    expect(pets['pets']).toEqual([]);
    expect(Object.keys(pets)).not.toContain('tags');
    for (const populate of ['nope', '[pets]']) {
      const jwr = await request(socket, 'get', `/user/${ids[0]}?populate=${populate}`);
      expect(jwr.statusCode, populate).toBe(400);
      expect(jwr.body).toMatchObject({ code: 'E_INVALID_POPULATES' });
    }
  });

  it('7.4 findOne ignores where, limit and sort', async () => {
    const socket = await connect();
    const jwr = await request(socket, 'get', `/user/${ids[0]}`, { where: { id: -1 }, limit: 0, sort: 'age DESC' });
    expect(jwr.statusCode).toBe(200);
    expect((jwr.body as UserRecord).id).toBe(ids[0]);
  });

  it('7.4 the populate action applies where, limit and sort to the child list', async () => {
    const socket = await connect();
    const user = await createUser(socket, { name: label('kids') });
    for (const name of ['a', 'b', 'c']) await create(socket, 'pet', { name, owner: user.id });
    const names = (jwr: SailsJwr): string[] => (jwr.body as { name: string }[]).map((p) => p.name);
    expect(names(await request(socket, 'get', `/user/${user.id}/pets?where=${encodeURIComponent('{"name":"b"}')}`))).toEqual(['b']);
    expect(names(await request(socket, 'get', `/user/${user.id}/pets?limit=1&sort=id DESC`))).toEqual(['c']);
  });

  it('7.5 create drops unknown keys (200); an array body is 400 E_INVALID_NEW_RECORD (section 10 item 6: Sails made one junk record)', async () => {
    const socket = await connect();
    const made = await request(socket, 'post', '/user', { name: label('extra'), shoeSize: 44 });
    expect(made.statusCode).toBe(200);
    expect(Object.keys(made.body as object)).not.toContain('shoeSize');
    const array = await request(socket, 'post', '/user', [{ name: 'a' }, { name: 'b' }]);
    expect(array.statusCode).toBe(400);
    expect(array.body).toMatchObject({ code: 'E_INVALID_NEW_RECORD' });
  });

  it('7.5 update cannot change the primary key', async () => {
    const socket = await connect();
    const user = await createUser(socket, { name: label('pk') });
    const jwr = await request(socket, 'patch', `/user/${user.id}`, { id: 999999, age: 4 });
    expect(jwr.statusCode).toBe(200);
    expect(jwr.body).toMatchObject({ id: user.id, age: 4 });
    expect((await request(socket, 'get', '/user/999999')).statusCode).toBe(404);
  });

  it('7.5 replace takes a JSON array body; an object body or ids that are not records is 400 E_INVALID_ASSOCIATED_IDS', async () => {
    const socket = await connect();
    const user = await createUser(socket, { name: label('rep') });
    const pet = await create(socket, 'pet', { name: 'r' });
    const replaced = await request(socket, 'put', `/user/${user.id}/pets`, [pet.id]);
    expect(replaced.statusCode).toBe(200);
    expect((replaced.body as UserRecord).pets).toMatchObject([{ id: pet.id }]);
    for (const body of [{ pets: [pet.id] }, [999999]]) {
      const jwr = await request(socket, 'put', `/user/${user.id}/pets`, body);
      expect(jwr.statusCode, JSON.stringify(body)).toBe(400);
      expect(jwr.body).toMatchObject({ code: 'E_INVALID_ASSOCIATED_IDS' });
    }
  });
});

// ------------------------------------------------------------------------------------------------

describe('8. Errors and edge behaviours', () => {
  it('8 an unknown route is 404 "Not Found" with headers {} for every verb', async () => {
    const socket = await connect();
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      expect(pojo(await request(socket, method, '/nothing/here'))).toStrictEqual({ body: 'Not Found', headers: {}, statusCode: 404 });
    }
  });

  it('8 sendResponseHeaders/sendStatusCode do not exist: every JWR carries headers and statusCode (section 10 item 3: no crash path)', async () => {
    const socket = await connect();
    const jwr = await rawEmit(socket, 'get', [{ method: 'get', headers: {}, data: {}, url: '/probe/status/404' }]);
    expect(jwr).toStrictEqual({ body: 'Not Found', headers: {}, statusCode: 404 });
  });

  it('8 "socket-only" actions check req.isSocket themselves: the seed\'s hello is 400 "Bad Request" over HTTP', async () => {
    const response = await fetch(`${url}/say/hello`);
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('Bad Request');
    const socket = await connect();
    expect((await request(socket, 'get', '/say/hello')).statusCode).toBe(200);
  });

  it('8 GET /csrfToken with security.csrf off (the default): no such route, 404', async () => {
    const socket = await connect();
    expect((await request(socket, 'get', '/csrfToken')).statusCode).toBe(404);
  });

  it('8 the server answers every request it can read: a valid request after each refusal still succeeds', async () => {
    const socket = await connect();
    await rawEmit(socket, 'get', ['not an envelope']);
    await rawEmit(socket, 'Post', [{ url: '/user' }]);
    await rawEmit(socket, 'get', [{ url: '/user', headers: 'x' }]);
    expect((await request(socket, 'get', '/probe/status/200')).statusCode).toBe(200);
  });
});
