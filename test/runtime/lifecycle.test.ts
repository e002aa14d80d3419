/**
 * Waterline's lifecycle callbacks and customToJSON (docs/runtime.md, "Lifecycle callbacks and
 * customToJSON"), on test/runtime/lifecycle-app: user{name!, password, locked, pets} hashes its
 * password in beforeCreate/beforeUpdate and leaves it out in customToJSON; pet{name, chip, owner}
 * leaves out its chip. Neither secret may reach a client by any path: HTTP bodies, socket acks,
 * or any pub-sub message, populated records included.
 */
import { scryptSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ModelApi, type SailsApp, type StoredRecord } from '../../src/runtime/index.js';
import { RecordJson } from '../../src/runtime/models/lifecycle.js';
import { normalizeModels } from '../../src/schema/index.js';
import { lifecycleLog } from './lifecycle-app/log.js';
import { ALL_KINDS, connect, liftFixture, SOCKET_KINDS, type Client, type ClientKind, type Jwr, type Lifted } from './helpers.js';

const LIFECYCLE_APP = fileURLToPath(new URL('./lifecycle-app', import.meta.url));
const PASSWORD = 'hunter2-plain';
const CHIP = 'CHIP-0042';

let open: { lifted?: Lifted; clients: Client[] } = { clients: [] };

beforeEach(() => {
  lifecycleLog.length = 0;
});

afterEach(async () => {
  for (const client of open.clients) client.close();
  await open.lifted?.close();
  open = { clients: [] };
});

async function setup(): Promise<{ app: SailsApp; user: ModelApi; pet: ModelApi }> {
  const lifted = await liftFixture({}, { appPath: LIFECYCLE_APP });
  open.lifted = lifted;
  const models = lifted.app.models as Record<string, ModelApi>;
  return { app: lifted.app, user: models['user'] as ModelApi, pet: models['pet'] as ModelApi };
}

async function client(kind: ClientKind, app: SailsApp): Promise<Client> {
  const connected = await connect(kind, app.url);
  open.clients.push(connected);
  return connected;
}

/** The secrets, in any form: the attribute names, the plain password, a hash, the chip. */
function expectNoSecrets(value: unknown, where: string): void {
  const text = JSON.stringify(value);
  for (const secret of ['password', PASSWORD, 'scrypt$', 'chip', CHIP]) {
    expect(text.includes(secret), `${where} holds ${JSON.stringify(secret)}: ${text}`).toBe(false);
  }
}

function callbacks(): string[] {
  return lifecycleLog.map((entry) => entry.callback);
}

/** The stored password is `scrypt$<salt>$<key>` of the plain one. */
function expectHashOf(stored: unknown, plain: string): void {
  expect(stored).toMatch(/^scrypt\$[0-9a-f]{16}\$[0-9a-f]{64}$/);
  const [, salt = '', key] = String(stored).split('$');
  expect(scryptSync(plain, salt, 32).toString('hex')).toBe(key);
}

/** Reads `user` events until one is `created` with this name: everything sent before it has arrived. */
async function untilCreated(subscriber: Client, name: string): Promise<void> {
  for (;;) {
    const event = (await subscriber.next('user')) as { verb?: string; data?: { name?: string } };
    if (event.verb === 'created' && event.data?.name === name) return;
  }
}

function ok(response: Jwr, where: string): Record<string, unknown> {
  expect(response.statusCode, `${where}: ${JSON.stringify(response.body)}`).toBe(200);
  expectNoSecrets(response.body, where);
  return response.body as Record<string, unknown>;
}

describe.each(ALL_KINDS)('over %s', (kind) => {
  it('every blueprint action answers without the hash or the chip, and the store keeps the hash', async () => {
    const { app, user } = await setup();
    const http = await client(kind, app);

    const bob = ok(await http.request('post', '/user', { name: 'bob', password: PASSWORD }), 'create');
    const id = bob['id'] as number;
    expect(bob).toMatchObject({ name: 'bob', pets: [] });
    const stored = (await user.findOne(id)) as StoredRecord;
    expectHashOf(stored['password'], PASSWORD);

    const rex = ok(await http.request('post', '/pet', { name: 'rex', chip: CHIP, owner: id }), 'create pet');
    expect(rex['owner']).toMatchObject({ id, name: 'bob' });
    const ace = ok(await http.request('post', '/pet', { name: 'ace', chip: CHIP }), 'create pet');

    expect(ok(await http.request('get', '/user'), 'find')).toMatchObject([{ name: 'bob', pets: [{ name: 'rex' }] }]);
    ok(await http.request('get', `/user/${id}`), 'findOne');
    ok(await http.request('get', `/user/${id}?populate=pets`), 'findOne populate=pets');
    ok(await http.request('get', '/pet'), 'find pets');
    ok(await http.request('get', `/pet/${rex['id']}`), 'findOne pet');
    ok(await http.request('get', `/user/${id}/pets`), 'populate to-many');
    ok(await http.request('get', `/pet/${rex['id']}/owner`), 'populate to-one');
    ok(await http.request('put', `/user/${id}/pets/${ace['id']}`), 'add');
    ok(await http.request('delete', `/user/${id}/pets/${ace['id']}`), 'remove');
    ok(await http.request('put', `/user/${id}/pets`, [rex['id'], ace['id']]), 'replace');
    expect(ok(await http.request('patch', `/user/${id}`, { name: 'bobby', password: 'new-secret' }), 'update')).toMatchObject({ name: 'bobby' });
    expectHashOf(((await user.findOne(id)) as StoredRecord)['password'], 'new-secret');
    ok(await http.request('delete', `/pet/${ace['id']}`), 'destroy pet');
    ok(await http.request('delete', `/user/${id}`), 'destroy');
  });

  it('a refusing callback writes nothing, publishes nothing, and answers its error', async () => {
    const { app, user } = await setup();
    const carl = await user.create({ name: 'carl', locked: true }, { publish: false });
    const dan = await user.create({ name: 'dan', password: PASSWORD }, { publish: false });
    const subscriber = await client('socket.io-client 4', app);
    await subscriber.request('get', '/user');
    const writer = await client(kind, app);

    const thrown = await writer.request('post', '/user', { name: 'mallory', password: PASSWORD });
    expect(thrown.statusCode).toBe(500);
    expectNoSecrets(thrown.body, 'the 500');
    const reserved = await writer.request('post', '/user', { name: 'root' });
    expect(reserved.statusCode).toBe(400);
    expect(reserved.body).toMatchObject({ code: 'E_INVALID_NEW_RECORD', message: '"root" is a reserved name; choose another.' });
    const usage = await writer.request('patch', `/user/${dan.id}`, { name: 'mallory', password: 'other' });
    expect(usage.statusCode).toBe(400);
    expect(usage.body).toMatchObject({ code: 'E_INVALID_VALUES_TO_SET', message: '"mallory" is not a name this app accepts.' });
    const locked = await writer.request('delete', `/user/${carl.id}`);
    expect(locked.statusCode).toBe(403);
    expect(locked.body).toMatchObject({ code: 'E_FORBIDDEN' });

    // An after callback comes too late to stop the write, but its messages stay unsent.
    const late = await writer.request('post', '/user', { name: 'late' });
    expect(late.statusCode).toBe(400);
    expect(late.body).toMatchObject({ code: 'E_INVALID_NEW_RECORD', message: 'afterCreate refused "late" after it was written.' });
    expect(await user.count({ name: 'late' })).toBe(1);
    await user.destroyOne({ name: 'late' }).meta({ publish: false });

    expect(await user.count()).toBe(2);
    const stillDan = (await user.findOne(dan.id)) as StoredRecord;
    expect(stillDan['name']).toBe('dan');
    expectHashOf(stillDan['password'], PASSWORD);
    expect(await user.findOne(carl.id)).toBeDefined();
    // A write that goes through after them: had a refused one published, it would have come first.
    await writer.request('post', '/user', { name: 'zed' });
    await untilCreated(subscriber, 'zed');
    expect(subscriber.events('user')).toHaveLength(1);
  });
});

describe.each(SOCKET_KINDS)('a %s subscriber', (kind) => {
  it('never receives the hash or the chip, in any message of blueprint or sails.models writes', async () => {
    const { app, user, pet } = await setup();
    const subscriber = await client(kind, app);
    // sails.io.js has no onAny: the helper listens to an event once it is asked for it.
    subscriber.events('pet');
    await subscriber.request('get', '/user');
    await subscriber.request('get', '/pet');
    const http = await client('http', app);

    const bob = ok(await http.request('post', '/user', { name: 'bob', password: PASSWORD }), 'create');
    const rex = ok(await http.request('post', '/pet', { name: 'rex', chip: CHIP, owner: bob['id'] }), 'create pet');
    ok(await http.request('patch', `/user/${bob['id']}`, { name: 'bobby', password: 'next-secret' }), 'update');
    await user.updateOne({ id: bob['id'] }).set({ password: 'api-secret' });
    const ann = await user.create({ name: 'ann', password: PASSWORD });
    await pet.create({ name: 'ace', chip: CHIP, owner: ann.id });
    await pet.updateOne({ id: rex['id'] }).set({ chip: 'CHIP-0043' });
    ok(await http.request('delete', `/pet/${rex['id']}`), 'destroy pet');
    ok(await http.request('delete', `/user/${bob['id']}`), 'destroy');
    await user.destroyOne({ id: ann.id });
    await http.request('post', '/user', { name: 'zed' });
    await untilCreated(subscriber, 'zed');

    const messages = [...subscriber.events('user'), ...subscriber.events('pet')] as Record<string, unknown>[];
    expectNoSecrets(messages, 'the messages');
    // The messages that carry records all came, populated ones included.
    const verbs = messages.map((m) => `${m['verb']}${'previous' in m ? '+previous' : ''}`);
    expect(verbs).toEqual(expect.arrayContaining(['created', 'updated+previous', 'destroyed+previous', 'addedTo', 'removedFrom']));
    const petCreated = messages.find((m) => m['verb'] === 'created' && (m['data'] as { name?: string }).name === 'rex');
    expect((petCreated?.['data'] as { owner?: unknown }).owner).toMatchObject({ name: 'bob' });
    const bobUpdated = messages.find((m) => m['verb'] === 'updated' && m['id'] === bob['id'] && 'previous' in m);
    expect((bobUpdated?.['previous'] as { pets?: unknown }).pets).toMatchObject([{ name: 'rex' }]);
  });
});

describe('callbacks run as Waterline runs them', () => {
  it('once per blueprint write, with the values going in and the stored record after', async () => {
    const { app, user } = await setup();
    const http = await client('http', app);
    const bob = ok(await http.request('post', '/user', { name: 'bob', password: PASSWORD }), 'create');
    expect(callbacks()).toEqual(['beforeCreate', 'afterCreate']);
    const stored = (await user.findOne(bob['id'] as number)) as StoredRecord;
    expect(lifecycleLog[0]?.argument).toMatchObject({ name: 'bob', password: PASSWORD });
    expect(lifecycleLog[1]?.argument).toMatchObject({ id: bob['id'], password: stored['password'] });

    lifecycleLog.length = 0;
    ok(await http.request('patch', `/user/${bob['id']}`, { password: 'other' }), 'update');
    expect(callbacks()).toEqual(['beforeUpdate', 'afterUpdate']);
    expect(lifecycleLog[0]?.argument).toMatchObject({ password: 'other' });
    const updated = (await user.findOne(bob['id'] as number)) as StoredRecord;
    expect(lifecycleLog[1]?.argument).toMatchObject({ id: bob['id'], password: updated['password'] });

    lifecycleLog.length = 0;
    expect((await http.request('patch', '/user/9999', { password: 'other' })).statusCode).toBe(404);
    expect((await http.request('delete', '/user/9999')).statusCode).toBe(404);
    expect(callbacks()).toEqual([]);
    ok(await http.request('delete', `/user/${bob['id']}`), 'destroy');
    expect(callbacks()).toEqual(['beforeDestroy', 'afterDestroy']);
    expect(lifecycleLog[0]?.argument).toEqual({ where: { id: bob['id'] } });
    expect(lifecycleLog[1]?.argument).toMatchObject({ id: bob['id'], password: updated['password'] });
  });

  it('on sails.models: before* once per query, after* once per record and only with .fetch()', async () => {
    const { user } = await setup();
    const ann = await user.create({ name: 'ann', password: PASSWORD });
    expect(callbacks()).toEqual(['beforeCreate']);
    lifecycleLog.length = 0;
    const bob = await user.create({ name: 'bob', password: PASSWORD }).fetch();
    expect(callbacks()).toEqual(['beforeCreate', 'afterCreate']);

    lifecycleLog.length = 0;
    const both = await user.update({ name: ['ann', 'bob'] }).set({ locked: false }).fetch();
    expect(both).toHaveLength(2);
    expect(callbacks()).toEqual(['beforeUpdate', 'afterUpdate', 'afterUpdate']);
    lifecycleLog.length = 0;
    await user.update({ name: ['ann', 'bob'] }).set({ locked: false });
    expect(callbacks()).toEqual(['beforeUpdate']);
    lifecycleLog.length = 0;
    await user.update({ name: 'nobody' }).set({ locked: false }).fetch();
    expect(callbacks()).toEqual(['beforeUpdate']);

    lifecycleLog.length = 0;
    const plain = await user.create({ name: 'cy', password: PASSWORD }).meta({ skipAllLifecycleCallbacks: true });
    expect(callbacks()).toEqual([]);
    expect(plain['password']).toBe(PASSWORD);

    lifecycleLog.length = 0;
    await expect(user.destroyOne({ name: ['ann', 'bob'] })).rejects.toMatchObject({ code: 'E_INVALID_CRITERIA' });
    expect(callbacks()).toEqual([]);
    const gone = await user.destroy({ name: ['ann', 'bob'] }).fetch();
    expect(gone.map((r) => r.id).sort()).toEqual([ann.id, bob.id].sort());
    expect(callbacks()).toEqual(['beforeDestroy', 'afterDestroy', 'afterDestroy']);
    expect(lifecycleLog[0]?.argument).toEqual({ where: { name: ['ann', 'bob'] } });
  });

  it('sails.models refuses as the blueprints do, and its records keep the hash but serialize without it', async () => {
    const { app, user } = await setup();
    const carl = await user.create({ name: 'carl', locked: true });
    const dan = await user.create({ name: 'dan', password: PASSWORD });
    await expect(user.create({ name: 'mallory' })).rejects.toThrow('mallory may not sign up');
    await expect(user.updateOne({ id: dan.id }).set({ name: 'mallory' })).rejects.toMatchObject({ code: 'E_INVALID_VALUES_TO_SET' });
    // The app's SailsRtError comes from the built package: compared by code, not by class.
    await expect(user.destroy({ locked: true })).rejects.toMatchObject({ code: 'E_FORBIDDEN', status: 403 });
    expect(await user.count()).toBe(2);
    expect(await user.findOne(carl.id)).toBeDefined();

    const found = (await user.findOne(dan.id)) as StoredRecord;
    expectHashOf(found['password'], PASSWORD);
    expectNoSecrets(found, 'a sails.models record');
    expectNoSecrets(await user.find(), 'sails.models find');

    // An action answering with sails.models records.
    const http = await client('http', app);
    const signup = ok(await http.request('post', '/api/signup', { name: 'eve', password: PASSWORD }), 'the signup action');
    expect(lifecycleLog.filter((e) => e.callback === 'afterCreate')).toHaveLength(1);
    ok(await http.request('post', '/api/password', { id: signup['id'], password: 'changed' }), 'the password action');
    await user.create({ name: 'pet-owner' }).fetch();
    ok(await http.request('get', '/api/everyone'), 'the everyone action');
  });
});

describe('RecordJson', () => {
  it('knows only the models whose records or populated links have a customToJSON', () => {
    function customToJSON(this: Record<string, unknown>): unknown {
      return { id: this['id'] };
    }
    const models = normalizeModels([
      { className: 'User', definition: { attributes: { pets: { collection: 'pet', via: 'owner' } } } },
      { className: 'Pet', definition: { attributes: { owner: { model: 'user' } }, customToJSON } },
      { className: 'Note', definition: { attributes: { text: { type: 'string' } } } },
    ]);
    const json = new RecordJson(new Map(models.map((m) => [m.identity, m])));
    expect([json.has('user'), json.has('pet'), json.has('note')]).toEqual([true, true, false]);
    const note = { id: 1, text: 'x' };
    expect(json.apply('note', note)).toBe(note);
    expect(Object.getOwnPropertyNames(note)).toEqual(['id', 'text']);
    const user = { id: 2, pets: [{ id: 3, owner: 2 }] };
    expect(JSON.stringify(json.apply('user', user))).toBe('{"id":2,"pets":[{"id":3}]}');
    expect(Object.keys(user.pets[0] ?? {})).toEqual(['id', 'owner']);
  });
});
