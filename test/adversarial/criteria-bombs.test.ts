/**
 * Criteria bombs from a hostile client, over HTTP and socket.io-client 4, against the fixture
 * app: each is answered (400, or 200 where the input is legal), never with a 500, never left
 * hanging, and the server still answers afterwards. The socket transport is lifted with a 4 MB
 * message limit so that bombs of 1 MB reach the criteria parser instead of being cut off by
 * socket.io. Over HTTP a query string is capped by Node at 16 KB, so the HTTP bombs are as
 * large as fit in a URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, liftFixture, sendRawFrames, type Client, type ClientKind, type Jwr, type Lifted } from '../runtime/helpers.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const NO_REPLY = 'no reply within 10 s';

let lifted: Lifted;
beforeAll(async () => {
  lifted = await liftFixture({ sockets: { maxHttpBufferSize: 4e6 } });
  const users = lifted.app.models['user'];
  await users?.create({ name: 'a'.repeat(100_000), age: 1 });
  await users?.create({ name: 'bob', age: 2 });
});
afterAll(async () => {
  await lifted.close();
});

/** The reply, or NO_REPLY: a hung request fails the test instead of the suite. */
async function ask(client: Client, data: Record<string, unknown>, url = '/user'): Promise<Jwr | typeof NO_REPLY> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof NO_REPLY>((resolve) => (timer = setTimeout(() => resolve(NO_REPLY), 10_000)));
  try {
    return await Promise.race([client.request('get', url, data), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function expectAnswer(client: Client, data: Record<string, unknown>, status: 200 | 400, url = '/user'): Promise<Jwr> {
  const jwr = await ask(client, data, url);
  expect(jwr).not.toBe(NO_REPLY);
  const reply = jwr as Jwr;
  expect(reply.statusCode, JSON.stringify(reply.body).slice(0, 300)).toBe(status);
  if (status === 400) expect(reply.body).toMatchObject({ code: 'E_INVALID_CRITERIA' });
  // Still serving.
  expect((await ask(client, { where: { name: 'bob' } })) as Jwr).toMatchObject({ statusCode: 200, body: [{ name: 'bob' }] });
  return reply;
}

describe.each(['http', 'socket.io-client 4'] as ClientKind[])('criteria bombs over %s', (kind) => {
  let client: Client;
  beforeAll(async () => {
    client = await connect(kind, lifted.app.url);
  });
  afterAll(() => client.close());

  // 100,000 entries over a socket; over HTTP as many as fit in a URL (still three times the bound).
  const entries = kind === 'http' ? 600 : 100_000;

  it.each(['select', 'omit', 'sort', 'populate'])('a %s list of 100,000 entries, as a JSON array and as a comma string', async (param) => {
    const name = param === 'sort' ? 'age' : 'name';
    const list = range(entries).map(() => name);
    for (const value of [list, JSON.stringify(list), list.join(',')]) {
      const reply = await expectAnswer(client, { [param]: value }, 400);
      // A comma in one sort string is refused as Sails refuses it, before its length matters.
      const message = param === 'sort' && value === list.join(',') ? /^Could not read the sort / : new RegExp(`^\`${param}\` lists ${entries.toLocaleString('en-US')} entries`);
      expect((reply.body as { message: string }).message).toMatch(message);
    }
  });

  it('or/and with thousands of terms, and a huge in list', async () => {
    const n = kind === 'http' ? 501 : 50_000;
    await expectAnswer(client, { where: JSON.stringify({ or: range(n).map((age) => ({ age })) }) }, 400);
    await expectAnswer(client, { where: JSON.stringify({ and: range(n).map((age) => (kind === 'http' ? { age } : { age: { '!=': age } })) }) }, 400);
    await expectAnswer(client, { where: JSON.stringify({ age: { in: range(kind === 'http' ? 1_100 : 200_000) } }) }, 400);
    await expectAnswer(client, { where: JSON.stringify({ age: { nin: range(1_000) } }) }, 200);
  });

  it('10,000-deep nesting, as a where string', async () => {
    const depth = kind === 'http' ? 400 : 10_000;
    const where = '{"and":['.repeat(depth) + '{"age":1}' + ']}'.repeat(depth);
    const reply = await expectAnswer(client, { where }, 400);
    expect((reply.body as { message: string }).message).toMatch(/more than the 32 allowed \(blueprints\.criteriaLimits\.maxDepth\)/);
  });

  it('1 MB like patterns, and %-heavy patterns at the bound against a 100,000-character string', async () => {
    const size = kind === 'http' ? 3_000 : 1_048_576;
    for (const modifier of ['like', 'contains', 'startsWith', 'endsWith']) {
      await expectAnswer(client, { where: JSON.stringify({ name: { [modifier]: '%'.repeat(size) } }) }, 400);
    }
    // SQLite's worst case is '%' and then a long literal; at the 100-character bound it stays cheap.
    const worst = ['%' + 'a'.repeat(98) + 'b', '%a'.repeat(49) + '%b', '%' + '_'.repeat(98) + 'b'];
    for (const like of worst) {
      expect(like).toHaveLength(100);
      expect((await expectAnswer(client, { where: JSON.stringify({ name: { like } }) }, 200)).body).toStrictEqual([]);
    }
    expect((await expectAnswer(client, { where: JSON.stringify({ name: { contains: 'a'.repeat(100) } }) }, 200)).body).toHaveLength(1);
  });

  it('NaN, Infinity, -0 and 1e309 as numbers', async () => {
    for (const value of ['NaN', 'Infinity', '-Infinity', '1e309']) await expectAnswer(client, { age: value }, 400);
    await expectAnswer(client, { where: '{"age":1e309}' }, 400);
    await expectAnswer(client, { where: '{"age":{"<":-1e309}}' }, 400);
    await expectAnswer(client, { limit: '1e309' }, 400);
    await expectAnswer(client, { skip: 'NaN' }, 400);
    expect((await expectAnswer(client, { age: '-0' }, 200)).body).toStrictEqual([]);
    expect((await expectAnswer(client, { where: '{"age":-0}' }, 200)).body).toStrictEqual([]);
    if (kind !== 'http') {
      // JSON has no NaN or Infinity: socket.io-client sends null, which is "IS NULL" (and no limit: the default).
      expect((await expectAnswer(client, { where: { age: Number.NaN }, limit: Number.POSITIVE_INFINITY }, 200)).body).toStrictEqual([]);
    }
  });
});

describe('bombs only a raw socket.io frame can carry', () => {
  it('a where object nested 10,000 deep, and 1e309 as a JSON number, are 400s', async () => {
    const client = await connect('socket.io-client 4', lifted.app.url);
    try {
      const frames = [
        `["get",{"url":"/user","data":{"where":${'{"or":['.repeat(10_000)}{"age":1}${']}'.repeat(10_000)}}}]`,
        `["get",{"url":"/user","data":{"where":{"age":1e309}}}]`,
        `["get",{"url":"/user","data":{"limit":1e309}}]`,
      ];
      const acks = await sendRawFrames(client, frames, { firstId: 7000, ms: 10_000 });
      expect([...acks.keys()].sort()).toStrictEqual([7000, 7001, 7002]);
      for (const [id, jwr] of acks) expect(jwr, `frame ${id - 7000}`).toMatchObject({ statusCode: 400, body: { code: 'E_INVALID_CRITERIA' } });
      expect(await client.request('get', '/user', { where: { name: 'bob' } })).toMatchObject({ statusCode: 200 });
    } finally {
      client.close();
    }
  });
});

describe('limit=-1 on a table past the page budget', () => {
  it('is a 400 saying how many records fit, over HTTP and sockets; that many answer 200', async () => {
    // 8 MiB is the default budget: 100 records of 100,000 characters are about 10 MB.
    const big = await liftFixture();
    const client = await connect('socket.io-client 4', big.app.url);
    const http = await connect('http', big.app.url);
    try {
      for (const i of range(100)) await big.app.models['note']?.create({ title: `${i}`.padEnd(100_000, 'n') });
      for (const c of [client, http]) {
        const jwr = await c.request('get', '/note', { limit: -1 });
        expect(jwr.statusCode).toBe(400);
        const message = (jwr.body as { message: string }).message;
        expect(message).toMatch(/^The page of every note record \(limit=-1\) would exceed 8 MiB \(blueprints\.maxPageBytes\); (\d+) fit: send limit=\1 or less and page with skip\.$/);
        const fit = Number(/; (\d+) fit/.exec(message)?.[1]);
        expect(fit).toBeGreaterThan(50);
        expect(fit).toBeLessThan(100);
        expect(((await c.request('get', '/note', { limit: fit })).body as unknown[]).length).toBe(fit);
        expect((await c.request('get', '/note', { limit: 30, select: 'score' })).statusCode).toBe(200);
      }
    } finally {
      client.close();
      http.close();
      await big.close();
    }
  });
});
