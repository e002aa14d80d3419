/**
 * The two kinds of real clients the tests drive apps with: the official sails.io.js 1.2.1 on
 * its bundled socket.io-client 2.0.3 (what Sails front ends ship), and socket.io-client 4.
 */
import { createRequire } from 'node:module';
import { io, type Socket } from 'socket.io-client';

export interface Jwr {
  body: unknown;
  headers: Record<string, string>;
  statusCode: number;
}

/** The part of sails.io.js's SailsSocket the tests use. */
export interface SailsSocket {
  get(url: string, data: unknown, cb: (body: unknown, jwr: Jwr) => void): void;
  post(url: string, data: unknown, cb: (body: unknown, jwr: Jwr) => void): void;
  put(url: string, data: unknown, cb: (body: unknown, jwr: Jwr) => void): void;
  patch(url: string, data: unknown, cb: (body: unknown, jwr: Jwr) => void): void;
  delete(url: string, data: unknown, cb: (body: unknown, jwr: Jwr) => void): void;
  on<T = unknown>(event: string, handler: (message: T) => void): void;
  off<T = unknown>(event: string, handler: (message: T) => void): void;
  isConnected(): boolean;
  disconnect(): void;
}

const require = createRequire(import.meta.url);
let sailsIoClient: { sails: Record<string, unknown> } | undefined;

/** Connects the official sails.io.js 1.2.1 client (socket.io-client 2.0.3, EIO=3). */
export async function connectSailsIo(url: string): Promise<SailsSocket> {
  // sails.io.js augments the socket.io client it is given, and refuses to do it twice.
  if (!sailsIoClient) {
    const sailsIo = require('sails.io.js') as (client: unknown) => { sails: Record<string, unknown> };
    sailsIoClient = sailsIo(require('socket.io-client-2'));
    sailsIoClient.sails['autoConnect'] = false;
    sailsIoClient.sails['environment'] = 'production';
  }
  const ioClient = sailsIoClient;
  const connect = ioClient.sails['connect'] as (url: string, options: object) => SailsSocket;
  const socket = connect(url, { transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', () => resolve());
    socket.on('connect_error', (error) => reject(error as Error));
  });
  return socket;
}

/** Sends one sails.io.js request and resolves with the JWR. */
export function sailsRequest(socket: SailsSocket, method: 'get' | 'post' | 'put' | 'patch' | 'delete', url: string, data: unknown = {}): Promise<Jwr> {
  return new Promise((resolve) => socket[method](url, data, (_body, jwr) => resolve(jwr)));
}

/** Connects a socket.io-client 4 socket (EIO=4) over websocket. */
export async function connectSocketIo4(url: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Sends the Sails envelope (docs/protocol.md 2.1) from a socket.io-client 4 socket. */
export function socketRequest(socket: Socket, method: string, url: unknown, data: unknown = {}, headers: Record<string, string> = {}): Promise<Jwr> {
  return new Promise((resolve) => socket.emit(method, { method, headers, data, url }, resolve));
}

/** Resolves with the next `event` message the socket receives, or rejects after `ms`. */
export function nextMessage<T = unknown>(socket: { on(e: string, h: (m: T) => void): unknown; off(e: string, h: (m: T) => void): unknown }, event: string, ms = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`no "${event}" message within ${ms} ms`));
    }, ms);
    const handler = (message: T): void => {
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(message);
    };
    socket.on(event, handler);
  });
}

/** Collects every `event` message the socket receives, for asserting that none arrived. */
export function collect<T = unknown>(socket: { on(e: string, h: (m: T) => void): unknown }, event: string): T[] {
  const messages: T[] = [];
  socket.on(event, (message) => messages.push(message));
  return messages;
}
