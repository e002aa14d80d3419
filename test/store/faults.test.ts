/**
 * A database that goes away: at lift, a sentence naming it (never its password); while the app
 * runs, 503 E_DATASTORE_UNAVAILABLE over HTTP and sockets, no crash, and service again once it is
 * back, without a restart. On PostgreSQL, where a database can be made to refuse connections.
 */
import { describe, expect, it } from 'vitest';
import { lift } from '../../src/runtime/index.js';
import { connect, FIXTURE_APP, liftFixture } from '../runtime/helpers.js';
import { admin, serverProblem, testDatabase } from './databases.js';

const problem = await serverProblem('postgres');
const ci = process.env['CI'] === 'true';

describe.skipIf(problem !== undefined && !ci)(`faults on PostgreSQL${problem && !ci ? ` (skipped: ${problem})` : ''}`, () => {
  it('PostgreSQL answers', () => {
    expect(problem).toBeUndefined();
  });

  it('lift refuses an unreachable database in one sentence that names it without its password', async () => {
    const url = 'postgres://app:s3cret-pass@127.0.0.1:1/shop?password=other-secret';
    const error = (await lift({ appPath: FIXTURE_APP, port: 0, log: () => {}, logDestination: { write: () => true }, config: { datastores: { default: { adapter: 'postgres', url } } } }).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ name: 'LiftError', code: 'E_LIFT' });
    expect(error.message).toMatch(/^Could not open the PostgreSQL database postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/shop \(.*ECONNREFUSED.*\); check that the server is running and that datastores\.default\.url in config\/datastores\.ts \(or DATABASE_URL\) is right\.$/);
    expect(error.message).not.toContain('s3cret');
    expect(error.message).not.toContain('other-secret');
  });

  it('answers 503 E_DATASTORE_UNAVAILABLE over HTTP and sockets while the database is gone, and serves again once it is back', async () => {
    const db = await testDatabase('postgres');
    const name = new URL(db.datastore.url as string).pathname.slice(1);
    const lifted = await liftFixture({ datastores: { default: db.datastore } });
    const http = await connect('http', lifted.app.url);
    const socket = await connect('socket.io-client 4', lifted.app.url);
    try {
      expect((await http.request('post', '/user', { name: 'ann' })).statusCode).toBe(200);
      expect((await socket.request('get', '/user/1')).statusCode).toBe(200);

      await admin('postgres', `alter database ${name} allow_connections false`);
      await admin('postgres', `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`);
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

      await admin('postgres', `alter database ${name} allow_connections true`);
      const back = await http.request('get', '/user');
      expect(back.statusCode).toBe(200);
      expect((back.body as { name: string }[]).map((u) => u.name)).toStrictEqual(['ann']);
      expect((await socket.request('post', '/user', { name: 'cy' })).statusCode).toBe(200);
    } finally {
      http.close();
      socket.close();
      await admin('postgres', `alter database ${name} allow_connections true`).catch(() => {});
      await lifted.close();
    }
  });
});

