import { afterEach, describe, expect, it } from 'vitest';
import { connect, flush, liftFixture, rawSocket, SOCKET_KINDS, type Client, liftAndConnect, type Lifted } from './helpers.js';

const NUMBER = expect.any(Number);

function setup(config: Record<string, unknown> = {}, kinds = SOCKET_KINDS): Promise<{ lifted: Lifted; clients: Client[] }> {
  return liftAndConnect(kinds, { config });
}

function rooms(lifted: Lifted, room: string): Set<string> {
  return lifted.app.io.of('/').adapter.rooms.get(room) ?? new Set();
}

describe.each(SOCKET_KINDS)('resourceful pub-sub, %s as the requester', (requesterKind) => {
  it('created goes to the class room (not the requester); watchers join the new record room', async () => {
    const { clients } = await setup({}, [requesterKind, 'socket.io-client 4', 'sails.io.js 1.2.1']);
    const [requester, watcher, bystander] = clients as [Client, Client, Client];
    // find watches the class room (autoWatch); the bystander only subscribes to one record.
    expect((await watcher.request('get', '/user')).body).toStrictEqual([]);
    const created = await requester.request('post', '/user', { name: 'bob', age: 30 });
    const record = created.body as { id: number };
    expect(await watcher.next('user')).toStrictEqual({ verb: 'created', data: record, id: record.id });
    await flush(bystander);
    expect(requester.events('user')).toStrictEqual([]);
    expect(bystander.events('user')).toStrictEqual([]);

    // The watcher was introduced into the record's room, so it hears of the update.
    await bystander.request('get', `/user/${record.id}`);
    const updated = await requester.request('patch', `/user/${record.id}`, { age: 31 });
    const message = { verb: 'updated', data: { age: 31, id: record.id, updatedAt: NUMBER }, id: record.id, previous: record };
    expect(await watcher.next('user')).toStrictEqual(message);
    expect(await bystander.next('user')).toStrictEqual(message);
    const watcherUpdate = watcher.events('user')[1] as { data: { updatedAt: number } };
    expect(watcherUpdate.data.updatedAt).toBe((updated.body as { updatedAt: number }).updatedAt);
    expect(requester.events('user')).toStrictEqual([]);
  });

  it('destroyed goes to the record room, without the requester, and the room is emptied for everyone', async () => {
    const { lifted, clients } = await setup({}, [requesterKind, 'socket.io-client 4']);
    const [requester, other] = clients as [Client, Client];
    const record = (await requester.request('post', '/user', { name: 'gone' })).body as Record<string, unknown> & { id: number };
    // `other` only subscribes to the one record: Sails' _retire left such sockets in the dead room.
    await other.request('get', `/user/${record.id}`);
    const room = `sails_model_user_${record.id}:user`;
    expect(rooms(lifted, room).size).toBe(2);
    const destroyed = await requester.request('delete', `/user/${record.id}`);
    expect(destroyed.body).toStrictEqual(record);
    expect(await other.next('user')).toStrictEqual({ verb: 'destroyed', id: record.id, previous: record });
    expect(requester.events('user')).toStrictEqual([]);
    expect(rooms(lifted, room).size).toBe(0);
  });

  it('update subscribes the requester: it then hears the next update by someone else', async () => {
    const { clients } = await setup({}, [requesterKind, 'socket.io-client 4']);
    const [requester, other] = clients as [Client, Client];
    const record = (await other.request('post', '/user', { name: 'sub' })).body as { id: number };
    await requester.request('patch', `/user/${record.id}`, { age: 1 });
    expect(requester.events('user')).toStrictEqual([]);
    await other.request('patch', `/user/${record.id}`, { age: 2 });
    expect(await requester.next('user')).toMatchObject({ verb: 'updated', id: record.id, data: { age: 2, id: record.id } });
  });
});

describe('pub-sub settings and edges', () => {
  it('mirror: true sends the requester its own created, updated and destroyed', async () => {
    const { clients } = await setup({ blueprints: { mirror: true } }, ['socket.io-client 4', 'sails.io.js 1.2.1']);
    const [a, b] = clients as [Client, Client];
    await a.request('get', '/user');
    await b.request('get', '/user');
    const record = (await a.request('post', '/user', { name: 'me' })).body as { id: number };
    expect(a.events('user')).toStrictEqual([{ verb: 'created', data: record, id: record.id }]);
    expect(await b.next('user')).toMatchObject({ verb: 'created', id: record.id });
    await a.request('patch', `/user/${record.id}`, { age: 4 });
    expect(a.events('user')[1]).toMatchObject({ verb: 'updated', id: record.id, data: { age: 4 } });
    await a.request('delete', `/user/${record.id}`);
    expect(a.events('user')[2]).toMatchObject({ verb: 'destroyed', id: record.id });
    expect(await b.next('user')).toMatchObject({ verb: 'updated' });
    expect(await b.next('user')).toMatchObject({ verb: 'destroyed' });
  });

  it('autoWatch: false keeps find out of the class room', async () => {
    const { lifted, clients } = await setup({ blueprints: { autoWatch: false } }, ['socket.io-client 4', 'socket.io-client 4']);
    const [a, b] = clients as [Client, Client];
    await a.request('get', '/user');
    expect(rooms(lifted, 'sails_model_create_user').size).toBe(0);
    await b.request('post', '/user', { name: 'x' });
    await flush(a);
    expect(a.events('user')).toStrictEqual([]);
  });

  it('find subscribes to each returned record and the class room; findOne to its record', async () => {
    const { lifted, clients } = await setup({}, ['socket.io-client 4']);
    const [a] = clients as [Client];
    const user = lifted.app.models['user'];
    await user?.create({ name: 'one' });
    await user?.create({ name: 'two' });
    await a.request('get', '/user', { limit: 1 });
    const id = lifted.app.sockets.getId(lifted.app.io.of('/').sockets.values().next().value);
    const joined = [...(lifted.app.io.of('/').sockets.get(id ?? '')?.rooms ?? [])].filter((r) => r !== id).sort();
    expect(joined).toStrictEqual(['sails_model_create_user', 'sails_model_user_1:user']);
    await a.request('get', '/user/2');
    expect(rooms(lifted, 'sails_model_user_2:user').size).toBe(1);
  });

  it('a findOne refused for a bad select or omit subscribes nobody', async () => {
    const { lifted, clients } = await setup({}, ['socket.io-client 4']);
    const [a] = clients as [Client];
    const record = await lifted.app.models['user']?.create({ name: 'picky' });
    for (const query of ['select=nope', 'omit=nope']) {
      const jwr = await a.request('get', `/user/${record?.id}?${query}`);
      expect(jwr).toMatchObject({ statusCode: 400, body: { code: 'E_INVALID_CRITERIA' } });
    }
    expect(rooms(lifted, `sails_model_user_${record?.id}:user`).size).toBe(0);
    expect(await a.request('get', `/user/${record?.id}?select=name`)).toMatchObject({ statusCode: 200, body: { id: record?.id, name: 'picky' } });
    expect(rooms(lifted, `sails_model_user_${record?.id}:user`).size).toBe(1);
  });

  it('an id of 0 can be subscribed to and published', async () => {
    const { lifted, clients } = await setup({}, ['socket.io-client 4', 'sails.io.js 1.2.1']);
    const [a, b] = clients as [Client, Client];
    const zero = (await a.request('post', '/user', { id: 0, name: 'zero' })).body as { id: number };
    expect(zero.id).toBe(0);
    await b.request('get', '/user/0');
    expect(rooms(lifted, 'sails_model_user_0:user').size).toBe(2);
    await a.request('patch', '/user/0', { age: 7 });
    expect(await b.next('user')).toMatchObject({ verb: 'updated', id: 0, data: { age: 7, id: 0 } });
    expect(lifted.app.models['user']?.getRoomName(0)).toBe('sails_model_user_0:user');
  });

  it('HTTP requests subscribe nobody and leave nobody out', async () => {
    const { lifted, clients } = await setup({}, ['socket.io-client 4']);
    const [watcher] = clients as [Client];
    const http = await connect('http', lifted.app.url);
    await http.request('get', '/user');
    await watcher.request('get', '/user');
    const record = (await http.request('post', '/user', { name: 'web' })).body as { id: number };
    expect(await watcher.next('user')).toMatchObject({ verb: 'created', id: record.id });
    await http.request('get', `/user/${record.id}`);
    expect(rooms(lifted, `sails_model_user_${record.id}:user`).size).toBe(1);
    await http.request('patch', `/user/${record.id}`, { age: 9 });
    expect(await watcher.next('user')).toMatchObject({ verb: 'updated', id: record.id, data: { age: 9 } });
  });

  it('sails.models.<identity>.publish sends a custom payload to the record rooms, leaving out the given socket', async () => {
    const { lifted, clients } = await setup({}, ['socket.io-client 4', 'sails.io.js 1.2.1']);
    const [a, b] = clients as [Client, Client];
    const user = lifted.app.models['user'];
    const record = await user?.create({ name: 'p' });
    await a.request('get', `/user/${record?.id}`);
    await b.request('get', `/user/${record?.id}`);
    user?.publish(record?.id ?? -1, { custom: 'payload' }, lifted.app.sockets.get(rawSocket(a).id ?? ''));
    expect(await b.next('user')).toStrictEqual({ custom: 'payload' });
    await flush(a);
    expect(a.events('user')).toStrictEqual([]);
  });
});
