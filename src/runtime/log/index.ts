/**
 * The app's log: Fastify's pino logger, with Sails' levels and `sails.log`. In development each
 * line is written for a person (`GET /user 200 3.1 ms`, `error: …` with the stack); in production
 * as pino's JSON lines. Every 500 is written with its stack and its request id, which the
 * production error body also carries. Lift's own lines do not go through here (LiftOptions.log).
 */
import { randomBytes } from 'node:crypto';
import { format } from 'node:util';
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import { PINO_LEVELS, type LogLevel, type PinoLevel } from './levels.js';

export { LOG_LEVELS, PINO_LEVELS, type LogLevel } from './levels.js';

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
export function requestLevel(production: boolean): PinoLevel {
  return production ? 'verbose' : 'info';
}

/** The methods of a pino logger built with PINO_LEVELS (Fastify's types only know pino's default names). */
type PinoLogger = FastifyBaseLogger & {
  isLevelEnabled(level: string): boolean;
} & Record<PinoLevel, (object: object | string, message?: string) => void>;

/**
 * Fastify's `logger` options for an app logging at `level`. Fastify's own logger stays at
 * 'warn' or stricter, so its info lines ("Server listening at …") never appear: lift logs one
 * line when it listens. The app's lines go through a child logger at the app's level.
 */
export function fastifyLoggerOptions(level: LogLevel, production: boolean, destination: LogDestination): FastifyServerOptions['logger'] {
  const fastifyLevel = level === 'silent' || level === 'error' ? level : 'warn';
  return {
    level: fastifyLevel,
    customLevels: PINO_LEVELS,
    useOnlyCustomLevels: true,
    // In development each line is read back and written for a person: no pid, host or time to carry.
    ...(production ? {} : { base: null, timestamp: false }),
    stream: production ? destination : new HumanLines(destination),
  } as FastifyServerOptions['logger'];
}

/** Request ids, `<6 hex of this lift>-<counter>`: short, and unlike `req-1` not repeated by the next lift. */
export function requestIds(): () => string {
  const lift = randomBytes(3).toString('hex');
  let next = 0;
  return () => `${lift}-${(++next).toString(36)}`;
}

/**
 * The app's logger. Built before the Fastify instance it runs on: `fastifyOptions` goes into
 * `Fastify()`, then `attach(app.log)` hands over Fastify's pino logger.
 */
export class AppLog {
  readonly sails: SailsLog;
  /** Whether request lines are written: checked once per request, before anything is measured. */
  requests = false;
  /** Makes request ids: Fastify's `genReqId`, and socket requests' on demand. */
  readonly newId: () => string = requestIds();
  private logger: PinoLogger | undefined;
  private requestLevel: PinoLevel = 'verbose';

  constructor(
    readonly level: LogLevel,
    private readonly production: boolean,
    private readonly destination: LogDestination,
  ) {
    this.sails = sailsLog(() => this.logger);
  }

  /** Fastify's `logger` option (see fastifyLoggerOptions). */
  fastifyOptions(): FastifyServerOptions['logger'] {
    return fastifyLoggerOptions(this.level, this.production, this.destination);
  }

  attach(fastifyLog: FastifyBaseLogger): void {
    this.logger = fastifyLog.child({}, { level: this.level }) as PinoLogger;
    this.requestLevel = requestLevel(this.production);
    this.requests = this.logger.isLevelEnabled(this.requestLevel);
  }

  /** One request line: `GET /user 200 3.1 ms`, `socket GET /user 200 1.2 ms`. */
  request(socket: boolean, method: string, url: string, statusCode: number, ms: number, id: string | undefined): void {
    const responseTime = Math.round(ms * 10) / 10;
    const line = `${socket ? 'socket ' : ''}${method} ${url} ${statusCode} ${responseTime} ms`;
    this.logger?.[this.requestLevel]({ reqId: id, transport: socket ? 'socket' : 'http', method, url, statusCode, responseTime }, line);
  }

  /** A 500: written at error with the stack, whatever the level but silent. */
  serverError(socket: boolean, method: string, url: string, id: string, error: unknown): void {
    const line = `${socket ? 'socket ' : ''}${method} ${url} 500 (request id: ${id})`;
    const fields: Record<string, unknown> = { reqId: id, transport: socket ? 'socket' : 'http', method, url, statusCode: 500 };
    if (error instanceof Error) fields['err'] = error;
    else if (error !== undefined) fields['data'] = error;
    this.logger?.error(fields, error === undefined ? `${line}: res.serverError() was called without an error` : line);
  }
}

function sailsLog(current: () => PinoLogger | undefined): SailsLog {
  const at =
    (level: PinoLevel) =>
    (...args: unknown[]): void => {
      const logger = current();
      // Formatting costs more than the check: skip it for a level that is not written.
      if (logger?.isLevelEnabled(level)) logger[level](format(...args));
    };
  const log = at('debug') as SailsLog;
  log.error = at('error');
  log.warn = at('warn');
  log.debug = at('debug');
  log.info = at('info');
  log.verbose = at('verbose');
  log.silly = at('silly');
  return log;
}

const LABELS = new Map<number, string>(Object.entries(PINO_LEVELS).map(([name, value]) => [value, name]));

/**
 * pino's destination in development: each JSON line written as a person reads it. Request lines
 * are their message alone; other lines `<level>: <message>`, as captains-log writes them, with
 * an error's stack below.
 */
class HumanLines implements LogDestination {
  constructor(private readonly out: LogDestination) {}

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
    let text = `${LABELS.get(entry.level ?? 0) ?? 'log'}: ${message}`;
    if (entry.err !== undefined) text += `\n${entry.err.stack ?? entry.err.message ?? ''}`;
    else if (entry.data !== undefined) text += `\n${format('%o', entry.data)}`;
    this.out.write(`${text}\n`);
  }
}
