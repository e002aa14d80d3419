/**
 * Bodies of blueprint writes over HTTP: JSON, urlencoded and multipart forms read as Sails reads
 * them, anything else a 415, never an empty record; and every value of every write (JSON, form,
 * socket, sails.models) and of criteria read against its attribute as Waterline's rttc reads it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { connect, liftFixture, type Lifted } from './helpers.js';

const APP = fileURLToPath(new URL('./uploads-app', import.meta.url));

let lifted: Lifted;

beforeAll(async () => {
  lifted = await liftFixture({}, { appPath: APP });
});

afterAll(async () => {
  await lifted.close();
});

async function send(method: string, path: string, init: { type?: string; body?: string | FormData }): Promise<{ status: number; body: any }> {
  const response = await fetch(lifted.app.url + path, {
    method,
    ...(init.type === undefined ? {} : { headers: { 'content-type': init.type } }),
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await response.text();
  return { status: response.status, body: (response.headers.get('content-type') ?? '').startsWith('application/json') ? JSON.parse(text) : text };
}

const form = (fields: Record<string, string | string[]>): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const item of [value].flat()) params.append(key, item);
  return params.toString();
};

async function count(): Promise<number> {
  return (await lifted.app.models['person']!.find()).length;
}

describe('form bodies on blueprint writes', () => {
  it('coerces a urlencoded number, boolean and link as Waterline does, and keeps json as the text sent', async () => {
    const pet = await send('POST', '/pet', { type: 'application/json', body: JSON.stringify({ name: 'Rex' }) });
    const created = await send('POST', '/person', {
      type: 'application/x-www-form-urlencoded',
      body: form({ name: 'Ada', age: '5', active: 'true', meta: '{"a":1}', pets: String(pet.body.id) }),
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: 'Ada', age: 5, active: true, meta: '{"a":1}' });
    expect(created.body.pets.map((p: { id: number }) => p.id)).toEqual([pet.body.id]);
    const owned = await send('PATCH', `/pet/${pet.body.id}`, { type: 'application/x-www-form-urlencoded', body: form({ owner: String(created.body.id) }) });
    expect(owned.body.owner).toMatchObject({ id: created.body.id });
  });

  it.each([
    ['-1.5', -1.5],
    ['1e3', 1000],
    ['0', 0],
  ])('reads the number %s from a form', async (text, number) => {
    const created = await send('POST', '/person', { type: 'application/x-www-form-urlencoded', body: form({ name: 'n', age: text }) });
    expect(created.body.age).toBe(number);
  });

  it.each([
    ['1', true],
    ['0', false],
    ['false', false],
  ])('reads the boolean %s from a form', async (text, value) => {
    const created = await send('POST', '/person', { type: 'application/x-www-form-urlencoded', body: form({ name: 'b', active: text }) });
    expect(created.body.active).toBe(value);
  });

  it.each([['abc'], [''], [' 5'], ['Infinity']])('refuses %j for a number with a 400 naming the attribute, as Waterline does', async (text) => {
    const before = await count();
    const refused = await send('POST', '/person', { type: 'application/x-www-form-urlencoded', body: form({ name: 'x', age: text }) });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'E_INVALID_NEW_RECORD', message: expect.stringContaining('"age"') });
    expect(await count()).toBe(before);
  });

  it('refuses "yes" for a boolean', async () => {
    const refused = await send('POST', '/person', { type: 'application/x-www-form-urlencoded', body: form({ name: 'x', active: 'yes' }) });
    expect(refused.status).toBe(400);
  });

  it('reads the text fields of a multipart form the same way', async () => {
    const body = new FormData();
    body.append('name', 'Grace');
    body.append('age', '36');
    body.append('active', 'false');
    const created = await send('POST', '/person', { body });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: 'Grace', age: 36, active: false });
    const updated = await send('PUT', `/person/${created.body.id}`, { body: (() => { const f = new FormData(); f.append('age', '37'); return f; })() });
    expect(updated.body.age).toBe(37);
  });

});

/** What Waterline's rttc.validate(type, value) makes of a value, and what it refuses: one table for every path. */
const COERCED: [attribute: string, sent: unknown, written: unknown][] = [
  ['age', '5', 5],
  ['age', '349.86', 349.86],
  ['age', '-1.5', -1.5],
  ['age', '1e3', 1000],
  ['age', '0x10', 16],
  ['age', true, 1],
  ['age', false, 0],
  ['name', 45, '45'],
  ['name', 1.5, '1.5'],
  ['name', true, 'true'],
  ['active', 1, true],
  ['active', 0, false],
  ['active', '1', true],
  ['active', 'true', true],
  ['active', 'false', false],
  ['meta', '5', '5'],
];
const REFUSED: [attribute: string, sent: unknown][] = [
  ['age', ''],
  ['age', 'abc'],
  ['age', ' 5'],
  ['age', 'Infinity'],
  ['age', {}],
  ['age', [5]],
  ['age', null],
  ['name', { a: 1 }],
  ['name', ['x']],
  ['name', null],
  ['active', 2],
  ['active', 'yes'],
  ['active', ''],
];

describe('every write reads its values as Waterline does (rttc loose validation)', () => {
  const values = (attribute: string, sent: unknown): Record<string, unknown> => ({ name: 'v', [attribute]: sent });

  it.each(COERCED)('a JSON body: %s %j is written as %j, on create and update', async (attribute, sent, written) => {
    const created = await send('POST', '/person', { type: 'application/json', body: JSON.stringify(values(attribute, sent)) });
    expect(created.status).toBe(200);
    expect(created.body[attribute]).toEqual(written);
    const updated = await send('PATCH', `/person/${created.body.id}`, { type: 'application/json', body: JSON.stringify({ [attribute]: sent }) });
    expect(updated.body[attribute]).toEqual(written);
  });

  it.each(REFUSED)('a JSON body: %s %j is a 400 naming the attribute, and nothing is written', async (attribute, sent) => {
    const before = await count();
    const refused = await send('POST', '/person', { type: 'application/json', body: JSON.stringify(values(attribute, sent)) });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'E_INVALID_NEW_RECORD', message: expect.stringContaining(`"${attribute}"`) });
    expect(await count()).toBe(before);
  });

  it('socket request data: each coercion and each refusal, as over HTTP', async () => {
    const client = await connect('socket.io-client 4', lifted.app.url);
    try {
      for (const [attribute, sent, written] of COERCED) {
        const jwr = await client.request('post', '/person', values(attribute, sent));
        expect([attribute, sent, (jwr.body as Record<string, unknown>)[attribute]]).toEqual([attribute, sent, written]);
      }
      for (const [attribute, sent] of REFUSED) {
        const jwr = await client.request('post', '/person', values(attribute, sent));
        expect([attribute, sent, jwr.statusCode]).toEqual([attribute, sent, 400]);
      }
    } finally {
      client.close();
    }
  });

  it('sails.models: create and update(criteria).set() coerce, and refuse what rttc refuses with the same error', async () => {
    const person = lifted.app.models['person']!;
    for (const [attribute, sent, written] of COERCED) {
      const created = (await person.create(values(attribute, sent))) as Record<string, unknown>;
      expect([attribute, sent, created[attribute]]).toEqual([attribute, sent, written]);
      const [updated] = (await person.update({ id: created['id'] }).set({ [attribute]: sent })) as Record<string, unknown>[];
      expect([attribute, sent, updated?.[attribute]]).toEqual([attribute, sent, written]);
    }
    for (const [attribute, sent] of REFUSED) {
      await expect(person.create(values(attribute, sent))).rejects.toMatchObject({ code: 'E_INVALID_NEW_RECORD' });
    }
  });

  it('a link id sent as digits is the id; other text is refused', async () => {
    const pet = await send('POST', '/pet', { type: 'application/json', body: JSON.stringify({ name: 'Rex' }) });
    const owner = await send('POST', '/person', { type: 'application/json', body: JSON.stringify({ name: 'o', pets: [String(pet.body.id)] }) });
    expect(owner.body.pets.map((p: { id: number }) => p.id)).toEqual([pet.body.id]);
    const moved = await send('PATCH', `/pet/${pet.body.id}`, { type: 'application/json', body: JSON.stringify({ owner: String(owner.body.id) }) });
    expect(moved.body.owner).toMatchObject({ id: owner.body.id });
    const refused = await send('PATCH', `/pet/${pet.body.id}`, { type: 'application/json', body: JSON.stringify({ owner: '1.5' }) });
    expect(refused.status).toBe(400);
  });

  it('criteria values are read the same way: "5" finds age 5, 45 finds name "45", "x" for a number is a 400', async () => {
    await lifted.app.models['person']!.create({ name: '45', age: 5 });
    const person = lifted.app.models['person']!;
    expect((await person.find({ age: '5', name: 45 })).length).toBeGreaterThan(0);
    const found = await send('GET', `/person?where=${encodeURIComponent(JSON.stringify({ age: '5', name: 45, active: { '!=': 'true' } }))}`, {});
    expect(found.status).toBe(200);
    expect(found.body.length).toBeGreaterThan(0);
    const refused = await send('GET', `/person?where=${encodeURIComponent(JSON.stringify({ age: 'x' }))}`, {});
    expect(refused.body).toMatchObject({ code: 'E_INVALID_CRITERIA' });
  });
});

describe('other bodies on blueprint writes', () => {
  it.each([
    ['text/plain', 'name=Ada'],
    ['application/xml', '<person><name>Ada</name></person>'],
    ['application/vnd.api+json', '{"name":"Ada"}'],
  ])('%s is a 415 naming the types accepted, and writes nothing', async (type, body) => {
    const before = await count();
    const refused = await send('POST', '/person', { type, body });
    expect(refused.status).toBe(415);
    expect(refused.body).toEqual({
      code: 'E_UNSUPPORTED_MEDIA_TYPE',
      message: `POST /person (the create blueprint of person) cannot read a body of type ${type}; send it as application/json, application/x-www-form-urlencoded, multipart/form-data.`,
    });
    expect(await count()).toBe(before);
  });

  it('a body without a content-type is a 415 too, on update as well', async () => {
    const created = await send('POST', '/person', { type: 'application/json', body: JSON.stringify({ name: 'Ada' }) });
    const response = await fetch(lifted.app.url + `/person/${created.body.id}`, { method: 'PATCH', body: new Uint8Array(Buffer.from('name=Bob')) });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ code: 'E_UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('without a content-type') });
    expect((await lifted.app.models['person']!.findOne(created.body.id))?.name).toBe('Ada');
  });

  it('a JSON body that is not an object is a 400, not an empty record', async () => {
    const before = await count();
    const refused = await send('POST', '/pet', { type: 'application/json', body: '"Rex"' });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('E_INVALID_NEW_RECORD');
    expect(await count()).toBe(before);
  });

  it('a bodiless write with any content-type still reads the query', async () => {
    const created = await send('POST', '/pet?name=Tom', { type: 'text/plain' });
    expect(created.status).toBe(200);
    expect(created.body.name).toBe('Tom');
  });

  it('custom actions still get other bodies as text', async () => {
    const echoed = await send('POST', '/echo/body', { type: 'text/plain', body: 'just text' });
    expect(echoed.body).toMatchObject({ body: 'just text', type: 'string' });
  });

  it('socket writes have no content type to check', async () => {
    const client = await connect('socket.io-client 4', lifted.app.url);
    try {
      const jwr = await client.request('post', '/person', { name: 'Sock', age: 3 });
      expect(jwr.statusCode).toBe(200);
    } finally {
      client.close();
    }
  });
});
