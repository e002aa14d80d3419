import { describe, expect, it, onTestFinished } from 'vitest';
import type { Req } from '../../src/runtime/index.js';
import { MemorySessionStore } from '../../src/runtime/session/index.js';
import { connect, SOCKET_KINDS } from './helpers.js';
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
      "The setting session.secret (config/session.ts) is missing, which production does not allow; set it to a long random string, e.g. `secret: process.env['SESSION_SECRET']` with the variable set to the output of `openssl rand -hex 32`.",
    );
    await expect(liftSecure({ ...rest, session: { secret: 'changeme' } }, { environment: 'production' })).rejects.toThrow(
      /^The setting session.secret \(config\/session.ts\) is the placeholder "changeme"; set it to a long random string/,
    );
  });
});

/** Polls `done` (bounded) while the server processes a disconnect. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}
