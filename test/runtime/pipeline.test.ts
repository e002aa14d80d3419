import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, flush, liftFixture, rawSocket, sleep, type Client, type Jwr, type Lifted } from './helpers.js';

let lifted: Lifted;
beforeAll(async () => {
  lifted = await liftFixture();
});
afterAll(async () => {
  await lifted.close();
});

async function withClient<T>(kind: Parameters<typeof connect>[0], run: (client: Client) => Promise<T>, options = {}): Promise<T> {
  const client = await connect(kind, lifted.app.url, options);
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

/** Emits a raw event with socket.io-client 4 and resolves with the ack, or undefined after `waitMs`. */
function rawEmit(client: Client, event: string, args: unknown[], waitMs = 300): Promise<unknown> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), waitMs);
    rawSocket(client).emit(event, ...args, (jwr: unknown) => {
      clearTimeout(timer);
      resolve(jwr);
    });
  });
}

describe('Req over a socket (docs/protocol.md 2.2)', () => {
  it('method from the event, flat query, body = {...params, ...data}, params over body over query', async () => {
    await withClient('socket.io-client 4', async (client) => {
      const jwr = (await rawEmit(client, 'post', [
        { method: 'ignored', headers: { 'X-Per-Req': 'r1', Origin: 'http://evil.example', Cookie: 'a=b', n: 5 }, params: { p: 1, x: 'params' }, data: { d: 2, x: 'data' }, url: '/echo/any?a[b]=1&x=query&q=1&q=2' },
      ])) as Jwr;
      expect(jwr.statusCode).toBe(200);
      const body = jwr.body as Record<string, unknown>;
      expect(body).toMatchObject({
        method: 'POST',
        url: '/echo/any?a[b]=1&x=query&q=1&q=2',
        path: '/echo/any',
        query: { 'a[b]': '1', x: 'query', q: ['1', '2'] },
        params: {},
        body: { p: 1, x: 'data', d: 2 },
        isSocket: true,
        transport: 'socket.io',
        hasSocket: true,
        all: { 'a[b]': '1', x: 'data', q: ['1', '2'], p: 1, d: 2 },
        paramX: 'data',
        ip: 'string',
      });
      // Header names lowercased, values strings; origin and cookie are the handshake's, never the request's.
      expect(body['headers']).toStrictEqual({ 'x-per-req': 'r1', n: '5' });
    });
  });

  it('origin and cookie come from the handshake and cannot be replaced per request', async () => {
    await withClient(
      'socket.io-client 4',
      async (client) => {
        const jwr = (await rawEmit(client, 'get', [
          { method: 'get', headers: { origin: 'http://evil.example', cookie: 'sid=forged' }, data: {}, url: '/echo/any' },
        ])) as Jwr;
        expect((jwr.body as { headers: unknown }).headers).toStrictEqual({ origin: 'http://app.example', cookie: 'sid=real' });
      },
      { headers: { origin: 'http://app.example', cookie: 'sid=real' } },
    );
  });

  it('an array as data stays an array; route params win over everything', async () => {
    await withClient('socket.io-client 4', async (client) => {
      const jwr = await client.request('post', '/echo/any', [1, 2, 3]);
      expect((jwr.body as { body: unknown }).body).toStrictEqual([1, 2, 3]);
      const kind = await client.request('get', '/echo/responses/ok?kind=query', { kind: 'body', data: { a: 1 } });
      expect(kind).toStrictEqual({ statusCode: 200, headers: {}, body: { a: 1 } });
    });
  });

  it('routes address actions as { action }, { controller, action } and Controller.action', async () => {
    await withClient('socket.io-client 4', async (client) => {
      expect((await client.request('get', '/echo?x=1')).body).toMatchObject({ path: '/echo', paramX: '1' });
      expect((await client.request('put', '/echo/any')).body).toMatchObject({ method: 'PUT', path: '/echo/any' });
      expect(await client.request('get', '/echo/text')).toMatchObject({ statusCode: 200, body: 'plain text' });
      // Trailing slashes and letter case are forgiven, as in Express.
      expect((await client.request('get', '/Echo/Any/')).body).toMatchObject({ method: 'GET', path: '/Echo/Any/' });
    });
  });

  it('sails.io.js 1.2.1 sends the same envelope and gets the JWR', async () => {
    await withClient('sails.io.js 1.2.1', async (client) => {
      const jwr = await client.request('get', '/echo/any?x=1', { y: 2 });
      expect(jwr.statusCode).toBe(200);
      expect(jwr.body).toMatchObject({ method: 'GET', query: { x: '1' }, body: { y: 2 }, isSocket: true, transport: 'socket.io' });
    });
  });
});

describe('transports', () => {
  it('socket.io-client 4 over long-polling gets the same answers', async () => {
    const { io } = await import('socket.io-client');
    const socket = io(lifted.app.url, { transports: ['polling'], forceNew: true, reconnection: false });
    try {
      const jwr = await new Promise((resolve) => socket.emit('get', { method: 'get', headers: {}, data: {}, url: '/echo/any?p=1' }, resolve));
      expect(jwr).toMatchObject({ statusCode: 200, headers: {}, body: { query: { p: '1' }, isSocket: true } });
    } finally {
      socket.close();
    }
  });
});

describe('an HTTP request can never look like a socket', () => {
  it('ignores isSocket/transport in headers, query and body', async () => {
    const response = await fetch(`${lifted.app.url}/echo/any?isSocket=true&transport=socket.io`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', isSocket: 'true', 'x-transport': 'socket.io', transport: 'socket.io' },
      body: JSON.stringify({ isSocket: true, transport: 'socket.io', socket: { id: 'x' } }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ isSocket: false, transport: 'http', hasSocket: false, method: 'POST' });
    const seed = await fetch(`${lifted.app.url}/say/hello?isSocket=true`, { headers: { issocket: 'true' } });
    expect(seed.status).toBe(400);
    expect(await seed.text()).toBe('Bad Request');
  });
});

describe('Res (docs/protocol.md 2.3, with the fixes of 10, items 12 and 13)', () => {
  it('over a socket: only the headers the action set, lowercased, once; a JSON string is not encoded twice', async () => {
    await withClient('socket.io-client 4', async (client) => {
      expect(await client.request('get', '/echo/headers')).toStrictEqual({
        statusCode: 200,
        headers: { 'x-custom': 'again', 'x-other': '1' },
        body: { ok: true },
      });
      expect(await client.request('get', '/echo/json-string')).toStrictEqual({ statusCode: 200, headers: {}, body: 'hi' });
      expect(await client.request('get', '/echo/text')).toStrictEqual({ statusCode: 200, headers: {}, body: 'plain text' });
      expect(await client.request('get', '/echo/status')).toStrictEqual({ statusCode: 418, headers: {}, body: "I'm a Teapot" });
    });
  });

  it('over a socket set-cookie is never sent (Sails removes it); over HTTP it is', async () => {
    await withClient('socket.io-client 4', async (client) => {
      expect(await client.request('get', '/echo/sets-cookie')).toStrictEqual({ statusCode: 200, headers: { 'x-kept': 'yes' }, body: { ok: true } });
    });
    const response = await fetch(`${lifted.app.url}/echo/sets-cookie`);
    expect(response.headers.get('set-cookie')).toBe('flavour=oat; Path=/');
  });

  it('over HTTP: JSON with content-type application/json, text as text/plain', async () => {
    const json = await fetch(`${lifted.app.url}/echo/json-string`);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await json.text()).toBe('"hi"');
    const headers = await fetch(`${lifted.app.url}/echo/headers`);
    expect(headers.headers.get('x-custom')).toBe('again');
    const text = await fetch(`${lifted.app.url}/echo/text`);
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await text.text()).toBe('plain text');
  });

  it.each(['http', 'socket.io-client 4'] as const)('built-in responses over %s', async (kind) => {
    await withClient(kind, async (client) => {
      const call = (name: string, data?: unknown) => client.request('get', `/echo/responses/${name}`, data === undefined ? undefined : { data });
      expect(await call('ok')).toMatchObject({ statusCode: 200, body: 'OK' });
      // Strings, because over HTTP the data travels in the query string.
      expect(await call('ok', 'fine')).toMatchObject({ statusCode: 200, body: 'fine' });
      expect(await call('badRequest')).toMatchObject({ statusCode: 400, body: 'Bad Request' });
      expect(await call('badRequest', 'why')).toMatchObject({ statusCode: 400, body: 'why' });
      expect(await call('forbidden')).toMatchObject({ statusCode: 403, body: 'Forbidden' });
      expect(await call('notFound', { dropped: true })).toMatchObject({ statusCode: 404, body: 'Not Found' });
      // Without an error, the body is the text and the id of the 500's line in the log.
      const bare = await call('serverError');
      expect(bare).toMatchObject({ statusCode: 500, body: `Internal Server Error (request id: ${bare.headers['x-request-id']})` });
      expect(bare.headers['x-request-id']).toMatch(/^[0-9a-f]{6}-[0-9a-z]+$/);
      const failed = await call('serverError', 'kaput');
      expect(failed.statusCode).toBe(500);
      expect(failed.body).toMatch(/^Error: kaput\n\s+at /);
    });
  });

  it.each(['http', 'socket.io-client 4'] as const)('over %s: throw and reject are 500 with the stack in development; a returned value is sent; one response only', async (kind) => {
    await withClient(kind, async (client) => {
      const thrown = await client.request('get', '/echo/throws');
      expect(thrown.statusCode).toBe(500);
      expect(thrown.body).toMatch(/^Error: boom in throws\n\s+at /);
      const rejected = await client.request('get', '/echo/rejects');
      expect(rejected.statusCode).toBe(500);
      expect(rejected.body).toMatch(/^Error: boom in rejects\n/);
      expect(await client.request('get', '/echo/returns')).toMatchObject({ statusCode: 200, body: { returned: true } });
      // A catalogued error keeps its status and shape, even from the built copy of 'sails-rt' the controller imports.
      expect(await client.request('get', '/echo/catalogued')).toMatchObject({ statusCode: 400, body: { code: 'E_INVALID_CRITERIA', message: 'Send a better question.' } });
      expect(await client.request('get', '/echo/no-such-socket')).toMatchObject({
        statusCode: 404,
        body: { code: 'SAILS:HOOK:SOCKETS:NO_SUCH_SOCKET', message: 'There is no connected socket with the id "nope" on this server.' },
      });
      expect(await client.request('get', '/echo/twice')).toMatchObject({ statusCode: 201, body: { first: true } });
      // And the server is still serving.
      expect(await client.request('get', '/nope')).toMatchObject({ statusCode: 404, body: 'Not Found' });
    });
  });

  it('unknown routes: 404 "Not Found" for every verb, with no headers over sockets', async () => {
    await withClient('socket.io-client 4', async (client) => {
      for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
        expect(await client.request(method, '/no/such/route')).toStrictEqual({ statusCode: 404, headers: {}, body: 'Not Found' });
      }
    });
    const response = await fetch(`${lifted.app.url}/no/such/route`, { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('Not Found');
  });

  it('HTTP: a verb no route takes and a URL that cannot be decoded are 404 "Not Found" too, as over a socket (not Fastify\'s JSON)', async () => {
    for (const [method, path] of [['PROPFIND', '/user'], ['GET', '/user/%E0%A4%A'], ['GET', '/%']] as const) {
      const response = await fetch(`${lifted.app.url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await response.text()).toBe('Not Found');
    }
    await withClient('socket.io-client 4', async (client) => {
      expect(await client.request('get', '/user/%E0%A4%A')).toStrictEqual({ statusCode: 404, headers: {}, body: 'Not Found' });
    });
  });

  it('HTTP: bad JSON is a 400 with a code, assets are served, a route key without verb takes every verb', async () => {
    const bad = await fetch(`${lifted.app.url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('E_BAD_REQUEST_BODY');
    const index = await fetch(`${lifted.app.url}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('fixture app');
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const response = await fetch(`${lifted.app.url}/echo/any`, { method });
      expect(((await response.json()) as { method: string }).method).toBe(method);
    }
  });
});

describe('socket envelope errors (docs/protocol.md 2.4, with the fix of 10, item 4)', () => {
  const badRequest = (message: string) => ({ statusCode: 400, headers: {}, body: { code: 'E_BAD_SOCKET_REQUEST', message } });
  const HINT = 'send { method, headers, data, url } with url a path such as "/user/1"';

  it('a malformed envelope with an ack gets a 400 JWR saying what to send', async () => {
    await withClient('socket.io-client 4', async (client) => {
      expect(await rawEmit(client, 'get', [{ method: 'get', headers: {}, data: {} }])).toStrictEqual(
        badRequest(`The request envelope has no url; ${HINT}.`),
      );
      expect(await rawEmit(client, 'get', [{ url: 42 }])).toStrictEqual(badRequest(`The request url must be a string, got 42; ${HINT}.`));
      expect(await rawEmit(client, 'get', ['/user'])).toStrictEqual(badRequest(`The request envelope must be an object, got "/user"; ${HINT}.`));
      expect(await rawEmit(client, 'get', [])).toStrictEqual(badRequest(`The request envelope must be an object, got undefined; ${HINT}.`));
      expect(await rawEmit(client, 'post', [{ url: '/user', data: 'name=bob' }])).toStrictEqual(
        badRequest(`The request data must be an object (or an array), got "name=bob"; ${HINT}.`),
      );
    });
  });

  it('a capitalised or unknown verb with an ack gets a 400 JWR (Sails never answered)', async () => {
    await withClient('socket.io-client 4', async (client) => {
      expect(await rawEmit(client, 'GET', [{ method: 'get', headers: {}, data: {}, url: '/user' }])).toStrictEqual(
        badRequest('The event "GET" is not a request event: request event names are lowercase; emit "get".'),
      );
      expect(await rawEmit(client, 'fetch', [{ method: 'get', url: '/user' }])).toStrictEqual(
        badRequest('"fetch" is not a request verb; emit one of get, post, put, patch, delete, options, head with { method, headers, data, url }.'),
      );
      // Something that is not a request at all is left to the app.
      expect(await rawEmit(client, 'chat', [{ text: 'hi' }], 150)).toBeUndefined();
    });
  });

  it('without an ack, errors come as sails:parseError; a valid request runs and sends nothing', async () => {
    await withClient('socket.io-client 4', async (client) => {
      rawSocket(client).emit('get', { headers: {} });
      expect(await client.next('sails:parseError')).toStrictEqual({ code: 'E_BAD_SOCKET_REQUEST', message: `The request envelope has no url; ${HINT}.` });
      rawSocket(client).emit('Post', { url: '/user', data: { name: 'x' } });
      expect(await client.next('sails:parseError')).toMatchObject({ code: 'E_BAD_SOCKET_REQUEST' });
      rawSocket(client).emit('post', { method: 'post', headers: {}, data: { name: 'no-ack' }, url: '/user' });
      await flush(client);
      await sleep(20);
      const found = await client.request('get', '/user', { name: 'no-ack' });
      expect((found.body as unknown[]).length).toBe(1);
    });
  });

  it('an SDK older than 0.11.0 gets a 400 on every request; no SDK version (a plain socket.io client) is accepted', async () => {
    await withClient(
      'socket.io-client 4',
      async (client) => {
        const jwr = await client.request('get', '/user');
        expect(jwr).toStrictEqual(
          badRequest('This socket was opened by sails.io.js 0.10.5, which is older than 0.11.0 and cannot make requests; upgrade the client to sails.io.js 1.x.'),
        );
      },
      { query: '__sails_io_sdk_version=0.10.5' },
    );
    await withClient(
      'socket.io-client 4',
      async (client) => expect((await client.request('get', '/user')).statusCode).toBe(200),
      { query: '__sails_io_sdk_version=1.2.1-beta' },
    );
    await withClient('socket.io-client 4', async (client) => expect((await client.request('get', '/user')).statusCode).toBe(200));
  });
});

describe('sockets.sendResponseHeaders / sendStatusCode (docs/protocol.md 2.3; 10, item 3: Sails crashes)', () => {
  it('false leaves the key out of every JWR, and the server keeps answering', async () => {
    const lifted = await liftFixture({ sockets: { sendResponseHeaders: false, sendStatusCode: false } });
    try {
      const raw = await connect('socket.io-client 4', lifted.app.url);
      const jwr = (await raw.request('get', '/nope')) as unknown as Record<string, unknown>;
      expect(jwr).toStrictEqual({ body: 'Not Found' });
      raw.close();
      // sails.io.js reads a missing statusCode as 200, as it does against Sails.
      const sails = await connect('sails.io.js 1.2.1', lifted.app.url);
      expect(await sails.request('get', '/nope')).toStrictEqual({ body: 'Not Found', headers: {}, statusCode: 200 });
      sails.close();
    } finally {
      await lifted.close();
    }
  });
});
