/**
 * HTTP through Fastify 5: assets/ served by ./assets.ts, every other request handed to the
 * shared router through one catch-all route, so HTTP and sockets run the same actions.
 *
 * The direct path: a request that needs nothing Fastify does for it (no body to parse, no CORS,
 * not an asset, not while closing) goes from Node's server straight to the router, with the
 * same request id, request line, gate and answer as through Fastify. That is most reads, and it
 * saves Fastify's own request and reply objects, routing and hooks: about a sixth of the CPU of
 * a `GET /user/:id`.
 */
import { existsSync } from 'node:fs';
import { createServer, STATUS_CODES, validateHeaderName, validateHeaderValue, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parse as parseQueryString } from 'node:querystring';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ConnectionGate, formatBytes, GatedSink, type ConnectionLimits } from '../pipeline/backpressure.js';
import type { AppLog } from '../log/index.js';
import { internalError, Req, Res, splitUrl, type RequestTrace, type ResponseSink } from '../pipeline/index.js';
import { originOf, type TrustFunction } from '../proxies/index.js';
import { VERBS, type Router } from '../router/index.js';
import { SailsRtError } from '../errors.js';
import { registerAssets } from './assets.js';
import { registerUploads, uploadsOf } from './uploads.js';
import { registerCors, type CorsRules } from '../security/cors.js';

/**
 * Bytes of responses on one connection that have not been flushed to the kernel yet. Node holds
 * the responses to pipelined requests until those before them are sent, outside the socket's
 * own buffer, so they are counted from the time they are handed over until 'finish'.
 */
class Unsent {
  bytes = 0;

  /** `sent`: told of every response's bytes (the gate shares turns by them). */
  constructor(private readonly sent: (bytes: number) => void) {}

  /** Called once the response was handed over (`reply.send()`, `res.end()`). */
  add(raw: ServerResponse, bytes: number): void {
    this.sent(bytes);
    // Ended and already taken by the kernel (a connection whose client waits for each answer):
    // nothing is held, so no 'finish' listener per response. Otherwise (pipelined behind another
    // answer, a full socket, an onSend hook still running) it is held until 'finish'.
    if (raw.writableEnded && raw.writableLength === 0) return;
    this.bytes += bytes;
    raw.once('finish', () => (this.bytes -= bytes));
  }
}

class ReplySink implements ResponseSink, RequestTrace {
  constructor(
    private readonly reply: FastifyReply,
    private readonly unsent: Unsent,
    private readonly log: AppLog,
  ) {}

  get id(): string {
    return this.reply.request.id;
  }

  serverError(error: unknown): void {
    const { request } = this.reply;
    this.log.serverError(false, request.method, request.url, request.id, error);
  }

  deliver(statusCode: number, headers: Record<string, string>, body: unknown, json: boolean): void {
    // Serialized and checked before the reply is touched: if this throws, Res can still answer
    // with a 500 (Node throws on a bad header only inside writeHead, and the request then hung).
    const text = json && body !== undefined ? JSON.stringify(body) : undefined;
    checkHeaders(headers);
    const reply = this.reply;
    reply.code(statusCode);
    for (const name of Object.keys(headers)) reply.header(name, headers[name]);
    if (body === undefined) {
      reply.send();
    } else if (json) {
      if (headers['content-type'] === undefined) reply.type('application/json; charset=utf-8');
      reply.send(text);
      // undefined: a function or a symbol, which JSON has no text for.
      this.unsent.add(reply.raw, text?.length ?? 0);
    } else if (typeof body === 'string') {
      if (headers['content-type'] === undefined) reply.type('text/plain; charset=utf-8');
      reply.send(body);
      this.unsent.add(reply.raw, body.length);
    } else {
      reply.send(body);
      if (Buffer.isBuffer(body)) this.unsent.add(reply.raw, body.byteLength);
    }
  }
}

/**
 * The direct path's sink: answers on Node's response itself, with the headers Fastify would send
 * for the same answer (content-type and content-length; none for 204 and 304).
 */
class DirectSink implements ResponseSink, RequestTrace {
  constructor(
    private readonly raw: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly unsent: Unsent,
    private readonly log: AppLog,
    readonly id: string,
  ) {}

  serverError(error: unknown): void {
    this.log.serverError(false, this.raw.method ?? 'GET', this.raw.url ?? '/', this.id, error);
  }

  deliver(statusCode: number, headers: Record<string, string>, body: unknown, json: boolean): void {
    const out: Record<string, string> = { ...headers };
    let payload: string | Buffer | undefined;
    if (body === undefined) {
      payload = undefined;
    } else if (json) {
      // undefined: a function or a symbol, which JSON has no text for.
      payload = JSON.stringify(body) as string | undefined;
      out['content-type'] ??= 'application/json; charset=utf-8';
    } else if (typeof body === 'string') {
      payload = body;
      out['content-type'] ??= 'text/plain; charset=utf-8';
    } else if (Buffer.isBuffer(body)) {
      payload = body;
      out['content-type'] ??= 'application/octet-stream';
    } else {
      // Res sends nothing else; a new kind of body must be taught here, not guessed at.
      throw new TypeError(`a response body of type ${typeof body} cannot be sent`);
    }
    checkHeaders(headers);
    if (payload === undefined) {
      if (statusCode >= 200 && statusCode !== 204 && statusCode !== 304) out['content-length'] = '0';
    } else if (statusCode < 200 || statusCode === 204) {
      // No body, so neither content-type nor content-length (RFC 9110 section 8.6).
      payload = undefined;
      delete out['content-type'];
      delete out['content-length'];
    } else {
      out['content-length'] = String(Buffer.byteLength(payload));
    }
    const res = this.res;
    res.writeHead(statusCode, out);
    res.end(payload);
    if (payload !== undefined) this.unsent.add(res, payload.length);
  }
}

/** Node throws on a bad header only inside writeHead; checked first, Res can still answer with a 500. */
function checkHeaders(headers: Record<string, string>): void {
  for (const name of Object.keys(headers)) {
    validateHeaderName(name);
    validateHeaderValue(name, headers[name] as string);
  }
}

const PORT = /:(\d+)$/;

export async function createHttpServer(options: {
  router: Router;
  production: boolean;
  assetsDir: string;
  limits: ConnectionLimits;
  /** Milliseconds without a byte read or sent before a connection is closed (`http.connectionTimeout`). */
  connectionTimeout: number;
  /** Lift's log, for connections closed for not reading their responses. */
  log: (line: string) => void;
  /** The app's folder: uploads go to `.tmp/uploads` in it unless an action says otherwise. */
  appPath: string;
  /** security.cors and the routes' cors (security/cors.ts); none: no CORS headers. */
  cors?: CorsRules;
  /** The app's log (pino, through Fastify): request lines and 500s. */
  appLog: AppLog;
  /** `http.trustProxy`, compiled. */
  trust: TrustFunction;
}): Promise<FastifyInstance> {
  const { router, production, assetsDir, limits, connectionTimeout, log, appLog, trust } = options;
  const gates = new WeakMap<Socket, { gate: ConnectionGate; unsent: Unsent }>();
  /** One gate per keep-alive connection (docs in pipeline/backpressure.ts). Node's HTTP server stops reading a connection whose output backs up by itself. */
  const gateOf = (socket: Socket): { gate: ConnectionGate; unsent: Unsent } => {
    let entry = gates.get(socket);
    if (entry === undefined) {
      const unsent = new Unsent((bytes) => gate.noteOutput(bytes));
      const gate = new ConnectionGate(limits, {
        unreadBytes: () => unsent.bytes,
        drop(unread) {
          log(
            `sails-rt: closed the HTTP connection from ${socket.remoteAddress ?? 'an unknown address'}: ${formatBytes(unread)} of responses waited unread, over the limit of ${formatBytes(limits.maxBufferedBytes)} (http.maxBufferedBytes).`,
          );
          socket.destroy();
        },
      });
      // A request can be handled after its connection closed: then 'close' has been and gone.
      if (socket.destroyed) gate.close();
      else socket.once('close', () => gate.close());
      entry = { gate, unsent };
      gates.set(socket, entry);
    }
    return entry;
  };
  // Set once the routes are known (below); until then every request goes through Fastify.
  let direct: ((raw: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const app = Fastify({
    // Fastify's own settings for its server (keepAliveTimeout, requestTimeout, connectionTimeout),
    // on a server that offers each request to the direct path first.
    serverFactory(handler, settings) {
      const server = createServer((raw, res) => {
        if (direct === undefined || !direct(raw, res)) handler(raw, res);
      });
      server.keepAliveTimeout = settings.keepAliveTimeout as number;
      server.requestTimeout = settings.requestTimeout as number;
      server.setTimeout(connectionTimeout);
      return server;
    },
    logger: appLog.fastifyOptions(),
    // Fastify's own request lines are at info, below its logger's level (log/index.ts): request
    // lines are the app log's, the same for HTTP and sockets.
    genReqId: appLog.newId,
    connectionTimeout,
    forceCloseConnections: true,
    exposeHeadRoutes: false,
    // A path that cannot be percent-decoded matches no route, as over a socket: 404, not Fastify's JSON.
    frameworkErrors: (error, _request, reply) => {
      if (error.code === 'FST_ERR_BAD_URL') return plain(reply, 404);
      return plain(reply, 400);
    },
  });
  appLog.attach(app.log);
  if (appLog.requests) {
    app.addHook('onResponse', (request, reply, done) => {
      appLog.request(false, request.method, request.url, reply.statusCode, reply.elapsedTime, request.id);
      done();
    });
  }
  // With a listener here Node no longer closes a timed-out connection itself: one whose responses
  // wait unread gets a line in the log (an idle keep-alive connection does not).
  app.server.on('timeout', (socket: Socket) => {
    const unsent = gates.get(socket)?.unsent.bytes ?? 0;
    if (unsent > 0) {
      log(`sails-rt: closed the HTTP connection from ${socket.remoteAddress ?? 'an unknown address'}: ${formatBytes(unsent)} of responses waited unread for ${connectionTimeout / 1000} s (http.connectionTimeout).`);
    }
    socket.destroy();
  });
  // A verb no route can take (PROPFIND): the same 404 as any unknown route.
  app.setNotFoundHandler((_request, reply) => plain(reply, 404));

  // An empty JSON body is {} (Express's body-parser, so Sails, does this; Fastify refuses it), e.g.
  // DELETE /user/1 from a front end that sets content-type on every request. Bodies are decoded
  // strictly: bytes that are not UTF-8 would become U+FFFD, and a record would be stored changed.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const text = utf8(body as Buffer);
    if (text === undefined) done(notUtf8(), undefined);
    else if (text === '') done(null, {});
    else void parseJson(request, text, done);
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => {
    const text = utf8(body as Buffer);
    if (text === undefined) done(notUtf8(), undefined);
    else done(null, { ...parseQueryString(text) });
  });
  // Any other body type reaches the action as text, as Sails' body parser leaves it.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  // multipart/form-data: text fields as req.body, files through req.file() (uploads.ts).
  await registerUploads(app, { appPath: options.appPath });

  app.setErrorHandler((error: { statusCode?: number; message: string; stack?: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 400) {
      const body = new SailsRtError(
        'E_BAD_REQUEST_BODY',
        `The request body could not be parsed (${error.message}); send JSON with content-type application/json.`,
      ).toJSON();
      return reply.code(400).type('application/json; charset=utf-8').send(JSON.stringify(body));
    }
    if (status < 500) return reply.code(status).type('text/plain; charset=utf-8').send(error.message);
    appLog.serverError(false, request.method, request.url, request.id, error);
    return reply
      .code(500)
      .header('x-request-id', request.id)
      .type('text/plain; charset=utf-8')
      .send(production ? internalError(request.id) : (error.stack ?? error.message));
  });

  const assets = existsSync(assetsDir) ? registerAssets(app, assetsDir) : new Set<string>();

  /** Hands one request to the router: the same for both paths once the body and the port are known. */
  const dispatch = (raw: IncomingMessage, body: unknown, port: number | null, uploads: ReturnType<typeof uploadsOf>, sink: ResponseSink & RequestTrace, gate: ConnectionGate): void => {
    const url = raw.url ?? '/';
    const { path, query } = splitUrl(url);
    const headers: Record<string, string> = {};
    for (const name of Object.keys(raw.headers)) {
      const value = raw.headers[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    // Not Fastify's request.ip/protocol: the same reading of the proxies' headers as at a socket handshake.
    const socket = raw.socket as Socket & { encrypted?: boolean };
    const origin = originOf(socket.remoteAddress, raw.headers, socket.encrypted === true, trust);
    const req = new Req(raw.method ?? 'GET', url, path, query, body, headers, 'http', undefined, origin.ip);
    req.protocol = origin.protocol;
    req.ips = origin.ips;
    req.port = port;
    req.uploads = uploads;
    // Taken last, once nothing above can throw (the app's trustProxy function runs in originOf):
    // a place taken by a request that never runs is never given back.
    if (!gate.admit()) {
      const error = new SailsRtError(
        'E_TOO_MANY_REQUESTS',
        `This connection already has ${limits.maxInFlight} requests waiting for an answer (http.maxInFlight); wait for some answers before sending more.`,
      );
      sink.deliver(error.status, {}, error.toJSON(), true);
      return;
    }
    const res = new Res(new GatedSink(sink, gate), production, sink);
    gate.run(() => router.dispatch(req, res));
  };

  // Before the catch-all route: registerCors takes OPTIONS over from it (security/cors.ts).
  await registerCors(app, router, options.cors);
  app.route({
    method: [...VERBS],
    url: '*',
    handler(request: FastifyRequest, reply: FastifyReply) {
      const { gate, unsent } = gateOf(request.raw.socket);
      dispatch(request.raw, request.body ?? {}, request.port ?? null, uploadsOf(request), new ReplySink(reply, unsent, appLog), gate);
      // Nothing returned: a returned reply is a thenable, which Fastify waits on through an extra
      // promise and 'finish' listener per request. This handler is not async, so Fastify just
      // waits for reply.send().
    },
  });

  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const corsInUse = options.cors?.inUse === true;
  direct = (raw, res) => {
    const method = raw.method;
    if (closing || corsInUse || (method !== 'GET' && method !== 'DELETE')) return false;
    const headers = raw.headers;
    if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
    const url = raw.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    // Fastify decodes a percent-encoded path (not the query) before it matches a route, and
    // answers a bad one: such paths are left to it.
    if (path.charCodeAt(0) !== 47 /* / */ || path.includes('%') || assets.has(path)) return false;

    const started = appLog.requests ? performance.now() : 0;
    const id = appLog.newId();
    if (appLog.requests) {
      res.once('finish', () => appLog.request(false, method, url, res.statusCode, performance.now() - started, id));
    }
    const { gate, unsent } = gateOf(raw.socket);
    const sink = new DirectSink(raw, res, unsent, appLog, id);
    const port = PORT.exec(headers.host ?? '');
    try {
      dispatch(raw, {}, port === null ? null : Number(port[1]), undefined, sink, gate);
    } catch (error) {
      // What Fastify's error handler does with a handler that throws (the app's trustProxy function).
      appLog.serverError(false, method, url, id, error);
      if (!res.headersSent) {
        const text = production ? internalError(id) : ((error as Error).stack ?? String(error));
        sink.deliver(500, { 'x-request-id': id }, text, false);
      }
    }
    return true;
  };
  return app;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text, or undefined when its bytes are not UTF-8. */
function utf8(body: Buffer): string | undefined {
  try {
    return strictUtf8.decode(body);
  } catch {
    return undefined;
  }
}

/** Answered by the error handler as 400 E_BAD_REQUEST_BODY. */
function notUtf8(): Error & { statusCode: number } {
  return Object.assign(new Error('its bytes are not valid UTF-8, and text is never stored changed'), { statusCode: 400 });
}

/** `code` with Node's reason text as the body, as `res.sendStatus(code)` answers. */
function plain(reply: FastifyReply, code: number): FastifyReply {
  return reply.code(code).type('text/plain; charset=utf-8').send(STATUS_CODES[code]);
}
