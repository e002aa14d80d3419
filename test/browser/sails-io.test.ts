/**
 * The browser client (dist/browser/sails.io.js, `npm run build`) in Node, without a browser: the
 * bundle runs in a vm context whose `window` is the context itself and whose `WebSocket` is ws',
 * against the fixture app. What needs a page (the live page, drops, recovery) is in
 * test/e2e/browser-client.test.ts.
 */
import { readFileSync } from 'node:fs';
import { createContext, runInContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { liftFixture, type Lifted } from '../runtime/helpers.js';

const BUNDLE = readFileSync(new URL('../../dist/browser/sails.io.js', import.meta.url), 'utf8');

interface Jwr {
  body: unknown;
  headers: Record<string, unknown>;
  statusCode: number;
  error?: Error;
  toPOJO(): unknown;
}
type Callback = (body: unknown, jwr: Jwr) => void;
interface SailsSocket {
  get(url: string, data?: unknown, cb?: Callback): void;
  post(url: string, data?: unknown, cb?: Callback): void;
  request(options: Record<string, unknown>, cb?: Callback): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  isConnected(): boolean;
  disconnect(): void;
}
interface Io {
  sails: Record<string, unknown> & { connect(url?: string, options?: Record<string, unknown>): SailsSocket };
  socket?: SailsSocket;
}

let lifted: Lifted;
const opened: SailsSocket[] = [];

beforeAll(async () => {
  lifted = await liftFixture();
});

afterAll(async () => {
  for (const socket of opened) if (socket.isConnected()) socket.disconnect();
  await lifted?.close();
});

/**
 * The bundle run as a page at the app's origin would run it; `before` sets io.sails.* in the same
 * tick; `script` is the script tag's src and attributes, when there is one.
 */
function load(before: (io: Io) => void = () => {}, script?: { src: string; attributes: Record<string, string> }): Io {
  const origin = new URL(lifted.app.url);
  const context: Record<string, unknown> = {
    setTimeout,
    clearTimeout,
    URL,
    URLSearchParams,
    WebSocket,
    location: { href: origin.href, origin: origin.origin, protocol: origin.protocol, host: origin.host, hostname: origin.hostname, port: origin.port },
  };
  context['window'] = context['self'] = context;
  if (script) context['document'] = { currentScript: { src: script.src, getAttribute: (name: string) => script.attributes[name] ?? null } };
  createContext(context);
  runInContext(BUNDLE, context);
  const io = context['io'] as Io;
  before(io);
  return io;
}

function ask(socket: SailsSocket, verb: 'get' | 'post', url: string, data?: unknown): Promise<[unknown, Jwr]> {
  return new Promise((resolve) => socket[verb](url, data, (body, jwr) => resolve([body, jwr])));
}

describe('the browser client, in Node', () => {
  it("sets window.io with io.sails' defaults, and io.socket connects on its own, sending sails.io.js 1.2.1's handshake", async () => {
    const io = load();
    opened.push(io.socket!);
    expect(io.sails).toMatchObject({ autoConnect: true, reconnection: true, transports: ['websocket'], useCORSRouteToGetCookie: true, requestTimeout: 15000, environment: 'development' });
    expect(io.sails['sdk']).toMatchObject({ version: '1.2.1', platform: 'browser', language: 'javascript', client: expect.stringMatching(/^sails-rt \d/) });
    const [body, jwr] = await ask(io.socket!, 'get', '/echo?x=1');
    expect(jwr.statusCode).toBe(200);
    expect(body).toMatchObject({ isSocket: true, query: { x: '1' }, transport: 'socket.io' });
    expect(jwr.toPOJO()).toEqual({ body, headers: {}, statusCode: 200 });
  });

  it('sends io.sails.headers with every request, a request’s own header winning', async () => {
    const io = load((io) => (io.sails['headers'] = { 'x-global': 'g', 'x-both': 'global' }));
    opened.push(io.socket!);
    const [body] = await new Promise<[unknown, Jwr]>((resolve) =>
      io.socket!.request({ method: 'post', url: '/echo/any', data: { a: 1 }, headers: { 'x-both': 'own' } }, (b, j) => resolve([b, j])),
    );
    expect(body).toMatchObject({ method: 'POST', body: { a: 1 }, headers: { 'x-global': 'g', 'x-both': 'own' } });
  });

  it('answers an error status with jwr.error as sails.io.js words it', async () => {
    const io = load();
    opened.push(io.socket!);
    const [body, jwr] = await ask(io.socket!, 'get', '/no/such/route');
    expect(jwr.statusCode).toBe(404);
    expect(jwr.error?.message).toBe(`Server responded with a 404 status code:\n\`\`\`\n${JSON.stringify(body, null, 2)}\n\`\`\``);
  });

  it("takes settings from its script tag's attributes, the data- ones first, as sails.io.js does", () => {
    const io = load(() => {}, {
      src: 'http://127.0.0.1/js/sails.io.min.js',
      attributes: { 'data-autoConnect': 'false', transports: '["polling","websocket"]', reconnection: 'false', 'data-headers': '{"x-a":"1"}', path: '/io' },
    });
    expect(io.sails).toMatchObject({ autoConnect: false, transports: ['polling', 'websocket'], reconnection: false, headers: { 'x-a': '1' }, path: '/io', environment: 'production' });
  });

  it('refuses what sails.io.js 1.2.1 refuses, before sending', () => {
    const io = load();
    opened.push(io.socket!);
    expect(() => io.socket!.request({ method: 'get' })).toThrow('Invalid or missing URL!');
    expect(() => io.socket!.request({ url: '/x', params: { a: 1 }, data: { b: 2 } })).toThrow('Cannot specify both `params` and `data`!');
    expect(() => io.socket!.request({ url: '/x', method: 5 })).toThrow('Invalid `method` provided');
    expect(() => io.socket!.request({ url: '/x', headers: 'x' })).toThrow('Invalid `headers` provided');
    expect(() => io.socket!.get('/x', {}, 'not a function' as unknown as Callback)).toThrow('Invalid callback function!');
  });

  it('leaves io.socket out with io.sails.autoConnect false; io.sails.connect() makes a socket with its own requestTimeout', async () => {
    const io = load((io) => (io.sails['autoConnect'] = false));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(io.socket).toBeUndefined();
    const socket = io.sails.connect(lifted.app.url, { requestTimeout: 100 });
    opened.push(socket);
    const [body, jwr] = await ask(socket, 'get', '/echo/slow?ms=1000');
    expect(jwr.statusCode).toBe(0);
    expect(body).toEqual({ code: 'E_TIMEOUT', message: 'No answer to GET /echo/slow?ms=1000 within 100 ms.' });
    expect(socket.isConnected()).toBe(true);
  });
});
