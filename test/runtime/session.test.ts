import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { lift, type Req } from '../../src/runtime/index.js';
import { MemorySessionStore, type SessionData } from '../../src/runtime/session/index.js';
import { ALL_KINDS, connect, SOCKET_KINDS, tempApp } from './helpers.js';
import { httpSession, liftSecure } from './secure-helpers.js';

describe('sessions (docs/protocol.md 1.4)', () => {
  it('an HTTP session is kept by its signed sails.sid cookie; a forged cookie gets a new session', async () => {
    const lifted = await liftSecure();
    onTestFinished(() => lifted.close());
    const http = httpSession(lifted.app.url);
    const first = await http.request('get', '/count');
    expect(first).toMatchObject({ statusCode: 200, body: { count: 1 } });
    expect(first.headers['set-cookie']).toMatch(/^sails\.sid=s%3A[\w-]{32}\.[\w%]+; Max-Age=86400; Path=\/; HttpOnly; SameSite=Lax$/);
    const second = await http.request('get', '/count');
    expect(second).toMatchObject({ statusCode: 200, body: { count: 2 } });
    expect(second.headers['set-cookie']).toBeUndefined();
    // Nothing stored, no cookie: a request that leaves the session empty sets none.
    expect((await httpSession(lifted.app.url).request('get', '/session')).headers['set-cookie']).toBeUndefined();

    // The real session id under a signature that is not the server's.
    const forged = httpSession(lifted.app.url, http.cookie?.replace(/\.[^.]*$/, '.AAAA'));
    expect(await forged.request('get', '/count')).toMatchObject({ statusCode: 200, body: { count: 1 } });
    expect(forged.cookie).not.toBe(http.cookie);
  });

  it.each(SOCKET_KINDS)('%s connecting with the HTTP cookie shares that session both ways', async (kind) => {
    const lifted = await liftSecure();
    onTestFinished(() => lifted.close());
    const http = httpSession(lifted.app.url);
    expect((await http.request('get', '/count')).body).toStrictEqual({ count: 1 });
    const socket = await connect(kind, lifted.app.url, { headers: { cookie: http.cookie ?? '' } });
    onTestFinished(() => socket.close());
    expect(await socket.request('get', '/count')).toMatchObject({ statusCode: 200, body: { count: 2 } });
    expect(await socket.request('post', '/login', { name: 'ann' })).toMatchObject({ statusCode: 200 });
    expect((await http.request('get', '/count')).body).toStrictEqual({ count: 3 });
    expect((await http.request('get', '/session')).body).toStrictEqual({ session: { count: 3, userId: 'ann' }, hasCsrfSecret: false });
    // Socket responses never carry a cookie.
    expect((await socket.request('get', '/count')).headers).toStrictEqual({});
  });

  it.each(SOCKET_KINDS)('%s without a cookie gets its own session for its lifetime; nosession gets none', async (kind) => {
    const lifted = await liftSecure();
    onTestFinished(() => lifted.close());
    const one = await connect(kind, lifted.app.url);
    const two = await connect(kind, lifted.app.url);
    const none = await connect(kind, lifted.app.url, { query: 'nosession=true' });
    onTestFinished(() => [one, two, none].forEach((c) => c.close()));
    expect((await one.request('get', '/count')).body).toStrictEqual({ count: 1 });
    expect((await one.request('get', '/count')).body).toStrictEqual({ count: 2 });
    expect((await two.request('get', '/count')).body).toStrictEqual({ count: 1 });
    expect((await none.request('get', '/count')).body).toStrictEqual({ count: 1 });
    expect((await none.request('get', '/count')).body).toStrictEqual({ count: 1 });
  });

  it('a socket without a cookie that leaves while its request runs leaves no session behind', async () => {
    const store = new MemorySessionStore();
    let reached!: () => void;
    const running = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const lifted = await liftSecure({
      session: { store },
      routes: {
        'GET /held': async (req: Req) => {
          req.session['seen'] = true;
          reached();
          await released;
          return { done: true };
        },
      },
    });
    onTestFinished(() => lifted.close());
    const socket = await connect('socket.io-client 4', lifted.app.url);
    void socket.request('get', '/held');
    await running;
    expect(store.size).toBe(1);
    socket.close();
    await until(() => lifted.app.io.of('/').sockets.size === 0);
    expect(store.size).toBe(0);
    release();
    // The held action answers (into a closed socket) before this request comes back.
    expect((await fetch(`${lifted.app.url}/inline`)).status).toBe(200);
    expect(store.size).toBe(0);
  });

  it.each(ALL_KINDS)('over %s, a store that answers later holds the response until the session is stored; a failed save is a 503, not a success', async (kind) => {
    const sessions = new Map<string, SessionData>();
    let failing = false;
    // Stores only after a pause, as a store across the network does: a response sent before
    // the save finished would let the next request read the old session.
    const store = {
      get: async (sid: string) => structuredClone(sessions.get(sid)),
      set: async (sid: string, data: SessionData) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        if (failing) throw new Error('connection lost');
        sessions.set(sid, structuredClone(data));
      },
      destroy: async (sid: string) => void sessions.delete(sid),
    };
    const lifted = await liftSecure({ session: { store } });
    onTestFinished(() => lifted.close());
    const client = await connect(kind, lifted.app.url);
    onTestFinished(() => client.close());
    const http = httpSession(lifted.app.url);
    const request = kind === 'http' ? http.request.bind(http) : client.request.bind(client);
    for (let count = 1; count <= 3; count++) {
      expect((await request('get', '/count')).body).toStrictEqual({ count });
      expect([...sessions.values()]).toContainEqual({ count });
    }
    failing = true;
    expect(await request('get', '/count')).toMatchObject({ statusCode: 503, body: { code: 'E_SESSION_STORE_UNAVAILABLE' } });
    failing = false;
    expect((await request('get', '/count')).body).toStrictEqual({ count: 4 });
  });

  it('a socket.io CONNECT and a close in one polling payload leave no session behind', async () => {
    const store = new MemorySessionStore();
    const lifted = await liftSecure({ session: { store } });
    onTestFinished(() => lifted.close());
    const polling = `${lifted.app.url}/socket.io/?EIO=4&transport=polling`;
    for (let i = 0; i < 5; i++) {
      const open = await (await fetch(polling)).text();
      const { sid } = JSON.parse(open.slice(1)) as { sid: string };
      // Engine.IO 4 separates the packets of a payload with \x1e: "40" joins "/", "1" closes.
      const posted = await fetch(`${polling}&sid=${sid}`, { method: 'POST', body: '40\x1e1', headers: { 'content-type': 'text/plain;charset=UTF-8' } });
      expect(await posted.text()).toBe('ok');
    }
    await until(() => lifted.app.io.engine.clientsCount === 0);
    expect(lifted.app.io.engine.clientsCount).toBe(0);
    expect(store.size).toBe(0);
  });

  it('in production, lift refuses a missing or placeholder session secret', async () => {
    const rest = { sockets: { beforeConnect: () => true } };
    await expect(liftSecure(rest, { environment: 'production' })).rejects.toThrow(
      "The setting session.secret (config/session.ts) is missing, which production does not allow; set the SESSION_SECRET environment variable, which config/session.ts reads (`secret: process.env['SESSION_SECRET']`), to a long random string such as the output of `openssl rand -hex 32`, or put the secret in config/local.ts, which .gitignore keeps out of git.",
    );
    await expect(liftSecure({ ...rest, session: { secret: 'changeme' } }, { environment: 'production' })).rejects.toThrow(
      /^The setting session.secret \(config\/session.ts\) is the placeholder "changeme"; set the SESSION_SECRET environment variable/,
    );
  });
});

describe("the session secret comes from SESSION_SECRET or config/local.ts, as a new app's config says", () => {
  const CONFIG = new URL('../../templates/app/config/', import.meta.url);
  const SESSION_TS = readFileSync(new URL('session.ts', CONFIG), 'utf8');
  const localTs = (secret: string) => readFileSync(new URL('local.ts.hbs', CONFIG), 'utf8').replace('{{sessionSecret}}', secret);
  const ENV_SECRET = 'e'.repeat(64);
  const LOCAL_SECRET = 'c'.repeat(64);

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  /** Lifts an app with the new-app config/session.ts and `files`; returns it, lift's lines and the secret its cookies are signed with. */
  async function liftWith(files: Record<string, string>, environment = 'development') {
    const lines: string[] = [];
    const app = await lift({
      appPath: tempApp({
        'config/session.ts': SESSION_TS,
        'config/routes.ts': "export const routes = { 'GET /remember': (req: { session: Record<string, unknown> }) => { req.session['seen'] = true; return {}; } };\n",
        ...files,
      }),
      port: 0,
      environment,
      log: (line) => lines.push(line),
      logDestination: { write: () => true },
      config: { datastores: { default: { filename: ':memory:' } }, sockets: { beforeConnect: () => true } },
    });
    onTestFinished(() => app.lower());
    const cookie = (await fetch(`${app.url}/remember`)).headers.get('set-cookie') ?? '';
    // express-session's signed value: s:<sid>.<base64 HMAC-SHA256 of sid, without padding>
    const [, sid, signature] = /^sails\.sid=s%3A([^.;]+)\.([^;]+);/.exec(cookie) ?? [];
    const signedWith = (secret: string) => createHmac('sha256', secret).update(sid ?? '').digest('base64').replace(/=+$/, '') === decodeURIComponent(signature ?? '');
    return { app, lines, cookie, signedWith };
  }

  it('production reads SESSION_SECRET through config/session.ts', async () => {
    vi.stubEnv('SESSION_SECRET', ENV_SECRET);
    const { app, lines, signedWith } = await liftWith({}, 'production');
    expect(app.config.session?.secret).toBe(ENV_SECRET);
    expect(signedWith(ENV_SECRET)).toBe(true);
    expect(lines.filter((line) => line.includes('secret'))).toEqual([]);
  });

  it('config/local.ts, merged last, gives the secret on a developer machine, over SESSION_SECRET', async () => {
    vi.stubEnv('SESSION_SECRET', ENV_SECRET);
    const { app, lines, signedWith } = await liftWith({ 'config/local.ts': localTs(LOCAL_SECRET) });
    expect(app.config.session?.secret).toBe(LOCAL_SECRET);
    expect(signedWith(LOCAL_SECRET)).toBe(true);
    expect(lines.filter((line) => line.includes('secret'))).toEqual([]);
  });

  it.each([['unset', undefined], ['empty', '']])('in development, SESSION_SECRET %s and no config/local.ts: lift signs with a random secret and says so', async (_, value) => {
    vi.stubEnv('SESSION_SECRET', value);
    const { lines, cookie, signedWith } = await liftWith({});
    expect(lines[0]).toBe(
      "sails-rt: warning: no session secret is set, so this run signs session cookies with a random one, which the next run will not accept; set the SESSION_SECRET environment variable, which config/session.ts reads (`secret: process.env['SESSION_SECRET']`), to a long random string such as the output of `openssl rand -hex 32`, or put the secret in config/local.ts, which .gitignore keeps out of git.",
    );
    // Signed all the same, and not with the empty string.
    expect(cookie).toMatch(/^sails\.sid=s%3A/);
    expect(signedWith('')).toBe(false);
  });

  it('production refuses to lift with neither, naming SESSION_SECRET and config/local.ts', async () => {
    vi.stubEnv('SESSION_SECRET', undefined);
    await expect(liftWith({}, 'production')).rejects.toThrow(
      /^The setting session.secret \(config\/session.ts\) is missing, which production does not allow; set the SESSION_SECRET environment variable.*or put the secret in config\/local.ts/,
    );
  });
});

/** Polls `done` (bounded) while the server processes a disconnect. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}
