/**
 * Links over the wire: populate, add/remove/replace/populate, the addedTo/removedFrom messages
 * and reverse notices, subscribeDeep, shortcut routes and model API writes, on docs/protocol.md's test
 * models user{name!, age, pets:[pet via owner], tags:[tag via users]}, pet{name, owner:->user},
 * tag{label! unique, users:[user via tags]} (test/runtime/links-app).
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { lift, type ModelApi } from '../../src/runtime/index.js';
import { connect, flush, liftFixture, rawSocket, SOCKET_KINDS, type Client, type ClientKind, liftAndConnect, type Lifted } from './helpers.js';

const LINKS_APP = fileURLToPath(new URL('./links-app', import.meta.url));
const NUMBER = expect.any(Number);

function setup(kinds: ClientKind[], config: Record<string, unknown> = {}): Promise<{ lifted: Lifted; clients: Client[] }> {
  // sails.io.js has no onAny: listen to the three models' events from the start.
  return liftAndConnect(kinds, { config, appPath: LINKS_APP, events: ['user', 'pet', 'tag'] });
}

type Rec = Record<string, unknown> & { id: number };

async function post(client: Client, url: string, data: unknown): Promise<Rec> {
  const jwr = await client.request('post', url, data);
  expect(jwr.statusCode, JSON.stringify(jwr.body)).toBe(200);
  return jwr.body as Rec;
}

function roomsOf(lifted: Lifted, client: Client): string[] {
  const id = rawSocket(client).id ?? '';
  return [...(lifted.app.io.of('/').sockets.get(id)?.rooms ?? [])].filter((room) => room !== id).sort();
}

function modelApi(lifted: Lifted, identity: string): ModelApi {
  const api = lifted.app.models[identity];
  if (!api) throw new Error(`no model ${identity}`);
  return api;
}

function roomSize(lifted: Lifted, room: string): number {
  return lifted.app.io.of('/').adapter.rooms.get(room)?.size ?? 0;
}

describe('populate (docs/protocol.md 6.2, 7.4)', () => {
  it('findOne and find populate every link by default: to-one as the record, to-many as lists', async () => {
    const { clients } = await setup(['socket.io-client 4']);
    const [a] = clients as [Client];
    const bob = await post(a, '/user', { name: 'bob', age: 30 });
    // docs/protocol.md 3.1/2.6: a created record comes back populated, to-many lists first.
    expect(bob).toStrictEqual({ pets: [], tags: [], id: NUMBER, createdAt: NUMBER, updatedAt: NUMBER, name: 'bob', age: 30 });
    expect(Object.keys(bob).slice(0, 2)).toStrictEqual(['pets', 'tags']);
    const rex = await post(a, '/pet', { name: 'rex', owner: bob.id });
    const bobRecord = { id: bob.id, createdAt: NUMBER, updatedAt: NUMBER, name: 'bob', age: 30 };
    expect(rex).toStrictEqual({ id: NUMBER, createdAt: NUMBER, updatedAt: NUMBER, name: 'rex', owner: bobRecord });
    const red = await post(a, '/tag', { label: 'red', users: [bob.id] });
    expect(red['users']).toStrictEqual([bobRecord]);

    const petRow = { id: rex.id, createdAt: NUMBER, updatedAt: NUMBER, name: 'rex', owner: bob.id };
    const tagRow = { id: red.id, createdAt: NUMBER, updatedAt: NUMBER, label: 'red' };
    expect((await a.request('get', `/user/${bob.id}`)).body).toStrictEqual({ ...bobRecord, pets: [petRow], tags: [tagRow] });
    expect((await a.request('get', '/user')).body).toStrictEqual([{ ...bobRecord, pets: [petRow], tags: [tagRow] }]);
    expect((await a.request('get', '/pet')).body).toStrictEqual([{ ...petRow, owner: bobRecord }]);
  });

  it('populate=false, a comma list, an array; an unknown alias is 400 E_INVALID_POPULATES', async () => {
    const { lifted, clients } = await setup(['socket.io-client 4', 'http']);
    const [a, http] = clients as [Client, Client];
    const bob = await post(http, '/user', { name: 'bob' });
    await post(http, '/pet', { name: 'rex', owner: bob.id });
    const keys = async (client: Client, url: string, data?: unknown): Promise<string[]> =>
      Object.keys((await client.request('get', url, data)).body as object).sort();
    expect(await keys(a, `/user/${bob.id}?populate=false`)).toStrictEqual(['age', 'createdAt', 'id', 'name', 'updatedAt']);
    expect((await a.request('get', '/pet?populate=false')).body).toMatchObject([{ owner: bob.id }]);
    expect(await keys(a, `/user/${bob.id}?populate=pets`)).toStrictEqual(['age', 'createdAt', 'id', 'name', 'pets', 'updatedAt']);
    expect(await keys(a, `/user/${bob.id}`, { populate: ['tags'] })).toStrictEqual(['age', 'createdAt', 'id', 'name', 'tags', 'updatedAt']);
    expect(await keys(http, `/user/${bob.id}?populate=["pets","tags"]`)).toContain('tags');
    const ann = await lifted.app.models['user']?.create({ name: 'ann' });
    for (const client of [a, http]) {
      const bad = await client.request('get', `/user/${ann?.id}?populate=pest`);
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toStrictEqual({
        code: 'E_INVALID_POPULATES',
        message: 'Could not populate `pest`: it is not a link of user; the links of user are pets, tags.',
      });
    }
    // A refused findOne subscribes nobody.
    expect(roomSize(lifted, `sails_model_user_${ann?.id}:user`)).toBe(0);
  });

  it('caps each populated list at 30, as Sails does', async () => {
    const { lifted, clients } = await setup(['socket.io-client 4']);
    const [a] = clients as [Client];
    const pet = lifted.app.models['pet'];
    const bob = await post(a, '/user', { name: 'bob' });
    for (let i = 0; i < 32; i++) await pet?.create({ name: `p${i}`, owner: bob.id }, { publish: false });
    expect(((await a.request('get', `/user/${bob.id}`)).body as { pets: unknown[] }).pets).toHaveLength(30);
    expect((await a.request('get', `/user/${bob.id}/pets?limit=40`)).body).toHaveLength(32);
  });
});

describe.each(SOCKET_KINDS)('links over the wire, %s as the requester', (kind) => {
  it('add to a one-to-many: addedTo to the parent, updated {owner} to the child, removedFrom to the old parent (docs/protocol.md 3.4, 3.7, 6.2)', async () => {
    const { lifted, clients } = await setup([kind, 'socket.io-client 4', 'sails.io.js 1.2.1']);
    const [requester, watcher, other] = clients as [Client, Client, Client];
    const ann = await post(requester, '/user', { name: 'ann' });
    const bob = await post(requester, '/user', { name: 'bob' });
    const rex = await post(requester, '/pet', { name: 'rex', owner: ann.id });
    await watcher.request('get', `/user/${bob.id}`);
    await watcher.request('get', `/pet/${rex.id}`);
    await other.request('get', `/user/${ann.id}`);

    const added = await requester.request('put', `/user/${bob.id}/pets/${rex.id}`);
    expect(added.statusCode).toBe(200);
    expect(added.body).toMatchObject({ id: bob.id, pets: [{ id: rex.id, owner: bob.id }], tags: [] });
    expect(await watcher.next('user')).toStrictEqual({ id: bob.id, verb: 'addedTo', attribute: 'pets', addedId: rex.id });
    expect(await watcher.next('pet')).toStrictEqual({ verb: 'updated', data: { owner: bob.id }, id: rex.id });
    // The stolen child's old parent hears of it.
    expect(await other.next('user')).toStrictEqual({ id: ann.id, verb: 'removedFrom', attribute: 'pets', removedId: rex.id });
    await flush(requester);
    expect(requester.events('user')).toStrictEqual([]);
    expect(requester.events('pet')).toStrictEqual([]);
    // The requester is in the parent's and the child's rooms (`other` is in rex's through subscribeDeep).
    expect(roomSize(lifted, `sails_model_user_${bob.id}:user`)).toBe(2);
    expect(roomSize(lifted, `sails_model_pet_${rex.id}:pet`)).toBe(3);
    // Adding again: 200, still one link, nothing published.
    expect((await requester.request('put', `/user/${bob.id}/pets/${rex.id}`)).body).toMatchObject({ pets: [{ id: rex.id }] });
    await flush(watcher);
    // The watcher is also in ann's room (it populated rex's owner): it heard both, and nothing more.
    expect(watcher.events('user')).toStrictEqual([
      { id: bob.id, verb: 'addedTo', attribute: 'pets', addedId: rex.id },
      { id: ann.id, verb: 'removedFrom', attribute: 'pets', removedId: rex.id },
    ]);
  });

  it('add and remove on a many-to-many: both sides get addedTo / removedFrom; the join table holds the link', async () => {
    // Shared, so this test can read the join table from a second connection.
    const { lifted, clients } = await setup([kind, 'socket.io-client 4'], { datastores: { default: { exclusive: false } } });
    const [requester, watcher] = clients as [Client, Client];
    const bob = await post(requester, '/user', { name: 'bob' });
    const red = await post(requester, '/tag', { label: 'red' });
    await watcher.request('get', `/user/${bob.id}`);
    await watcher.request('get', `/tag/${red.id}`);

    expect((await requester.request('put', `/user/${bob.id}/tags/${red.id}`)).body).toMatchObject({ tags: [{ id: red.id, label: 'red' }] });
    expect(await watcher.next('user')).toStrictEqual({ id: bob.id, verb: 'addedTo', attribute: 'tags', addedId: red.id });
    expect(await watcher.next('tag')).toStrictEqual({ id: red.id, verb: 'addedTo', attribute: 'users', addedId: bob.id });
    const db = new Database(join(lifted.dir, 'db.sqlite'), { readonly: true });
    expect(db.prepare('select user_tags, tag_users from tag_users__user_tags').all()).toStrictEqual([{ user_tags: bob.id, tag_users: red.id }]);

    const removed = await requester.request('delete', `/user/${bob.id}/tags/${red.id}`);
    expect(removed).toMatchObject({ statusCode: 200, body: { id: bob.id, tags: [] } });
    expect(await watcher.next('user')).toStrictEqual({ id: bob.id, verb: 'removedFrom', attribute: 'tags', removedId: red.id });
    expect(await watcher.next('tag')).toStrictEqual({ id: red.id, verb: 'removedFrom', attribute: 'users', removedId: bob.id });
    expect(db.prepare('select count(*) as n from tag_users__user_tags').get()).toStrictEqual({ n: 0 });
    db.close();
    await flush(requester);
    expect(requester.events('user')).toStrictEqual([]);
    expect(requester.events('tag')).toStrictEqual([]);
  });

  it("sends the parents' notices before created and updated, in Sails' order", async () => {
    const { clients } = await setup([kind, 'socket.io-client 4']);
    const [requester, watcher] = clients as [Client, Client];
    const [bob, ann] = [await post(requester, '/user', { name: 'bob' }), await post(requester, '/user', { name: 'ann' })] as [Rec, Rec];
    // In both users' rooms and in the pet class room: every message below reaches this one socket.
    await watcher.request('get', `/user/${bob.id}?populate=false`);
    await watcher.request('get', `/user/${ann.id}?populate=false`);
    await watcher.request('get', '/pet');
    const order: string[] = [];
    rawSocket(watcher).onAny((event: string, message: { verb: string }) => order.push(`${event} ${message.verb}`));
    const pet = await post(requester, '/pet', { name: 'rex', owner: bob.id });
    await watcher.next('pet');
    expect(order).toStrictEqual(['user addedTo', 'pet created']);
    order.length = 0;
    expect((await requester.request('patch', `/pet/${pet.id}`, { owner: ann.id })).statusCode).toBe(200);
    await watcher.next('pet');
    expect(order).toStrictEqual(['user removedFrom', 'user addedTo', 'pet updated']);
  });

  it('replace: one addedTo / removedFrom per id (not the documented addedIds arrays), reverse notices to the children (docs/protocol.md 3.4 and 10, item 7)', async () => {
    const { clients } = await setup([kind, 'socket.io-client 4']);
    const [requester, watcher] = clients as [Client, Client];
    const bob = await post(requester, '/user', { name: 'bob' });
    const [p1, p2, p3] = [await post(requester, '/pet', { name: 'a', owner: bob.id }), await post(requester, '/pet', { name: 'b' }), await post(requester, '/pet', { name: 'c' })] as [Rec, Rec, Rec];
    await watcher.request('get', `/user/${bob.id}?populate=false`);
    await watcher.request('get', `/pet/${p1.id}`);
    const replaced = await requester.request('put', `/user/${bob.id}/pets`, [p2.id, p3.id]);
    expect(replaced.statusCode).toBe(200);
    expect((replaced.body as { pets: Rec[] }).pets.map((p) => p.id)).toStrictEqual([p2.id, p3.id]);
    // Sails' order: the addedTo messages, then the removedFrom ones.
    expect(await watcher.next('user')).toStrictEqual({ id: bob.id, verb: 'addedTo', attribute: 'pets', addedId: p2.id });
    expect(await watcher.next('user')).toStrictEqual({ id: bob.id, verb: 'addedTo', attribute: 'pets', addedId: p3.id });
    expect(await watcher.next('user')).toStrictEqual({ id: bob.id, verb: 'removedFrom', attribute: 'pets', removedId: p1.id });
    expect(await watcher.next('pet')).toStrictEqual({ verb: 'updated', data: { owner: null }, id: p1.id });
    // An object body is refused, as in Sails; so are ids that are not ids, or name no record.
    for (const [body, message] of [
      [{ pets: [1] }, 'PUT /user/1/pets takes the new list of pet ids as the request body, a JSON array such as [1,2], not {"pets":[1]}.'],
      [['x'], 'user.pets takes pet ids (whole numbers), as a JSON array such as [1,2], got ["x"].'],
      [[999], 'user.pets: there is no pet with the id 999; link existing records only.'],
    ] as const) {
      const jwr = await requester.request('put', `/user/${bob.id}/pets`, body);
      expect(jwr).toMatchObject({ statusCode: 400, body: { code: 'E_INVALID_ASSOCIATED_IDS', message: message.replace('/user/1/', `/user/${bob.id}/`) } });
    }
  });

  it('destroy: children get updated {owner:null}, linked tags removedFrom, the old parent removedFrom; nothing dangles (docs/protocol.md 3.3, 3.7, 6.2)', async () => {
    const { lifted, clients } = await setup([kind, 'socket.io-client 4']);
    const [requester, watcher] = clients as [Client, Client];
    const bob = await post(requester, '/user', { name: 'bob' });
    const rex = await post(requester, '/pet', { name: 'rex', owner: bob.id });
    const red = await post(requester, '/tag', { label: 'red', users: [bob.id] });
    await watcher.request('get', `/user/${bob.id}`); // subscribeDeep: also rex's and red's rooms
    const destroyed = await requester.request('delete', `/user/${bob.id}`);
    const previous = { pets: [{ id: rex.id, createdAt: NUMBER, updatedAt: NUMBER, name: 'rex', owner: bob.id }], tags: [{ id: red.id, createdAt: NUMBER, updatedAt: NUMBER, label: 'red' }], id: bob.id, createdAt: NUMBER, updatedAt: NUMBER, name: 'bob', age: 0 };
    expect(destroyed).toMatchObject({ statusCode: 200 });
    expect(destroyed.body).toStrictEqual(previous);
    expect(await watcher.next('user')).toStrictEqual({ verb: 'destroyed', id: bob.id, previous });
    expect(await watcher.next('pet')).toStrictEqual({ verb: 'updated', data: { owner: null }, id: rex.id });
    expect(await watcher.next('tag')).toStrictEqual({ id: red.id, verb: 'removedFrom', attribute: 'users', removedId: bob.id });
    await flush(requester);
    expect(requester.events('pet')).toStrictEqual([]);
    expect(requester.events('tag')).toStrictEqual([]);
    expect((await requester.request('get', `/pet/${rex.id}?populate=false`)).body).toMatchObject({ owner: null });
    expect((await requester.request('get', `/tag/${red.id}`)).body).toMatchObject({ users: [] });
    expect(roomSize(lifted, `sails_model_user_${bob.id}:user`)).toBe(0);
  });
});

describe('reverse notices of create and update (docs/protocol.md 3.7)', () => {
  it('create with a to-one: the parent gets addedTo; update moving it: removedFrom to the old, addedTo to the new', async () => {
    const { clients } = await setup(['sails.io.js 1.2.1', 'socket.io-client 4']);
    const [requester, watcher] = clients as [Client, Client];
    const ann = await post(requester, '/user', { name: 'ann' });
    const bob = await post(requester, '/user', { name: 'bob' });
    await watcher.request('get', '/user?populate=false');
    const rex = await post(requester, '/pet', { name: 'rex', owner: ann.id });
    expect(await watcher.next('user')).toStrictEqual({ id: ann.id, verb: 'addedTo', attribute: 'pets', addedId: rex.id });
    await requester.request('patch', `/pet/${rex.id}`, { owner: bob.id });
    expect(await watcher.next('user')).toStrictEqual({ id: ann.id, verb: 'removedFrom', attribute: 'pets', removedId: rex.id });
    expect(await watcher.next('user')).toStrictEqual({ id: bob.id, verb: 'addedTo', attribute: 'pets', addedId: rex.id });
    // A to-one must name an existing record: nothing dangles.
    expect(await requester.request('patch', `/pet/${rex.id}`, { owner: 999 })).toMatchObject({
      statusCode: 400,
      body: { code: 'E_INVALID_VALUES_TO_SET', message: '"owner" must be the id of an existing user, and there is no user 999; create it first or send another id.' },
    });
    expect(await requester.request('post', '/pet', { owner: 'bob' })).toMatchObject({ statusCode: 400, body: { code: 'E_INVALID_NEW_RECORD' } });
  });

  it('create with a to-many list steals children: the child gets updated {owner}, its old parent removedFrom', async () => {
    const { clients } = await setup(['socket.io-client 4', 'socket.io-client 4']);
    const [requester, watcher] = clients as [Client, Client];
    const ann = await post(requester, '/user', { name: 'ann' });
    const rex = await post(requester, '/pet', { name: 'rex', owner: ann.id });
    await watcher.request('get', `/user/${ann.id}`);
    const bob = await post(requester, '/user', { name: 'bob', pets: [rex.id] });
    expect(bob['pets']).toMatchObject([{ id: rex.id, owner: bob.id }]);
    expect(await watcher.next('pet')).toStrictEqual({ verb: 'updated', data: { owner: bob.id }, id: rex.id });
    // findOne does not watch its own class room, so no `created`: only the stolen child's old parent.
    expect(await watcher.next('user')).toStrictEqual({ id: ann.id, verb: 'removedFrom', attribute: 'pets', removedId: rex.id });
  });
});

describe('subscriptions of find, findOne and populate (docs/protocol.md 6.2)', () => {
  it('findOne joins the record, the populated linked records and the class rooms of the linked models', async () => {
    const { lifted, clients } = await setup(['socket.io-client 4', 'socket.io-client 4']);
    const [a, b] = clients as [Client, Client];
    const bob = await post(b, '/user', { name: 'bob' });
    const rex = await post(b, '/pet', { name: 'rex', owner: bob.id });
    await a.request('get', `/user/${bob.id}`);
    expect(roomsOf(lifted, a)).toStrictEqual([`sails_model_create_pet`, 'sails_model_create_tag', `sails_model_pet_${rex.id}:pet`, `sails_model_user_${bob.id}:user`]);
    // Watching pet's class room: a new pet reaches `a`.
    const fido = await post(b, '/pet', { name: 'fido' });
    expect(await a.next('pet')).toMatchObject({ verb: 'created', id: fido.id });
  });

  it('watchLinkedModels: false keeps find and findOne out of the linked models\' class rooms', async () => {
    const { lifted, clients } = await setup(['socket.io-client 4'], { blueprints: { watchLinkedModels: false } });
    const [a] = clients as [Client];
    const bob = await post(a, '/user', { name: 'bob' });
    const rex = await post(a, '/pet', { name: 'rex', owner: bob.id });
    await a.request('get', `/user/${bob.id}`);
    await a.request('get', '/user');
    expect(roomsOf(lifted, a)).toStrictEqual(['sails_model_create_user', `sails_model_pet_${rex.id}:pet`, `sails_model_user_${bob.id}:user`]);
  });

  it('the populate route answers the linked value and subscribes to the parent and the children; 404 for a missing parent or an empty to-one', async () => {
    const { lifted, clients } = await setup(['sails.io.js 1.2.1', 'socket.io-client 4']);
    const [a, b] = clients as [Client, Client];
    const [user, pet] = [modelApi(lifted, 'user'), modelApi(lifted, 'pet')];
    const bob = await user.create({ name: 'bob' });
    const rex = await pet.create({ name: 'rex', owner: bob.id });
    await pet.create({ name: 'zed', owner: bob.id });
    const stray = await pet.create({ name: 'stray' });
    const pets = await a.request('get', `/user/${bob.id}/pets?sort=name DESC&limit=1`);
    expect(pets).toMatchObject({ statusCode: 200, body: [{ name: 'zed', owner: bob.id }] });
    expect((await a.request('get', `/pet/${rex.id}/owner`)).body).toStrictEqual({ id: bob.id, createdAt: NUMBER, updatedAt: NUMBER, name: 'bob', age: 0 });
    expect(await a.request('get', `/pet/${stray.id}/owner`)).toMatchObject({ statusCode: 404, body: 'Not Found' });
    expect(await a.request('get', '/user/999/pets')).toMatchObject({ statusCode: 404, body: 'Not Found' });
    // a joined bob's room, the pets listed and rex's owner; rex's own room through /pet/rex/owner.
    expect(roomSize(lifted, `sails_model_user_${bob.id}:user`)).toBe(1);
    expect(roomSize(lifted, `sails_model_pet_${rex.id}:pet`)).toBe(1);
    expect(roomSize(lifted, 'sails_model_create_pet')).toBe(1);
    await b.request('patch', `/user/${bob.id}`, { age: 5 });
    expect(await a.next('user')).toMatchObject({ verb: 'updated', id: bob.id, data: { age: 5 } });
  });
});

describe('model API writes publish like the blueprints (docs/runtime.md)', () => {
  it('update with { req } leaves the requester out; { publish: false } tells nobody; addToCollection publishes addedTo', async () => {
    const { lifted, clients } = await setup(['socket.io-client 4', 'sails.io.js 1.2.1']);
    const [requester, watcher] = clients as [Client, Client];
    const bob = await post(requester, '/user', { name: 'bob' });
    const rex = await post(requester, '/pet', { name: 'rex' });
    await watcher.request('get', `/user/${bob.id}`);
    await requester.request('get', `/user/${bob.id}`);
    await requester.request('post', `/api/rename/${bob.id}`, { name: 'robert' });
    expect(await watcher.next('user')).toMatchObject({ verb: 'updated', id: bob.id, data: { name: 'robert', id: bob.id }, previous: { name: 'bob' } });
    await requester.request('post', `/api/quiet-rename/${bob.id}`, { name: 'bobby' });
    await requester.request('post', '/api/adopt', { user: bob.id, pet: rex.id });
    expect(await watcher.next('user')).toStrictEqual({ id: bob.id, verb: 'addedTo', attribute: 'pets', addedId: rex.id });
    await flush(requester);
    expect(requester.events('user')).toStrictEqual([]);
    // Called without a req, from anywhere: everyone subscribed hears it.
    await lifted.app.models['user']?.update(bob.id, { age: 40 });
    expect(await watcher.next('user')).toMatchObject({ verb: 'updated', data: { age: 40 } });
    expect(await requester.next('user')).toMatchObject({ verb: 'updated', data: { age: 40 } });
    expect(watcher.events('user').filter((m) => (m as { data?: { name?: string } }).data?.name === 'bobby')).toStrictEqual([]);
  });

  it('models.publishWrites: false makes model API writes silent; blueprints still publish', async () => {
    const { lifted, clients } = await setup(['socket.io-client 4', 'socket.io-client 4'], { models: { publishWrites: false } });
    const [a, b] = clients as [Client, Client];
    const bob = await post(b, '/user', { name: 'bob' });
    await a.request('get', `/user/${bob.id}`);
    await lifted.app.models['user']?.update(bob.id, { age: 1 });
    await b.request('patch', `/user/${bob.id}`, { age: 2 });
    expect(await a.next('user')).toMatchObject({ verb: 'updated', data: { age: 2 } });
    expect(a.events('user')).toHaveLength(1);
  });

  it('subscribe, getRoomName and publish from an action (docs/protocol.md 3.6, 5)', async () => {
    const { lifted, clients } = await setup(['sails.io.js 1.2.1']);
    const [a] = clients as [Client];
    const bob = await post(a, '/user', { name: 'bob' });
    expect((await a.request('post', '/api/watch', { id: bob.id })).body).toStrictEqual({ room: `sails_model_user_${bob.id}:user` });
    lifted.app.models['user']?.publish(bob.id, { custom: 'payload' });
    expect(await a.next('user')).toStrictEqual({ custom: 'payload' });
  });
});

describe('shortcut routes (docs/protocol.md 6.1)', () => {
  it('are off by default, and with shortcuts: true answer GET under the prefix, typed from the query string', async () => {
    const off = await setup(['socket.io-client 4']);
    // Without shortcuts, /user/create is findOne with the id "create".
    expect(await (off.clients[0] as Client).request('get', '/user/create?name=x')).toMatchObject({ statusCode: 400, body: { code: 'E_INVALID_CRITERIA' } });
    expect(await off.lifted.app.models['user']?.count()).toBe(0);
    const { clients } = await setup(['socket.io-client 4', 'http'], { blueprints: { shortcuts: true, prefix: '/api' } });
    const [a, http] = clients as [Client, Client];
    const bob = (await http.request('get', '/api/user/create?name=bob&age=30')).body as Rec;
    expect(bob).toMatchObject({ name: 'bob', age: 30, pets: [] });
    const rex = (await a.request('get', '/api/pet/create?name=rex')).body as Rec;
    expect((await a.request('get', `/api/user/${bob.id}/pets/add/${rex.id}`)).body).toMatchObject({ pets: [{ id: rex.id }] });
    expect((await http.request('get', `/api/user/${bob.id}/pets/replace?pets=[]`)).body).toMatchObject({ pets: [] });
    expect((await a.request('get', `/api/user/update/${bob.id}?age=31`)).body).toMatchObject({ age: 31 });
    expect((await a.request('get', `/api/user/find/${bob.id}`)).body).toMatchObject({ id: bob.id, age: 31 });
    expect((await a.request('get', '/api/user/find?name=bob')).body).toMatchObject([{ id: bob.id }]);
    expect((await a.request('get', `/api/user/destroy/${bob.id}`)).statusCode).toBe(200);
    expect((await a.request('get', `/api/user/${bob.id}`)).statusCode).toBe(404);
  });
});

describe('lift and links', () => {
  it('refuses a link to a model that does not exist, naming the file, model and attribute', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sails-rt-links-'));
    try {
      mkdirSync(join(dir, 'api/models'), { recursive: true });
      writeFileSync(join(dir, 'api/models/Pet.ts'), "export default { attributes: { owner: { model: 'usr' } } };\n");
      writeFileSync(join(dir, 'api/models/User.ts'), 'export default { attributes: {} };\n');
      await expect(lift({ appPath: dir, port: 0, log: () => {}, config: { datastores: { default: { filename: ':memory:' } } } })).rejects.toThrow(
        'api/models/Pet.ts, model Pet, attribute "owner": links to the model "usr", which does not exist (did you mean "user"?); models: pet, user. Add api/models/Usr.ts or fix the link.',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
