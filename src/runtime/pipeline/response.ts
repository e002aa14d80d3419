import { STATUS_CODES } from 'node:http';
import createDebug from 'debug';
import { isSailsRtError } from '../errors.js';

const debug = createDebug('sails-rt:pipeline');

/** How a transport delivers the one response of a request. */
export interface ResponseSink {
  /**
   * `json`: the body came from `res.json` (or a built-in response with data); otherwise it came
   * from `res.send` and is sent as it is. `headers` holds only what the action set, lowercased.
   */
  deliver(statusCode: number, headers: Record<string, string>, body: unknown, json: boolean): void;
}

/**
 * What a transport knows of a request for the log: its id, and where a 500 is written. A 500
 * always goes through `serverError`, whatever produced it (a throw, `res.serverError()`, a
 * response that could not be sent).
 */
export interface RequestTrace {
  /** The request id, the same in the log line and in the 500's body and `x-request-id` header. */
  readonly id: string;
  /** Writes a 500 to the app's log with the error's stack (`undefined`: no error was given). */
  serverError(error: unknown): void;
}

/**
 * The response an action answers with, the same class for both transports. Exactly one
 * response is sent per request; a second one is ignored (and logged at debug level).
 *
 * @example return res.status(201).json({ id: 1 });
 */
export class Res {
  statusCode = 200;
  /** The headers the action set, lowercased. */
  readonly headers: Record<string, string> = {};
  /** True once a response went out. */
  sent = false;
  private sendHooks: (() => void | PromiseLike<void>)[] | undefined;

  constructor(
    private readonly sink: ResponseSink,
    private readonly production: boolean,
    private readonly trace?: RequestTrace,
  ) {}

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  set(name: string, value: string | number): this {
    this.headers[name.toLowerCase()] = String(value);
    return this;
  }

  /** Sends `body` as JSON. Over a socket a string is sent once, not JSON-encoded twice. */
  json(body?: unknown): void {
    this.end(body, true);
  }

  /** Sends `body` as it is: a string as text, anything else as JSON. */
  send(body?: unknown): void {
    this.end(body, body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body));
  }

  /** 200 with `data` as JSON, or the text "OK". */
  ok(data?: unknown): void {
    this.builtIn(200, data);
  }

  /** 400 with `data` as JSON, or the text "Bad Request". */
  badRequest(data?: unknown): void {
    this.builtIn(400, data);
  }

  /** 403 with `data` as JSON, or the text "Forbidden". */
  forbidden(data?: unknown): void {
    this.builtIn(403, data);
  }

  /** 404 with the text "Not Found" (as in Sails, any data is not sent). */
  notFound(_data?: unknown): void {
    this.sendStatus(404);
  }

  /**
   * 500, written to the app's log with the error's stack and the request id. Outside production
   * the error's stack (or the data) is sent; in production "Internal Server Error (request id:
   * <id>)". The id is also in the `x-request-id` header.
   */
  serverError(error?: unknown): void {
    if (this.sent) return this.end(undefined, false);
    const trace = this.trace;
    if (trace !== undefined) {
      trace.serverError(error);
      this.set('x-request-id', trace.id);
    }
    this.status(500);
    if (this.production || error === undefined) return this.end(internalError(trace?.id), false);
    if (error instanceof Error) return this.end(error.stack ?? `${error.name}: ${error.message}`, false);
    this.end(error, typeof error !== 'string');
  }

  /**
   * Runs `hook` just before the response goes out (how the session is saved and its cookie set).
   * A hook that returns a promise holds the response until it settles; if it rejects, the
   * response becomes that error (a SailsRtError's status and body, else a 500), so a client is
   * never told a request succeeded whose session change was not stored.
   */
  beforeSend(hook: () => void | PromiseLike<void>): void {
    (this.sendHooks ??= []).push(hook);
  }

  /** `code` with Node's reason text ("Not Found") as the body. */
  sendStatus(code: number): void {
    this.status(code).end(STATUS_CODES[code] ?? String(code), false);
  }

  private builtIn(code: number, data: unknown): void {
    if (data === undefined) return this.sendStatus(code);
    this.status(code).end(data, true);
  }

  private end(body: unknown, json: boolean): void {
    if (this.sent) {
      if (debug.enabled) debug('ignored a second response (status %d) to the same request', this.statusCode);
      return;
    }
    this.sent = true;
    let pending: PromiseLike<void>[] | undefined;
    if (this.sendHooks !== undefined) {
      for (const hook of this.sendHooks) {
        try {
          const waiting = hook();
          // A hook that finished at once (the memory session store) makes no promise here.
          if (waiting !== undefined) (pending ??= []).push(waiting);
        } catch (error) {
          if (debug.enabled) debug('a before-send hook failed: %O', error);
        }
      }
    }
    if (pending === undefined) return this.deliver(body, json);
    Promise.all(pending).then(
      () => this.deliver(body, json),
      (error: unknown) => this.hookFailed(error),
    );
  }

  private deliver(body: unknown, json: boolean): void {
    try {
      this.sink.deliver(this.statusCode, this.headers, body, json);
    } catch (error) {
      // The body could not be serialized (a circular reference, a BigInt) or a header value is one
      // HTTP cannot carry. The sinks throw before anything went out, so the request still gets its
      // one response: a 500.
      this.undeliverable(error);
    }
  }

  /** A before-send hook rejected (the session could not be saved): that error is the response instead. */
  private hookFailed(error: unknown): void {
    if (debug.enabled) debug('a before-send hook failed, the response is an error instead: %O', error);
    if (!isSailsRtError(error)) return this.undeliverable(error);
    this.statusCode = error.status;
    try {
      this.sink.deliver(error.status, {}, error.toJSON(), true);
    } catch (again) {
      this.undeliverable(again);
    }
  }

  private undeliverable(error: unknown): void {
    if (debug.enabled) debug('a response (status %d) could not be sent: %O', this.statusCode, error);
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const trace = this.trace;
    trace?.serverError(error);
    const text = this.production
      ? internalError(trace?.id)
      : `Error: The response could not be sent (${reason}); answer with plain JSON data (no circular references, no BigInt values) and header values of printable ASCII.`;
    this.statusCode = 500;
    try {
      this.sink.deliver(500, trace === undefined ? {} : { 'x-request-id': trace.id }, text, false);
    } catch (again) {
      if (debug.enabled) debug('the 500 for an undeliverable response could not be sent either: %O', again);
    }
  }
}

/**
 * The production body of a 500: text, as Sails sends it (front ends show `res.body` as it is),
 * with the id that finds the error, its stack and the request in the log.
 */
export function internalError(id: string | undefined): string {
  const text = STATUS_CODES[500] ?? 'Internal Server Error';
  return id === undefined ? text : `${text} (request id: ${id})`;
}
