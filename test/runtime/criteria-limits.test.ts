/**
 * Every bound of blueprint criteria (docs/runtime.md, Limits): at the bound the request answers
 * 200, one past it 400 E_INVALID_CRITERIA naming the bound, its value and its setting. The
 * largest shapes the bounds allow must run on SQLite. Also the page byte budget, the settings
 * that change the bounds, and text no store can keep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { connect, liftFixture, type Client, type Jwr, type Lifted, TEST_STORE } from './helpers.js';

const LINKS_APP = fileURLToPath(new URL('./links-app', import.meta.url));
const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

/** Counts terms as the bound does: each key of a condition object, each modifier, each in/nin value. */
function terms(where: unknown): number {
  if (Array.isArray(where)) return where.reduce((sum: number, item) => sum + terms(item), 0);
  if (typeof where !== 'object' || where === null) return 0;
  let n = 0;
  for (const [key, value] of Object.entries(where)) {
    n += 1;
    if (key === 'and' || key === 'or') n += terms(value);
    else if (Array.isArray(value)) n += value.length;
    else if (typeof value === 'object' && value !== null) {
      for (const operand of Object.values(value)) n += 1 + (Array.isArray(operand) ? operand.length : 0);
    }
  }
  return n;
}

/** `depth` levels of alternating or/and, each holding `breadth - 1` leaves and the next level. */
function nested(depth: number, breadth: number, leaf: (i: number) => Record<string, unknown>): Record<string, unknown> {
  let inner: Record<string, unknown> = { age: 1 };
  for (let level = 0; level < depth; level++) inner = { [level % 2 ? 'and' : 'or']: [...range(breadth - 1).map(leaf), inner] };
  return inner;
}

describe('criteria bounds at and past their defaults (socket.io-client 4)', () => {
  let lifted: Lifted;
  let client: Client;
  beforeAll(async () => {
    lifted = await liftFixture();
    client = await connect('socket.io-client 4', lifted.app.url);
    await lifted.app.models['user']?.create({ name: 'aaa', age: 1 });
  });
  afterAll(async () => {
    client.close();
    await lifted.close();
  });

  const ok = async (data: Record<string, unknown>, url = '/user'): Promise<Jwr> => {
    const jwr = await client.request('get', url, data);
    expect(jwr.statusCode, JSON.stringify(jwr.body).slice(0, 300)).toBe(200);
    return jwr;
  };
  const refused = async (data: Record<string, unknown>, message: string | RegExp, url = '/user'): Promise<void> => {
    const jwr = await client.request('get', url, data);
    expect(jwr.statusCode, JSON.stringify(jwr.body).slice(0, 300)).toBe(400);
    expect(jwr.body).toMatchObject({ code: 'E_INVALID_CRITERIA', message: typeof message === 'string' ? message : expect.stringMatching(message) });
  };

  it('maxListLength (200): select, omit and sort lists, as arrays and comma strings; duplicates are read once', async () => {
    const names = (n: number) => range(n).map(() => 'name');
    expect((await ok({ select: names(200) })).body).toStrictEqual([{ id: 1, name: 'aaa' }]);
    await ok({ select: names(200).join(',') });
    await ok({ omit: names(200) });
    await ok({ sort: range(200).map(() => 'age DESC') });
    for (const param of ['select', 'omit'] as const) {
      await refused(
        { [param]: names(201) },
        `\`${param}\` lists 201 entries, more than the 200 allowed (blueprints.criteriaLimits.maxListLength); send each name once, or raise blueprints.criteriaLimits.maxListLength.`,
      );
      await refused({ [param]: names(201).join(',') }, new RegExp(`^\`${param}\` lists 201 entries`));
    }
    await refused({ sort: range(201).map(() => 'age DESC') }, /^`sort` lists 201 entries, more than the 200 allowed \(blueprints\.criteriaLimits\.maxListLength\)/);
    // findOne reads select/omit too.
    await refused({ select: names(201) }, /^`select` lists 201 entries/, '/user/1');
  });

  it('maxLogicBreadth (500) and maxDepth (32)', async () => {
    await ok({ where: { or: range(500).map((age) => ({ age })) } });
    await ok({ where: { and: range(500).map((age) => ({ age: { '!=': age + 10 } })) } });
    await refused(
      { where: { or: range(501).map((age) => ({ age })) } },
      '`or` in `where` has 501 conditions, more than the 500 allowed (blueprints.criteriaLimits.maxLogicBreadth); send fewer conditions, or split the request, or raise blueprints.criteriaLimits.maxLogicBreadth.',
    );
    await ok({ where: nested(32, 2, (age) => ({ age })) });
    await refused({ where: nested(33, 2, (age) => ({ age })) }, /^`where` nests `and`\/`or` at least 33 levels deep, more than the 32 allowed \(blueprints\.criteriaLimits\.maxDepth\)/);
  });

  it('maxInValues (1,000), for in, nin, != with a list and the array shorthand', async () => {
    await ok({ where: { age: { in: range(1000) } } });
    await ok({ where: { age: { nin: range(1000) } } });
    await ok({ where: { age: range(1000) } });
    await refused({ where: { age: { in: range(1001) } } }, /^`in` on `age` lists 1,001 values, more than the 1,000 allowed \(blueprints\.criteriaLimits\.maxInValues\)/);
    await refused({ where: { age: { '!=': range(1001) } } }, /^`!=` on `age` lists 1,001 values/);
    await refused({ where: { age: range(1001) } }, /^`in` on `age` lists 1,001 values/);
  });

  it('maxStringLength (10,000) and maxPatternLength (100)', async () => {
    await ok({ where: { name: 'x'.repeat(10_000) } });
    await ok({ where: { name: { in: ['x'.repeat(10_000)] } } });
    await refused({ where: { name: 'x'.repeat(10_001) } }, /^The value for `name` is 10,001 characters, more than the 10,000 allowed \(blueprints\.criteriaLimits\.maxStringLength\)/);
    await refused({ where: { name: { '>': 'x'.repeat(10_001) } } }, /^The value for `name` \(`>`\) is 10,001 characters/);
    for (const modifier of ['like', 'contains', 'startsWith', 'endsWith']) {
      await ok({ where: { name: { [modifier]: 'a'.repeat(100) } } });
      await refused(
        { where: { name: { [modifier]: 'a'.repeat(101) } } },
        `The \`${modifier}\` operand on \`name\` is 101 characters, more than the 100 allowed (blueprints.criteriaLimits.maxPatternLength); send a shorter pattern, or raise blueprints.criteriaLimits.maxPatternLength.`,
      );
    }
  });

  it('maxTerms (2,000) and maxTotalStringLength (100,000) over the whole where', async () => {
    // (1 key + 1 modifier + 998 values) + (1 + 250 x 2) + (1 + 498) = 2,000.
    const exactly = {
      age: { in: range(998, 5000) },
      or: range(250).map((age) => ({ age: { '>': age } })),
      and: range(498).map((age) => ({ age })),
    };
    expect(terms(exactly)).toBe(2000);
    await ok({ where: exactly });
    const over = { ...exactly, and: [...exactly.and, { age: 99 }] };
    expect(terms(over)).toBe(2001);
    await refused({ where: over }, /^`where` has at least 2,001 terms \(conditions, modifiers and in\/nin values\), more than the 2,000 allowed \(blueprints\.criteriaLimits\.maxTerms\)/);
    const strings = (extra: number) => ({ or: range(10).map((i) => ({ name: `${i}`.padEnd(10_000, 'x') })).concat(extra ? [{ name: 'y'.repeat(extra) }] : []) });
    await ok({ where: strings(0) });
    await refused({ where: strings(1) }, /^The strings in `where` add up to at least 100,001 characters, more than the 100,000 allowed \(blueprints\.criteriaLimits\.maxTotalStringLength\)/);
  });

  it('the largest shapes the bounds allow run on SQLite: 32 levels as wide as maxTerms lets them be', async () => {
    // 32 levels x (1 + 30 leaves x 2 terms) + 1 = 1,953; one more leaf a level would pass 2,000.
    const widest = nested(32, 31, (i) => ({ age: { '!=': i } }));
    expect(terms(widest)).toBe(1953);
    await ok({ where: widest });
    const withLists = nested(32, 2, (i) => ({ age: { nin: range(58, i * 100) } }));
    expect(terms(withLists)).toBeLessThanOrEqual(2000);
    await ok({ where: withLists });
    await ok({ where: { or: range(500).map((age) => ({ age: { '!=': age } })), age: { nin: range(997) } } });
  });

  it('text no store can keep as sent is a 400 naming the attribute', async () => {
    const lone = 'x\ud800y';
    await refused({ where: { name: lone } }, /^The value for `name` holds a lone surrogate/);
    await refused({ where: { name: { contains: lone } } }, /^The value for `name` \(`contains`\) holds a lone surrogate/);
    await refused({ where: { name: { in: ['ok', 'a\u0000b'] } } }, /^The value for `name` \(`in`\) holds a NUL character/);
    await refused({ where: { [lone]: 1 } }, /^`where` names the attribute "x\\ud800y", which holds a lone surrogate/);
    await refused({ select: ['name', 'a\u0000'] }, /^`select` names the attribute "a\\u0000", which holds a NUL character/);
    await refused({ where: { age: { [lone]: 1 } } }, /^A modifier on `age` holds a lone surrogate/);
  });

  it('numbers: Infinity (1e309) is refused, -0 is a number', async () => {
    await refused({ where: '{"age":1e309}' }, 'The value for `age` must be a number, got Infinity.');
    await refused({ age: '1e309' }, 'The value for `age` must be a number, got "1e309".');
    await refused({ age: 'NaN' }, 'The value for `age` must be a number, got "NaN".');
    expect((await ok({ age: '-0' })).body).toStrictEqual([]);
  });
});

describe('settings', () => {
  it('blueprints.criteriaLimits raises or lowers a bound; the model API keeps none but the depth', async () => {
    const lifted = await liftFixture({ blueprints: { criteriaLimits: { maxInValues: 2000, maxTerms: 3000, maxPatternLength: 5 } } });
    const client = await connect('socket.io-client 4', lifted.app.url);
    try {
      expect((await client.request('get', '/user', { where: { age: { in: range(2000) } } })).statusCode).toBe(200);
      expect((await client.request('get', '/user', { where: { age: { in: range(2001) } } })).body).toMatchObject({
        message: expect.stringMatching(/more than the 2,000 allowed \(blueprints\.criteriaLimits\.maxInValues\)/),
      });
      expect((await client.request('get', '/user', { where: { name: { contains: 'abcdef' } } })).statusCode).toBe(400);
      // App code is trusted, as in Waterline.
      expect(await lifted.app.models['user']?.find({ where: { age: { in: range(20_000) }, name: { contains: 'abcdef' } } })).toStrictEqual([]);
      // Past SQLite's 32,766 values; PostgreSQL and MySQL run it (docs/stores.md).
      if (TEST_STORE === 'sqlite') await expect(lifted.app.models['user']?.find({ where: { age: { in: range(40_000) } } })).rejects.toMatchObject({ code: 'E_INVALID_CRITERIA' });
      await expect(lifted.app.models['user']?.find({ where: nested(33, 2, (age) => ({ age })) })).rejects.toMatchObject({
        message: expect.stringMatching(/more than the 32 allowed \(a fixed bound of the model API\); flatten the conditions\.$/),
      });
    } finally {
      client.close();
      await lifted.close();
    }
  });

  it('the highest values the settings accept still run: 64 levels, 30,000 in values, 10,000 terms', async () => {
    const limits = { maxDepth: 64, maxTerms: 10_000, maxLogicBreadth: 10_000, maxInValues: 30_000 };
    const lifted = await liftFixture({ blueprints: { criteriaLimits: limits } });
    const client = await connect('socket.io-client 4', lifted.app.url);
    try {
      const deep = nested(64, 40, (i) => ({ age: { '!=': i } }));
      expect((await client.request('get', '/user', { where: deep })).statusCode).toBe(200);
      expect((await client.request('get', '/user', { where: { or: range(9_999).map((age) => ({ age })) } })).statusCode).toBe(200);
      expect((await client.request('get', '/user', { where: { age: { nin: range(8_990) }, or: [{ age: { in: range(1_000) } }] } })).statusCode).toBe(200);
    } finally {
      client.close();
      await lifted.close();
    }
  });

  it.each([
    [{ criteriaLimits: { maxInValue: 10 } }, 'The setting blueprints.criteriaLimits.maxInValue (config/blueprints.ts) is not a criteria limit; use one of maxListLength,'],
    [{ criteriaLimits: { maxDepth: 0 } }, 'The setting blueprints.criteriaLimits.maxDepth (config/blueprints.ts) is 0; use a whole number of 1 or more (the default is 32).'],
    [{ criteriaLimits: { maxDepth: 100 } }, 'The setting blueprints.criteriaLimits.maxDepth (config/blueprints.ts) is 100, more than the 64 the SQLite store can run; use 64 or less.'],
    [{ criteriaLimits: 5 }, 'The setting blueprints.criteriaLimits (config/blueprints.ts) is 5; use an object such as { maxInValues: 2000 }.'],
    [{ maxPageBytes: '8MB' }, 'The setting blueprints.maxPageBytes (config/blueprints.ts) is "8MB"; use a whole number of bytes of 1024 or more, such as 8388608 (8 MiB, the default).'],
  ])('a bad value fails lift: %j', async (blueprints, message) => {
    await expect(liftFixture({ blueprints })).rejects.toThrow(message);
  });
});

describe('the page byte budget (blueprints.maxPageBytes)', () => {
  it('a page past it is a 400 saying how many records fit, and that many answer 200', async () => {
    const lifted = await liftFixture({ blueprints: { maxPageBytes: 4096 } });
    const client = await connect('socket.io-client 4', lifted.app.url);
    try {
      for (const i of range(40)) await lifted.app.models['user']?.create({ name: `${i}`.padEnd(200, 'x') });
      const jwr = await client.request('get', '/user', { limit: 30 });
      expect(jwr.statusCode).toBe(400);
      const message = (jwr.body as { message: string }).message;
      const match = /^The page of 30 user records would exceed 4,096 bytes \(blueprints\.maxPageBytes\); (\d+) fit: send limit=\1 or less and page with skip\.$/.exec(message);
      expect(match, message).not.toBeNull();
      const fit = Number(match?.[1]);
      expect(fit).toBeGreaterThan(5);
      expect(fit).toBeLessThan(30);
      expect(((await client.request('get', '/user', { limit: fit })).body as unknown[]).length).toBe(fit);
      expect(((await client.request('get', '/user', { limit: fit, skip: fit })).body as unknown[]).length).toBe(fit);
      expect((await client.request('get', '/user', { limit: fit + 1 })).statusCode).toBe(400);
      expect((await client.request('get', '/user', { limit: -1 })).body).toMatchObject({
        message: `The page of every user record (limit=-1) would exceed 4,096 bytes (blueprints.maxPageBytes); ${fit} fit: send limit=${fit} or less and page with skip.`,
      });
      // Fewer columns, more records.
      expect((await client.request('get', '/user', { limit: 30, select: 'age' })).statusCode).toBe(200);
      // The model API has no budget unless asked: app code reads what it reads.
      expect(await lifted.app.models['user']?.find()).toHaveLength(40);
    } finally {
      client.close();
      await lifted.close();
    }
  });

  it('populated records count, and the figure stays exact; the populate route and findOne are bounded too', async () => {
    const lifted = await liftFixture({ blueprints: { maxPageBytes: 8192 } }, { appPath: LINKS_APP });
    const client = await connect('socket.io-client 4', lifted.app.url);
    try {
      const users = lifted.app.models['user'];
      const pets = lifted.app.models['pet'];
      for (const i of range(10)) {
        const user = await users?.create({ name: `u${i}` });
        // The first users own many pets, the later ones none: a plain row count would get the figure wrong.
        for (const j of range(i < 3 ? 8 : 0)) await pets?.create({ name: `${i}-${j}`.padEnd(300, 'p'), owner: user?.id });
      }
      const jwr = await client.request('get', '/user', { limit: 10 });
      expect(jwr.statusCode).toBe(400);
      const fit = Number(/; (\d+) fit: send limit=/.exec((jwr.body as { message: string }).message)?.[1]);
      expect(fit).toBeGreaterThan(0);
      expect((await client.request('get', '/user', { limit: fit })).statusCode).toBe(200);
      expect((await client.request('get', '/user', { limit: fit + 1 })).statusCode).toBe(400);
      expect((await client.request('get', '/user', { limit: 10, populate: false })).statusCode).toBe(200);
      // 30 pets of 100+ characters each do not fit in 2 KiB.
      const tight = await liftFixture({ blueprints: { maxPageBytes: 2048 } }, { appPath: LINKS_APP });
      const tightClient = await connect('socket.io-client 4', tight.app.url);
      try {
        const owner = await tight.app.models['user']?.create({ name: 'owner' });
        for (const j of range(30)) await tight.app.models['pet']?.create({ name: `${j}`.padEnd(100, 'p'), owner: owner?.id });
        const listed = await tightClient.request('get', `/user/${owner?.id}/pets`, { limit: 30 });
        expect(listed.body).toMatchObject({ message: expect.stringMatching(/^The page of 30 pet records would exceed 2,048 bytes \(blueprints\.maxPageBytes\); \d+ fit: send limit=\d+ or less and page with skip\.$/) });
        const one = await tightClient.request('get', `/user/${owner?.id}`);
        expect(one).toMatchObject({ statusCode: 400, body: { message: expect.stringMatching(/^user \d+ with the records populated into it would exceed 2,048 bytes \(blueprints\.maxPageBytes\); populate fewer links/) } });
        expect((await tightClient.request('get', `/user/${owner?.id}`, { populate: false })).statusCode).toBe(200);
      } finally {
        tightClient.close();
        await tight.close();
      }
    } finally {
      client.close();
      await lifted.close();
    }
  });
});

describe('populate lists (links app)', () => {
  it('maxListLength applies to populate; duplicates are read once', async () => {
    const lifted = await liftFixture({}, { appPath: LINKS_APP });
    const client = await connect('socket.io-client 4', lifted.app.url);
    try {
      await lifted.app.models['user']?.create({ name: 'bob' });
      const jwr = await client.request('get', '/user', { populate: range(200).map(() => 'pets') });
      expect(jwr).toMatchObject({ statusCode: 200, body: [{ name: 'bob', pets: [] }] });
      expect(Object.keys((jwr.body as object[])[0] ?? {})).not.toContain('tags');
      expect((await client.request('get', '/user', { populate: range(201).map(() => 'pets').join(',') })).body).toMatchObject({
        code: 'E_INVALID_CRITERIA',
        message: expect.stringMatching(/^`populate` lists 201 entries, more than the 200 allowed \(blueprints\.criteriaLimits\.maxListLength\)/),
      });
      // The populate route's criteria are bounded as find's are.
      expect((await client.request('get', '/user/1/pets', { where: { id: { in: range(1001) } } })).body).toMatchObject({
        message: expect.stringMatching(/^`in` on `id` lists 1,001 values/),
      });
    } finally {
      client.close();
      await lifted.close();
    }
  });
});
