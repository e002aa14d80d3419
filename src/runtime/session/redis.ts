/**
 * `session.store: 'redis'`: sessions in Redis, shared by every instance of the app. The storing
 * is connect-redis's (the store express-session apps use, so a session is one JSON value under
 * `<prefix><sid>` with an expiry), over a node-redis client; this file only adapts it to
 * SessionStore and decides what an outage looks like. Imported by openSessionStore only when an
 * app asks for Redis, so other apps never load either package.
 */
import createDebug from 'debug';
import type { RedisStore } from 'connect-redis';
import type { RedisClientType } from 'redis';
import { LiftError } from '../errors.js';
import { redactUrl } from '../store/errors.js';
import type { RedisSessionSettings } from './redis-settings.js';
import type { SessionData, SessionStore } from './store.js';

const debug = createDebug('sails-rt:session');

/** How long lift waits for Redis, and how long one command may take before the request gets its 503. */
const CONNECT_TIMEOUT_MS = 5000;
const COMMAND_TIMEOUT_MS = 5000;
/** The longest pause between two reconnection attempts during an outage. */
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * Connects to Redis (at most CONNECT_TIMEOUT_MS) and returns the store; a server that does not
 * answer is a LiftError naming the URL (without its password) and the fix.
 */
export async function openRedisSessionStore(settings: RedisSessionSettings, log: (line: string) => void): Promise<RedisSessionStore> {
  const [{ createClient }, { RedisStore }] = await Promise.all([import('redis'), import('connect-redis')]);
  const shown = redactUrl(settings.url);
  let connected = false;
  const client: RedisClientType = createClient({
    url: settings.url,
    // While Redis is away a command fails at once (the request gets its 503) instead of waiting
    // in a queue for a server that may take minutes to come back.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      // At lift, the first failure is final (lift reports it); afterwards, keep trying.
      reconnectStrategy: (retries, cause) => (connected ? Math.min(100 * 2 ** retries, MAX_RECONNECT_DELAY_MS) : cause),
    },
  });
  const store = new RedisSessionStore(client, RedisStore, settings.prefix, shown, log);
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
  });
  try {
    // Bounded as a whole: node-redis's connectTimeout covers the TCP connection only, and a port
    // that accepts but never answers (a stalled server, something else than Redis) would hold
    // connect() until it closes.
    const answered = client.connect().then(() => client.ping());
    answered.catch(() => {}); // when the timer wins, destroy() below rejects it, with nobody waiting
    await Promise.race([answered, silent]);
  } catch (error) {
    try {
      client.destroy();
    } catch {
      // Already closed: the reconnect strategy gave up on the first failure.
    }
    throw new LiftError(
      `The session store Redis at ${shown} (session.url in config/session.ts, else REDIS_URL) could not be reached (${(error as Error).message}); start Redis there, or point REDIS_URL at a running server.`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
  connected = true;
  store.live = true;
  return store;
}

/** connect-redis behind SessionStore: every call answers with a promise, and rejects while Redis is away. */
export class RedisSessionStore implements SessionStore {
  private readonly store: RedisStore;
  /** Each session's maxAge, for connect-redis's ttl (it passes the session object it was given). */
  private readonly maxAges = new WeakMap<SessionData, number>();
  /** True from the first error until Redis is ready again: one log line per outage. */
  private down = false;
  /** Set once lift's connection succeeded: a failure before that is lift's to report. */
  live = false;

  constructor(
    private readonly client: RedisClientType,
    Store: typeof RedisStore,
    prefix: string,
    private readonly shown: string,
    private readonly log: (line: string) => void,
  ) {
    this.store = new Store({
      client,
      prefix,
      ttl: (data: object) => Math.ceil((this.maxAges.get(data as SessionData) ?? 0) / 1000),
    });
    // Without a listener, node-redis's 'error' event would end the process.
    client.on('error', (error: Error) => this.failed(error));
    client.on('ready', () => {
      if (!this.down) return;
      this.down = false;
      debug('the session store %s is back', this.shown);
    });
  }

  async get(sid: string): Promise<SessionData | undefined> {
    const data = (await bounded(this.store.get(sid))) as SessionData | null;
    return data ?? undefined;
  }

  async set(sid: string, data: SessionData, maxAge: number): Promise<void> {
    this.maxAges.set(data, maxAge);
    await bounded(this.store.set(sid, data as Parameters<RedisStore['set']>[1]));
  }

  async destroy(sid: string): Promise<void> {
    await bounded(this.store.destroy(sid));
  }

  async close(): Promise<void> {
    // An instance lowering while Redis is away has nothing left to wait for.
    if (this.client.isReady) return this.client.close();
    if (this.client.isOpen) this.client.destroy();
  }

  private failed(error: Error): void {
    debug('session store %s: %s', this.shown, error.message);
    if (this.down || !this.live) return;
    this.down = true;
    this.log(`sails-rt: the session store Redis at ${this.shown} is unreachable (${error.message}); requests that use a session get 503 E_SESSION_STORE_UNAVAILABLE until it is back.`);
  }
}

/**
 * `command`, or a rejection once it has taken COMMAND_TIMEOUT_MS: a connected Redis that stalls
 * (paused, swapping) would otherwise hold the request for as long (node-redis 5's own command
 * timeout did not end a command whose reply was late). The command may still complete later.
 */
function bounded<T>(command: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${COMMAND_TIMEOUT_MS / 1000} s`)), COMMAND_TIMEOUT_MS);
  });
  return Promise.race([command, late]).finally(() => clearTimeout(timer));
}
