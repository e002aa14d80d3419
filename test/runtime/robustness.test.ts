/**
 * Exactly one response per request, and never a 500 or a crash for something a client sent:
 * actions that answer with values that cannot be serialized, odd thrown values, criteria past a
 * bound, empty lists of rooms, automatic OPTIONS, an empty JSON body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, flush, liftFixture, rawSocket, sendRawFrames, type Client, type Jwr, type Lifted, TEST_STORE } from './helpers.js';

let lifted: Lifted;
beforeAll(async () => {
  lifted = await liftFixture();
});
afterAll(async () => {
  await lifted.close();
});

async function withClient<T>(kind: Parameters<typeof connect>[0], run: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(kind, lifted.app.url);
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

/** A request that resolves with 'no reply' instead of hanging when the server never answers. */
async function requestOrTimeout(client: Client, method: 'get' | 'post', url: string, data?: unknown, ms = 1500): Promise<Jwr | 'no reply'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'no reply'>((resolve) => (timer = setTimeout(() => resolve('no reply'), ms)));
  if (client.kind === 'http') {
    const controller = new AbortController();
    const request = fetch(lifted.app.url + url, { signal: controller.signal }).then(async (response) => ({
      statusCode: response.status,
      body: await response.text(),
      headers: {},
    }));
    const result = await Promise.race([request.catch(() => 'no reply' as const), timeout]);
    controller.abort();
    clearTimeout(timer);
    return result;
  }
  const result = await Promise.race([client.request(method, url, data), timeout]);
  clearTimeout(timer);
  return result;
}

describe.each(['http', 'socket.io-client 4'] as const)('one response per request over %s', (kind) => {
  it('a returned or res.json value that cannot be serialized is a 500, and the server keeps serving', async () => {
    await withClient(kind, async (client) => {
      const circular = await requestOrTimeout(client, 'get', '/echo/circular');
      expect(circular).toMatchObject({ statusCode: 500 });
      expect((circular as Jwr).body).toMatch(/^Error: The response could not be sent \(/);
      const bigint = await requestOrTimeout(client, 'get', '/echo/bigint');
      expect(bigint).toMatchObject({ statusCode: 500 });
      expect((bigint as Jwr).body).toMatch(/BigInt/);
      expect(await requestOrTimeout(client, 'get', '/echo/returns')).toMatchObject({ statusCode: 200 });
    });
  });

  it('a header value HTTP cannot carry (a newline, a character past Latin-1) is a 500 over HTTP, not a hung request', async () => {
    await withClient(kind, async (client) => {
      for (const value of ['a%0Ab', '%E2%82%AC']) {
        const jwr = await requestOrTimeout(client, 'get', `/echo/header-from?v=${value}`);
        // A socket JWR carries any string; only HTTP refuses it.
        expect(jwr, value).toMatchObject({ statusCode: kind === 'http' ? 500 : 200 });
      }
      expect(await requestOrTimeout(client, 'get', '/echo/header-from?v=fine')).toMatchObject({ statusCode: 200 });
    });
  });

  it('a thrown value that is not an Error is a 500, whatever it is', async () => {
    await withClient(kind, async (client) => {
      for (const [thrown, text] of [
        ['null-proto', /^Error: \[object Object\]\n/],
        ['string', /^Error: plain words\n/],
        ['undefined', /^Error: undefined\n/],
        ['null', /^Error: null\n/],
      ] as const) {
        const jwr = await requestOrTimeout(client, 'get', `/echo/throws-odd?kind=${thrown}`);
        expect(jwr, thrown).toMatchObject({ statusCode: 500 });
        expect((jwr as Jwr).body, thrown).toMatch(text);
      }
      expect(await requestOrTimeout(client, 'get', '/echo/returns')).toMatchObject({ statusCode: 200 });
    });
  });

  it('responding and then throwing, or responding and then returning a value, sends the first response only', async () => {
    await withClient(kind, async (client) => {
      // `return res.status(202)` (Express style) answers through res: the Res itself is not the body.
      expect(await requestOrTimeout(client, 'get', '/echo/returns-res')).toMatchObject({ statusCode: 202, body: kind === 'http' ? '{"late":true}' : { late: true } });
      expect(await requestOrTimeout(client, 'get', '/echo/responds-then-throws')).toMatchObject({ statusCode: 200 });
      expect(await requestOrTimeout(client, 'get', '/echo/responds-and-returns')).toMatchObject({ statusCode: 200 });
    });
  });
});

describe('deeply nested input from a raw socket.io frame', () => {
  it('is answered with a 400, and never crashes the process (an uncaught RangeError did)', async () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    await withClient('socket.io-client 4', async (client) => {
      const frames = [
        `["get",${deep(50_000)}]`,
        `["get",{"url":${deep(50_000)}}]`,
        `["get",{"url":"/user","headers":${deep(50_000)}}]`,
        `["post",{"url":"/user","data":{"name":${deep(50_000)}}}]`,
        `["post",{"url":"/user","data":{"id":${deep(50_000)},"name":"x"}}]`,
        `["patch",{"url":"/user/1","data":{"age":${deep(50_000)}}}]`,
        // A json attribute accepts arrays, but one this deep cannot be stored as text.
        `["post",{"url":"/note","data":{"title":"deep","meta":${deep(50_000)}}}]`,
      ];
      const acks = await sendRawFrames(client, frames);
      expect([...acks.keys()].sort()).toStrictEqual(frames.map((_, i) => 9000 + i));
      for (const [id, jwr] of acks) expect(jwr, `frame ${id - 9000}`).toMatchObject({ statusCode: 400 });
      expect(await client.request('get', '/user')).toMatchObject({ statusCode: 200 });
    });
  });
});

describe('criteria past a bound are a 400, never a 500', () => {
  it.each([
    ['an `in` list longer than SQLite takes', { where: { age: { in: Array.from({ length: 40_000 }, (_, i) => i) } } }, /^`in` on `age` lists 40,000 values, more than the 1,000 allowed \(blueprints\.criteriaLimits\.maxInValues\)/, 'SQLite'],
    ['an `or` with more terms than SQLite nests', { where: { or: Array.from({ length: 2_000 }, (_, i) => ({ age: i })) } }, /^`or` in `where` has 2,000 conditions, more than the 500 allowed \(blueprints\.criteriaLimits\.maxLogicBreadth\)/, 'runs'],
    ['a `like` pattern longer than SQLite takes', { where: { name: { contains: 'x'.repeat(60_000) } } }, /^The `contains` operand on `name` is 60,000 characters, more than the 100 allowed \(blueprints\.criteriaLimits\.maxPatternLength\)/, 'SQLite'],
  ])('%s', async (_name, data, message, modelApi) => {
    await withClient('socket.io-client 4', async (client) => {
      // SQLite checks a LIKE pattern only when it compares a row.
      await client.request('post', '/user', { name: 'limits' });
      const jwr = await client.request('get', '/user', data);
      expect(jwr.statusCode).toBe(400);
      expect(jwr.body).toMatchObject({ code: 'E_INVALID_CRITERIA', message: expect.stringMatching(message) });
      // The model API has no such bounds (app code is trusted): what SQLite refuses is still a 400, and a wide `or` runs.
      const count = await lifted.app.models['user']?.count(data.where).catch((error: unknown) => error);
      // PostgreSQL and MySQL run what SQLite refuses (docs/stores.md).
      if (modelApi === 'runs' || TEST_STORE !== 'sqlite') expect(count).toBeTypeOf('number');
      else expect(count).toMatchObject({ code: 'E_INVALID_CRITERIA', message: expect.stringMatching(/^The `where` clause is too large for the database \(SQLite: /) });
    });
  });

  it('and/or nested deeper than 32 levels is a 400 (it overflowed the stack: a 500)', async () => {
    await withClient('socket.io-client 4', async (client) => {
      const nested = (depth: number) => '{"and":['.repeat(depth) + '{"age":1}' + ']}'.repeat(depth);
      expect((await client.request('get', '/user', { where: nested(32) })).statusCode).toBe(200);
      const jwr = await client.request('get', '/user', { where: nested(20_000) });
      expect(jwr).toMatchObject({
        statusCode: 400,
        body: {
          code: 'E_INVALID_CRITERIA',
          message:
            '`where` nests `and`/`or` at least 33 levels deep, more than the 32 allowed (blueprints.criteriaLimits.maxDepth); flatten the conditions, or raise blueprints.criteriaLimits.maxDepth.',
        },
      });
    });
  });
});

describe('an empty list of rooms or ids reaches nobody', () => {
  it('Model.publish([]) and sails.sockets.broadcast([]) send nothing (socket.io would send to everyone)', async () => {
    await withClient('socket.io-client 4', async (client) => {
      lifted.app.models['user']?.publish([], { secret: 1 });
      lifted.app.sockets.broadcast([], 'private', { secret: 2 });
      lifted.app.sockets.broadcast([], { secret: 3 });
      await flush(client);
      expect(client.events('user')).toStrictEqual([]);
      expect(client.events('private')).toStrictEqual([]);
      expect(client.events('message')).toStrictEqual([]);
    });
  });
});

describe('automatic OPTIONS (docs/protocol.md 2.3)', () => {
  it('over a socket: 200, the allowed verbs in `allow`, and no body key', async () => {
    await withClient('socket.io-client 4', async (client) => {
      const jwr = await new Promise((resolve) => rawSocket(client).emit('options', { method: 'options', headers: {}, data: {}, url: '/user/1' }, resolve));
      expect(jwr).toStrictEqual({ statusCode: 200, headers: { allow: 'DELETE, GET, HEAD, PATCH, PUT' } });
      const unknown = await new Promise((resolve) => rawSocket(client).emit('options', { url: '/no/such/route' }, resolve));
      expect(unknown).toStrictEqual({ statusCode: 404, headers: {}, body: 'Not Found' });
    });
  });

  it('over HTTP: 200 with Allow, and the list as the text body, as Express answers', async () => {
    const response = await fetch(`${lifted.app.url}/user`, { method: 'OPTIONS' });
    expect(response.status).toBe(200);
    expect(response.headers.get('allow')).toBe('DELETE, GET, HEAD, POST');
    expect(await response.text()).toBe('DELETE, GET, HEAD, POST');
    // A route bound to every verb answers OPTIONS itself.
    const any = await fetch(`${lifted.app.url}/echo/any`, { method: 'OPTIONS' });
    expect(((await any.json()) as { method: string }).method).toBe('OPTIONS');
  });
});

describe('HTTP bodies', () => {
  it('an empty body with content-type application/json is {} (body-parser, as in Sails), not a 400', async () => {
    const created = (await (await fetch(`${lifted.app.url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'empty-body' }) })).json()) as { id: number };
    const destroyed = await fetch(`${lifted.app.url}/user/${created.id}`, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    expect(destroyed.status).toBe(200);
    const echoed = await fetch(`${lifted.app.url}/echo/any`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
    expect(((await echoed.json()) as { body: unknown }).body).toStrictEqual({});
    const charset = await fetch(`${lifted.app.url}/echo/any`, { method: 'POST', headers: { 'content-type': 'application/json;charset=UTF-8' }, body: '{"a":1}' });
    expect(((await charset.json()) as { body: unknown }).body).toStrictEqual({ a: 1 });
    // Whitespace or a broken document is still a 400.
    const broken = await fetch(`${lifted.app.url}/echo/any`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { code: string }).code).toBe('E_BAD_REQUEST_BODY');
  });
});
