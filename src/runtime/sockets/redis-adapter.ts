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
import { deserialize, serialize } from 'node:v8';
import createDebug from 'debug';
import type { RedisClientType } from 'redis';
import type { Namespace, ServerOptions } from 'socket.io';
import { LiftError } from '../errors.js';
import { redactUrl } from '../store/errors.js';
import { replay, type PersistedSession, type ReplayEntry, type ReplayTarget, type RestoredSession } from './recovery.js';

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
  /** Resolves once the sessions of sockets that went away are written (or failed to be): before close(), at lower. */
  flush(): Promise<void>;
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
  // When Redis last answered again after an outage: a session older than that may have missed
  // messages that never reached the stream (docs/deploy.md, Several instances).
  let backAt = 0;

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
    backAt = Date.now();
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

  const names = redisNames(options.keyPrefix);
  // Session writes still on their way to Redis, for flush().
  const writing = new Set<Promise<unknown>>();
  const make = createAdapter(client, { ...names }) as unknown as (nsp: Namespace) => StreamsAdapter;
  // socket.io calls the adapter with new: a function (not an arrow) that returns the adapter made.
  const adapter = function streamsAdapter(nsp: Namespace): StreamsAdapter {
    const made = make(nsp);
    recoverFromStream(made, client, names, () => down || backAt, writing);
    return made;
  } as unknown as NonNullable<ServerOptions['adapter']>;
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
    async flush() {
      await Promise.allSettled([...writing]);
    },
    async close() {
      closed = true;
      for (const copy of [client, ...duplicates]) {
        if (copy.isOpen) copy.destroy();
      }
    },
  };
}

/** The parts of the streams adapter (0.3.x) that `recoverFromStream` reads and replaces. */
interface StreamsAdapter {
  nsp: Namespace;
  constructor: { decode(raw: Record<string, string>): { nsp: string; type: number; data?: unknown } };
  persistSession(session: PersistedSession): void;
  restoreSession(pid: string, offset: string): Promise<RestoredSession>;
  onRawMessage(message: Record<string, string>, offset: string): void;
}

/** socket.io-adapter's cluster MessageType values found in the stream. */
const BROADCAST = 3;
const SOCKETS_JOIN = 4;
const SOCKETS_LEAVE = 5;
/** Entries read per XRANGE while replaying. */
const REPLAY_PAGE = 1_000;
/** How long a restore waits for this instance's stream reader to reach the end of what it replayed. */
const CATCH_UP_TIMEOUT = 2_000;
/** A replay that would need more pages than this (the stream outran it) gives up: not recovered rather than incomplete. */
const REPLAY_MAX_PAGES = 100;

/**
 * Replaces the adapter's session handling. Its own `persistSession` leaves the promise of its SET
 * unhandled, which with the fail-fast client would end the process during a Redis outage; and its
 * `restoreSession` replays broadcasts only. Here the session is written with its time, a failure
 * is logged (the client is then not recovered), and the replay plays the room operations of the
 * stream too (recovery.ts). `outage()` is true while Redis is away, else when it came back (ms):
 * a session written before then is refused, because what was sent meanwhile is not in the stream.
 */
function recoverFromStream(
  adapter: StreamsAdapter,
  client: RedisClientType,
  names: ReturnType<typeof redisNames>,
  outage: () => number | true,
  writing: Set<Promise<unknown>>,
): void {
  // `opts` is private in socket.io's typings; the adapter's own persistSession reads it the same way.
  const server = adapter.nsp.server as unknown as { opts: { connectionStateRecovery?: { maxDisconnectionDuration?: number } } };
  const window = (): number => server.opts.connectionStateRecovery?.maxDisconnectionDuration ?? 120_000;
  // Where this instance's reader of the stream is: an entry the replay read and the reader has not
  // yet handed on would otherwise reach the restored socket twice, once replayed, once live.
  let read = '0-0';
  const waiting = new Set<() => void>();
  const onRawMessage = adapter.onRawMessage.bind(adapter);
  adapter.onRawMessage = (message, offset) => {
    read = offset;
    onRawMessage(message, offset);
    for (const wake of waiting) wake();
  };
  const caughtUp = (offset: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (compareOffsets(read, offset) < 0) return;
        clearTimeout(timer);
        waiting.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiting.delete(check);
        reject(new Error(`the stream reader did not reach ${offset} within ${CATCH_UP_TIMEOUT} ms`));
      }, CATCH_UP_TIMEOUT);
      waiting.add(check);
      check();
    });
  // v8 rather than JSON: socket.data may hold Dates, Maps or Buffers, as it may in one process.
  adapter.persistSession = (session) => {
    const encoded = serialize({ ...session, disconnectedAt: Date.now() }).toString('base64');
    const written = client
      .set(names.sessionKeyPrefix + session.pid, encoded, { PX: window() })
      .catch((error: unknown) => {
        debug('could not keep the session of socket %s, which will not be recovered: %s', session.sid, (error as Error).message);
      })
      .finally(() => writing.delete(written));
    writing.add(written);
  };
  adapter.restoreSession = async (pid, offset) => {
    if (!/^[0-9]+-[0-9]+$/.test(offset)) throw new Error('invalid offset');
    const [stored, at] = await Promise.all([
      client.multi().get(names.sessionKeyPrefix + pid).del(names.sessionKeyPrefix + pid).exec(),
      client.xRange(names.streamName, offset, offset),
    ]);
    const raw = stored[0];
    if (typeof raw !== 'string' || at.length === 0) throw new Error('session or offset not found (expired, or trimmed from the stream)');
    const session = deserialize(Buffer.from(raw, 'base64')) as PersistedSession;
    const since = outage();
    if (since === true || since >= (session.disconnectedAt ?? 0)) throw new Error('Redis was unreachable while the socket was away');
    const entries: ReplayEntry[] = [];
    let from = offset;
    let last = offset;
    for (let page = 0; ; page++) {
      if (page === REPLAY_MAX_PAGES) throw new Error('the stream grew faster than it could be replayed');
      const chunk = await client.xRange(names.streamName, nextOffset(from), '+', { COUNT: REPLAY_PAGE });
      for (const entry of chunk) {
        from = entry.id;
        const message = entry.message as Record<string, string>;
        if (message['nsp'] !== adapter.nsp.name) continue;
        last = entry.id;
        const type = Number(message['type']);
        if (type !== BROADCAST && type !== SOCKETS_JOIN && type !== SOCKETS_LEAVE) continue;
        const decoded = adapter.constructor.decode(message);
        if (type === BROADCAST) {
          const { packet, opts } = decoded.data as { packet: { data: unknown[] }; opts: ReplayTarget & { flags?: { volatile?: boolean } } };
          // As in one process: a volatile message is not kept for a socket that was away.
          if (opts.flags?.volatile !== undefined) continue;
          packet.data.push(entry.id);
          entries.push({ kind: 'packet', opts, data: packet.data });
        } else {
          const { opts, rooms } = decoded.data as { opts: ReplayTarget; rooms: string[] };
          entries.push({ kind: type === SOCKETS_JOIN ? 'join' : 'leave', opts, rooms });
        }
      }
      if (chunk.length < REPLAY_PAGE) break;
    }
    if (last !== offset) await caughtUp(last);
    const { rooms, missedPackets } = replay(session.rooms, entries);
    return { ...session, rooms, missedPackets };
  };
}

/** Orders two stream ids ('<ms>-<seq>'). */
function compareOffsets(a: string, b: string): number {
  const [aTime = 0, aSeq = 0] = a.split('-').map(Number);
  const [bTime = 0, bSeq = 0] = b.split('-').map(Number);
  return aTime - bTime || aSeq - bSeq;
}

/** The id right after `offset` (exclusive XRANGE needs Redis 6.2). */
function nextOffset(offset: string): string {
  const [time, sequence] = offset.split('-');
  return `${time}-${Number(sequence) + 1}`;
}
