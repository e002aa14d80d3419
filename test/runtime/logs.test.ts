/**
 * The app's log (docs/runtime.md, Logs): Fastify's pino logger with Sails' levels. Development
 * writes lines for a person, production pino's JSON; every 500 is written with its stack and the
 * request id its response carries. The test captures the log's destination (LiftOptions.logDestination).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import Fastify from 'fastify';
import { sails, type Req } from '../../src/runtime/index.js';
import { AppLog } from '../../src/runtime/log/index.js';
import { connect, liftFixture, type Lifted, ON_SERVER_STORE } from './helpers.js';

const PRODUCTION = {
  session: { secret: 'c'.repeat(64) },
  sockets: { onlyAllowOrigins: ['http://app.test'] },
  blueprints: { allowUnguardedWrites: true },
};

/** An action that writes at every Sails level, then answers. */
const routes = {
  'GET /chatty': (req: Req) => {
    sails.log.error('at error', req.path);
    sails.log.warn('at warn');
    sails.log.debug('at debug');
    sails.log.info('at info %d', 42);
    sails.log.verbose('at verbose');
    sails.log.silly('at silly');
    sails.log('plain call');
    return 'ok';
  },
  'GET /deep': () => {
    sails.log.info('deep', { a: { b: { c: { d: 1 } } } });
    return 'ok';
  },
};

async function liftLogging(config: Record<string, unknown> = {}, environment = 'development'): Promise<Lifted> {
  const lifted = await liftFixture({ routes, ...config }, { environment });
  onTestFinished(() => lifted.close());
  return lifted;
}

const ID = /^[0-9a-f]{6}-[0-9a-z]+$/;

describe('the app log in development', () => {
  it('a thrown 500 over HTTP is written with its stack under the id of the response', async () => {
    const lifted = await liftLogging();
    const response = await fetch(`${lifted.app.url}/echo/throws`);
    expect(response.status).toBe(500);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(ID);
    const at = lifted.logs.indexOf(`error: GET /echo/throws 500 (request id: ${id})`);
    expect(at, lifted.logs.join('\n')).not.toBe(-1);
    expect(lifted.logs[at + 1]).toBe('Error: boom in throws');
    expect(lifted.logs[at + 2]).toMatch(/^ {4}at throws \(.*EchoController\.ts:\d+:\d+\)$/);
  });

  it('a socket 500 (res.serverError() with an error) is written the same way, marked socket', async () => {
    const lifted = await liftLogging();
    const client = await connect('socket.io-client 4', lifted.app.url);
    onTestFinished(() => client.close());
    const jwr = await client.request('get', '/echo/responses/serverError', { data: 'kaput' });
    expect(jwr.statusCode).toBe(500);
    const id = jwr.headers['x-request-id'];
    expect(id).toMatch(ID);
    const at = lifted.logs.indexOf(`error: socket GET /echo/responses/serverError 500 (request id: ${id})`);
    expect(at, lifted.logs.join('\n')).not.toBe(-1);
    expect(lifted.logs[at + 1]).toBe('Error: kaput');
  });

  it.each([['the default level (info)', {}], ['verbose', { log: { level: 'verbose' } }]] as const)('one line per request at %s, sockets marked; lift\'s own lines stay out of it', async (_level, config) => {
    const lifted = await liftLogging(config);
    const client = await connect('socket.io-client 4', lifted.app.url);
    onTestFinished(() => client.close());
    expect((await client.request('get', '/user')).statusCode).toBe(200);
    expect((await fetch(`${lifted.app.url}/user?limit=1`)).status).toBe(200);
    await expect.poll(() => lifted.logs).toEqual([
      expect.stringMatching(/^socket GET \/user 200 \d+(\.\d)? ms$/),
      expect.stringMatching(/^GET \/user\?limit=1 200 \d+(\.\d)? ms$/),
    ]);
    expect(lifted.lines.at(-1)).toMatch(/^sails-rt: app lifted at /);
  });

  it('no request lines below info (log.level: warn)', async () => {
    const lifted = await liftLogging({ log: { level: 'warn' } });
    expect((await fetch(`${lifted.app.url}/user`)).status).toBe(200);
    await fetch(`${lifted.app.url}/echo/throws`);
    expect(lifted.logs.filter((line) => / \d+(\.\d)? ms$/.test(line))).toStrictEqual([]);
    expect(lifted.logs.length).toBeGreaterThan(0);
  });

  it('sails.log in an action: Sails\' levels, console.log formatting, the plain call at debug', async () => {
    const lifted = await liftLogging();
    expect(await (await fetch(`${lifted.app.url}/chatty`)).json()).toBe('ok');
    expect(lifted.logs.filter((line) => !line.startsWith('GET '))).toStrictEqual([
      'error: at error /chatty',
      'warn: at warn',
      'debug: at debug',
      'info: at info 42',
      'debug: plain call',
    ]);
  });
});

describe('log.level', () => {
  const written = async (level: string): Promise<string[]> => {
    const lifted = await liftLogging({ log: { level } });
    await fetch(`${lifted.app.url}/chatty`);
    await fetch(`${lifted.app.url}/echo/throws`);
    // Lines with a level, and request lines (not the stack under a 500).
    return lifted.logs.filter((line) => /^(error|warn|debug|info|verbose|silly): |^(socket )?GET /.test(line));
  };

  it('warn: errors and warnings only, and a 500 is still written', async () => {
    expect(await written('warn')).toStrictEqual(['error: at error /chatty', 'warn: at warn', expect.stringMatching(/^error: GET \/echo\/throws 500 \(request id: /)]);
  });

  it('debug sits above info, as in Sails: debug is written, info is not', async () => {
    const lines = await written('debug');
    expect(lines).toContain('debug: at debug');
    expect(lines).not.toContain('info: at info 42');
  });

  it('info (the default) writes info and, in development, request lines; not verbose', async () => {
    const lines = await written('info');
    expect(lines).toContain('info: at info 42');
    expect(lines).not.toContain('verbose: at verbose');
    expect(lines.some((line) => line.startsWith('GET /chatty 200 '))).toBe(true);
  });

  it('silly writes everything; silent nothing', async () => {
    const all = await written('silly');
    expect(all).toEqual(expect.arrayContaining(['verbose: at verbose', 'silly: at silly', 'info: at info 42', expect.stringMatching(/^GET \/chatty 200 /)]));
    expect(await written('silent')).toStrictEqual([]);
  });

  it('lift refuses a level Sails does not have, naming the setting and the levels', async () => {
    await expect(liftFixture({ log: { level: 'loud' } })).rejects.toThrow(
      'The setting log.level (config/log.ts) is "loud"; use one of silent, error, warn, debug, info, verbose, silly.',
    );
  });
});

/** A logger such as winston's: one method per level, which needs `this`, and a record of each call. */
class Recorder {
  readonly calls: [method: string, ...args: unknown[]][] = [];
  private record(method: string, args: unknown[]): void {
    this.calls.push([method, ...args]);
  }
  error(...args: unknown[]): void { this.record('error', args); }
  warn(...args: unknown[]): void { this.record('warn', args); }
  debug(...args: unknown[]): void { this.record('debug', args); }
  info(...args: unknown[]): void { this.record('info', args); }
  verbose(...args: unknown[]): void { this.record('verbose', args); }
  silly(...args: unknown[]): void { this.record('silly', args); }
  log(...args: unknown[]): void { this.record('log', args); }
}

const REQUEST = /^(socket )?GET \S+ \d{3} \d+(\.\d)? ms$/;

describe('log.custom', () => {
  it("sails.log's levels call the methods of the same name, the plain call debug, filtered by log.level; stdout gets nothing", async () => {
    const custom = new Recorder();
    const lifted = await liftLogging({ log: { custom } });
    expect(await (await fetch(`${lifted.app.url}/chatty`)).json()).toBe('ok');
    expect(custom.calls).toStrictEqual([
      ['error', 'error: at error /chatty'],
      ['warn', 'warn: at warn'],
      ['debug', 'debug: at debug'],
      ['info', 'info: at info 42'],
      ['debug', 'debug: plain call'],
      ['info', expect.stringMatching(/^GET \/chatty 200 \d+(\.\d)? ms$/)],
    ]);
    expect(lifted.logs).toStrictEqual([]);
  });

  it.each([
    ['warn', ['error', 'warn']],
    ['silly', ['error', 'warn', 'debug', 'info', 'verbose', 'silly', 'debug', 'info']],
    ['silent', []],
  ] as const)('log.level %s is applied before the custom logger is called', async (level, methods) => {
    const custom = new Recorder();
    const lifted = await liftLogging({ log: { custom, level } });
    await fetch(`${lifted.app.url}/chatty`);
    expect(custom.calls.map(([method]) => method)).toStrictEqual(methods);
  });

  it("a missing warn falls back to error and another missing method drops its lines, as captains-log does; lift refuses a logger with none of Sails' methods", async () => {
    const calls: string[] = [];
    const lifted = await liftLogging({ log: { level: 'silly', custom: { error: (text: string) => calls.push(`E ${text}`), info: (text: string) => calls.push(`I ${text}`) } } });
    await fetch(`${lifted.app.url}/chatty`);
    expect(calls).toStrictEqual(['E error: at error /chatty', 'E warn: at warn', 'I info: at info 42', expect.stringMatching(/^I GET \/chatty 200 /)]);
    await expect(liftFixture({ log: { custom: { log() {} } } })).rejects.toThrow(
      'The setting log.custom (config/log.ts) has none of the methods Sails calls (error, warn, debug, info, verbose, silly), so nothing would be logged; use a logger object such as a winston logger, or remove it to log to stdout.',
    );
  });

  it("a 500 reaches custom.error with its request id and stack, over HTTP and sockets", async () => {
    const custom = new Recorder();
    const lifted = await liftLogging({ log: { custom } });
    const response = await fetch(`${lifted.app.url}/echo/throws`);
    const id = response.headers.get('x-request-id');
    const client = await connect('socket.io-client 4', lifted.app.url);
    onTestFinished(() => client.close());
    const jwr = await client.request('get', '/echo/responses/serverError', { data: 'kaput' });
    const errors = custom.calls.filter(([method]) => method === 'error').map(([, text]) => String(text).split('\n'));
    expect(errors).toStrictEqual([
      [`error: GET /echo/throws 500 (request id: ${id})`, 'Error: boom in throws', expect.stringMatching(/^ {4}at throws \(.*EchoController\.ts:\d+:\d+\)$/), ...errors[0]!.slice(3)],
      [`error: socket GET /echo/responses/serverError 500 (request id: ${jwr.headers['x-request-id']})`, 'Error: kaput', ...errors[1]!.slice(2)],
    ]);
  });

  it('inspect: false passes the arguments as they were given, and sails-rt\'s own lines as (message, fields)', async () => {
    const custom = new Recorder();
    const lifted = await liftLogging({ log: { custom, inspect: false } });
    await fetch(`${lifted.app.url}/chatty`);
    const response = await fetch(`${lifted.app.url}/echo/throws`);
    const id = response.headers.get('x-request-id');
    expect(custom.calls.slice(0, 5)).toStrictEqual([
      ['error', 'at error', '/chatty'],
      ['warn', 'at warn'],
      ['debug', 'at debug'],
      ['info', 'at info %d', 42],
      ['debug', 'plain call'],
    ]);
    expect(custom.calls[5]).toStrictEqual(['info', expect.stringMatching(/^GET \/chatty 200 /), expect.objectContaining({ transport: 'http', method: 'GET', url: '/chatty', statusCode: 200, responseTime: expect.any(Number) })]);
    const [method, message, fields] = custom.calls.find(([name, text]) => name === 'error' && String(text).includes(' 500 ')) ?? [];
    expect([method, message]).toStrictEqual(['error', `GET /echo/throws 500 (request id: ${id})`]);
    expect(fields).toMatchObject({ reqId: id, transport: 'http', statusCode: 500, err: expect.any(Error) });
    expect((fields as { err: Error }).err.stack).toMatch(/^Error: boom in throws\n {4}at throws /);
  });

  it.skipIf(ON_SERVER_STORE)('in production, request lines go to custom.verbose', async () => {
    const custom = new Recorder();
    const lifted = await liftLogging({ ...PRODUCTION, log: { custom, level: 'verbose' } }, 'production');
    expect((await fetch(`${lifted.app.url}/user`)).status).toBe(200);
    expect(custom.calls).toStrictEqual([['verbose', expect.stringMatching(REQUEST)]]);
    expect(lifted.logs).toStrictEqual([]);
  });

  it("Fastify's own warnings and errors reach it too, at warn and error", async () => {
    const custom = new Recorder();
    const appLog = new AppLog({ custom }, false, { write: () => expect.unreachable('nothing reaches the destination') });
    const fastify = Fastify({ logger: appLog.fastifyOptions() });
    onTestFinished(() => fastify.close());
    fastify.log.info('Server listening');
    fastify.log.warn({ reqId: 'r-1' }, 'a hook replied twice');
    fastify.log.fatal(new Error('gone'), 'fatal');
    expect(custom.calls).toStrictEqual([['warn', 'warn: a hook replied twice'], ['error', expect.stringMatching(/^error: fatal\nError: gone\n {4}at /)]]);
  });

  it('a custom logger that throws on a request line does not fail the request', async () => {
    const lifted = await liftLogging({ log: { custom: { info() { throw new Error('disk full'); } } } });
    expect((await fetch(`${lifted.app.url}/user`)).status).toBe(200);
  });
});

describe('the other log settings', () => {
  const lines = async (log: Record<string, unknown>, path = '/chatty'): Promise<string[]> => {
    const lifted = await liftLogging({ log });
    await fetch(`${lifted.app.url}${path}`);
    return lifted.logs.filter((line) => !REQUEST.test(line));
  };

  it('prefixes: each level its own, a level left out none; prefix: one for every level', async () => {
    expect(await lines({ prefixes: { warn: '[!] ', error: '[err] ' } })).toStrictEqual(['[err] at error /chatty', '[!] at warn', 'at debug', 'at info 42', 'plain call']);
    expect(await lines({ prefix: '| ' })).toStrictEqual(['| at error /chatty', '| at warn', '| at debug', '| at info 42', '| plain call']);
  });

  it('inspect: false without a custom logger writes lines without a prefix', async () => {
    expect(await lines({ inspect: false })).toStrictEqual(['at error /chatty', 'at warn', 'at debug', 'at info 42', 'plain call']);
  });

  it('inspectOptions reach util.inspect', async () => {
    expect(await lines({}, '/deep')).toStrictEqual(['info: deep { a: { b: { c: [Object] } } }']);
    expect(await lines({ inspectOptions: { depth: 0 } }, '/deep')).toStrictEqual(['info: deep { a: [Object] }']);
  });

  it('colors and noShip are accepted and change nothing (no colours, no ship)', async () => {
    expect(await lines({ colors: false, noShip: true })).toStrictEqual(await lines({}));
  });

  it.each([
    [{ timestamp: true }, 'The setting log.timestamp (config/log.ts) is not a log setting of Sails 1; use level, custom, inspect, inspectOptions, prefix, prefixes, colors or noShip.'],
    [{ prefixTheme: 'aligned' }, "The setting log.prefixTheme (config/log.ts) is a captains-log setting sails-rt does not support; write the prefixes you want as log.prefixes, e.g. { warn: '[!] ', error: '[err] ' }."],
    [{ globalizeAs: 'log' }, "The setting log.globalizeAs (config/log.ts) is a captains-log setting sails-rt does not support; remove it and reach the log as sails.log (import { sails } from 'sails-rt')."],
    [{ inspect: 'yes' }, 'The setting log.inspect (config/log.ts) is "yes"; use true or false.'],
    [{ custom: 'winston' }, 'The setting log.custom (config/log.ts) is "winston"; use a logger object such as a winston logger, or remove it to log to stdout.'],
    [{ prefixes: { notice: '! ' } }, 'The setting log.prefixes.notice (config/log.ts) is not a level; use error, warn, debug, info, verbose, silly.'],
    [{ prefix: 3 }, "The setting log.prefix (config/log.ts) is 3; use a string such as '[app] '."],
    [{ inspectOptions: true }, 'The setting log.inspectOptions (config/log.ts) is true; use options of util.inspect, such as { depth: null }.'],
  ])('lift refuses log %j', async (log, message) => {
    await expect(liftFixture({ log })).rejects.toThrow(message);
  });

  it('lift refuses a log that is not an object', async () => {
    await expect(liftFixture({ log: 'info' })).rejects.toThrow('The setting "log" (config/log.ts) is "info"; write `export const log = { level: \'info\' }`.');
  });
});

describe('the app log in production', () => {
  it.skipIf(ON_SERVER_STORE)("pino's JSON lines; the 500's line has the stack and the id the body carries, the body no stack", async () => {
    const lifted = await liftLogging(PRODUCTION, 'production');
    const client = await connect('socket.io-client 4', lifted.app.url, { headers: { origin: 'http://app.test' } });
    onTestFinished(() => client.close());
    const response = await fetch(`${lifted.app.url}/echo/rejects`);
    const body = await response.text();
    const jwr = await client.request('get', '/echo/throws');
    const entries = () => lifted.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const [text, transport, url] of [[body, 'http', '/echo/rejects'], [String(jwr.body), 'socket', '/echo/throws']] as const) {
      const id = /^Internal Server Error \(request id: ([0-9a-f]{6}-[0-9a-z]+)\)$/.exec(text)?.[1];
      expect(id, text).toBeDefined();
      expect(text).not.toMatch(/ {4}at |\.ts:\d/);
      const line = entries().find((entry) => entry['reqId'] === id && entry['level'] === 50);
      expect(line, lifted.logs.join('\n')).toMatchObject({
        transport,
        method: 'GET',
        url,
        statusCode: 500,
        msg: `${transport === 'socket' ? 'socket ' : ''}GET ${url} 500 (request id: ${id})`,
        err: { type: 'Error', stack: expect.stringMatching(/^Error: boom in \w+\n {4}at /) },
        time: expect.any(Number),
        pid: process.pid,
      });
    }
    // At the default level the 500s are all there is: no request lines.
    expect(entries().map((entry) => entry['level'])).toStrictEqual([50, 50]);
  });

  it.skipIf(ON_SERVER_STORE)('at verbose, request lines are JSON too, with the request id, status and time', async () => {
    const lifted = await liftLogging({ ...PRODUCTION, log: { level: 'verbose' } }, 'production');
    expect((await fetch(`${lifted.app.url}/user`)).status).toBe(200);
    await expect.poll(() => lifted.logs.map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({ level: 20, reqId: expect.stringMatching(ID), transport: 'http', method: 'GET', url: '/user', statusCode: 200, responseTime: expect.any(Number) }),
    ]);
  });
});
