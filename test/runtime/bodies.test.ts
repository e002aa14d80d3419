/**
 * Bodies of blueprint writes over HTTP: JSON, urlencoded and multipart forms read as Sails reads
 * them (a form's text coerced as Waterline coerces it), anything else a 415, never an empty record.
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

  it('keeps JSON bodies as they are: "5" for a number is still refused', async () => {
    const refused = await send('POST', '/person', { type: 'application/json', body: JSON.stringify({ name: 'j', age: '5' }) });
    expect(refused.status).toBe(400);
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

  it('socket writes are unchanged', async () => {
    const client = await connect('socket.io-client 4', lifted.app.url);
    try {
      const jwr = await client.request('post', '/person', { name: 'Sock', age: 3 });
      expect(jwr.statusCode).toBe(200);
    } finally {
      client.close();
    }
  });
});
