/**
 * The app's log (docs/runtime.md, Logs): Fastify's pino logger with Sails' levels. Development
 * writes lines for a person, production pino's JSON; every 500 is written with its stack and the
 * request id its response carries. The test captures the log's destination (LiftOptions.logDestination).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { sails, type Req } from '../../src/runtime/index.js';
import { connect, liftFixture, type Lifted } from './helpers.js';

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

describe('the app log in production', () => {
  it("pino's JSON lines; the 500's line has the stack and the id the body carries, the body no stack", async () => {
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

  it('at verbose, request lines are JSON too, with the request id, status and time', async () => {
    const lifted = await liftLogging({ ...PRODUCTION, log: { level: 'verbose' } }, 'production');
    expect((await fetch(`${lifted.app.url}/user`)).status).toBe(200);
    await expect.poll(() => lifted.logs.map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({ level: 20, reqId: expect.stringMatching(ID), transport: 'http', method: 'GET', url: '/user', statusCode: 200, responseTime: expect.any(Number) }),
    ]);
  });
});
