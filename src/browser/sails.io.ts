/**
 * sails-rt's browser client: the `io.socket` API of sails.io.js 1.2.1 over socket.io-client 4.
 * Built by scripts/build.mjs into dist/browser/sails.io.js (one minified IIFE), which `sails-rt
 * new` writes to assets/js/dependencies/sails.io.js. docs/client.md describes it, with what it
 * does differently from sails.io.js 1.2.1: reconnection on by default, requests that time out,
 * and requests that subscribed repeated after a reconnect the server did not recover.
 */
import { io as lookup, type Socket } from 'socket.io-client';

// No DOM library in this repository's TypeScript program (it is Node code): the little of the
// browser this file touches, described here.
declare const window: any; // any: the page's globals, whatever they hold
declare const document: any; // any: only currentScript and createElement
declare const SAILS_RT_VERSION: string;

type Callback = (body: unknown, jwr: JWR) => void;

/** What `request()` takes: sails.io.js 1.2.1's options, plus `timeout` and `resync`. */
export interface RequestOptions {
  url: string;
  method?: string;
  params?: unknown;
  data?: unknown;
  headers?: Record<string, string>;
  /** ms before the callback gets the timeout JWR (statusCode 0, body.code 'E_TIMEOUT'); 0 waits for ever. */
  timeout?: number;
  /** true: repeat after a reconnect that was not recovered; false: never; unset: the blueprint rule. */
  resync?: boolean;
}

interface Pending {
  cb: Callback | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The options a socket takes from `io.sails` when it connects, unless given its own. */
const SOCKET_OPTIONS = [
  'useCORSRouteToGetCookie', 'url', 'multiplex', 'transports', 'query', 'path', 'headers', 'initialConnectionHeaders',
  'reconnection', 'reconnectionAttempts', 'reconnectionDelay', 'reconnectionDelayMax', 'rejectUnauthorized',
  'randomizationFactor', 'timeout', 'requestTimeout',
] as const;

/** Sent in the handshake query, as sails.io.js does: this client speaks its protocol, 1.2.1. */
const SDK = {
  version: '1.2.1',
  language: 'javascript',
  platform: 'browser',
  versionString: '__sails_io_sdk_version=1.2.1&__sails_io_sdk_platform=browser&__sails_io_sdk_language=javascript',
  client: `sails-rt ${SAILS_RT_VERSION}`,
};

/**
 * The GETs a Sails blueprint answers and subscribes with: `/model`, `/model/:id` and
 * `/model/:id/:association`, the id a number or a hex or UUID key (8 characters or more);
 * paths under `/__` (the server's own) never.
 */
const SUBSCRIBING = /^\/(?!__)[^/]+(\/(\d+|[\da-f]{8}[\da-f-]*)(\/[^/]+)?)?\/?$/i;

/** The JSON WebSocket Response, as sails.io.js 1.2.1 makes it. */
export class JWR {
  body: unknown;
  headers: Record<string, unknown>;
  statusCode: number;
  error?: Error;
  /** true on the answer to a request repeated after a reconnect that was not recovered. */
  resync?: boolean;
  constructor(reply: { body?: unknown; headers?: Record<string, unknown>; statusCode?: number }, message?: string) {
    this.body = reply.body;
    this.headers = reply.headers || {};
    this.statusCode = reply.statusCode === undefined ? 200 : reply.statusCode;
    if (this.statusCode < 200 || this.statusCode >= 400) {
      this.error = new Error(
        message ?? (this.statusCode === 0 ? 'The socket request failed.' : `Server responded with a ${this.statusCode} status code:\n\`\`\`\n${JSON.stringify(this.body, null, 2)}\n\`\`\``),
      );
    }
  }
  toPOJO() {
    return { body: this.body, headers: this.headers, statusCode: this.statusCode };
  }
  toString() {
    return `[ResponseFromSails]  -- Status: ${this.statusCode}  -- Headers: ${this.headers}  -- Body: ${this.body}`;
  }
}

const io = lookup as typeof lookup & { sails: Record<string, any>; socket?: SailsSocket; SailsSocket: typeof SailsSocket }; // any: io.sails is the page's to fill

/** One socket to a Sails server: `io.socket`, or one more from `io.sails.connect()`. */
export class SailsSocket {
  [option: string]: unknown;
  _raw: Socket | undefined;
  _isConnecting = false;
  _mightBeAboutToAutoConnect = false;
  eventQueue: Record<string, ((...args: any[]) => void)[]> = {}; // any: listeners of any event
  requestQueue: [RequestOptions, Callback | undefined][] = [];
  /** Requests in flight by number, so a disconnect or a timeout can answer them once. */
  private pending = new Map<number, Pending>();
  private sent = 0;
  /** The requests repeated after a reconnect the server did not recover, by method, URL and data. */
  private subscribed = new Map<string, [RequestOptions, Callback | undefined]>();
  private connectedOnce = false;

  constructor(options: Record<string, unknown> = {}) {
    for (const option of SOCKET_OPTIONS) this[option] = options[option];
  }

  _connect(): void {
    this._isConnecting = true;
    for (const option of SOCKET_OPTIONS) if (this[option] === undefined) this[option] = io.sails[option];
    const url = typeof this.url === 'string' ? this.url.replace(/\/$/, '') : undefined;
    const cookieRoute = this.useCORSRouteToGetCookie;
    if (url !== undefined && cookieRoute && new URL(url, window.location.href).origin !== window.location.origin) {
      // Cross-origin: Sails' /__getcookie (as JSONP) sets the session cookie first, then calls back.
      const script = document.createElement('script');
      window._sailsIoJSConnect = script.onerror = () => this.open(url);
      script.src = url + (typeof cookieRoute === 'string' ? cookieRoute : '/__getcookie');
      document.head.appendChild(script);
    } else {
      this.open(url);
    }
  }

  private open(url: string | undefined): void {
    if (this._raw) return;
    const query = typeof this.query === 'string' ? this.query.replace(/^\?/, '') : new URLSearchParams(this.query as Record<string, string>).toString();
    const extraHeaders = this.initialConnectionHeaders;
    const options: Record<string, unknown> = {};
    for (const option of SOCKET_OPTIONS) if (this[option] !== undefined) options[option] = this[option];
    const raw = (this._raw = lookup(url as string, {
      ...options,
      reconnection: this.reconnection !== false,
      transports: (this.transports as string[] | undefined) ?? ['websocket'],
      query: Object.fromEntries(new URLSearchParams((query ? `${query}&` : '') + SDK.versionString)),
      ...(extraHeaders ? { extraHeaders: extraHeaders as Record<string, string> } : {}),
      autoConnect: true,
    }));
    raw.io.on('reconnect_attempt', (attempt) => this.local('reconnecting', attempt));
    raw.io.on('reconnect', (attempt) => this.local('reconnect', attempt));
    this.wire(raw);
    for (const [event, listeners] of Object.entries(this.eventQueue)) for (const listener of listeners) raw.on(event, listener);
    this.eventQueue = {};
  }

  /** This class's own listeners on the socket, which removeAllListeners() puts back. */
  private wire(raw: Socket): void {
    raw.on('connect', () => this.connected(raw));
    raw.on('connect_error', () => {
      if (!raw.active) this._isConnecting = false;
    });
    raw.on('disconnect', () => this.fail(() => [new Error('The socket disconnected before the request completed.'), new JWR({ body: null, statusCode: 0 })]));
  }

  private connected(raw: Socket): void {
    this._isConnecting = false;
    const again = this.connectedOnce;
    this.connectedOnce = true;
    const remembered = [...this.subscribed];
    const queued = this.requestQueue;
    this.requestQueue = [];
    for (const [options, cb] of queued) this.request(options, cb);
    if (!again) return;
    if (raw.recovered) {
      // After the page's own 'connect' listeners, as 'resync' comes after them too.
      setTimeout(() => this.local('recovered'));
      return;
    }
    // A request the page made again while away has just been sent: not twice.
    const repeats = remembered.filter(([key, entry]) => this.subscribed.get(key) === entry).map(([, entry]) => entry);
    let left = repeats.length;
    const done = () => --left <= 0 && this.local('resync', { requests: repeats.length });
    if (left === 0) setTimeout(done);
    for (const [options, cb] of repeats) {
      this.send(options, (body, jwr) => {
        jwr.resync = true;
        try {
          cb?.(body, jwr);
        } finally {
          done();
        }
      });
    }
  }

  /** Calls this socket's own listeners of `event`; never sent to the server. */
  private local(event: string, ...args: unknown[]): void {
    // emitReserved is socket.io-client's local emit (its `emit` sends).
    (this._raw as unknown as { emitReserved(event: string, ...args: unknown[]): void } | undefined)?.emitReserved(event, ...args);
  }

  /** Answers every request in flight, once, with what `answer` makes. */
  private fail(answer: () => [unknown, JWR]): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const { cb, timer } of pending) {
      clearTimeout(timer);
      cb?.(...answer());
    }
  }

  isConnected(): boolean {
    return Boolean(this._raw?.connected);
  }

  /** Connecting for the first time, or reconnecting on its own after a drop. */
  isConnecting(): boolean {
    return this._isConnecting || Boolean(this._raw && !this._raw.connected && this._raw.active);
  }

  mightBeAboutToAutoConnect(): boolean {
    return this._mightBeAboutToAutoConnect;
  }

  reconnect(): this {
    if (this.isConnecting()) throw new Error('Cannot connect- socket is already connecting');
    if (this.isConnected()) throw new Error('Cannot connect- socket is already connected');
    if (this._raw) {
      this._isConnecting = true;
      this._raw.connect();
    } else {
      this._connect();
    }
    return this;
  }

  disconnect(): this {
    this._isConnecting = false;
    if (!this._raw) throw new Error('Cannot disconnect- socket is already disconnected');
    this._raw.disconnect();
    return this;
  }

  on(event: string, listener: (...args: any[]) => void): this { // any: listeners of any event
    if (this._raw) this._raw.on(event, listener);
    else (this.eventQueue[event] ??= []).push(listener);
    return this;
  }

  off(event: string, listener: (...args: any[]) => void): this { // any: listeners of any event
    if (this._raw) this._raw.off(event, listener);
    const queued = this.eventQueue[event];
    if (queued?.includes(listener)) queued.splice(queued.indexOf(listener), 1);
    return this;
  }

  removeAllListeners(): this {
    if (this._raw) this.wire(this._raw.removeAllListeners());
    this.eventQueue = {};
    return this;
  }

  get(url: string, data?: unknown, cb?: Callback): void {
    this.verb('get', url, data, cb);
  }
  post(url: string, data?: unknown, cb?: Callback): void {
    this.verb('post', url, data, cb);
  }
  put(url: string, data?: unknown, cb?: Callback): void {
    this.verb('put', url, data, cb);
  }
  patch(url: string, data?: unknown, cb?: Callback): void {
    this.verb('patch', url, data, cb);
  }
  delete(url: string, data?: unknown, cb?: Callback): void {
    this.verb('delete', url, data, cb);
  }

  private verb(method: string, url: string, data: unknown, cb: Callback | undefined): void {
    if (typeof data === 'function') {
      cb = data as Callback;
      data = {};
    }
    this.request({ method, url, params: data }, cb);
  }

  /** sails.io.js 1.2.1's request(), checks and all; waits for a connection when there is none. */
  request(options: RequestOptions, cb?: Callback): void {
    if (cb !== undefined && typeof cb !== 'function') throw new Error('Invalid callback function!');
    if (typeof options !== 'object' || options === null || typeof options.url !== 'string') throw new Error('Invalid or missing URL!');
    const objects = ['headers', 'params', 'data'] as const;
    for (const key of objects) if (options[key] && typeof options[key] !== 'object') throw new Error(`Invalid \`${key}\` provided`);
    if (options.method && typeof options.method !== 'string') throw new Error('Invalid `method` provided (should be a string like "post" or "put")');
    if (options.data && options.params) throw new Error('Cannot specify both `params` and `data`!  They are aliases of each other.');
    if (!this.isConnected()) {
      this.requestQueue.push([options, cb]);
      return;
    }
    const method = (options.method || 'get').toLowerCase();
    const url = options.url;
    if (options.resync ?? (method === 'get' && SUBSCRIBING.test(url.split('?')[0]!))) {
      this.subscribed.set(`${method} ${url} ${JSON.stringify(options.params || options.data || {})}`, [options, cb]);
    }
    this.send(options, cb);
  }

  private send(options: RequestOptions, cb: Callback | undefined): void {
    const method = (options.method || 'get').toLowerCase();
    const headers = { ...(this.headers as Record<string, string>), ...options.headers };
    const id = ++this.sent;
    const timeout = options.timeout ?? (this.requestTimeout as number | undefined) ?? 15000;
    const entry: Pending = { cb, timer: undefined };
    this.pending.set(id, entry);
    if (timeout > 0) {
      entry.timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        const message = `No answer to ${method.toUpperCase()} ${options.url} within ${timeout} ms.`;
        const jwr = new JWR({ body: { code: 'E_TIMEOUT', message }, statusCode: 0 }, message);
        cb?.(jwr.body, jwr);
      }, timeout);
    }
    this._raw!.emit(method, { method, headers, data: options.params || options.data || {}, url: options.url }, (reply: ConstructorParameters<typeof JWR>[0]) => {
      if (!this.pending.delete(id)) return;
      clearTimeout(entry.timer);
      cb?.(reply.body, new JWR(reply));
    });
  }
}

/** The script tag's own settings (`<script src=… autoConnect="false" data-url="…">`), as sails.io.js reads them. */
const script = typeof document === 'object' ? document.currentScript : null;
const fromTag: Record<string, unknown> = {};
for (const key of ['autoConnect', 'reconnection', 'environment', 'headers', 'url', 'transports', 'path']) {
  const value = script?.getAttribute(`data-${key}`) || script?.getAttribute(key);
  if (typeof value !== 'string') continue;
  try {
    fromTag[key] = JSON.parse(value);
  } catch {
    fromTag[key] = value;
  }
  if (key === 'autoConnect' && value === '') fromTag[key] = true;
}
const locals = typeof window === 'object' ? window.SAILS_LOCALS : undefined;

io.sails = {
  autoConnect: true,
  reconnection: true,
  useCORSRouteToGetCookie: true,
  environment: /#production|\.min\.js/.test(script?.src ?? '') || ['staging', 'production'].includes(locals?._environment) ? 'production' : 'development',
  sdk: SDK,
  transports: ['websocket'],
  requestTimeout: 15000,
  ...fromTag,
  connect(url?: string | Record<string, unknown>, options: Record<string, unknown> = {}): SailsSocket {
    if (typeof url === 'object') [options, url] = [url, undefined];
    const socket = new SailsSocket({ ...options, url: url || options['url'] });
    socket._connect();
    return socket;
  },
};
io.SailsSocket = SailsSocket;
const socket = (io.socket = new SailsSocket());
socket._mightBeAboutToAutoConnect = true;
const autoConnect = () => {
  socket._mightBeAboutToAutoConnect = false;
  if (io.sails['autoConnect'] === false || io.sails['autoconnect'] === false) delete io.socket;
  else socket._connect();
};
// sails.io.js waits one tick for the page to set io.sails.*, but Chromium's parser may run that
// tick before the next inline script: while the page is still loading, wait for all of it.
if (typeof document === 'object' && document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => setTimeout(autoConnect));
else setTimeout(autoConnect);
if (typeof window === 'object') window.io = io;
