/**
 * Socket virtual requests (docs/protocol.md section 2): each `get`/`post`/… event with the envelope
 * `{ method, headers, data, url }` is turned into a Req and dispatched straight to the router,
 * and the response goes back through the ack as the JWR `{ body, headers, statusCode }`.
 * This is the hot path: no fake HTTP objects, no per-request closures or regexes.
 */
import createDebug from 'debug';
import type { Server, Socket } from 'socket.io';
import { SailsRtError, type ErrorCode } from '../errors.js';
import { ConnectionGate, formatBytes, releaseOnce, type ConnectionLimits } from '../pipeline/backpressure.js';
import type { AppLog } from '../log/index.js';
import { internalError, Req, Res, splitUrl, type RequestTrace, type ResponseSink } from '../pipeline/index.js';
import { originOf, TRUST_NOTHING, type TrustFunction } from '../proxies/index.js';
import { VERBS, type Router, type Verb } from '../router/index.js';

const debug = createDebug('sails-rt:sockets');

/** The socket events a request can arrive on: the verbs, lowercased. */
const EVENT_VERBS = new Map<string, Verb>(VERBS.map((verb) => [verb.toLowerCase(), verb]));
const MIN_SDK = [0, 11, 0] as const;
const SDK_VERSION = /^(\d+)\.(\d+)\.(\d+)/;
const ENVELOPE_HINT = 'send { method, headers, data, url } with url a path such as "/user/1"';

type Ack = (jwr: unknown) => void;

/** What is fixed for the life of one connection, read once from its handshake. */
interface Connection {
  socket: Socket;
  origin: string | undefined;
  cookie: string | undefined;
  /** From the handshake: its address, or behind trusted proxies what they forwarded. */
  ip: string;
  ips: readonly string[];
  protocol: 'ws' | 'wss';
  /** Why every request of this socket is refused (an SDK older than 0.11.0), if it is. */
  refusal: string | undefined;
  shape: JwrShape;
  gate: ConnectionGate;
}

/** Which JWR keys go out: Sails' `sockets.sendResponseHeaders` / `sendStatusCode` (docs/protocol.md 2.3). */
export interface JwrShape {
  headers: boolean;
  statusCode: boolean;
}

const FULL_JWR: JwrShape = { headers: true, statusCode: true };

/**
 * Answers one request through its ack (none: nothing is sent), frees its place in the
 * connection's gate, and is its trace for the log. One object per request for all three, and no
 * clock read unless request lines are written.
 */
class AckSink implements ResponseSink, RequestTrace {
  private madeId: string | undefined;
  private readonly started: number;
  private released = false;

  constructor(
    private readonly ack: Ack | undefined,
    private readonly shape: JwrShape,
    private readonly log: AppLog,
    private readonly req: Req,
    private readonly gate: ConnectionGate,
  ) {
    this.started = log.requests ? performance.now() : 0;
  }

  /** Made on first read: only requests that are logged need one. */
  get id(): string {
    return (this.madeId ??= this.log.newId());
  }

  serverError(error: unknown): void {
    this.log.serverError(true, this.req.method, this.req.url, this.id, error);
  }

  deliver(statusCode: number, headers: Record<string, string>, body: unknown): void {
    this.released = releaseOnce(this.gate, this.released);
    // Written once the ack is sent (or refused: an unencodable body throws, and the 500 that
    // follows is this request's line).
    if (this.ack !== undefined) this.answer(statusCode, headers, body);
    if (this.log.requests) this.log.request(true, this.req.method, this.req.url, statusCode, performance.now() - this.started, this.madeId);
  }

  private answer(statusCode: number, headers: Record<string, string>, body: unknown): void {
    const ack = this.ack!;
    // As in Sails (docs/protocol.md 2.3), a cookie set by an action never travels in a JWR.
    if (headers['set-cookie'] !== undefined) {
      const { 'set-cookie': _dropped, ...rest } = headers;
      headers = rest;
    }
    // socket.io encodes the packet before it marks the ack as used, so when a body cannot be
    // encoded (circular, BigInt) this throws and Res can still ack a 500 through the same ack.
    if (this.shape === FULL_JWR) return ack({ body, headers, statusCode });
    // Sails crashes when headers are left out (docs/protocol.md 10, item 3); here the key is just absent.
    const jwr: Record<string, unknown> = { body };
    if (this.shape.headers) jwr['headers'] = headers;
    if (this.shape.statusCode) jwr['statusCode'] = statusCode;
    ack(jwr);
  }
}

export interface VirtualRequestOptions {
  production: boolean;
  shape?: JwrShape;
  limits: ConnectionLimits;
  /** Lift's log, for sockets dropped for not reading their output. */
  log: (line: string) => void;
  /** The app's log: request lines and 500s. */
  appLog: AppLog;
  /** `http.trustProxy`, compiled: read once per socket, at its handshake. */
  trust?: TrustFunction;
}

/** Wires request handling onto every socket that connects to `io`. */
export function handleVirtualRequests(io: Server, router: Router, options: VirtualRequestOptions): void {
  const { production, limits, log, appLog } = options;
  const trust = options.trust ?? TRUST_NOTHING;
  let shape = options.shape ?? FULL_JWR;
  if (shape.headers && shape.statusCode) shape = FULL_JWR;
  io.on('connection', (socket) => {
    const connection = connect(socket, shape, gateFor(socket, limits, log), trust);
    for (const [event, verb] of EVENT_VERBS) {
      socket.on(event, (envelope: unknown, ...rest: unknown[]) => {
        // socket.io puts the ack last: with extra arguments (`emit('get', env, 2, 3, ack)`) it is
        // not the second one, and the client would wait forever (docs/protocol.md 10, item 4).
        const ack = rest[rest.length - 1];
        // Nothing a client sends may throw out of a socket.io listener: that is an uncaught
        // exception, which ends the process.
        try {
          if (rest.length > 1) {
            const given = typeof ack === 'function' ? rest.length : rest.length + 1;
            return refuse(socket, typeof ack === 'function' ? (ack as Ack) : undefined, `A request event takes one argument, the envelope, and got ${given}; ${ENVELOPE_HINT}.`);
          }
          receive(connection, verb, envelope, ack, router, production, appLog);
        } catch (error) {
          unexpected(socket, verb, envelope, ack, error, production, appLog);
        }
      });
    }
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event !== 'string' || EVENT_VERBS.has(event)) return;
      try {
        wrongEvent(socket, event, args);
      } catch (error) {
        unexpected(socket, event, args[0], args[args.length - 1], error, production, appLog);
      }
    });
  });
}

/**
 * One gate per engine.io connection, not per socket.io socket: a client can leave and rejoin the
 * namespace on one connection (`41`, `40`) as often as it likes, and each new socket must share
 * the connection's limits and output rather than get fresh ones (docs in pipeline/backpressure.ts).
 */
const gates = new WeakMap<Socket['conn'], { gate: ConnectionGate; socket: Socket }>();

function gateFor(socket: Socket, limits: ConnectionLimits, log: (line: string) => void): ConnectionGate {
  const conn = socket.conn;
  const known = gates.get(conn);
  if (known) {
    known.socket = socket;
    return known.gate;
  }
  // Bytes engine.io holds for this connection before handing them to the transport. Counted from
  // its events, because its buffer is private; what the transport holds is ws's bufferedAmount.
  let queued = 0;
  const gate = new ConnectionGate(limits, {
    unreadBytes: () => queued + (websocketOf(conn)?.bufferedAmount ?? 0),
    pause: () => websocketOf(conn)?.pause(),
    resume: () => websocketOf(conn)?.resume(),
    drop(unread) {
      const { socket: latest } = entry;
      log(
        `sails-rt: disconnected socket ${latest.id} (${latest.handshake.address}): ${formatBytes(unread)} of replies and messages waited unread, over the limit of ${formatBytes(limits.maxBufferedBytes)} (sockets.maxBufferedBytes).`,
      );
      // Closed at once: a polite close waits for the unread output to drain, which is the problem.
      const ws = websocketOf(conn);
      if (ws) ws.terminate();
      else conn.close(true);
    },
  });
  const entry = { gate, socket };
  gates.set(conn, entry);
  const coalesceBytes = Math.min(COALESCE_BYTES, limits.maxBufferedBytes / 4);
  conn.on('packetCreate', (packet: { data?: unknown }) => {
    const bytes = packetBytes(packet.data);
    coalesce(conn, bytes, coalesceBytes);
    gate.checkOutput();
    queued += bytes;
    // Only answers count toward the connection's share of turns: the messages it is sent are not its doing.
    if (isAnswer(packet.data)) gate.noteOutput(bytes);
  });
  conn.on('flush', (buffer: { data?: unknown }[]) => {
    for (const packet of buffer) queued -= packetBytes(packet.data);
  });
  conn.once('close', () => gate.close());
  return gate;
}

/**
 * Output written during one turn of the event loop waits for the end of the turn (setImmediate)
 * and then goes out, one write per connection: the answers to a batch of requests read together
 * leave together, instead of one at a time between the handling of the next ones. Under load
 * the write is half of what a socket answer costs (writev in a profile), and written one at a
 * time between the handling of the others each write is dearer (the reader on the other end is
 * woken for each); held to the end of the turn, a socket GET /user/:id of the bench cost about a
 * tenth less server CPU (in rounds against the build before, each one lower). It also merges an answer and the messages sent to the same socket in
 * that turn into one write. The price is latency within one turn: what handling the other
 * requests read with it takes.
 * Small output only: a connection holds at most `limit` this way (a quarter of
 * `maxBufferedBytes`, at most COALESCE_BYTES), so the limits above never see it; past that it
 * is written at once, as before.
 */
const COALESCE_BYTES = 16 * 1024;
const held = new Set<TcpLike>();

function coalesce(conn: Socket['conn'], bytes: number, limit: number): void {
  const tcp = websocketOf(conn)?._socket;
  if (tcp === undefined) return;
  if (held.has(tcp)) {
    if (tcp.writableLength + bytes <= limit) return;
    // What is held goes out now, and this packet after it, in order.
    held.delete(tcp);
    tcp.uncork();
    return;
  }
  if (bytes > limit || tcp.destroyed) return;
  tcp.cork();
  held.add(tcp);
  if (held.size === 1) setImmediate(releaseHeld);
}

function releaseHeld(): void {
  // uncork() on a socket that ended or was destroyed meanwhile does nothing.
  for (const tcp of held) tcp.uncork();
  held.clear();
}

/** A socket.io ACK or BINARY_ACK packet, as socket.io-parser encodes it ('3…' or '6…'). */
function isAnswer(data: unknown): boolean {
  if (typeof data !== 'string') return false;
  const type = data.charCodeAt(0);
  return type === 51 || type === 54;
}

/** The ws WebSocket under engine.io's websocket transport (not in its public types), or undefined on polling. */
function websocketOf(conn: Socket['conn']): WsLike | undefined {
  const transport = conn.transport as unknown as { name: string; socket?: WsLike };
  return transport.name === 'websocket' ? transport.socket : undefined;
}

interface WsLike {
  readonly bufferedAmount: number;
  /** ws' TCP socket (undocumented, stable since ws 1): output is coalesced on it. */
  readonly _socket?: TcpLike;
  pause(): void;
  resume(): void;
  terminate(): void;
}

interface TcpLike {
  readonly writableLength: number;
  readonly destroyed: boolean;
  cork(): void;
  uncork(): void;
}

function packetBytes(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

function connect(socket: Socket, shape: JwrShape, gate: ConnectionGate, trust: TrustFunction): Connection {
  const { headers, query, address, secure } = socket.handshake;
  const origin = originOf(address, headers, secure, trust);
  const version = query['__sails_io_sdk_version'];
  let refusal: string | undefined;
  // Absent means a plain socket.io client (they do not send it), which is accepted. Sails
  // treats absent as 0.9.0 and refuses; sails-rt deliberately does not.
  if (version !== undefined && !sdkAtLeast(String(version))) {
    refusal = `This socket was opened by sails.io.js ${String(version)}, which is older than 0.11.0 and cannot make requests; upgrade the client to sails.io.js 1.x.`;
  }
  return {
    socket,
    origin: typeof headers.origin === 'string' ? headers.origin : undefined,
    cookie: typeof headers.cookie === 'string' ? headers.cookie : undefined,
    ip: origin.ip,
    ips: origin.ips,
    protocol: origin.protocol === 'https' ? 'wss' : 'ws',
    refusal,
    shape,
    gate,
  };
}

function receive(connection: Connection, method: Verb, envelope: unknown, ackArg: unknown, router: Router, production: boolean, log: AppLog): void {
  // `emit('get', ack)` puts the ack first.
  let ack = typeof ackArg === 'function' ? (ackArg as Ack) : undefined;
  if (typeof envelope === 'function' && ack === undefined) {
    ack = envelope as Ack;
    envelope = undefined;
  }
  const problem = connection.refusal ?? envelopeProblem(envelope);
  if (problem !== undefined) return refuse(connection.socket, ack, problem);
  const { url, headers: sentHeaders, data, params } = envelope as Envelope;
  let body: unknown;
  if (Array.isArray(data)) body = data;
  else if (params === undefined || params === null) body = data === undefined || data === null ? {} : { ...(data as object) };
  else body = { ...(params as object), ...(data as object | undefined) };

  const headers: Record<string, string> = {};
  if (sentHeaders !== undefined && sentHeaders !== null) {
    for (const key of Object.keys(sentHeaders)) {
      const value = (sentHeaders as Record<string, unknown>)[key];
      if (value !== undefined && value !== null) headers[key.toLowerCase()] = typeof value === 'string' ? value : String(value);
    }
    // The handshake's origin and cookie stand for the connection; a request cannot replace them.
    delete headers['origin'];
    delete headers['cookie'];
  }
  if (connection.origin !== undefined) headers['origin'] = connection.origin;
  if (connection.cookie !== undefined) headers['cookie'] = connection.cookie;

  const { path, query } = splitUrl(url);
  const req = new Req(method, url, path, query, body, headers, 'socket.io', connection.socket, connection.ip);
  req.ips = connection.ips;
  if (connection.protocol === 'wss') req.protocol = 'wss';
  // Admitted last, once nothing above can throw: a slot taken by a request that never reaches
  // gate.run() is never given back, and 64 of them would leave the socket answering only 429s.
  const gate = connection.gate;
  if (!gate.admit()) {
    return refuse(
      connection.socket,
      ack,
      `This socket already has ${gate.limits.maxInFlight} requests waiting for an answer (sockets.maxInFlight); wait for some answers before sending more.`,
      'E_TOO_MANY_REQUESTS',
    );
  }
  const sink = new AckSink(ack, connection.shape, log, req, gate);
  const res = new Res(sink, production, sink);
  if (gate.startsNow()) router.dispatch(req, res);
  else gate.run(() => router.dispatch(req, res));
}

interface Envelope {
  url: string;
  method?: unknown;
  headers?: unknown;
  data?: unknown;
  params?: unknown;
}

function envelopeProblem(envelope: unknown): string | undefined {
  if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope)) {
    return `The request envelope must be an object, got ${describe(envelope)}; ${ENVELOPE_HINT}.`;
  }
  const { url, headers, data, params } = envelope as Record<string, unknown>;
  if (url === undefined) return `The request envelope has no url; ${ENVELOPE_HINT}.`;
  if (typeof url !== 'string') return `The request url must be a string, got ${describe(url)}; ${ENVELOPE_HINT}.`;
  if (url.charCodeAt(0) !== 47 /* / */) return `The request url must be a path starting with "/", got ${describe(url)}; ${ENVELOPE_HINT}.`;
  if (headers !== undefined && headers !== null) {
    if (typeof headers !== 'object' || Array.isArray(headers)) return `The request headers must be an object of header names to values, got ${describe(headers)}.`;
    // An object has no header text: String() gives "[object Object]", or throws for {"toString":1}.
    for (const name of Object.keys(headers)) {
      const value = (headers as Record<string, unknown>)[name];
      if (value !== null && typeof value === 'object') return `The request header ${describe(name)} must be a string, got ${describe(value)}.`;
    }
  }
  if (data !== undefined && data !== null && typeof data !== 'object') {
    return `The request data must be an object (or an array), got ${describe(data)}; ${ENVELOPE_HINT}.`;
  }
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
    return `The request params must be an object, got ${describe(params)}; send them as data instead.`;
  }
  return undefined;
}

/** An event that is not a request verb: a capitalised or unknown verb gets a 400, anything else is the app's. */
function wrongEvent(socket: Socket, event: string, args: unknown[]): void {
  if (socket.listeners(event).length > 0) return;
  const last = args[args.length - 1];
  const ack = typeof last === 'function' ? (last as Ack) : undefined;
  const lower = event.toLowerCase();
  if (EVENT_VERBS.has(lower)) {
    return refuse(socket, ack, `The event "${event}" is not a request event: request event names are lowercase; emit "${lower}".`);
  }
  const first = args[0];
  const looksLikeRequest = first !== null && typeof first === 'object' && ('url' in first || 'method' in first);
  if (looksLikeRequest) {
    return refuse(
      socket,
      ack,
      `"${event}" is not a request verb; emit one of ${[...EVENT_VERBS.keys()].join(', ')} with { method, headers, data, url }.`,
    );
  }
  if (debug.enabled) debug('socket %s sent the event %s, which nothing listens for', socket.id, event);
}

/** A request that failed outside any action: a 500 if there is an ack (a no-op if it was already answered). */
function unexpected(socket: Socket, event: string, envelope: unknown, ack: unknown, error: unknown, production: boolean, log: AppLog): void {
  if (debug.enabled) debug('socket %s: a request failed before reaching an action: %O', socket.id, error);
  const id = log.newId();
  const url = envelope !== null && typeof envelope === 'object' && typeof (envelope as Envelope).url === 'string' ? (envelope as Envelope).url : '(no url)';
  log.serverError(true, event.toUpperCase(), url, id, error);
  if (typeof ack !== 'function') return;
  const body = production || !(error instanceof Error) ? internalError(id) : (error.stack ?? String(error));
  try {
    (ack as Ack)({ body, headers: { 'x-request-id': id }, statusCode: 500 });
  } catch {
    // Nothing more can be sent on this ack.
  }
}

/** Answers a request that never reaches the router; without an ack, the error goes out as `sails:parseError`. */
function refuse(socket: Socket, ack: Ack | undefined, message: string, code: ErrorCode = 'E_BAD_SOCKET_REQUEST'): void {
  const error = new SailsRtError(code, message);
  const body = error.toJSON();
  if (debug.enabled) debug('socket %s: %s', socket.id, message);
  if (ack) ack({ body, headers: {}, statusCode: error.status });
  else socket.emit('sails:parseError', body);
}

function sdkAtLeast(version: string): boolean {
  const match = SDK_VERSION.exec(version);
  if (!match) return false;
  const parts = [Number(match[1]), Number(match[2]), Number(match[3])];
  for (let i = 0; i < 3; i++) {
    const have = parts[i] ?? 0;
    const need = MIN_SDK[i] ?? 0;
    if (have !== need) return have > need;
  }
  return true;
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // Nested too deeply for JSON.stringify: a message about it must not throw.
    return Array.isArray(value) ? 'an array nested too deeply to show' : 'an object nested too deeply to show';
  }
  if (text === undefined) return String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
