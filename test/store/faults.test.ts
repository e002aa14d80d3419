/**
 * A database that goes away: at lift, a sentence naming it (never its password); while the app
 * runs, 503 E_DATASTORE_UNAVAILABLE over HTTP and sockets, no crash, and service again once it is
 * back, without a restart. The app reaches the server through a TCP relay the test cuts (every
 * connection dropped, new ones refused) and restores, as a network or a server restart would.
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { lift } from '../../src/runtime/index.js';
import { connect, FIXTURE_APP, liftFixture } from '../runtime/helpers.js';
import { serverProblem, testDatabase } from './databases.js';

const ci = process.env['CI'] === 'true';
const SERVERS = [
  { kind: 'postgres', name: 'PostgreSQL', problem: await serverProblem('postgres') },
  { kind: 'mysql', name: 'MySQL', problem: await serverProblem('mysql') },
] as const;

/** A relay from a local port to `target`, cut and restored on demand. */
class Relay {
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = tcpConnect(this.target);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

describe('faults: lift', () => {
  it.each([
    ['postgres', 'PostgreSQL', 'postgres://app:s3cret-pass@127.0.0.1:1/shop?password=other-secret', 'postgres://app:***@127.0.0.1:1/shop'],
    ['mysql', 'MySQL', 'mysql://app:s3cret-pass@127.0.0.1:1/shop?password=other-secret', 'mysql://app:***@127.0.0.1:1/shop'],
  ])('%s: refuses an unreachable database in one sentence that names it without its password', async (adapter, name, url, shown) => {
    const error = (await lift({ appPath: FIXTURE_APP, port: 0, log: () => {}, logDestination: { write: () => true }, config: { datastores: { default: { adapter, url } } } }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toMatchObject({ name: 'LiftError', code: 'E_LIFT' });
    expect(error.message.startsWith(`Could not open the ${name} database ${shown} (`)).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message.endsWith('); check that the server is running and that datastores.default.url in config/datastores.ts (or DATABASE_URL) is right.')).toBe(true);
    expect(error.message).not.toContain('s3cret');
    expect(error.message).not.toContain('other-secret');
  });
});

describe.each(SERVERS)('faults on $name', ({ kind, name, problem }) => {
  const skip = problem !== undefined && !ci;
  it.skipIf(skip)(`${name} answers${skip ? ` (skipped: ${problem})` : ''}`, () => {
    expect(problem).toBeUndefined();
  });

  it.skipIf(skip)('answers 503 E_DATASTORE_UNAVAILABLE over HTTP and sockets while the database is gone, and serves again once it is back', async () => {
    const db = await testDatabase(kind);
    const direct = new URL(db.datastore.url as string);
    const relay = new Relay({ host: direct.hostname, port: Number(direct.port) });
    await relay.start();
    const url = new URL(direct);
    url.port = String(relay.port);
    const lifted = await liftFixture({ datastores: { default: { ...db.datastore, url: url.toString() } } });
    const http = await connect('http', lifted.app.url);
    const socket = await connect('socket.io-client 4', lifted.app.url);
    try {
      expect((await http.request('post', '/user', { name: 'ann' })).statusCode).toBe(200);
      expect((await socket.request('get', '/user/1')).statusCode).toBe(200);

      await relay.cut();
      const unavailable = { code: 'E_DATASTORE_UNAVAILABLE', message: 'The database is unavailable right now; try again in a moment.' };
      for (const client of [http, socket]) {
        for (const [method, path, body] of [
          ['get', '/user/1', undefined],
          ['get', '/user', undefined],
          ['post', '/user', { name: 'bob' }],
          ['put', '/user/1', { name: 'ann2' }],
          ['delete', '/user/1', undefined],
        ] as const) {
          const jwr = await client.request(method, path, body);
          expect({ via: client.kind, method, path, status: jwr.statusCode, body: jwr.body }).toStrictEqual({ via: client.kind, method, path, status: 503, body: unavailable });
        }
      }

      await relay.start();
      const back = await http.request('get', '/user');
      expect(back.statusCode).toBe(200);
      expect((back.body as { name: string }[]).map((u) => u.name)).toStrictEqual(['ann']);
      expect((await socket.request('post', '/user', { name: 'cy' })).statusCode).toBe(200);
      expect(lifted.logs.join('\n')).not.toMatch(/\b500\b|stack/i);
    } finally {
      http.close();
      socket.close();
      await lifted.close();
      await relay.cut();
    }
  });
});
