import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, liftFixture, type Client, type Lifted } from './helpers.js';

// Two transports: query strings (everything a string) and socket data (JSON types kept).
describe.each(['http', 'socket.io-client 4'] as const)('find criteria over %s', (kind) => {
  let lifted: Lifted;
  let client: Client;

  beforeAll(async () => {
    lifted = await liftFixture();
    client = await connect(kind, lifted.app.url);
    const people = [
      { name: 'u01', age: 5, email: 'a@x.io' },
      { name: 'u02', age: 8, email: 'b@x.io' },
      { name: 'u03', age: 9, email: 'c@y.io' },
      { name: 'U04', age: 12, email: 'd@y.io' },
      { name: '50%_off', age: 40 },
    ];
    for (const person of people) await lifted.app.models['user']?.create(person);
  });
  afterAll(async () => {
    client.close();
    await lifted.close();
  });

  const names = async (data: Record<string, unknown>): Promise<string[]> => {
    const jwr = await client.request('get', '/user', data);
    expect(jwr.statusCode, JSON.stringify(jwr.body)).toBe(200);
    return (jwr.body as { name: string }[]).map((u) => u.name);
  };
  const error = async (data: Record<string, unknown>): Promise<{ code: string; message: string }> => {
    const jwr = await client.request('get', '/user', data);
    expect(jwr.statusCode, JSON.stringify(jwr.body)).toBe(400);
    return jwr.body as { code: string; message: string };
  };

  it('where: every modifier, deprecated names, shorthand and logic', async () => {
    expect(await names({ where: { age: { '<': 8 } } })).toEqual(['u01']);
    expect(await names({ where: { age: { '<=': 8 } } })).toEqual(['u01', 'u02']);
    expect(await names({ where: { age: { '>': 9 } } })).toEqual(['U04', '50%_off']);
    expect(await names({ where: { age: { '>=': 8, '<=': 9 } } })).toEqual(['u02', 'u03']);
    expect(await names({ where: { age: { '!=': 8 } } })).toEqual(['u01', 'u03', 'U04', '50%_off']);
    expect(await names({ where: { age: { '!=': [5, 8, 9] } } })).toEqual(['U04', '50%_off']);
    expect(await names({ where: { name: { in: ['u01', 'u03'] } } })).toEqual(['u01', 'u03']);
    expect(await names({ where: { name: { nin: ['u01', 'u03'] } } })).toEqual(['u02', 'U04', '50%_off']);
    expect(await names({ where: { name: ['u02', 'U04'] } })).toEqual(['u02', 'U04']);
    expect(await names({ where: { name: { like: 'u0%' } } })).toEqual(['u01', 'u02', 'u03']);
    expect(await names({ where: { email: { contains: '@y' } } })).toEqual(['u03', 'U04']);
    expect(await names({ where: { name: { contains: 'U0' } } })).toEqual(['U04']);
    expect(await names({ where: { name: { contains: '%_' } } })).toEqual(['50%_off']);
    expect(await names({ where: { name: { startsWith: 'u0' } } })).toEqual(['u01', 'u02', 'u03']);
    expect(await names({ where: { email: { endsWith: '.io' } } })).toEqual(['u01', 'u02', 'u03', 'U04']);
    expect(await names({ where: { age: { lessThan: 8 } } })).toEqual(['u01']);
    expect(await names({ where: { age: { greaterThanOrEqual: 12 } } })).toEqual(['U04', '50%_off']);
    expect(await names({ where: { age: { not: 5 } } })).toHaveLength(4);
    expect(await names({ where: { or: [{ name: 'u01' }, { age: { '>': 10 } }] } })).toEqual(['u01', 'U04', '50%_off']);
    expect(await names({ where: { and: [{ age: { '>': 5 } }, { age: { '<': 12 } }] } })).toEqual(['u02', 'u03']);
    expect(await names({ where: { name: 'u01' } })).toEqual(['u01']);
    expect(await names({ where: { name: 'U01' } })).toEqual([]);
    expect(await names({ where: JSON.stringify({ age: 9 }) })).toEqual(['u03']);
  });

  it('stray params are equality filters when there is no where; a where makes them ignored', async () => {
    expect(await names({ age: 8 })).toEqual(['u02']);
    expect(await names({ name: 'u03', age: '9' })).toEqual(['u03']);
    expect(await names({ where: { age: 5 }, name: 'ignored' })).toEqual(['u01']);
    expect(await error({ nickname: 'x' })).toStrictEqual({
      code: 'E_INVALID_CRITERIA',
      message:
        'the params (read as filters because no `where` was sent) names `nickname`, which is not an attribute of user; attributes: id, createdAt, updatedAt, name, email, age.',
    });
  });

  it('where: 400 for bad JSON, an unknown modifier, an unknown attribute, a wrong value type', async () => {
    if (kind === 'http') {
      expect(await error({ where: '{"age":' })).toStrictEqual({
        code: 'E_INVALID_CRITERIA',
        message: 'Could not parse the `where` param as JSON (got "{\\"age\\":"); send an object such as {"name":"bob"} or {"age":{">":30}}.',
      });
    }
    expect(await error({ where: { age: { foo: 1 } } })).toStrictEqual({
      code: 'E_INVALID_CRITERIA',
      message: 'Unrecognized modifier `foo` on `age`; modifiers: <, <=, >, >=, !=, in, nin, like, contains, startsWith, endsWith.',
    });
    expect((await error({ where: { age: { contians: 1 } } })).message).toContain('did you mean `contains`?');
    expect(await error({ where: { agee: 1 } })).toStrictEqual({
      code: 'E_INVALID_CRITERIA',
      message: '`where` names `agee`, which is not an attribute of user (did you mean `age`?); attributes: id, createdAt, updatedAt, name, email, age.',
    });
    expect((await error({ where: { age: 'old' } })).message).toBe('The value for `age` must be a number, got "old".');
    expect((await error({ where: { age: { in: 5 } } })).message).toBe('`in` on `age` needs an array of values, got 5.');
    expect((await error({ where: { age: { contains: '5' } } })).message).toContain('only applies to string attributes');
    expect((await error({ where: { or: { name: 'x' } } })).message).toContain('`or` in `where` must be an array');
    expect((await error({ where: [1] })).message).toBe('The `where` param must be an object such as {"name":"bob"}, got [1].');
  });

  it('sort: every accepted form, and 400 for the refused ones', async () => {
    expect(await names({ sort: 'age DESC' })).toEqual(['50%_off', 'U04', 'u03', 'u02', 'u01']);
    expect(await names({ sort: 'age desc', limit: 2 })).toEqual(['50%_off', 'U04']);
    expect(await names({ sort: 'name' })).toEqual(['50%_off', 'U04', 'u01', 'u02', 'u03']);
    expect(await names({ sort: [{ email: 'DESC' }, { name: 'ASC' }], limit: 3 })).toEqual(['U04', 'u03', 'u02']);
    expect(await names({ sort: ['email desc', 'name asc'], limit: 3 })).toEqual(['U04', 'u03', 'u02']);
    expect(await names({ sort: JSON.stringify(['age desc']), limit: 1 })).toEqual(['50%_off']);
    expect(await names({ sort: { age: -1 }, limit: 1 })).toEqual(['50%_off']);
    expect((await error({ sort: { age: 'DESC' } })).message).toBe(
      'In a `sort` object each value must be 1 or -1 (got "DESC" for `age`); send {"age":-1} or [{"age":"DESC"}].',
    );
    expect((await error({ sort: 'age DESC,name ASC' })).message).toBe(
      'Could not read the sort "age DESC,name ASC"; send "attribute ASC" or "attribute DESC", and several as an array: ["age DESC","name ASC"].',
    );
    expect((await error({ sort: 'age sideways' })).code).toBe('E_INVALID_CRITERIA');
    expect((await error({ sort: 'nope DESC' })).message).toContain('`sort` names `nope`');
  });

  it('limit and skip: default 30, 0 gives [], -1 gives all, no maximum, 400 for the rest', async () => {
    const many = lifted.app.models['note'];
    for (let i = 0; i < 35; i++) await many?.create({ title: `n${i}` });
    const count = async (data: Record<string, unknown>): Promise<number> =>
      ((await client.request('get', '/note', data)).body as unknown[]).length;
    expect(await count({})).toBe(30);
    expect(await count({ limit: 0 })).toBe(0);
    expect(await count({ limit: -1 })).toBe(35);
    expect(await count({ limit: 1000 })).toBe(35);
    expect(await count({ limit: '2' })).toBe(2);
    expect(await count({ skip: 30 })).toBe(5);
    expect(await names({ skip: 1, limit: 2 })).toEqual(['u02', 'u03']);
    expect((await error({ limit: 'abc' })).message).toBe('`limit` must be a whole number of 0 or more (or -1 for no limit), got "abc".');
    expect((await error({ limit: -2 })).code).toBe('E_INVALID_CRITERIA');
    expect((await error({ skip: -1 })).message).toMatch(/^`skip` must be a whole number of 0 or more, got "?-1"?\.$/);
  });

  it('select and omit: comma strings and arrays; the id is always there; 400 for unknown names', async () => {
    const first = async (data: Record<string, unknown>): Promise<unknown> =>
      ((await client.request('get', '/user', { ...data, limit: 1 })).body as unknown[])[0];
    expect(await first({ select: 'name,age' })).toStrictEqual({ id: 1, name: 'u01', age: 5 });
    expect(await first({ select: ['name'] })).toStrictEqual({ id: 1, name: 'u01' });
    expect(await first({ select: '["email"]' })).toStrictEqual({ id: 1, email: 'a@x.io' });
    expect(await first({ omit: 'createdAt,updatedAt,email' })).toStrictEqual({ id: 1, name: 'u01', age: 5 });
    expect(await first({ omit: ['createdAt', 'updatedAt', 'email', 'age'] })).toStrictEqual({ id: 1, name: 'u01' });
    expect(await first({ select: 'name', omit: 'name' })).toStrictEqual({ id: 1, name: 'u01' });
    expect((await error({ select: 'nmae' })).message).toContain('`select` names `nmae`, which is not an attribute of user (did you mean `name`?)');
    expect((await error({ omit: [1] })).code).toBe('E_INVALID_CRITERIA');
    const one = await client.request('get', '/user/1', { select: 'age' });
    expect(one.body).toStrictEqual({ id: 1, age: 5 });
  });
});
