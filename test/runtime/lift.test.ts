import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { lift, sails } from '../../src/runtime/index.js';
import { connect, FIXTURE_APP, liftFixture, rawSocket, sleep, tempApp, ON_SERVER_STORE } from './helpers.js';

/** What production needs that development does not: a session secret, a socket handshake rule, guarded writes. */
const PRODUCTION = {
  session: { secret: 'a-test-secret-that-is-not-a-placeholder' },
  sockets: { beforeConnect: () => true },
  blueprints: { allowUnguardedWrites: true },
};

/** A port free right now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether something listens on `port` of 127.0.0.1. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer().once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

async function liftError(options: Parameters<typeof lift>[0]): Promise<Error> {
  try {
    const app = await lift({ port: 0, log: () => {}, ...options });
    await app.lower();
  } catch (error) {
    return error as Error;
  }
  throw new Error('lift did not fail');
}

describe('lift', () => {
  it('`sails` throws a clear error before any app is lifted', () => {
    expect(() => sails.config).toThrow(
      'sails.config was read before the app was lifted; read it inside an action, or after `await lift()` resolves.',
    );
    expect(() => sails.sockets.join).toThrow(/^sails.sockets was read before the app was lifted/);
    // Not a thenable: returning `sails` from an async function must not throw.
    expect((sails as unknown as { then?: unknown }).then).toBeUndefined();
  });

  it.skipIf(ON_SERVER_STORE)('logs where it listens in one line, and what it did to the database in one more (after a warning: the fixture has no session secret)', async () => {
    const lifted = await liftFixture();
    onTestFinished(() => lifted.close());
    expect(lifted.app.url).toBe(`http://127.0.0.1:${lifted.app.port}`);
    expect(lifted.app.port).toBeGreaterThan(0);
    expect(lifted.lines).toStrictEqual([
      expect.stringMatching(/^sails-rt: warning: no session secret is set, so this run signs session cookies with a random one/),
      `sails-rt: database ${join(lifted.dir, 'db.sqlite')}: created tables note, user, widget; added unique indexes note_title_unique.`,
      `sails-rt: app lifted at ${lifted.app.url} (sockets on /socket.io)`,
    ]);
    expect(lifted.app.config).toMatchObject({ environment: 'development', blueprints: { autoWatch: true } });
    expect(Object.keys(lifted.app.config.routes)).toContain('GET /say/hello');
  });

  it('lifts twice on port 0 in one process; `sails` follows the latest app still up', async () => {
    const first = await liftFixture();
    const second = await liftFixture();
    onTestFinished(() => first.close());
    onTestFinished(() => second.close());
    expect(first.app.port).not.toBe(second.app.port);
    expect(sails.url).toBe(second.app.url);
    for (const { app } of [first, second]) {
      expect((await fetch(`${app.url}/user`)).status).toBe(200);
    }
    await second.close();
    expect(sails.url).toBe(first.app.url);
  });

  it('lower() closes sockets, HTTP and the database, and may be called twice', async () => {
    const lifted = await liftFixture();
    const client = await connect('socket.io-client 4', lifted.app.url);
    const disconnected = new Promise<string>((resolve) => rawSocket(client).on('disconnect', resolve));
    await lifted.app.lower();
    await lifted.app.lower();
    // The connection closed, not the socket sent away: the client would reconnect (and, to an
    // instance that kept its session, be recovered) rather than stay away.
    expect(await disconnected).toBe('transport close');
    await expect(fetch(`${lifted.app.url}/user`)).rejects.toThrow();
    await expect(lifted.app.models['user']?.find()).rejects.toThrow(/not open/);
    // The port is free again.
    const probe = createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(lifted.app.port, '127.0.0.1', resolve));
    await new Promise((resolve) => probe.close(resolve));
    client.close();
    await lifted.close();
    expect(() => sails.config).toThrow(/before the app was lifted/);
  });

  it.skipIf(ON_SERVER_STORE)('the app owns its SQLite file by default (a second lift is refused in one sentence); exclusive: false shares it', async () => {
    const owned = await liftFixture();
    onTestFinished(() => owned.close());
    await owned.app.models['user']?.create({ name: 'hidden' });
    const path = join(owned.dir, 'db.sqlite');
    const blocked = new Database(path, { readonly: true, timeout: 50 });
    try {
      expect(() => blocked.prepare('select name from user').all()).toThrow(/locked/);
    } finally {
      blocked.close();
    }
    expect((await liftError({ appPath: FIXTURE_APP, config: { datastores: { default: { filename: path } } } })).message).toBe(
      `The database ${path} is locked by another process (is this app lifted already?); stop that process, or set datastores.default.exclusive: false in config/datastores.ts to share the file.`,
    );

    const dir = mkdtempSync(join(tmpdir(), 'sails-rt-shared-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const sharedPath = join(dir, 'db.sqlite');
    const shared = await liftFixture({ datastores: { default: { filename: sharedPath, exclusive: false } } });
    onTestFinished(() => shared.close());
    await shared.app.models['user']?.create({ name: 'visible' });
    const reader = new Database(sharedPath, { readonly: true, timeout: 50 });
    try {
      expect(reader.prepare('select name from user').all()).toStrictEqual([{ name: 'visible' }]);
    } finally {
      reader.close();
    }
  });

  it('awaits beforeOpen with every file loaded and route resolved, before it opens the database or the port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sails-rt-open-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'db.sqlite');
    const port = await freePort();
    const steps: string[] = [];
    const lifting = liftFixture({ datastores: { default: { filename: db } } }, {
      port,
      beforeOpen: async () => {
        steps.push(`before open: db ${existsSync(db) ? 'exists' : 'absent'}, port ${(await portTaken(port)) ? 'taken' : 'free'}`);
      },
    });
    const lifted = await lifting;
    onTestFinished(() => lifted.close());
    expect(steps).toEqual(['before open: db absent, port free']);
    expect(existsSync(db)).toBe(true);
    expect(await portTaken(port)).toBe(true);
  });

  it('opens no database when the app is refused (a bad route, or production without guarded writes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sails-rt-refused-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'db.sqlite');
    await expect(liftFixture({ datastores: { default: { filename: db } }, routes: { 'GET /x': 'NoController.none' } })).rejects.toThrow(
      /the route "GET \/x" points to the action no\/none, which does not exist/,
    );
    const production = { ...PRODUCTION, blueprints: {} };
    await expect(liftFixture({ ...production, datastores: { default: { filename: db } } }, { environment: 'production' })).rejects.toThrow(
      /^In production, anyone could write through these \d+ blueprint routes/,
    );
    expect(existsSync(db)).toBe(false);
  });

  it('rejects with one sentence when the port is in use', async () => {
    const lifted = await liftFixture();
    onTestFinished(() => lifted.close());
    const error = await liftError({ appPath: lifted.app.config.appPath, port: lifted.app.port, config: { datastores: { default: { filename: ':memory:' } } } });
    expect(error.message).toBe(
      `Port ${lifted.app.port} on 127.0.0.1 is already in use; stop the program using it, or lift on another port (the port setting, or 0 for any free port).`,
    );
    // The failed lift left nothing behind: the first app still serves.
    expect((await fetch(`${lifted.app.url}/user`)).status).toBe(200);
  });

  it('rejects a bad model naming the file and the fix', async () => {
    const appPath = tempApp({ 'api/models/Pet.ts': "export default { attributes: { age: { type: 'nmber' } } };\n" });
    const error = await liftError({ appPath });
    expect(error.message).toBe('api/models/Pet.ts, model Pet, attribute "age": has the unknown type "nmber" (did you mean "number"?); types: string, number, boolean, json.');
  });

  it('rejects bad config naming the setting and the fix', async () => {
    const routes = tempApp({ 'config/routes.ts': "export const routes = { 'GET /x': 'NopeController.x' };\n" });
    expect((await liftError({ appPath: routes })).message).toBe(
      'config/routes.ts: the route "GET /x" points to the action nope/x, which does not exist; add an action "x" to api/controllers/NopeController.ts, write the standalone action api/controllers/nope/x.ts, or fix the route.',
    );
    const verb = tempApp({ 'config/routes.ts': "export const routes = { 'FETCH /x': 'a/b' };\n" });
    expect((await liftError({ appPath: verb })).message).toBe(
      'config/routes.ts: the route "FETCH /x" cannot be read; write it as "/path" or "VERB /path" with VERB one of GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD.',
    );
    const sockets = tempApp({ 'config/sockets.ts': "export const sockets = { path: 'socket.io' };\n" });
    expect((await liftError({ appPath: sockets })).message).toBe(
      'The setting sockets.path (config/sockets.ts) is "socket.io"; use a path starting with \'/\', such as \'/socket.io\'.',
    );
    const store = tempApp({ 'config/datastores.ts': "export const datastores = { default: { adapter: 'mongo' } };\n" });
    expect((await liftError({ appPath: store })).message).toBe(
      "The setting datastores.default.adapter (config/datastores.ts) is \"mongo\", which sails-rt does not support; use one of 'sqlite', 'postgres', 'mysql' ('mysql' for MariaDB too).",
    );
    vi.stubEnv('DATABASE_URL', undefined);
    try {
      const noUrl = tempApp({ 'config/datastores.ts': "export const datastores = { default: { adapter: 'postgres' } };\n" });
      expect((await liftError({ appPath: noUrl })).message).toBe(
        "The setting datastores.default.url (config/datastores.ts) is not set, and neither is DATABASE_URL, which the 'postgres' adapter needs; set one of them to a URL such as 'postgres://user:password@localhost:5432/app'.",
      );
      vi.stubEnv('DATABASE_URL', 'mysql://root@127.0.0.1/x');
      expect((await liftError({ appPath: noUrl })).message).toBe(
        "The setting datastores.default.url (config/datastores.ts, here from DATABASE_URL) is a mysql:// URL, which the 'postgres' adapter cannot use; use a URL such as 'postgres://user:password@localhost:5432/app'.",
      );
    } finally {
      vi.unstubAllEnvs();
    }
    const pool = tempApp({ 'config/datastores.ts': "export const datastores = { default: { adapter: 'mysql', url: 'mysql://root@127.0.0.1/x', pool: { max: 0 } } };\n" });
    expect((await liftError({ appPath: pool })).message).toBe('The setting datastores.default.pool (config/datastores.ts) is {"max":0}; use { max: 10 }: a whole number of connections, 1 or more.');
    const actions = tempApp({ 'config/blueprints.ts': 'export const blueprints = { actions: true };\n' });
    expect((await liftError({ appPath: actions })).message).toBe(
      'The setting blueprints.actions (config/blueprints.ts) is true, which sails-rt does not support yet; set it to false or remove it.',
    );
    const watch = tempApp({ 'config/blueprints.ts': "export const blueprints = { watchLinkedModels: 'no' };\n" });
    expect((await liftError({ appPath: watch })).message).toBe('The setting blueprints.watchLinkedModels (config/blueprints.ts) is "no"; use true or false.');
    const publish = tempApp({ 'config/models.ts': "export const models = { publishWrites: 'no' };\n" });
    expect((await liftError({ appPath: publish })).message).toBe(
      'The setting models.publishWrites (config/models.ts) is "no"; write `export const models = { publishWrites: true }` (or false).',
    );
    const csrf = tempApp({ 'config/security.ts': "export const security = { csrf: 'yes' };\n" });
    expect((await liftError({ appPath: csrf })).message).toBe('The setting security.csrf (config/security.ts) is "yes"; use true or false.');
    const cors = tempApp({ 'config/security.ts': "export const security = { cors: { allRoutes: true, allowOrigins: 'example.com' } };\n" });
    expect((await liftError({ appPath: cors })).message).toBe(
      'The setting security.cors.allowOrigins (config/security.ts) has "example.com", which is not an origin; write each as protocol://host[:port] with no path, query or trailing slash, such as \'https://example.com\'.',
    );
    const inFlight = tempApp({ 'config/sockets.ts': 'export const sockets = { maxInFlight: 0 };\n' });
    expect((await liftError({ appPath: inFlight })).message).toBe('The setting sockets.maxInFlight (config/sockets.ts) is 0; use a whole number of 1 or more, such as 64.');
    const buffered = tempApp({ 'config/http.ts': "export const http = { maxBufferedBytes: '16mb' };\n" });
    expect((await liftError({ appPath: buffered })).message).toBe(
      'The setting http.maxBufferedBytes (config/http.ts) is "16mb"; use a number of bytes of 1024 or more, such as 16 * 1024 * 1024.',
    );
    const page = tempApp({ 'config/blueprints.ts': 'export const blueprints = { maxPageBytes: 16 * 1024 * 1024 };\n' });
    expect((await liftError({ appPath: page })).message).toBe(
      'The setting blueprints.maxPageBytes (config/blueprints.ts) is 16777216, more than half of sockets.maxBufferedBytes (16777216, config/sockets.ts), so a full page would disconnect the client that asked for it; raise sockets.maxBufferedBytes to 33554432 or more, or lower maxPageBytes.',
    );
    const twice = tempApp({ 'config/a.ts': 'export const port = 1;\n', 'config/b.ts': 'export const port = 2;\n' });
    expect((await liftError({ appPath: twice })).message).toBe('config/b.ts exports "port", which config/a.ts already exports; keep one of them.');
  });

  it('merges config/env/<environment>.ts, then config/local.ts; routes may target a function', async () => {
    const appPath = tempApp({
      'config/custom.ts': 'export const custom = { a: 1, b: 1, c: 1 };\n',
      'config/env/production.ts': 'export const custom = { b: 2 };\n',
      'config/env/development.ts': 'export const custom = { b: 99 };\n',
      'config/local.ts': 'export const custom = { c: 3 };\n',
      'config/routes.ts': "export const routes = { 'GET /fn': (req: { param(n: string): unknown }) => ({ fn: req.param('x') }) };\n",
    });
    const app = await lift({
      appPath,
      port: 0,
      log: () => {},
      environment: 'production',
      config: { ...PRODUCTION, datastores: { default: { filename: ':memory:' } } },
    });
    onTestFinished(() => app.lower());
    expect(app.config['custom']).toStrictEqual({ a: 1, b: 2, c: 3 });
    expect(app.config.environment).toBe('production');
    expect(await (await fetch(`${app.url}/fn?x=1`)).json()).toStrictEqual({ fn: '1' });
  });

  it('adds missing tables and columns without prompting or dropping anything', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'sails-rt-db-')), 'db.sqlite');
    onTestFinished(() => rmSync(dirname(db), { recursive: true, force: true }));
    const config = { datastores: { default: { filename: db } }, session: { secret: 'a secret for this test only' } };
    const v1 = tempApp({ 'api/models/Thing.ts': "export default { attributes: { name: { type: 'string' } } };\n" });
    const lines: string[] = [];
    const first = await lift({ appPath: v1, port: 0, log: (l) => lines.push(l), config });
    await first.models['thing']?.create({ name: 'old' });
    await first.lower();
    // The same model file path would be served from the module cache, so v2 is another folder.
    const v2 = tempApp({
      'api/models/Thing.ts': "export default { attributes: { name: { type: 'string' }, size: { type: 'number' }, tags: { type: 'json' }, on: { type: 'boolean', defaultsTo: true } } };\n",
      'api/models/Other.ts': "export default { attributes: { x: { type: 'string', unique: true } } };\n",
    });
    const second = await lift({ appPath: v2, port: 0, log: (l) => lines.push(l), config });
    onTestFinished(() => second.lower());
    expect(lines[2]).toBe(
      `sails-rt: database ${db}: created tables other; added columns thing.size, thing.tags, thing.on; added unique indexes other_x_unique.`,
    );
    expect(await second.models['thing']?.find()).toStrictEqual([
      { id: 1, createdAt: expect.any(Number), updatedAt: expect.any(Number), name: 'old', size: 0, tags: null, on: true },
    ]);
    // Nothing to do on the next lift: only the listening line.
    await second.lower();
    const third = await lift({ appPath: v2, port: 0, log: (l) => lines.push(l), config });
    onTestFinished(() => third.lower());
    expect(lines.slice(4)).toStrictEqual([`sails-rt: app lifted at ${third.url} (sockets on /socket.io)`]);
  });

  it.skipIf(ON_SERVER_STORE)('in production a thrown error answers "Internal Server Error" with a request id, and the process keeps serving', async () => {
    const lifted = await liftFixture(PRODUCTION, { environment: 'production' });
    onTestFinished(() => lifted.close());
    const client = await connect('socket.io-client 4', lifted.app.url);
    onTestFinished(() => client.close());
    const thrown = await client.request('get', '/echo/throws');
    const id = thrown.headers['x-request-id'];
    expect(thrown).toStrictEqual({ statusCode: 500, headers: { 'x-request-id': id }, body: `Internal Server Error (request id: ${id})` });
    const response = await fetch(`${lifted.app.url}/echo/rejects`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe(`Internal Server Error (request id: ${response.headers.get('x-request-id')})`);
    await sleep(10);
    expect((await client.request('get', '/user')).statusCode).toBe(200);
  });

  it('honours config.sockets.path and blueprints.prefix', async () => {
    const lifted = await liftFixture({ sockets: { path: '/rt' }, blueprints: { prefix: '/api' } });
    onTestFinished(() => lifted.close());
    expect(lifted.lines.at(-1)).toBe(`sails-rt: app lifted at ${lifted.app.url} (sockets on /rt)`);
    expect((await fetch(`${lifted.app.url}/api/user`)).status).toBe(200);
    expect((await fetch(`${lifted.app.url}/user`)).status).toBe(404);
  });
});
