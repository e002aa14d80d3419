/**
 * The typed client against a real sails-rt server (test/runtime/links-app: user{name!, age,
 * pets:[pet via owner], tags:[tag via users]}, pet{name, owner:->user}, tag{label!, users}):
 * add/remove/replace/populate, the addedTo/removedFrom messages, to-many ids in create, and
 * subscriptions restored after the connection drops.
 */
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createModelClient, type ModelClient, type ModelMessage } from '../../src/client/index.js';
import { defineModel, type InferCreate, type InferRecord, type InferUpdate } from '../../src/schema/index.js';
import { liftFixture, type Lifted } from '../runtime/helpers.js';

const LINKS_APP = fileURLToPath(new URL('../runtime/links-app', import.meta.url));

const UserModel = defineModel({
  attributes: {
    name: { type: 'string', required: true },
    age: { type: 'number' },
    pets: { collection: 'pet', via: 'owner' },
    tags: { collection: 'tag', via: 'users' },
  },
});
const PetModel = defineModel({ attributes: { name: { type: 'string' }, owner: { model: 'user' } } });
type User = InferRecord<typeof UserModel>;
type Pet = InferRecord<typeof PetModel>;
type UserClient = ModelClient<User, InferCreate<typeof UserModel>, InferUpdate<typeof UserModel>, 'pets' | 'tags', never>;
type PetClient = ModelClient<Pet, InferCreate<typeof PetModel>, InferUpdate<typeof PetModel>, never, 'owner'>;

let opened: { lifted?: Lifted; sockets: Socket[] } = { sockets: [] };

afterEach(async () => {
  for (const socket of opened.sockets) socket.close();
  await opened.lifted?.close();
  opened = { sockets: [] };
});

async function setup(count: number, reconnection = false): Promise<{ lifted: Lifted; sockets: Socket[] }> {
  const lifted = await liftFixture({}, { appPath: LINKS_APP });
  opened.lifted = lifted;
  for (let i = 0; i < count; i++) {
    const socket = io(lifted.app.url, { transports: ['websocket'], forceNew: true, reconnection, reconnectionDelay: 50, reconnectionDelayMax: 100 });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    opened.sockets.push(socket);
  }
  return { lifted, sockets: opened.sockets };
}

function clients(socket: Socket): { users: UserClient; pets: PetClient } {
  return {
    users: createModelClient<User, InferCreate<typeof UserModel>, InferUpdate<typeof UserModel>, 'pets' | 'tags', never>(socket, 'user'),
    pets: createModelClient<Pet, InferCreate<typeof PetModel>, InferUpdate<typeof PetModel>, never, 'owner'>(socket, 'pet'),
  };
}

function next<R>(client: ModelClient<R, unknown, unknown>, verb: ModelMessage<R>['verb']): Promise<ModelMessage<R>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${verb} within 2 s`)), 2000);
    const stop = client.on(verb, (message) => {
      clearTimeout(timer);
      stop();
      resolve(message as ModelMessage<R>);
    });
  });
}

describe('the typed client on links', () => {
  it('types to-many ids in creates and updates, link aliases, and what populate answers', () => {
    expectTypeOf<InferCreate<typeof UserModel>>().toEqualTypeOf<{ name: string; age?: number; pets?: number[]; tags?: number[] }>();
    expectTypeOf<UserClient['add']>().parameter(1).toEqualTypeOf<'pets' | 'tags'>();
    expectTypeOf<PetClient['add']>().parameter(1).toEqualTypeOf<never>();
    expectTypeOf<ReturnType<UserClient['populate']>>().toEqualTypeOf<Promise<NonNullable<User['pets']> | NonNullable<User['tags']>>>();
    expectTypeOf<ReturnType<PetClient['populate']>>().toEqualTypeOf<Promise<Exclude<Pet['owner'], number | null>>>();
  });

  it('add, remove, replace and populate go to the blueprint routes; on(addedTo/removedFrom) hears them', async () => {
    const { sockets } = await setup(2);
    const [writerSocket, watcherSocket] = sockets as [Socket, Socket];
    const writer = clients(writerSocket);
    const watcher = clients(watcherSocket);
    const [rex, ace] = [await writer.pets.create({ name: 'rex' }), await writer.pets.create({ name: 'ace' })];
    const bob = await writer.users.create({ name: 'bob', pets: [rex.id] });
    expect(bob.pets).toStrictEqual([expect.objectContaining({ id: rex.id })]);
    await watcher.users.findOne(bob.id);

    const added = next(watcher.users, 'addedTo');
    expect((await writer.users.add(bob.id, 'pets', ace.id)).pets?.map((p) => p.id)).toStrictEqual([rex.id, ace.id]);
    expect(await added).toStrictEqual({ id: bob.id, verb: 'addedTo', attribute: 'pets', addedId: ace.id });

    const removed = next(watcher.users, 'removedFrom');
    expect((await writer.users.remove(bob.id, 'pets', rex.id)).pets?.map((p) => p.id)).toStrictEqual([ace.id]);
    expect(await removed).toStrictEqual({ id: bob.id, verb: 'removedFrom', attribute: 'pets', removedId: rex.id });

    expect((await writer.users.replace(bob.id, 'pets', [rex.id])).pets?.map((p) => p.id)).toStrictEqual([rex.id]);
    expect((await writer.users.populate(bob.id, 'pets')).map((p) => p.id)).toStrictEqual([rex.id]);
    expect(await writer.users.populate(bob.id, 'pets', { where: { name: 'nobody' } })).toStrictEqual([]);
    expect(await writer.pets.populate(rex.id, 'owner')).toMatchObject({ id: bob.id, name: 'bob' });
    await expect(writer.users.update(bob.id, { tags: [999] })).rejects.toMatchObject({ statusCode: 400, body: { code: 'E_INVALID_VALUES_TO_SET' } });
  });
});

describe('resubscribe (docs/protocol.md 10, item 1)', () => {
  it('after the connection drops and comes back, the socket hears updates to what it had found', async () => {
    const { lifted, sockets } = await setup(2, true);
    const [watcherSocket, writerSocket] = sockets as [Socket, Socket];
    const watcher = clients(watcherSocket);
    const writer = clients(writerSocket);
    const bob = await writer.users.create({ name: 'bob' });
    const rex = await writer.pets.create({ name: 'rex' });
    await watcher.users.findOne(bob.id);
    await watcher.pets.populate(rex.id, 'owner').catch(() => undefined); // 404: no owner yet, nothing remembered
    await watcher.pets.find({ where: { name: 'rex' } });

    const oldId = watcherSocket.id ?? '';
    const reconnected = new Promise<void>((resolve) => watcherSocket.io.once('reconnect', () => resolve()));
    // Drop the transport (not a server-side disconnect, after which socket.io-client stays away).
    lifted.app.io.of('/').sockets.get(oldId)?.conn.close();
    await reconnected;
    expect(watcherSocket.id).not.toBe(oldId);
    // The replayed reads have to reach the server before the writes below.
    await expect
      .poll(() => [...(lifted.app.io.of('/').sockets.get(watcherSocket.id ?? '')?.rooms ?? [])])
      .toEqual(expect.arrayContaining(['sails_model_create_pet', `sails_model_pet_${rex.id}:pet`, `sails_model_user_${bob.id}:user`]));

    const updated = next(watcher.users, 'updated');
    await writer.users.update(bob.id, { age: 31 });
    expect(await updated).toMatchObject({ verb: 'updated', id: bob.id, data: { age: 31 } });
    const petUpdated = next(watcher.pets, 'updated');
    await writer.pets.update(rex.id, { name: 'rexy' });
    expect(await petUpdated).toMatchObject({ verb: 'updated', id: rex.id });
  });

  it('is off with { resubscribe: false }', async () => {
    const { lifted, sockets } = await setup(1, true);
    const [socket] = sockets as [Socket];
    const users = createModelClient<User>(socket, 'user', { resubscribe: false });
    const bob = await users.create({ name: 'bob' });
    await users.findOne(bob.id);
    const reconnected = new Promise<void>((resolve) => socket.io.once('reconnect', () => resolve()));
    lifted.app.io.of('/').sockets.get(socket.id ?? '')?.conn.close();
    await reconnected;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([...(lifted.app.io.of('/').sockets.get(socket.id ?? '')?.rooms ?? [])]).toStrictEqual([socket.id]);
  });
});
