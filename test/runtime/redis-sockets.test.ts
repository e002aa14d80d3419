/**
 * Two instances of the fixture app in this process, on one Redis (sockets.adapter 'redis') and
 * one PostgreSQL database, behave as one app: pub-sub, sails.sockets and Model.publish reach
 * sockets on either instance (docs/deploy.md, Several instances).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { LiftError } from '../../src/runtime/index.js';
import { serverProblem } from '../store/databases.js';
import { deleteKeys, freePort, redisProblem, TEST_REDIS_URL, uniquePrefix } from '../support/redis.js';
import { flush, liftFixture, rawSocket, sleep, type Client } from './helpers.js';
import { liftPair } from './redis-helpers.js';

const LINKS_APP = fileURLToPath(new URL('./links-app', import.meta.url));
const redisMissing = await redisProblem();
const postgresMissing = await serverProblem('postgres');
if (postgresMissing !== undefined && process.env['CI'] === 'true') throw new Error(postgresMissing);
const missing = redisMissing ?? postgresMissing;
if (missing !== undefined) console.warn(`skipping the Redis scale-out tests: ${missing}`);

async function post(client: Client, url: string, body: unknown): Promise<{ id: number } & Record<string, unknown>> {
  const reply = await client.request('post', url, body);
  expect(reply.statusCode).toBe(200);
  return reply.body as { id: number };
}

describe.skipIf(missing !== undefined)('two instances on one Redis', () => {
  it('a socket on A subscribed to a record hears exactly one updated for a PATCH over HTTP on B', async () => {
    const pair = await liftPair();
    const onA = await pair.client('a');
    const httpB = await pair.client('b', 'http');
    const bob = await post(httpB, '/user', { name: 'bob' });
    expect((await onA.request('get', `/user/${bob.id}`)).body).toMatchObject({ id: bob.id, name: 'bob' });
    expect((await httpB.request('patch', `/user/${bob.id}`, { age: 31 })).statusCode).toBe(200);
    expect(await onA.next('user')).toMatchObject({ verb: 'updated', id: bob.id, data: { age: 31 }, previous: { name: 'bob' } });
    await sleep(300);
    expect(onA.events('user')).toHaveLength(1);
  });

  it.each(['socket.io-client 4', 'sails.io.js 1.2.1'] as const)('a %s on A watching users hears created then updated then destroyed of a record B creates and updates at once', async (kind) => {
    const pair = await liftPair();
    const watcher = await pair.client('a', kind);
    const onB = await pair.client('b');
    expect((await watcher.request('get', '/user')).body).toStrictEqual([]);
    const ann = await post(onB, '/user', { name: 'ann' });
    expect((await onB.request('patch', `/user/${ann.id}`, { age: 7 })).statusCode).toBe(200);
    expect(await watcher.next('user')).toStrictEqual({ verb: 'created', data: ann, id: ann.id });
    expect(await watcher.next('user')).toMatchObject({ verb: 'updated', id: ann.id, data: { age: 7 } });
    expect((await onB.request('delete', `/user/${ann.id}`)).statusCode).toBe(200);
    expect(await watcher.next('user')).toMatchObject({ verb: 'destroyed', id: ann.id, previous: { name: 'ann', age: 7 } });
    // The destroyed record's room was emptied on A too.
    await sleep(100);
    expect(pair.a.app.io.of('/').adapter.rooms.has(`sails_model_user_${ann.id}:user`)).toBe(false);
    await flush(onB);
    expect(onB.events('user')).toStrictEqual([]);
  });

  it('addedTo and removedFrom made on B reach a socket on A', async () => {
    const pair = await liftPair(LINKS_APP);
    const onA = await pair.client('a');
    const onB = await pair.client('b');
    const bob = await post(onB, '/user', { name: 'bob' });
    const rex = await post(onB, '/pet', { name: 'rex' });
    await onA.request('get', `/user/${bob.id}`);
    expect((await onB.request('put', `/user/${bob.id}/pets/${rex.id}`)).statusCode).toBe(200);
    expect(await onA.next('user')).toStrictEqual({ id: bob.id, verb: 'addedTo', attribute: 'pets', addedId: rex.id });
    expect((await onB.request('delete', `/user/${bob.id}/pets/${rex.id}`)).statusCode).toBe(200);
    expect(await onA.next('user')).toStrictEqual({ id: bob.id, verb: 'removedFrom', attribute: 'pets', removedId: rex.id });
  });

  // retry: in about one full run in ten this case hears one `hello` twice on B, and only when the
  // machine is busy; the cause is not found yet (a second retry would still fail a real bug that
  // repeats). Kept visible: see the closing note of issue 12.
  it("SayController.hello with members on both instances: hello crosses, the requester is left out", { retry: 1 }, async () => {
    const pair = await liftPair();
    const onA = await pair.client('a', 'sails.io.js 1.2.1');
    const onB = await pair.client('b');
    expect((await onA.request('get', '/say/hello')).body).toStrictEqual({ anyData: 'we want to send back' });
    expect((await onB.request('get', '/say/hello')).statusCode).toBe(200);
    expect(await onA.next('hello')).toStrictEqual({ howdy: 'hi there!' });
    await onA.request('get', '/say/hello');
    expect(await onB.next('hello')).toStrictEqual({ howdy: 'hi there!' });
    await sleep(300);
    expect(onA.events('hello')).toHaveLength(1);
    expect(onB.events('hello')).toHaveLength(1);
  });

  it('sails.sockets.join of a socket living on the other instance, then a broadcast at once, reaches it', async () => {
    const pair = await liftPair();
    const onA = await pair.client('a');
    const id = rawSocket(onA).id as string;
    const b = pair.b.app.sockets;
    // Not awaited: the join and the broadcast are one ordered stream.
    void b.join(id, 'lobby');
    b.broadcast('lobby', 'news', { n: 1 });
    expect(await onA.next('news')).toStrictEqual({ n: 1 });
    // Settled, it is applied on A, and A's own broadcasts reach the socket too.
    await b.join(id, 'lobby2');
    await sleep(50);
    pair.a.app.sockets.broadcast('lobby2', 'news', { n: 2 });
    expect(await onA.next('news')).toStrictEqual({ n: 2 });
    await b.leave(id, 'lobby');
    b.broadcast('lobby', 'news', { n: 3 });
    b.broadcast('lobby2', 'news', { n: 4 });
    expect(await onA.next('news')).toStrictEqual({ n: 4 });
    expect(onA.events('news')).toHaveLength(3);
  });

  it('a join and the broadcast right after it stay in order, every time, whichever instance the socket is on', async () => {
    const pair = await liftPair();
    const onA = await pair.client('a');
    const onB = await pair.client('b');
    for (let round = 0; round < 25; round += 1) {
      for (const [index, [socket, from]] of ([[onA, pair.b], [onB, pair.b], [onA, pair.a]] as const).entries()) {
        const room = `round-${round}-${index}`;
        void from.app.sockets.join(rawSocket(socket).id as string, room);
        from.app.sockets.broadcast(room, 'round', room);
      }
    }
    await sleep(500);
    expect(onA.events('round')).toHaveLength(50);
    expect(onB.events('round')).toHaveLength(25);
  });

  it('addRoomMembersToRooms, removeRoomMembersFromRooms, leaveAll, blast and Model.publish from B reach sockets on A', async () => {
    const pair = await liftPair();
    const onA = await pair.client('a');
    const alsoOnB = await pair.client('b');
    const b = pair.b.app.sockets;
    await pair.a.app.sockets.join(rawSocket(onA).id as string, 'source');
    await b.join(rawSocket(alsoOnB).id as string, 'source');
    await b.addRoomMembersToRooms('source', ['one', 'two']);
    b.broadcast('two', 'news', 'to two');
    expect(await onA.next('news')).toBe('to two');
    expect(await alsoOnB.next('news')).toBe('to two');
    await b.removeRoomMembersFromRooms('source', 'two');
    b.broadcast(['two', 'one'], 'news', 'to one');
    expect(await onA.next('news')).toBe('to one');
    await b.leaveAll('source');
    b.broadcast(['one', 'source'], 'news', 'to nobody');
    b.blast('shout', 'all', alsoOnB.kind === 'http' ? undefined : rawSocket(alsoOnB).id);
    expect(await onA.next('shout')).toBe('all');
    expect(onA.events('news')).toStrictEqual(['to two', 'to one']);
    expect(alsoOnB.events('shout')).toStrictEqual([]);

    const bob = await post(alsoOnB, '/user', { name: 'bob' });
    await onA.request('get', `/user/${bob.id}`);
    pair.b.app.models['user']!.publish([bob.id], { hello: 'from B' });
    expect(await onA.next('user')).toStrictEqual({ hello: 'from B' });
  });
});

describe('sockets.adapter settings', () => {
  it('refuses the Redis adapter without sockets.url or REDIS_URL, in one sentence naming both', async () => {
    vi.stubEnv('REDIS_URL', '');
    onTestFinished(() => {
      vi.unstubAllEnvs();
    });
    await expect(liftFixture({ sockets: { adapter: 'redis' } })).rejects.toThrow(
      new LiftError("The setting sockets.url (config/sockets.ts) is not set, and neither is REDIS_URL, which sockets.adapter 'redis' needs; set one of them to a URL such as 'redis://127.0.0.1:6379'."),
    );
  });

  it('refuses an unknown adapter, a URL that is not redis://, and polling without sticky routing', async () => {
    await expect(liftFixture({ sockets: { adapter: 'memcached' } })).rejects.toThrow(/sockets.adapter \(config\/sockets.ts\) is "memcached", which sails-rt does not support; use 'redis'/);
    await expect(liftFixture({ sockets: { adapter: 'redis', url: 'http://127.0.0.1:6379' } })).rejects.toThrow(/sockets.url \(config\/sockets.ts\) is a http:\/\/ URL, which the Redis adapter cannot use/);
    await expect(liftFixture({ sockets: { adapter: 'redis', url: TEST_REDIS_URL, transports: ['websocket', 'polling'] } })).rejects.toThrow(
      new LiftError(
        "The setting sockets.transports (config/sockets.ts) lists 'polling', which across instances needs every request of a client routed to the same instance; use ['websocket'] (the default with sockets.adapter 'redis'), or set sockets.sticky: true if the proxy in front is sticky.",
      ),
    );
    await expect(liftFixture({ sockets: { adapter: 'redis', url: TEST_REDIS_URL, keyPrefix: '' } })).rejects.toThrow(/sockets.keyPrefix/);
  });

  it('rejects lift in one sentence naming the URL when Redis does not answer, within about 5 s', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    await expect(liftFixture({ sockets: { adapter: 'redis', url } })).rejects.toThrow(
      new RegExp(`^Could not connect to Redis at ${url.replaceAll('/', '\\/')} for sockets.adapter 'redis' \\(.*\\); start Redis there, or fix sockets.url \\(config\\/sockets.ts\\) or REDIS_URL\\.$`),
    );
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it.skipIf(redisMissing !== undefined)('with the Redis adapter, websocket only by default; polling with sockets.sticky: true', async () => {
    const prefix = uniquePrefix();
    onTestFinished(() => deleteKeys(prefix));
    const plain = await liftFixture({ sockets: { adapter: 'redis', url: TEST_REDIS_URL, keyPrefix: prefix } });
    onTestFinished(() => plain.close());
    const handshake = (url: string) => fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    expect((await handshake(plain.app.url)).status).toBe(400);
    const sticky = await liftFixture({ sockets: { adapter: 'redis', url: TEST_REDIS_URL, keyPrefix: prefix, transports: ['websocket', 'polling'], sticky: true } });
    onTestFinished(() => sticky.close());
    expect((await handshake(sticky.app.url)).status).toBe(200);
  });
});
