/**
 * The model API in Waterline's shapes (docs/runtime.md): chainable, awaitable queries on
 * sails.models.<identity> that validate like the blueprints and publish like them, on the links
 * app's models user{name!, age, pets:[pet via owner], tags:[tag via users]}, pet{name, owner},
 * tag{label! unique, users}.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { lift, SailsRtError, type ModelApi, type SailsApp } from '../../src/runtime/index.js';
import { connect, flush, liftFixture, type Client, type Lifted } from './helpers.js';

const LINKS_APP = fileURLToPath(new URL('./links-app', import.meta.url));

let open: { lifted?: Lifted; clients: Client[]; cleanup?: () => Promise<void> } = { clients: [] };

afterEach(async () => {
  for (const client of open.clients) client.close();
  await open.lifted?.close();
  await open.cleanup?.();
  open = { clients: [] };
});

async function setup(sockets: number, config: Record<string, unknown> = {}): Promise<{ app: SailsApp; clients: Client[] }> {
  const lifted = await liftFixture(config, { appPath: LINKS_APP });
  open.lifted = lifted;
  for (let i = 0; i < sockets; i++) {
    const client = await connect(i % 2 === 0 ? 'socket.io-client 4' : 'sails.io.js 1.2.1', lifted.app.url);
    for (const event of ['user', 'pet', 'tag']) client.events(event);
    open.clients.push(client);
  }
  return { app: lifted.app, clients: open.clients };
}

function models(app: SailsApp): { user: ModelApi; pet: ModelApi; tag: ModelApi } {
  const all = app.models as Record<string, ModelApi>;
  return { user: all['user'] as ModelApi, pet: all['pet'] as ModelApi, tag: all['tag'] as ModelApi };
}

async function codeOf(promise: PromiseLike<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return error instanceof SailsRtError ? error.code : `not a SailsRtError: ${String(error)}`;
  }
  return undefined;
}

describe('reads: find, findOne, count', () => {
  it('take criteria or a bare where, chain where/sort/limit/skip/select/omit and populate', async () => {
    const { app } = await setup(0);
    const { user, pet } = models(app);
    const bob = await user.create({ name: 'bob', age: 30 }).fetch();
    const ann = await user.create({ name: 'ann', age: 40 });
    await user.create({ name: 'cy', age: 20 });
    const rex = await pet.create({ name: 'rex', owner: bob.id }).fetch();
    await pet.create({ name: 'ace', owner: bob.id });

    expect((await user.find({ age: { '>': 25 } })).map((u) => u['name']).sort()).toStrictEqual(['ann', 'bob']);
    expect((await user.find({ where: { age: { '>': 25 } }, sort: 'age DESC' })).map((u) => u['name'])).toStrictEqual(['ann', 'bob']);
    expect((await user.find().sort('age ASC').skip(1).limit(1)).map((u) => u['name'])).toStrictEqual(['bob']);
    expect(await user.find().where({ name: 'ann' }).select(['name'])).toStrictEqual([{ id: ann.id, name: 'ann' }]);
    expect(Object.keys((await user.find({ name: 'ann' }).omit(['age', 'createdAt', 'updatedAt']))[0] ?? {})).toStrictEqual(['id', 'name']);
    // Links stay ids (to-one) or absent (to-many) unless populated.
    expect(await pet.findOne(rex.id)).toMatchObject({ owner: bob.id });
    expect(await pet.findOne({ id: rex.id }).populate('owner')).toMatchObject({ owner: { id: bob.id, name: 'bob' } });
    const populated = await user.findOne({ id: bob.id }).populate('pets');
    expect(populated?.['pets']).toHaveLength(2);
    expect(populated).not.toHaveProperty('tags');
    expect((await user.find({ name: 'bob' }).populate('pets', { where: { name: 'rex' } }))[0]?.['pets']).toStrictEqual([expect.objectContaining({ id: rex.id })]);
    expect(await user.findOne({ name: 'nobody' })).toBeUndefined();
    expect(await user.count()).toBe(3);
    expect(await user.count({ age: { '>=': 30 } })).toBe(2);
    expect(await user.count({ where: { name: 'cy' } })).toBe(1);
  });

  it('refuse bad criteria and populates with the blueprints\' codes', async () => {
    const { app } = await setup(0);
    const { user } = models(app);
    await user.create({ name: 'a', age: 1 });
    await user.create({ name: 'b', age: 1 });
    expect(await codeOf(user.find({ where: { nope: 1 } }))).toBe('E_INVALID_CRITERIA');
    expect(await codeOf(user.find({ age: { '>>': 1 } }))).toBe('E_INVALID_CRITERIA');
    expect(await codeOf(user.find().limit(-5))).toBe('E_INVALID_CRITERIA');
    expect(await codeOf(user.count({ nope: 1 }))).toBe('E_INVALID_CRITERIA');
    expect(await codeOf(user.find().populate('nope'))).toBe('E_INVALID_POPULATES');
    // findOne, updateOne and destroyOne are for one record.
    expect(await codeOf(user.findOne({ age: 1 }))).toBe('E_INVALID_CRITERIA');
  });
});

describe('writes publish as the blueprints do', () => {
  it('create().fetch(), updateOne().set(), update(criteria).set().fetch(), destroyOne(), destroy(criteria)', async () => {
    const { app, clients } = await setup(1);
    const [watcher] = clients as [Client];
    const { user } = models(app);
    await watcher.request('get', '/user');

    const bob = await user.create({ name: 'bob', age: 30 }).fetch();
    expect(bob).toMatchObject({ id: expect.any(Number), name: 'bob', age: 30 });
    expect(await watcher.next('user')).toMatchObject({ verb: 'created', id: bob.id, data: { name: 'bob', pets: [], tags: [] } });
    const ann = await user.create({ name: 'ann', age: 30 });
    await watcher.next('user');

    expect(await user.updateOne({ id: bob.id }).set({ age: 31 })).toMatchObject({ id: bob.id, age: 31 });
    expect(await watcher.next('user')).toMatchObject({ verb: 'updated', id: bob.id, data: { age: 31, id: bob.id }, previous: { age: 30 } });
    expect(await user.updateOne({ name: 'nobody' }).set({ age: 1 })).toBeUndefined();

    const both = await user.update({ name: { in: ['bob', 'ann'] } }).set({ age: 50 }).fetch();
    expect(both.map((u) => u.id).sort()).toStrictEqual([bob.id, ann.id].sort());
    const updates = [await watcher.next('user'), await watcher.next('user')];
    expect(updates.map((m) => (m as { id: number }).id).sort()).toStrictEqual([bob.id, ann.id].sort());
    expect(updates).toStrictEqual(updates.map(() => expect.objectContaining({ verb: 'updated', data: expect.objectContaining({ age: 50 }) })));

    expect(await user.destroyOne({ id: bob.id })).toMatchObject({ id: bob.id, name: 'bob' });
    expect(await watcher.next('user')).toMatchObject({ verb: 'destroyed', id: bob.id });
    expect(await user.destroy({ age: 50 }).fetch()).toStrictEqual([expect.objectContaining({ id: ann.id })]);
    expect(await watcher.next('user')).toMatchObject({ verb: 'destroyed', id: ann.id });
    expect(await user.count()).toBe(0);
  });

  it('addToCollection/removeFromCollection/replaceCollection(id, alias).members(ids) publish addedTo and removedFrom', async () => {
    const { app, clients } = await setup(1);
    const [watcher] = clients as [Client];
    const { user, pet } = models(app);
    const bob = await user.create({ name: 'bob' });
    const [rex, ace] = [await pet.create({ name: 'rex' }), await pet.create({ name: 'ace' })];
    await watcher.request('get', `/user/${bob.id}`);

    expect(await user.addToCollection(bob.id, 'pets').members([rex.id, ace.id])).toStrictEqual({ added: [rex.id, ace.id], removed: [] });
    expect(await watcher.next('user')).toStrictEqual({ id: bob.id, verb: 'addedTo', attribute: 'pets', addedId: rex.id });
    expect(await watcher.next('user')).toStrictEqual({ id: bob.id, verb: 'addedTo', attribute: 'pets', addedId: ace.id });
    await user.removeFromCollection(bob.id, 'pets').members(rex.id);
    expect(await watcher.next('user')).toStrictEqual({ id: bob.id, verb: 'removedFrom', attribute: 'pets', removedId: rex.id });
    await user.replaceCollection(bob.id, 'pets').members([rex.id]);
    expect((await user.findOne(bob.id).populate('pets'))?.['pets']).toStrictEqual([expect.objectContaining({ id: rex.id })]);
    expect(await codeOf(user.addToCollection(bob.id, 'pets'))).toBe('E_INVALID_ASSOCIATED_IDS');
    expect(await codeOf(user.addToCollection(bob.id, 'nope').members([1]))).toBe('E_INVALID_ASSOCIATED_IDS');
    expect(await codeOf(user.addToCollection(bob.id, 'pets').members([999]))).toBe('E_INVALID_ASSOCIATED_IDS');
  });

  it('.meta({ req }) in an action leaves the requester out; the others hear it', async () => {
    const { clients } = await setup(2);
    const [requester, watcher] = clients as [Client, Client];
    await requester.request('get', '/user');
    await watcher.request('get', '/user');
    const signup = await requester.request('post', '/api/signup', { name: 'bob', age: 30 });
    expect(signup).toMatchObject({ statusCode: 200, body: { name: 'bob', age: 30 } });
    const bob = signup.body as { id: number };
    expect(await watcher.next('user')).toMatchObject({ verb: 'created', id: bob.id });
    expect(await requester.request('post', '/api/birthday', { id: bob.id, age: 31 })).toMatchObject({ statusCode: 200, body: { age: 31 } });
    expect(await watcher.next('user')).toMatchObject({ verb: 'updated', id: bob.id, data: { age: 31 } });
    const rex = (await requester.request('post', '/pet', { name: 'rex' })).body as { id: number };
    const adopted = await requester.request('post', '/api/adopt-many', { user: bob.id, pets: [rex.id] });
    expect(adopted).toMatchObject({ statusCode: 200, body: { id: bob.id, pets: [{ id: rex.id }] } });
    expect(await watcher.next('user')).toMatchObject({ verb: 'addedTo', id: bob.id, addedId: rex.id });
    await flush(requester);
    expect(requester.events('user')).toStrictEqual([]);
  });

  it('bad values through an action are the blueprints\' 400s', async () => {
    const { clients } = await setup(1);
    const [client] = clients as [Client];
    expect(await client.request('post', '/api/signup', { age: 3 })).toMatchObject({ statusCode: 400, body: { code: 'E_INVALID_NEW_RECORD' } });
    const bob = (await client.request('post', '/api/signup', { name: 'bob' })).body as { id: number };
    expect(await client.request('post', '/api/birthday', { id: bob.id, age: 'old' })).toMatchObject({ statusCode: 400, body: { code: 'E_INVALID_VALUES_TO_SET' } });
    expect(await client.request('post', '/api/search', { where: { nope: 1 } })).toMatchObject({ statusCode: 400, body: { code: 'E_INVALID_CRITERIA' } });
    expect(await client.request('post', '/api/adopt-many', { user: bob.id, pets: ['x'] })).toMatchObject({ statusCode: 400, body: { code: 'E_INVALID_ASSOCIATED_IDS' } });
  });

  it('checks values before any write, and refuses updateOne/destroyOne criteria matching several records', async () => {
    const { app } = await setup(0);
    const { user } = models(app);
    await user.create({ name: 'a', age: 1 });
    await user.create({ name: 'b', age: 1 });
    expect(await codeOf(user.update({ age: 1 }).set({ age: 'x' }))).toBe('E_INVALID_VALUES_TO_SET');
    expect(await codeOf(user.update({ name: 'nobody' }).set({ age: 'x' }))).toBe('E_INVALID_VALUES_TO_SET');
    expect(await codeOf(user.update({ age: 1 }))).toBe('E_INVALID_VALUES_TO_SET');
    expect(await codeOf(user.updateOne({ age: 1 }).set({ age: 2 }))).toBe('E_INVALID_CRITERIA');
    expect(await codeOf(user.destroyOne({ age: 1 }))).toBe('E_INVALID_CRITERIA');
    expect(await codeOf(user.create({ age: 1 }).fetch())).toBe('E_INVALID_NEW_RECORD');
    expect(await user.count({ age: 1 })).toBe(2);
  });

  it('.meta({ publish: false }) tells nobody; a modifier after the query started throws', async () => {
    const { app, clients } = await setup(1);
    const [watcher] = clients as [Client];
    const { user } = models(app);
    await watcher.request('get', '/user');
    const quiet = await user.create({ name: 'q' }).meta({ publish: false });
    await user.updateOne({ id: quiet.id }).set({ age: 2 }).meta({ publish: false });
    const loud = await user.create({ name: 'loud' });
    expect(await watcher.next('user')).toMatchObject({ verb: 'created', id: loud.id });
    expect(watcher.events('user')).toHaveLength(1);

    const query = user.find();
    await query;
    expect(() => query.limit(1)).toThrow('.limit() came after the query had started');
  });
});

describe('defineModel({ publishWrites })', () => {
  it('false makes that model\'s API writes silent (the blueprints still publish); meta({ publish: true }) overrides it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sails-rt-model-api-'));
    open.cleanup = async () => rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'api/models'), { recursive: true });
    writeFileSync(join(dir, 'api/models/Log.ts'), "export default { publishWrites: false, attributes: { line: { type: 'string' } } };\n");
    const app = await lift({ appPath: dir, port: 0, log: () => {}, config: { datastores: { default: { filename: ':memory:' } } } });
    open.cleanup = async () => {
      try {
        await app.lower();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const watcher = await connect('socket.io-client 4', app.url);
    open.clients.push(watcher);
    await watcher.request('get', '/log');
    const log = (app.models as Record<string, ModelApi>)['log'] as ModelApi;
    const silent = await log.create({ line: 'silent' });
    const loud = await log.create({ line: 'loud' }).meta({ publish: true });
    // Over HTTP: a socket would be left out of its own create.
    await (await connect('http', app.url)).request('post', '/log', { line: 'blueprint' });
    expect((await watcher.next('log')) as object).toMatchObject({ verb: 'created', id: loud.id });
    expect((await watcher.next('log')) as object).toMatchObject({ verb: 'created', data: { line: 'blueprint' } });
    expect(watcher.events('log').some((m) => (m as { id?: number }).id === silent.id)).toBe(false);
  });
});
