import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createModelClient, request, SailsRequestError, type ModelMessage } from '../../src/client/index.js';
import { defineModel, type InferCreate, type InferRecord } from '../../src/schema/index.js';

// The client is tested against a socket.io server speaking docs/protocol.md section 2 with canned
// answers: what is under test here is the client's side of the envelope, not the server.
let server: Server;
let url: string;
const seen: unknown[] = [];

beforeAll(async () => {
  const http = createServer();
  server = new Server(http, { allowEIO3: true, transports: ['websocket'] });
  server.on('connection', (socket) => {
    for (const verb of ['get', 'post', 'patch', 'delete']) {
      socket.on(verb, (envelope: { url: string; data: unknown }, ack?: (jwr: unknown) => void) => {
        seen.push({ verb, ...envelope });
        if (envelope.url === '/silent') return;
        if (envelope.url === '/missing/1') return ack?.({ body: 'Not Found', headers: {}, statusCode: 404 });
        if (envelope.url === '/user' && verb === 'post') {
          socket.emit('user', { verb: 'created', id: 7, data: { id: 7, name: 'ann' } });
          socket.emit('user', { verb: 'destroyed', id: 3 });
        }
        ack?.({ body: { echo: envelope.data }, headers: {}, statusCode: 200 });
      });
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await server.close();
});

async function socketIo4(): Promise<Socket> {
  const socket = connect(url, { transports: ['websocket'], forceNew: true });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return socket;
}

describe('request()', () => {
  it('sends the Sails envelope and resolves with the JWR', async () => {
    const socket = await socketIo4();
    const jwr = await request(socket, 'get', '/user?x=1', { a: 1 }, { headers: { 'x-h': 'v' } });
    expect(jwr).toEqual({ body: { echo: { a: 1 } }, headers: {}, statusCode: 200 });
    expect(seen.at(-1)).toEqual({ verb: 'get', method: 'get', headers: { 'x-h': 'v' }, data: { a: 1 }, url: '/user?x=1' });
    socket.close();
  });

  it('rejects a 4xx with the JWR attached', async () => {
    const socket = await socketIo4();
    const failure = await request(socket, 'get', '/missing/1').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SailsRequestError);
    expect((failure as SailsRequestError).statusCode).toBe(404);
    expect((failure as SailsRequestError).message).toBe('GET /missing/1 failed with status 404: Not Found');
    socket.close();
  });

  it('times out a request the server never answers', async () => {
    const socket = await socketIo4();
    const failure = await request(socket, 'get', '/silent', {}, { timeout: 50 }).catch((error: unknown) => error);
    expect((failure as SailsRequestError).statusCode).toBe(0);
    expect((failure as SailsRequestError).message).toBe('GET /silent got no answer within 50 ms.');
    socket.close();
  });
});

describe('createModelClient()', () => {
  const User = defineModel({
    attributes: {
      name: { type: 'string', required: true },
      role: { type: 'string', isIn: ['admin', 'member'] },
      age: { type: 'number', allowNull: true },
    },
  });
  type User = InferRecord<typeof User>;
  type UserCreate = InferCreate<typeof User>;

  it('types records, creates and messages from the definition', () => {
    expectTypeOf<User>().toEqualTypeOf<{
      id: number;
      createdAt: number;
      updatedAt: number;
      name: string;
      role: 'admin' | 'member';
      age: number | null;
    }>();
    expectTypeOf<UserCreate>().toEqualTypeOf<{ name: string; role?: 'admin' | 'member'; age?: number | null }>();
    expectTypeOf<Extract<ModelMessage<User>, { verb: 'created' }>['data']>().toEqualTypeOf<User>();
  });

  it('maps the blueprint calls onto routes and filters messages by verb', async () => {
    const socket = await socketIo4();
    const users = createModelClient<User, UserCreate, Partial<UserCreate>>(socket, 'user');
    const created: unknown[] = [];
    const stop = users.on('created', (message) => created.push(message));
    await users.create({ name: 'ann' });
    await users.update(7, { age: null });
    await users.find({ where: { name: 'ann' }, limit: 2 });
    expect(seen.slice(-3)).toEqual([
      { verb: 'post', method: 'post', headers: {}, data: { name: 'ann' }, url: '/user' },
      { verb: 'patch', method: 'patch', headers: {}, data: { age: null }, url: '/user/7' },
      { verb: 'get', method: 'get', headers: {}, data: { where: { name: 'ann' }, limit: 2 }, url: '/user' },
    ]);
    expect(created).toEqual([{ verb: 'created', id: 7, data: { id: 7, name: 'ann' } }]);
    stop();
    await users.create({ name: 'bob' });
    expect(created).toHaveLength(1);
    socket.close();
  });

  it('works over the official sails.io.js 1.2.1 client too', async () => {
    const require = createRequire(import.meta.url);
    const sailsIo = require('sails.io.js') as (client: unknown) => { sails: Record<string, unknown> & { connect(url: string, options: object): never } };
    const io = sailsIo(require('socket.io-client-2'));
    io.sails['autoConnect'] = false;
    io.sails['environment'] = 'production';
    const socket = io.sails.connect(url, { transports: ['websocket'], reconnection: false }) as {
      request: never;
      on: never;
      off: never;
      disconnect(): void;
    };
    const users = createModelClient<User, UserCreate, Partial<UserCreate>>(socket, 'user');
    await expect(users.findOne(3)).resolves.toEqual({ echo: {} });
    expect(seen.at(-1)).toEqual({ verb: 'get', method: 'get', headers: {}, data: {}, url: '/user/3' });
    socket.disconnect();
  });
});
