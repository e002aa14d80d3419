import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { sails } from '../../src/runtime/index.js';
import { connect, flush, liftFixture, rawSocket, SOCKET_KINDS, type Client, type Lifted } from './helpers.js';

let lifted: Lifted;
beforeAll(async () => {
  lifted = await liftFixture();
});
afterAll(async () => {
  await lifted.close();
});

/** Connects clients that are closed when the current test finishes. */
async function clients(...kinds: Parameters<typeof connect>[0][]): Promise<Client[]> {
  const list = await Promise.all(kinds.map((kind) => connect(kind, lifted.app.url)));
  onTestFinished(() => list.forEach((c) => c.close()));
  return list;
}

describe('the seed: SayController.hello from the Sails realtime page', () => {
  it.each(SOCKET_KINDS)('over %s: joins funSockets, the others get hello, the requester does not', async (kind) => {
    const group = await clients(kind, 'socket.io-client 4', 'sails.io.js 1.2.1');
    const [requester, early, late] = group as [Client, Client, Client];
    expect(await early.request('get', '/say/hello')).toStrictEqual({ statusCode: 200, headers: {}, body: { anyData: 'we want to send back' } });
    expect(await late.request('get', '/say/hello')).toStrictEqual({ statusCode: 200, headers: {}, body: { anyData: 'we want to send back' } });
    expect(await early.next('hello')).toStrictEqual({ howdy: 'hi there!' });
    const jwr = await requester.request('get', '/say/hello');
    expect(jwr).toStrictEqual({ statusCode: 200, headers: {}, body: { anyData: 'we want to send back' } });
    expect(await early.next('hello')).toStrictEqual({ howdy: 'hi there!' });
    expect(await late.next('hello')).toStrictEqual({ howdy: 'hi there!' });
    expect(requester.events('hello')).toStrictEqual([]);
    expect(late.events('hello')).toHaveLength(1);
    const members = lifted.app.io.of('/').adapter.rooms.get('funSockets');
    expect(members?.size).toBeGreaterThanOrEqual(3);
  });

  it('over HTTP: 400 "Bad Request"', async () => {
    const response = await fetch(`${lifted.app.url}/say/hello`);
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('Bad Request');
  });
});

describe('sails.sockets.broadcast and blast honour omit in every argument form (fix of docs/protocol.md 10, item 2)', () => {
  const cases: [form: string, event: string, omitted: boolean][] = [
    ['room-data', 'message', false],
    ['room-data-req', 'message', true],
    ['room-event-data', 'custom', false],
    ['room-event-data-req', 'custom', true],
    ['blast-data', 'message', false],
    ['blast-data-req', 'message', true],
    ['blast-event-data', 'custom', false],
    ['blast-event-data-req', 'custom', true],
  ];
  it.each(cases)('%s', async (form, event, omitted) => {
    const group = await clients('socket.io-client 4', 'sails.io.js 1.2.1', 'socket.io-client 4');
    const [sender, member, outsider] = group as [Client, Client, Client];
    const room = `room-${form}`;
    for (const client of [sender, member]) expect((await client.request('post', '/echo/join', { room })).statusCode).toBe(200);
    const jwr = await sender.request('post', '/echo/broadcast', { form, room, event, data: { n: form } });
    expect(jwr.body).toStrictEqual({ sent: form });
    expect(await member.next(event)).toStrictEqual({ n: form });
    expect(sender.events(event)).toStrictEqual(omitted ? [] : [{ n: form }]);
    await flush(outsider);
    expect(outsider.events(event)).toStrictEqual(form.startsWith('blast') ? [{ n: form }] : []);
  });
});

describe('broadcast(room, data, req) and blast(data, req) from an HTTP request', () => {
  it.each(['room-data-req', 'blast-data-req'])('%s with string data sends the data as "message", never the request as an event', async (form) => {
    const [member] = (await clients('socket.io-client 4')) as [Client];
    const room = `http-${form}`;
    await member.request('post', '/echo/join', { room });
    // An HTTP request is a request too: it is the (no-op) omit, not the data with `data` as event name.
    const response = await fetch(`${lifted.app.url}/echo/broadcast`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer secret' },
      body: JSON.stringify({ form, room, data: 'hello everyone' }),
    });
    expect(response.status).toBe(200);
    expect(await member.next('message')).toBe('hello everyone');
    await flush(member);
    expect(member.events('hello everyone')).toStrictEqual([]);
  });
});

describe('sails.sockets', () => {
  it('is also the `sails` singleton, reading the lifted app', () => {
    expect(sails.sockets).toBe(lifted.app.sockets);
    expect(sails.io).toBe(lifted.app.io);
    expect(sails.config.blueprints).toStrictEqual({ autoWatch: true });
    expect(Object.keys(sails.models).sort()).toStrictEqual(['note', 'user', 'widget']);
  });

  it('get(id) returns the socket; an unknown id throws NO_SUCH_SOCKET with status 404', async () => {
    const group = await clients('socket.io-client 4');
    const id = rawSocket(group[0] as Client).id ?? '';
    const socket = sails.sockets.get(id);
    expect(socket.id).toBe(id);
    expect(sails.sockets.getId(socket)).toBe(id);
    expect(sails.sockets.getId({ not: 'a socket' })).toBeUndefined();
    let caught: unknown;
    try {
      sails.sockets.get('nope');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(caught).toMatchObject({ code: 'SAILS:HOOK:SOCKETS:NO_SUCH_SOCKET', status: 404, message: 'There is no connected socket with the id "nope" on this server.' });
    expect(() => sails.sockets.get('')).toThrow(expect.objectContaining({ code: 'SAILS:HOOK:SOCKETS:USAGE' }));
  });

  it('join/leave take a socket, an id or an array, settle once joined, and call cb', async () => {
    const group = await clients('socket.io-client 4', 'socket.io-client 4');
    const [a, b] = group as [Client, Client];
    const idA = rawSocket(a).id ?? '';
    const idB = rawSocket(b).id ?? '';
    let called = 0;
    await sails.sockets.join([idA, sails.sockets.get(idB)], 'club', () => called++);
    expect(called).toBe(1);
    expect([...(lifted.app.io.of('/').adapter.rooms.get('club') ?? [])].sort()).toStrictEqual([idA, idB].sort());
    sails.sockets.broadcast('club', 'news', { n: 1 });
    expect(await a.next('news')).toStrictEqual({ n: 1 });
    expect(await b.next('news')).toStrictEqual({ n: 1 });
    await sails.sockets.leave(idA, 'club');
    expect([...(lifted.app.io.of('/').adapter.rooms.get('club') ?? [])]).toStrictEqual([idB]);
    await sails.sockets.addRoomMembersToRooms('club', ['vip', 'lounge']);
    expect(lifted.app.io.of('/').adapter.rooms.get('lounge')?.has(idB)).toBe(true);
    await sails.sockets.removeRoomMembersFromRooms('club', 'vip');
    expect(lifted.app.io.of('/').adapter.rooms.get('vip')).toBeUndefined();
    await sails.sockets.leaveAll('club');
    expect([...(sails.sockets.get(idB).rooms ?? [])]).toStrictEqual([idB]);
    expect(() => sails.sockets.join(idA, '' as string)).toThrow(expect.objectContaining({ code: 'SAILS:HOOK:SOCKETS:USAGE' }));
  });
});
