import { describe, expect, it, onTestFinished } from 'vitest';
import { connect, liftFixture, rawSocket, SOCKET_KINDS, type Jwr } from './helpers.js';
import { httpSession, liftSecure } from './secure-helpers.js';

const CSRF = { security: { csrf: true } };
const NO_TOKEN = (method: string, path: string) => ({
  code: 'E_CSRF',
  message: `${method} ${path} needs the CSRF token of this session; get one from GET /csrfToken and send it as the _csrf parameter or the x-csrf-token header.`,
});

describe('CSRF (security.csrf: true)', () => {
  it('over HTTP: GET /csrfToken grants a token bound to the session; writes need it, reads never', async () => {
    const lifted = await liftSecure(CSRF);
    onTestFinished(() => lifted.close());
    const http = httpSession(lifted.app.url);
    expect(await http.request('post', '/write', { a: 1 })).toMatchObject({ statusCode: 403, body: NO_TOKEN('POST', '/write') });
    const granted = await http.request('get', '/csrfToken');
    expect(granted.statusCode).toBe(200);
    expect(granted.headers['set-cookie']).toMatch(/^sails\.sid=/);
    const token = (granted.body as { _csrf: string })._csrf;
    expect(token).toMatch(/^[\w-]{11}\.[\w-]{43}$/);
    for (const header of ['x-csrf-token', 'csrf-token', 'xsrf-token', 'x-xsrf-token']) {
      expect(await http.request('post', '/write', { a: 1 }, { [header]: token })).toMatchObject({ statusCode: 200, body: { wrote: { a: 1 } } });
    }
    // From the body, and removed from it before the action reads it.
    expect(await http.request('post', '/write', { a: 2, _csrf: token })).toMatchObject({ statusCode: 200, body: { wrote: { a: 2 } } });
    expect(await http.request('post', `/write?_csrf=${encodeURIComponent(token)}`, { a: 3 })).toMatchObject({ statusCode: 200 });
    expect(await http.request('post', '/write', { a: 1 }, { 'x-csrf-token': `${token}x` })).toMatchObject({ statusCode: 403 });
    expect(await http.request('get', '/session')).toMatchObject({ statusCode: 200 });
    // Another session's token does not pass.
    const other = httpSession(lifted.app.url);
    await other.request('get', '/csrfToken');
    expect(await other.request('post', '/write', {}, { 'x-csrf-token': token })).toMatchObject({ statusCode: 403, body: NO_TOKEN('POST', '/write') });
  });

  it.each(SOCKET_KINDS)('%s sharing the HTTP session passes with the HTTP token and may not read it over the socket', async (kind) => {
    const lifted = await liftSecure(CSRF);
    onTestFinished(() => lifted.close());
    const http = httpSession(lifted.app.url);
    const token = ((await http.request('get', '/csrfToken')).body as { _csrf: string })._csrf;
    const socket = await connect(kind, lifted.app.url, { headers: { cookie: http.cookie ?? '' } });
    onTestFinished(() => socket.close());
    expect(await socket.request('post', '/write', { a: 1 })).toMatchObject({ statusCode: 403, body: NO_TOKEN('POST', '/write') });
    expect(await socket.request('post', '/write', { a: 1, _csrf: token })).toMatchObject({ statusCode: 200, body: { wrote: { a: 1 } } });
    expect(await socket.request('delete', '/user/1', { _csrf: 'nope.nope' })).toMatchObject({ statusCode: 403, body: NO_TOKEN('DELETE', '/user/1') });
    expect(await socket.request('get', '/csrfToken')).toMatchObject({ statusCode: 403, body: { code: 'E_FORBIDDEN' } });
  });

  it.each(SOCKET_KINDS)('%s with its own session gets a token over the socket', async (kind) => {
    const lifted = await liftSecure(CSRF);
    onTestFinished(() => lifted.close());
    const socket = await connect(kind, lifted.app.url);
    onTestFinished(() => socket.close());
    const granted = await socket.request('get', '/csrfToken');
    expect(granted.statusCode).toBe(200);
    const token = (granted.body as { _csrf: string })._csrf;
    expect(await socket.request('put', '/write', { _csrf: token })).toMatchObject({ statusCode: 200, body: { wrote: {} } });
    expect(await socket.request('patch', '/write', {})).toMatchObject({ statusCode: 403, body: NO_TOKEN('PATCH', '/write') });
  });

  it('a socket.io-client 4 request may send the token as a header; a blueprint create does not see _csrf', async () => {
    const lifted = await liftFixture(CSRF);
    onTestFinished(() => lifted.close());
    const client = await connect('socket.io-client 4', lifted.app.url);
    onTestFinished(() => client.close());
    const token = ((await client.request('get', '/csrfToken')).body as { _csrf: string })._csrf;
    const emit = (headers: Record<string, string>, data: unknown): Promise<Jwr> =>
      new Promise((resolve) => rawSocket(client).emit('post', { method: 'post', headers, data, url: '/user' }, resolve));
    expect(await emit({ 'x-csrf-token': token }, { name: 'ann' })).toMatchObject({ statusCode: 200, body: { id: 1, name: 'ann' } });
    expect(await emit({}, { name: 'bob', _csrf: token })).toMatchObject({ statusCode: 200, body: { id: 2, name: 'bob' } });
    expect(await emit({}, { name: 'eve' })).toMatchObject({ statusCode: 403, body: NO_TOKEN('POST', '/user') });
  });
});
