/**
 * socket.io across instances: `@socket.io/redis-streams-adapter` over a node-redis 5 client
 * (docs/deploy.md, Several instances). Every room operation and broadcast an instance makes is one
 * entry of one Redis stream, which every instance reads in order, so a join and the broadcast
 * issued after it arrive everywhere in that order. The streams adapter rather than the classic
 * pub/sub one because the stream keeps what was sent, so socket.io's connection-state recovery
 * can work across instances (a reconnecting client may land on another one).
 *
 * redis and the adapter are imported here only when `sockets.adapter` is 'redis', so a plain
 * app's lift never reads them.
 */
import createDebug from 'debug';
import type { RedisClientType } from 'redis';
import type { ServerOptions } from 'socket.io';
import { LiftError } from '../errors.js';
import { redactUrl } from '../store/errors.js';

const debug = createDebug('sails-rt:sockets:redis');

/** How long lift waits for Redis before it gives up (the first connection only; later ones are retried for ever). */
export const FIRST_CONNECT_TIMEOUT = 5_000;

export interface RedisAdapterOptions {
  /** 'redis://127.0.0.1:6379' */
  url: string;
  /** What the stream, channels and session keys are named after (default 'socket.io'). */
  keyPrefix?: string;
  /** One line when Redis becomes unreachable and one when it is back (default: none). */
  report?: (line: string) => void;
  /** Default FIRST_CONNECT_TIMEOUT. */
  firstConnectTimeout?: number;
}

export interface RedisAdapter {
  /** For socket.io's `new Server(http, { adapter })`. */
  readonly adapter: NonNullable<ServerOptions['adapter']>;
  /** Resolves once the adapter reads the stream and listens on its channels. */
  ready(): Promise<void>;
  /** Closes the Redis connections; call it after the namespace's adapter is closed (`io.of('/').adapter.close()`). */
  close(): Promise<void>;
}

/** Stream, channel and key names of one app, so several can share a Redis. */
export function redisNames(keyPrefix = 'socket.io'): { streamName: string; channelPrefix: string; sessionKeyPrefix: string } {
  return { streamName: keyPrefix, channelPrefix: keyPrefix, sessionKeyPrefix: `${keyPrefix}:session:` };
}

/**
 * Connects to Redis and makes the socket.io adapter; rejects with a LiftError naming the URL when
 * Redis does not answer within `firstConnectTimeout`.
 *
 * @example const redis = await createRedisAdapter({ url: 'redis://127.0.0.1:6379' });
 * const io = new Server(http, { adapter: redis.adapter }); await redis.ready(); … await io.of('/').adapter.close(); await redis.close();
 */
export async function createRedisAdapter(options: RedisAdapterOptions): Promise<RedisAdapter> {
  const [{ createClient }, { createAdapter }] = await Promise.all([import('redis'), import('@socket.io/redis-streams-adapter')]);
  const shown = redactUrl(options.url);
  const timeout = options.firstConnectTimeout ?? FIRST_CONNECT_TIMEOUT;
  const started = Date.now();
  let connected = false;
  let down = false;

  const client: RedisClientType = createClient({
    url: options.url,
    // RESP2, node-redis 5's default, on purpose: the adapter (0.3.x, written for node-redis 4) reads
    // XREAD's reply as node-redis 4 shaped it, which node-redis 5 keeps only under RESP2.
    RESP: 2,
    // Broadcasts and room operations fail at once while Redis is away instead of queuing without
    // bound; the adapter then still applies them to this instance's own sockets.
    disableOfflineQueue: true,
    socket: {
      // Retried for ever once the app runs (backing off to 2 s), but lift gives up after `timeout`.
      reconnectStrategy: (retries) => {
        if (!connected && Date.now() - started >= timeout) return new Error(`no answer within ${timeout} ms`);
        return Math.min(50 * 2 ** retries, 2_000);
      },
      connectTimeout: timeout,
    },
  }) as RedisClientType;

  // The adapter makes its own connections with duplicate(): one blocks on XREAD, one subscribes.
  // Those queue their commands while Redis is away (a failing XREAD would be retried in a tight
  // loop), and are tracked to be closed with the rest. Their disconnect() may be called by the
  // adapter after close() destroyed them, which node-redis 5 answers with a throw: made idempotent.
  // Once closed, the adapter's read loop (which calls XREAD again at once after a failure) is
  // handed a read that never settles, so a close before the adapter's own cannot make it spin.
  const duplicates: RedisClientType[] = [];
  let closed = false;
  const duplicate = client.duplicate.bind(client);
  (client as unknown as { duplicate: (overrides?: object) => RedisClientType }).duplicate = (overrides) => {
    const copy = duplicate({ ...overrides, disableOfflineQueue: false }) as unknown as RedisClientType;
    const overridden = copy as unknown as { disconnect: () => Promise<void>; xRead: (...args: unknown[]) => Promise<unknown> };
    const destroy = copy.destroy.bind(copy);
    const xRead = overridden.xRead.bind(copy);
    overridden.disconnect = async () => {
      if (copy.isOpen) destroy();
    };
    overridden.xRead = (...args) => (closed ? new Promise(() => {}) : xRead(...args));
    // The adapter leaves the promises of its connect and subscribe calls unhandled: once closed,
    // their failure (destroyed while Redis was away) must not become an unhandled rejection.
    for (const name of ['connect', 'subscribe', 'sSubscribe'] as const) {
      const method = (copy as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
      if (typeof method !== 'function') continue;
      const call = method.bind(copy);
      (copy as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
        call(...args).catch((error: unknown) => {
          if (closed) return new Promise(() => {});
          throw error;
        });
    }
    duplicates.push(copy);
    return copy;
  };

  // node-redis emits 'error' on every failed attempt: one line per outage, not per retry.
  client.on('error', (error: Error) => {
    if (debug.enabled) debug('redis error: %s', error.message);
    if (!connected || down) return;
    down = true;
    options.report?.(`sails-rt: Redis at ${shown} is unreachable (${error.message || error.name}); messages do not cross instances until it is back, and this instance's own sockets still get its own.`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    options.report?.(`sails-rt: Redis at ${shown} answers again.`);
  });

  try {
    await client.connect();
  } catch (error) {
    if (client.isOpen) client.destroy();
    // node-redis gives up with our reconnectStrategy's error; the socket's own (ECONNREFUSED …) says more.
    const socketError = (error as { socketError?: unknown }).socketError;
    const reason = socketError instanceof Error ? `${socketError.message}, for ${timeout / 1000} s` : (error as Error).message;
    throw new LiftError(
      `Could not connect to Redis at ${shown} for sockets.adapter 'redis' (${reason}); start Redis there, or fix sockets.url (config/sockets.ts) or REDIS_URL.`,
      { cause: error },
    );
  }
  connected = true;

  const adapter = createAdapter(client, { ...redisNames(options.keyPrefix) }) as NonNullable<ServerOptions['adapter']>;
  return {
    adapter,
    async ready() {
      // duplicate() was called by createAdapter already; the XREAD starts once its copy is connected.
      let timer: NodeJS.Timeout | undefined;
      const connectedAll = Promise.all(duplicates.map((copy) => (copy.isReady ? undefined : new Promise((resolve) => copy.once('ready', resolve)))));
      const gaveUp = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new LiftError(`Redis at ${shown} stopped answering while sails-rt connected to it for sockets.adapter 'redis'; check that it runs, then lift again.`)), timeout);
      });
      try {
        await Promise.race([connectedAll, gaveUp]);
      } finally {
        clearTimeout(timer);
      }
      await new Promise((resolve) => setImmediate(resolve));
    },
    async close() {
      closed = true;
      for (const copy of [client, ...duplicates]) {
        if (copy.isOpen) copy.destroy();
      }
    },
  };
}
