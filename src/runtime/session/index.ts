/**
 * Sessions shared by HTTP and sockets (docs/protocol.md 1.4): a signed `sails.sid` cookie names a
 * session in a store. An HTTP request reads it from its Cookie header; a socket reads it once,
 * from its handshake, so a socket that connects with the browser's cookie shares the HTTP
 * session. A socket without a cookie gets a fresh session that lives as long as the socket.
 *
 * Own code rather than @fastify/session: the socket path needs the same sessions without a
 * Fastify request, and the signed value is the one express-session (so Sails) writes,
 * `s:<sid>.<base64 HMAC-SHA256>`, so a cookie means the same thing to both.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import createDebug from 'debug';
import type { Server, Socket } from 'socket.io';
import { refuseSetting, SailsRtError } from '../errors.js';
import type { Req, Res } from '../pipeline/index.js';
import { checkRedisSettings, redisSettings } from './redis-settings.js';
import { MemorySessionStore, type SessionData, type SessionStore } from './store.js';

export { MemorySessionStore, type SessionData, type SessionStore } from './store.js';
export { DEFAULT_REDIS_PREFIX } from './redis-settings.js';

const debug = createDebug('sails-rt:session');

export interface SessionCookieConfig {
  /** Default '/'. */
  path?: string;
  domain?: string;
  /** Default true. */
  httpOnly?: boolean;
  /** Default false; set true behind HTTPS. */
  secure?: boolean;
  /** Default 'lax'. */
  sameSite?: 'lax' | 'strict' | 'none' | boolean;
  /** Milliseconds (default 24 hours, as a new Sails app has); also how long the store keeps an idle session. */
  maxAge?: number;
}

/** `config/session.ts`, with Sails' names. */
export interface SessionConfig {
  /**
   * Signs the session cookie. Required in production; without it (or with '') a development lift
   * signs with a random secret for that run, and says so. Keep it out of committed files: a new
   * app reads SESSION_SECRET here, and config/local.ts (not committed) holds one for development.
   */
  secret?: string;
  /** The cookie's name (default 'sails.sid'). */
  name?: string;
  cookie?: SessionCookieConfig;
  /**
   * Where sessions live: this process's memory (the default, gone when it stops), `'redis'` (shared
   * by every instance; see `url` and `prefix`), or any object with get, set and destroy.
   */
  store?: SessionStore | 'redis';
  /** With `store: 'redis'`: the server (default: the REDIS_URL environment variable), e.g. 'redis://127.0.0.1:6379'. */
  url?: string;
  /** With `store: 'redis'`: what every session key starts with (default 'sess:'), so several apps can share one Redis. */
  prefix?: string;
}

export const DEFAULT_SESSION_NAME = 'sails.sid';
const DAY = 24 * 60 * 60 * 1000;
/** How to give a secret, in the production refusal and the development warning. */
const SECRET_FIX =
  "set the SESSION_SECRET environment variable, which config/session.ts reads (`secret: process.env['SESSION_SECRET']`), to a long random string such as the output of `openssl rand -hex 32`, or put the secret in config/local.ts, which .gitignore keeps out of git";

/** Placeholder secrets a production app must replace. */
const PLACEHOLDER = /^(|changeme|change-me|secret|keyboard cat|replace-me)$/i;

/** Checks `config/session.ts`; in production a missing or placeholder secret stops lift. */
export function checkSessionConfig(config: unknown, production: boolean): SessionConfig {
  const fail = (setting: string, problem: string, fix: string): never => refuseSetting(setting, problem, fix, 'config/session.ts');
  if (config === undefined) config = {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    fail('"session"', 'must be an object', "write `export const session = { secret: process.env['SESSION_SECRET'] }`");
  }
  const session = config as SessionConfig;
  if (session.secret !== undefined && typeof session.secret !== 'string') {
    fail('session.secret', `is ${JSON.stringify(session.secret)}`, 'use a long random string');
  }
  if (production && (session.secret === undefined || PLACEHOLDER.test(session.secret.trim()))) {
    fail(
      'session.secret',
      session.secret === undefined ? 'is missing, which production does not allow' : `is the placeholder ${JSON.stringify(session.secret)}`,
      SECRET_FIX,
    );
  }
  if (session.name !== undefined && (typeof session.name !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(session.name))) {
    fail('session.name', `is ${JSON.stringify(session.name)}`, "use a cookie name such as 'sails.sid'");
  }
  const cookie = session.cookie ?? {};
  if (typeof cookie !== 'object' || cookie === null || Array.isArray(cookie)) fail('session.cookie', 'must be an object', 'use { maxAge: 86400000 }');
  if (cookie.maxAge !== undefined && (typeof cookie.maxAge !== 'number' || !(cookie.maxAge > 0))) {
    fail('session.cookie.maxAge', `is ${JSON.stringify(cookie.maxAge)}`, 'use a number of milliseconds such as 86400000 (24 hours)');
  }
  const store = session.store;
  if (store === 'redis') {
    checkRedisSettings(session, fail);
  } else {
    if (store !== undefined && (typeof store?.get !== 'function' || typeof store.set !== 'function' || typeof store.destroy !== 'function')) {
      fail('session.store', 'is not a session store', "use 'redis', or give an object with get(sid), set(sid, data, maxAge) and destroy(sid), or remove it");
    }
    for (const key of ['url', 'prefix'] as const) {
      if (session[key] !== undefined) fail(`session.${key}`, "is set but session.store is not 'redis'", "set store: 'redis', or remove it");
    }
  }
  return session;
}

/**
 * Opens the store `config/session.ts` names (checked by checkSessionConfig): the memory store by
 * default, the app's own object as it is, or Redis, whose client is loaded only then.
 * `log` takes the one line a Redis outage writes.
 */
export async function openSessionStore(config: SessionConfig, log: (line: string) => void): Promise<SessionStore> {
  const store = config.store;
  if (store === undefined) return new MemorySessionStore();
  if (store !== 'redis') return store;
  const { openRedisSessionStore } = await import('./redis.js');
  return openRedisSessionStore(redisSettings(config), log);
}

/** What a development lift without a session secret logs. */
export const RANDOM_SECRET_WARNING = `sails-rt: warning: no session secret is set, so this run signs session cookies with a random one, which the next run will not accept; ${SECRET_FIX}.`;

/** The sessions of one lifted app. */
export class Sessions {
  readonly name: string;
  readonly store: SessionStore;
  private readonly secret: string;
  /** True when no secret was configured and this lift signs with a random one (development only). */
  readonly randomSecret: boolean;
  private readonly maxAge: number;
  private readonly cookie: SessionCookieConfig;
  private readonly cookiePattern: RegExp;
  /** The session id of each socket, fixed at its handshake (none with `nosession`). */
  private readonly socketSids = new WeakMap<Socket, string>();
  /** Sockets whose session was made for them at connect (they had no cookie). */
  private readonly socketOwned = new WeakSet<Socket>();
  /** Requests whose new session is stored (and its cookie set) even while it is empty. */
  private readonly kept = new WeakSet<Req>();

  constructor(config: SessionConfig, store: SessionStore = new MemorySessionStore()) {
    this.name = config.name ?? DEFAULT_SESSION_NAME;
    // Without a secret (development only, checkSessionConfig refuses it in production) cookies
    // are signed with a random secret, so a fresh clone without config/local.ts still lifts; lift
    // says so (RANDOM_SECRET_WARNING). An empty SESSION_SECRET (`-e SESSION_SECRET=`) counts as
    // none: an empty HMAC key would sign nothing worth checking.
    const given = config.secret?.trim() ? config.secret : undefined;
    this.randomSecret = given === undefined;
    this.secret = given ?? randomBytes(32).toString('hex');
    this.cookie = config.cookie ?? {};
    this.maxAge = this.cookie.maxAge ?? DAY;
    this.store = store;
    this.cookiePattern = new RegExp(`(?:^|;\\s*)${this.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}=`);
  }

  /**
   * Gives `req.session` the session its cookie names (or a new, empty one) and saves it before the
   * response goes out; a new session is stored, and its cookie set, only once something is in it.
   * A store that cannot be reached is a 503 E_SESSION_STORE_UNAVAILABLE, never an empty session.
   */
  attach(req: Req, res: Res): void | Promise<void> {
    const socket = req.socket;
    let signed: string | undefined;
    if (socket !== undefined) {
      signed = this.socketSids.get(socket);
      if (signed === undefined) {
        // `nosession`: a session for this request only, never stored.
        req.session = {};
        return;
      }
    } else {
      signed = this.sidFromCookie(req.headers['cookie']);
      if (signed === undefined) return this.bind(req, res, undefined, undefined);
    }
    const stored = this.store.get(signed);
    // A store that answers at once (the memory store) is not awaited: no promise and no turn of
    // the microtask queue per request. A throw from get() reaches the caller either way.
    if (isThenable(stored)) return Promise.resolve(stored).then((value) => this.bind(req, res, signed, value), storeUnavailable);
    this.bind(req, res, signed, stored);
  }

  /** Gives `req.session` its session, and saves it before the response goes out. */
  private bind(req: Req, res: Res, signed: string | undefined, stored: SessionData | undefined): void {
    const socket = req.socket;
    const session: SessionData = stored ?? {};
    req.session = session;
    res.beforeSend(() => {
      // A socket's own session ended at its disconnect; a request that was still running then
      // would store it again, for maxAge, with nothing left to destroy it.
      if (socket !== undefined && socket.disconnected && this.socketOwned.has(socket)) return undefined;
      // The action may have replaced the object (`req.session = {}`).
      const data = req.session;
      if (stored === undefined && Object.keys(data).length === 0 && !this.kept.has(req)) return undefined;
      // A new session's id is drawn only now that it is stored: most requests without a cookie
      // store nothing, and 24 random bytes per request were a tenth of an HTTP GET's CPU.
      const sid = signed ?? newSid();
      // A socket cannot take a cookie; its sid is the one of its handshake (see connectSockets).
      if (signed === undefined && !req.isSocket) res.set('set-cookie', this.serialize(sid));
      // The response waits for a store that answers later (Redis), so the next request, on any
      // instance, reads what this one wrote; a failed save makes the response a 503 instead.
      const saved = this.store.set(sid, data, this.maxAge);
      return saved === undefined ? undefined : Promise.resolve(saved).catch(storeUnavailable);
    });
  }

  /** Stores this request's session, and sets its cookie, even if nothing is put in it. */
  keep(req: Req): void {
    this.kept.add(req);
  }

  /** True when the socket's session was made for it at connect (it brought no session cookie). */
  ownsSession(socket: Socket): boolean {
    return this.socketOwned.has(socket);
  }

  /**
   * Runs at every socket handshake: the session cookie is read once, for the socket's
   * lifetime. A socket without a valid one (and without `nosession`) gets a fresh session that
   * lives as long as the socket, as in Sails (which writes its cookie into the handshake;
   * sails-rt keeps it beside the socket, so req.headers.cookie stays what the client sent).
   */
  connectSockets(io: Server): void {
    io.use((socket, next) => {
      const { headers, query } = socket.handshake;
      if (headers['nosession'] !== undefined || query['nosession'] !== undefined) return next();
      const shared = this.sidFromCookie(headers.cookie);
      if (shared !== undefined) {
        this.socketSids.set(socket, shared);
        return next();
      }
      this.socketSids.set(socket, newSid());
      this.socketOwned.add(socket);
      next();
    });
    // Stored once connected, not in io.use: socket.io drops a socket whose connection closed
    // while the middlewares ran (a CONNECT and a close in one polling payload) without a
    // disconnect event, so a session stored for it there would stay until it expired.
    io.on('connection', (socket) => {
      const sid = this.socketSids.get(socket);
      if (sid === undefined || !this.socketOwned.has(socket)) return;
      this.saveInBackground(sid, {});
      socket.once('disconnect', () => {
        Promise.resolve(this.store.destroy(sid)).catch((error: unknown) => debug('could not destroy the session of socket %s: %O', socket.id, error));
      });
    });
  }

  /** Closes the store (a Redis client waits for the commands it has sent). */
  async close(): Promise<void> {
    await this.store.close?.();
  }

  /** A socket's own new session: no response waits for it, and its first request reads it (or finds none, and starts empty). */
  private saveInBackground(sid: string, data: SessionData): void {
    try {
      const saved = this.store.set(sid, data, this.maxAge);
      if (saved !== undefined) Promise.resolve(saved).catch((error: unknown) => debug('could not save session: %O', error));
    } catch (error) {
      debug('could not save session: %O', error);
    }
  }

  /** The session id in a Cookie header, if the cookie is there and its signature is ours. */
  private sidFromCookie(header: string | undefined): string | undefined {
    if (header === undefined || !this.cookiePattern.test(header)) return undefined;
    const value = parseCookie(header)[this.name];
    if (value === undefined || !value.startsWith('s:')) return undefined;
    const dot = value.lastIndexOf('.');
    if (dot <= 2) return undefined;
    const sid = value.slice(2, dot);
    const given = Buffer.from(value.slice(dot + 1));
    const expected = Buffer.from(this.mac(sid));
    return given.length === expected.length && timingSafeEqual(given, expected) ? sid : undefined;
  }

  private sign(sid: string): string {
    return `s:${sid}.${this.mac(sid)}`;
  }

  /** cookie-signature's MAC: base64 HMAC-SHA256 without padding. */
  private mac(sid: string): string {
    return createHmac('sha256', this.secret).update(sid).digest('base64').replace(/=+$/, '');
  }

  private serialize(sid: string): string {
    const { path = '/', domain, httpOnly = true, secure = false, sameSite = 'lax' } = this.cookie;
    return serializeCookie(this.name, this.sign(sid), {
      path,
      httpOnly,
      secure,
      sameSite,
      maxAge: Math.floor(this.maxAge / 1000),
      ...(domain === undefined ? {} : { domain }),
    });
  }
}

/** A rejection of the store, as the error the client gets (the cause goes to the debug log). */
function storeUnavailable(cause: unknown): never {
  debug('the session store failed: %O', cause);
  throw new SailsRtError('E_SESSION_STORE_UNAVAILABLE', 'The session store is unavailable right now, so this request could not use its session; try again in a moment.');
}

function newSid(): string {
  return randomBytes(24).toString('base64url');
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<T>).then === 'function';
}
