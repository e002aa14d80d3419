/**
 * The app's log: Fastify's pino logger, with Sails' levels and `sails.log`. In development each
 * line is written for a person (`GET /user 200 3.1 ms`, `error: …` with the stack); in production
 * as pino's JSON lines. With `log.custom` every line goes to that logger instead, at the method
 * named after its level. Every 500 is written with its stack and its request id, which the
 * production error body also carries. Lift's own lines do not go through here (LiftOptions.log).
 */
import { randomBytes } from 'node:crypto';
import { format, formatWithOptions, type InspectOptions } from 'node:util';
import createDebug from 'debug';
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import { PINO_LEVELS, type LogLevel, type PinoLevel } from './levels.js';
import { prefixer, SAILS_LEVELS, type CustomLogger, type LogConfig, type SailsLevel } from './settings.js';

export { LOG_LEVELS, PINO_LEVELS, type LogLevel } from './levels.js';
export { logSettingProblem, type CustomLogger, type LogConfig, type LogSettingProblem } from './settings.js';

const debug = createDebug('sails-rt:log');

/** Where the app's log lines are written: `process.stdout` unless `lift({ logDestination })` says otherwise. */
export interface LogDestination {
  write(text: string): unknown;
}

/**
 * `sails.log`: called as a function it writes at `debug`, as in Sails. Arguments are formatted
 * as `console.log` formats them.
 *
 * @example sails.log.info('signed up', user.id); sails.log.warn('slow query'); sails.log('hi');
 */
export interface SailsLog {
  (...args: unknown[]): void;
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  verbose(...args: unknown[]): void;
  silly(...args: unknown[]): void;
}

/**
 * The level request lines are written at: `info` in development, so the terminal shows one line
 * per request at the default level; `verbose` in production, as Sails writes none there by
 * default: a line costs about 5 µs of pino's JSON plus a write, next to some 45 µs of server time
 * for a whole socket request. `log.level: 'verbose'` turns them on in production.
 */
export function requestLevel(production: boolean): SailsLevel {
  return production ? 'verbose' : 'info';
}

/** The methods of a pino logger built with PINO_LEVELS (Fastify's types only know pino's default names). */
type PinoLogger = FastifyBaseLogger & {
  isLevelEnabled(level: string): boolean;
} & Record<PinoLevel, (object: object | string, message?: string) => void>;

/**
 * Fastify's `logger` options for an app logging at `level`, writing pino's lines to `stream`.
 * Fastify's own logger stays at 'warn' or stricter, so its info lines ("Server listening at …")
 * never appear: lift logs one line when it listens. The app's lines go through a child logger at
 * the app's level. `json`: every line as pino's JSON with time, pid and host (production);
 * otherwise the stream reads each line back, so nothing it would not show is carried.
 */
export function fastifyLoggerOptions(level: LogLevel, json: boolean, stream: LogDestination): FastifyServerOptions['logger'] {
  const fastifyLevel = level === 'silent' || level === 'error' ? level : 'warn';
  return {
    level: fastifyLevel,
    customLevels: PINO_LEVELS,
    useOnlyCustomLevels: true,
    ...(json ? {} : { base: null, timestamp: false }),
    stream,
  } as FastifyServerOptions['logger'];
}

/** Request ids, `<6 hex of this lift>-<counter>`: short, and unlike `req-1` not repeated by the next lift. */
export function requestIds(): () => string {
  const lift = randomBytes(3).toString('hex');
  let next = 0;
  return () => `${lift}-${(++next).toString(36)}`;
}

/** Where the app's lines go: Fastify's pino logger, or the app's `log.custom`. */
interface LogWriter {
  enabled(level: SailsLevel): boolean;
  /** `sails.log.<level>(…args)`, already known to be enabled. */
  args(level: SailsLevel, args: unknown[]): void;
  /** One of sails-rt's own lines: its message, and the fields pino's JSON carries (`err` an Error). */
  line(level: SailsLevel, fields: Record<string, unknown>, message: string): void;
}

/**
 * The app's logger. Built before the Fastify instance it runs on: `fastifyOptions` goes into
 * `Fastify()`, then `attach(app.log)` hands over Fastify's pino logger (unless `log.custom`
 * takes every line, in which case Fastify's own lines are handed to it too).
 */
export class AppLog {
  readonly sails: SailsLog;
  readonly level: LogLevel;
  /** Whether request lines are written: checked once per request, before anything is measured. */
  requests = false;
  /** Makes request ids: Fastify's `genReqId`, and socket requests' on demand. */
  readonly newId: () => string = requestIds();
  private writer: LogWriter | undefined;
  private readonly requestLevel: SailsLevel;
  private readonly custom: CustomWriter | undefined;

  constructor(
    private readonly config: LogConfig,
    private readonly production: boolean,
    private readonly destination: LogDestination,
  ) {
    this.level = config.level ?? 'info';
    this.requestLevel = requestLevel(production);
    if (config.custom !== undefined) {
      this.custom = new CustomWriter(config.custom, this.level, config);
      this.writer = this.custom;
      this.requests = this.custom.enabled(this.requestLevel);
    }
    this.sails = sailsLog((level, args) => {
      const writer = this.writer;
      // Formatting costs more than the check: skip it for a level that is not written.
      if (writer?.enabled(level)) writer.args(level, args);
    });
  }

  /** Fastify's `logger` option (see fastifyLoggerOptions). */
  fastifyOptions(): FastifyServerOptions['logger'] {
    if (this.custom !== undefined) return fastifyLoggerOptions(this.level, false, this.custom);
    if (this.production) return fastifyLoggerOptions(this.level, true, this.destination);
    return fastifyLoggerOptions(this.level, false, new HumanLines(this.destination, prefixer(this.config)));
  }

  attach(fastifyLog: FastifyBaseLogger): void {
    if (this.custom !== undefined) return;
    const logger = fastifyLog.child({}, { level: this.level }) as PinoLogger;
    this.writer = new PinoWriter(logger, this.config.inspectOptions);
    this.requests = this.writer.enabled(this.requestLevel);
  }

  /** One request line: `GET /user 200 3.1 ms`, `socket GET /user 200 1.2 ms`. */
  request(socket: boolean, method: string, url: string, statusCode: number, ms: number, id: string | undefined): void {
    const responseTime = Math.round(ms * 10) / 10;
    const line = `${socket ? 'socket ' : ''}${method} ${url} ${statusCode} ${responseTime} ms`;
    this.own(this.requestLevel, { reqId: id, transport: socket ? 'socket' : 'http', method, url, statusCode, responseTime }, line);
  }

  /** A 500: written at error with the stack, whatever the level but silent. */
  serverError(socket: boolean, method: string, url: string, id: string, error: unknown): void {
    const line = `${socket ? 'socket ' : ''}${method} ${url} 500 (request id: ${id})`;
    const fields: Record<string, unknown> = { reqId: id, transport: socket ? 'socket' : 'http', method, url, statusCode: 500 };
    if (error instanceof Error) fields['err'] = error;
    else if (error !== undefined) fields['data'] = error;
    this.own('error', fields, error === undefined ? `${line}: res.serverError() was called without an error` : line);
  }

  private own(level: SailsLevel, fields: Record<string, unknown>, message: string): void {
    const writer = this.writer;
    if (!writer?.enabled(level)) return;
    try {
      writer.line(level, fields, message);
    } catch (error) {
      // A custom logger that throws must not fail the request its line is about.
      debug('log.custom threw on a %s line (%s): %O', level, message, error);
    }
  }
}

function sailsLog(write: (level: SailsLevel, args: unknown[]) => void): SailsLog {
  const at =
    (level: SailsLevel) =>
    (...args: unknown[]): void =>
      write(level, args);
  const log = at('debug') as SailsLog;
  for (const level of SAILS_LEVELS) log[level] = at(level);
  return log;
}

class PinoWriter implements LogWriter {
  constructor(
    private readonly logger: PinoLogger,
    private readonly inspectOptions: InspectOptions = {},
  ) {}

  enabled(level: SailsLevel): boolean {
    return this.logger.isLevelEnabled(level);
  }

  args(level: SailsLevel, args: unknown[]): void {
    this.logger[level](formatWithOptions(this.inspectOptions, ...args));
  }

  line(level: SailsLevel, fields: Record<string, unknown>, message: string): void {
    this.logger[level](fields, message);
  }
}

type LogMethod = (...args: unknown[]) => unknown;

/**
 * `log.custom`: each level calls the custom logger's method of that name, as captains-log does
 * (a missing `warn` falls back to `error`; another missing method drops its lines). Lines are
 * filtered by `log.level` first. With `inspect` on (the default) the method receives one string,
 * the line as development's terminal shows it; with `inspect: false`, `sails.log`'s arguments as
 * they were passed, and sails-rt's own lines as `(message, fields)`, the fields of pino's JSON.
 * It is also the stream of Fastify's pino logger, so Fastify's own warnings reach the same methods.
 */
class CustomWriter implements LogWriter, LogDestination {
  private readonly methods: Record<SailsLevel, LogMethod | undefined>;
  private readonly least: number;
  private readonly inspect: boolean;
  private readonly inspectOptions: InspectOptions;
  private readonly prefix: (level: string) => string;

  constructor(custom: CustomLogger, level: LogLevel, config: LogConfig) {
    const method = (name: string): LogMethod | undefined => {
      const fn = (custom as Record<string, unknown>)[name];
      // Called on the logger, as winston's and pino's methods expect.
      return typeof fn === 'function' ? (fn as LogMethod).bind(custom) : undefined;
    };
    const methods = Object.fromEntries(SAILS_LEVELS.map((name) => [name, method(name)])) as Record<SailsLevel, LogMethod | undefined>;
    methods.warn ??= methods.error;
    this.methods = methods;
    this.least = level === 'silent' ? Infinity : PINO_LEVELS[level];
    this.inspect = config.inspect !== false;
    this.inspectOptions = config.inspectOptions ?? {};
    this.prefix = prefixer(config);
  }

  enabled(level: SailsLevel): boolean {
    return PINO_LEVELS[level] >= this.least && this.methods[level] !== undefined;
  }

  args(level: SailsLevel, args: unknown[]): void {
    this.methods[level]?.(...(this.inspect ? [this.prefix(level) + formatWithOptions(this.inspectOptions, ...args)] : args));
  }

  line(level: SailsLevel, fields: Record<string, unknown>, message: string): void {
    if (!this.inspect) {
      this.methods[level]?.(message, fields);
      return;
    }
    // Request lines stand alone, as in development's terminal; the others carry their prefix.
    const text = fields['responseTime'] !== undefined ? message : this.prefix(level) + message;
    this.methods[level]?.(text + below(fields['err'], fields['data']));
  }

  /** Fastify's own lines (warnings and errors), as pino's JSON. */
  write(json: string): void {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(json) as Record<string, unknown>;
    } catch {
      this.methods.error?.(json.trimEnd());
      return;
    }
    const { level: number, msg, ...fields } = entry;
    const name = LABELS.get(number as number);
    const level: SailsLevel = name === 'fatal' ? 'error' : name === 'trace' || name === undefined ? 'silly' : name;
    if (this.enabled(level)) this.line(level, fields, typeof msg === 'string' ? msg : '');
  }
}

/** What development writes under a line: an error's stack, or the value passed to res.serverError(). */
function below(err: unknown, data: unknown): string {
  if (err instanceof Error) return `\n${err.stack ?? err.message}`;
  if (err !== undefined && typeof err === 'object' && err !== null) {
    const { stack, message } = err as { stack?: unknown; message?: unknown };
    return `\n${String(stack ?? message ?? '')}`;
  }
  return data === undefined ? '' : `\n${format('%o', data)}`;
}

const LABELS = new Map<number, PinoLevel>(Object.entries(PINO_LEVELS).map(([name, value]) => [value, name as PinoLevel]));

/**
 * pino's destination in development: each JSON line written as a person reads it. Request lines
 * are their message alone; other lines `<prefix><message>` (by default `<level>: `, as
 * captains-log writes them; see `log.prefix`), with an error's stack below.
 */
class HumanLines implements LogDestination {
  constructor(
    private readonly out: LogDestination,
    private readonly prefix: (level: string) => string,
  ) {}

  write(json: string): void {
    let entry: { level?: number; msg?: string; responseTime?: number; err?: { stack?: string; message?: string }; data?: unknown };
    try {
      entry = JSON.parse(json) as typeof entry;
    } catch {
      this.out.write(json);
      return;
    }
    const message = entry.msg ?? '';
    if (entry.responseTime !== undefined) {
      this.out.write(`${message}\n`);
      return;
    }
    this.out.write(`${this.prefix(LABELS.get(entry.level ?? 0) ?? 'log')}${message}${below(entry.err, entry.data)}\n`);
  }
}
