import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALL_KINDS, connect, liftFixture, type Client, type Lifted } from './helpers.js';

const NUMBER = expect.any(Number);

describe.each(ALL_KINDS)('blueprints over %s', (kind) => {
  let lifted: Lifted;
  let client: Client;

  beforeAll(async () => {
    lifted = await liftFixture();
  });
  afterAll(async () => {
    await lifted.close();
  });
  beforeEach(async (context) => {
    client = await connect(kind, lifted.app.url);
    context.onTestFinished(() => client.close());
  });

  it('create answers 200 with the record, defaults filled in and unknown keys dropped', async () => {
    const jwr = await client.request('post', '/user', { name: 'bob', age: 30, nickname: 'dropped' });
    expect(jwr.statusCode).toBe(200);
    expect(jwr.body).toStrictEqual({ id: NUMBER, createdAt: NUMBER, updatedAt: NUMBER, name: 'bob', email: '', age: 30 });
    const body = jwr.body as { createdAt: number; updatedAt: number };
    expect(body.createdAt).toBe(body.updatedAt);
    expect(Math.abs(body.createdAt - Date.now())).toBeLessThan(60_000);
  });

  it('findOne answers the record; a missing one is 404 "Not Found"; a bad id is a 400', async () => {
    const created = (await client.request('post', '/user', { name: 'carol', email: 'c@example.com' })).body as { id: number };
    const found = await client.request('get', `/user/${created.id}`);
    expect(found.statusCode).toBe(200);
    expect(found.body).toStrictEqual({ ...created, email: 'c@example.com', age: 0 });
    const missing = await client.request('get', '/user/99999');
    expect(missing).toMatchObject({ statusCode: 404, body: 'Not Found' });
    const bad = await client.request('get', '/user/abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toStrictEqual({
      code: 'E_INVALID_CRITERIA',
      message: '"abc" is not a valid user id (GET /user/abc); ids are whole numbers, as in /user/1.',
    });
  });

  it('find answers an array; update (PATCH and PUT) answers the re-read record; destroy answers the record as it was', async () => {
    const a = (await client.request('post', '/user', { name: 'find-a', age: 1 })).body as { id: number };
    const list = await client.request('get', '/user', { where: { name: 'find-a' } });
    expect(list.statusCode).toBe(200);
    expect(list.body).toStrictEqual([a]);

    const patched = await client.request('patch', `/user/${a.id}`, { age: 2, id: 12345, createdAt: 1 });
    expect(patched.statusCode).toBe(200);
    expect(patched.body).toStrictEqual({ ...a, age: 2, updatedAt: NUMBER });
    const put = await client.request('put', `/user/${a.id}`, { name: 'find-a2' });
    expect(put.body).toStrictEqual({ ...a, age: 2, name: 'find-a2', updatedAt: NUMBER });

    const destroyed = await client.request('delete', `/user/${a.id}`);
    expect(destroyed.statusCode).toBe(200);
    expect(destroyed.body).toStrictEqual(put.body);
    expect((await client.request('get', `/user/${a.id}`)).statusCode).toBe(404);
    expect(await client.request('delete', `/user/${a.id}`)).toMatchObject({ statusCode: 404, body: 'Not Found' });
    expect(await client.request('patch', `/user/${a.id}`, { age: 3 })).toMatchObject({ statusCode: 404, body: 'Not Found' });
  });

  it('DELETE /user takes the id from the body or query (docs/protocol.md 6.1: DELETE /M/:id?)', async () => {
    // The HTTP client sends DELETE data as the query string; the socket clients in the body.
    const a = (await client.request('post', '/user', { name: 'delete-no-path-id' })).body as { id: number };
    const destroyed = await client.request('delete', '/user', { id: a.id });
    expect(destroyed).toMatchObject({ statusCode: 200, body: { id: a.id, name: 'delete-no-path-id' } });
    expect((await client.request('get', `/user/${a.id}`)).statusCode).toBe(404);
    expect(await client.request('delete', '/user', { id: a.id })).toMatchObject({ statusCode: 404, body: 'Not Found' });
    expect(await client.request('delete', '/user')).toMatchObject({
      statusCode: 400,
      body: { code: 'E_INVALID_CRITERIA', message: 'No user id was given (DELETE /user, the id in the body or query); name the record in the path, as in /user/1.' },
    });
    expect(await client.request('delete', '/user', { id: 'x' })).toMatchObject({ statusCode: 400, body: { code: 'E_INVALID_CRITERIA' } });
  });

  it('create refuses bad values with E_INVALID_NEW_RECORD naming each attribute and rule', async () => {
    const jwr = await client.request('post', '/user', { email: 'not-an-email', age: 'old' });
    expect(jwr.statusCode).toBe(400);
    expect(jwr.body).toStrictEqual({
      code: 'E_INVALID_NEW_RECORD',
      message:
        'Could not create a user: "name" is required; "email" must be an email address, got "not-an-email"; "age" must be a number, got "old". Fix these values and send the request again.',
      details: '"name" is required\n"email" must be an email address, got "not-an-email"\n"age" must be a number, got "old"',
    });
    const empty = await client.request('post', '/user', { name: '' });
    expect((empty.body as { message: string }).message).toContain('"name" is required, so it cannot be empty');
  });

  it('create refuses an array body (Sails made one junk record)', async () => {
    if (kind === 'http') {
      const response = await fetch(`${lifted.app.url}/user`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ name: 'x' }]),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe('E_INVALID_NEW_RECORD');
      return;
    }
    const jwr = await client.request('post', '/user', [{ name: 'x' }]);
    expect(jwr.statusCode).toBe(400);
    expect(jwr.body).toStrictEqual({
      code: 'E_INVALID_NEW_RECORD',
      message: 'Could not create a user: send one object of attribute values, not an array (create makes one record per request).',
    });
  });

  it('update refuses bad values with E_INVALID_VALUES_TO_SET', async () => {
    const a = (await client.request('post', '/user', { name: 'upd' })).body as { id: number };
    const jwr = await client.request('patch', `/user/${a.id}`, { name: null, age: 'x' });
    expect(jwr.statusCode).toBe(400);
    expect(jwr.body).toStrictEqual({
      code: 'E_INVALID_VALUES_TO_SET',
      message: 'Could not update the user: "name" is required, so it cannot be null; "age" must be a number, got "x". Fix these values and send the request again.',
      details: '"name" is required, so it cannot be null\n"age" must be a number, got "x"',
    });
    expect((await client.request('get', `/user/${a.id}`)).body).toMatchObject({ name: 'upd', age: 0 });
  });

  it('a unique clash is 400 E_UNIQUE with modelIdentity and attrNames', async () => {
    const title = `unique-${kind}`;
    expect((await client.request('post', '/note', { title })).statusCode).toBe(200);
    const jwr = await client.request('post', '/note', { title });
    expect(jwr.statusCode).toBe(400);
    expect(jwr.body).toStrictEqual({
      code: 'E_UNIQUE',
      message: 'Would violate uniqueness constraint: a note already exists with the same title; send a different value.',
      modelIdentity: 'note',
      attrNames: ['title'],
    });
    const other = (await client.request('post', '/note', { title: `${title}-2` })).body as { id: number };
    expect((await client.request('patch', `/note/${other.id}`, { title })).body).toMatchObject({ code: 'E_UNIQUE', attrNames: ['title'] });
  });

  it('stores every type: booleans come back as booleans, json parsed, defaults and allowNull applied', async () => {
    const plain = await client.request('post', '/note', { title: `types-${kind}` });
    expect(plain.body).toStrictEqual({
      id: NUMBER,
      createdAt: NUMBER,
      updatedAt: NUMBER,
      title: `types-${kind}`,
      done: false,
      meta: null,
      score: 5,
      nick: null,
      kind: 'a',
    });
    const full = await client.request('post', '/note', {
      title: `types2-${kind}`,
      done: true,
      meta: { tags: ['x'], n: 1.5 },
      score: 2.25,
      nick: 'n',
      kind: 'b',
    });
    const id = (full.body as { id: number }).id;
    expect((await client.request('get', `/note/${id}`)).body).toMatchObject({
      done: true,
      meta: { tags: ['x'], n: 1.5 },
      score: 2.25,
      nick: 'n',
      kind: 'b',
    });
    expect((await client.request('get', '/note', { where: { title: `types2-${kind}` }, select: 'title' })).body).toStrictEqual([
      { id, title: `types2-${kind}` },
    ]);
    expect((await client.request('get', '/note', { where: { done: true }, omit: 'createdAt,updatedAt,title,score,nick,kind' })).body).toStrictEqual([
      { id, done: true, meta: { tags: ['x'], n: 1.5 } },
    ]);
    const bad = await client.request('post', '/note', { title: `types3-${kind}`, kind: 'c', done: 'yes' });
    expect((bad.body as { message: string }).message).toBe(
      'Could not create a note: "done" must be true or false, got "yes"; "kind" must be one of "a", "b", got "c". Fix these values and send the request again.',
    );
  });

  it('a record with id 0 can be created, read, updated and destroyed', async () => {
    const widget = await client.request('post', '/widget', { id: 0, label: `zero-${kind}` });
    expect(widget.body).toMatchObject({ id: 0, label: `zero-${kind}` });
    const note = await client.request('post', '/note', { id: 0, title: 'zero' });
    expect(note.body).toMatchObject({ id: 0 });
    expect((await client.request('get', '/note/0')).body).toMatchObject({ id: 0, title: 'zero' });
    expect((await client.request('patch', '/note/0', { score: 9 })).body).toMatchObject({ id: 0, score: 9 });
    expect((await client.request('delete', '/note/0')).body).toMatchObject({ id: 0, score: 9 });
    expect((await client.request('get', '/note/0')).statusCode).toBe(404);
  });

  it('a controller action named like a blueprint replaces it; the other blueprints stay', async () => {
    const created = (await client.request('post', '/widget', { label: 'w' })).body as { id: number };
    const found = await client.request('get', `/widget/${created.id}`);
    expect(found.body).toStrictEqual({ overridden: true, id: String(created.id) });
    expect((await client.request('get', '/widget', { label: 'w' })).body).toStrictEqual([created]);
  });

  it('other verbs on blueprint paths are 404', async () => {
    expect(await client.request('post', '/user/1', {})).toMatchObject({ statusCode: 404, body: 'Not Found' });
  });
});
