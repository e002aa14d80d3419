/**
 * A primary key of another name and type (docs/runtime.md, "Model settings"), over HTTP and both
 * socket clients, on test/runtime/keys-app: country{code! (a string key), name, products:[product
 * via origin], markets:[product via soldIn]} and product{productId (a numbered key), title!,
 * origin:->country, soldIn:[country via markets]}. As in Sails, `:id` in the blueprint routes, the
 * room names and the messages' `id` hold the key's value.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelApi } from '../../src/runtime/index.js';
import { ALL_KINDS, connect, flush, liftFixture, SOCKET_KINDS, type Client, type ClientKind, liftAndConnect, type Lifted } from './helpers.js';

const KEYS_APP = fileURLToPath(new URL('./keys-app', import.meta.url));
const NUMBER = expect.any(Number);

function setup(kinds: ClientKind[]): Promise<{ lifted: Lifted; clients: Client[] }> {
  return liftAndConnect(kinds, { appPath: KEYS_APP, events: ['country', 'product'] });
}

function rooms(lifted: Lifted, room: string): Set<string> {
  return lifted.app.io.of('/').adapter.rooms.get(room) ?? new Set();
}

describe.each(ALL_KINDS)('blueprints with custom primary keys over %s', (kind) => {
  it('creates, finds, updates and destroys by the key, and populates both ways', async () => {
    const { clients } = await setup([kind]);
    const client = clients[0]!;
    const france = await client.request('post', '/country', { code: 'FR', name: 'France' });
    expect(france.statusCode).toBe(200);
    expect(france.body).toStrictEqual({ products: [], markets: [], code: 'FR', name: 'France', createdAt: NUMBER, updatedAt: NUMBER });

    const wine = await client.request('post', '/product', { title: 'Wine', origin: 'FR' });
    expect(wine.statusCode).toBe(200);
    expect(wine.body).toMatchObject({ productId: 1, title: 'Wine', origin: { code: 'FR', name: 'France' }, soldIn: [] });
    expect(wine.body).not.toHaveProperty('id');

    expect((await client.request('get', '/country/FR')).body).toMatchObject({ code: 'FR', products: [{ productId: 1, title: 'Wine', origin: 'FR' }] });
    expect((await client.request('get', '/product/1')).body).toMatchObject({ productId: 1, origin: { code: 'FR' } });
    expect((await client.request('get', '/country', { where: { code: { in: ['FR', 'XX'] } } })).body).toMatchObject([{ code: 'FR' }]);
    expect((await client.request('get', '/product', { where: { origin: 'FR' }, select: 'title,origin' })).body).toEqual([{ productId: 1, title: 'Wine', origin: expect.objectContaining({ code: 'FR' }), soldIn: [] }]);

    // The key cannot change: Sails' update blueprint ignores it too.
    const renamed = await client.request('patch', '/country/FR', { name: 'République française', code: 'XX' });
    expect(renamed.body).toMatchObject({ code: 'FR', name: 'République française' });

    const linked = await client.request('put', '/product/1/soldIn/FR');
    expect(linked.body).toMatchObject({ productId: 1, soldIn: [{ code: 'FR' }] });
    expect((await client.request('get', '/country/FR/markets')).body).toMatchObject([{ productId: 1 }]);
    expect((await client.request('put', '/country/FR/markets', [])).body).toMatchObject({ code: 'FR', markets: [] });
    expect((await client.request('put', '/country/FR/markets', [1])).body).toMatchObject({ markets: [{ productId: 1 }] });
    expect((await client.request('delete', '/country/FR/markets/1')).body).toMatchObject({ markets: [] });

    expect((await client.request('delete', '/country/FR')).body).toMatchObject({ code: 'FR', products: [{ productId: 1 }] });
    expect((await client.request('get', '/product/1')).body).toMatchObject({ productId: 1, origin: null });
    expect((await client.request('get', '/country/FR')).statusCode).toBe(404);
  });

  it('answers a bad key, a missing key and a duplicate key with a 400 naming the problem', async () => {
    const { clients } = await setup([kind]);
    const client = clients[0]!;
    const missing = await client.request('post', '/country', { name: 'Nowhere' });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toMatchObject({ code: 'E_INVALID_NEW_RECORD', message: expect.stringContaining('"code" is required') });
    const empty = await client.request('post', '/country', { code: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toMatchObject({ code: 'E_INVALID_NEW_RECORD' });

    expect((await client.request('post', '/country', { code: 'DE' })).statusCode).toBe(200);
    const twice = await client.request('post', '/country', { code: 'DE' });
    expect(twice.statusCode).toBe(400);
    expect(twice.body).toMatchObject({ code: 'E_UNIQUE', message: expect.stringContaining('a country already exists with the same code') });

    const badId = await client.request('get', '/product/abc');
    expect(badId.statusCode).toBe(400);
    expect(badId.body).toMatchObject({ message: expect.stringContaining('"abc" is not a valid product productId (GET /product/abc); a productId is a whole number') });

    const badLink = await client.request('post', '/product', { title: 'Beer', origin: 'BE' });
    expect(badLink.statusCode).toBe(400);
    expect(badLink.body).toMatchObject({ message: expect.stringContaining('"origin" must be the code of an existing country, and there is no country "BE"') });
    const numberLink = await client.request('post', '/product', { title: 'Beer', origin: 3 });
    expect(numberLink.statusCode).toBe(400);
    expect(numberLink.body).toMatchObject({ message: expect.stringContaining('"origin" must be the id of a country (a non-empty string) or null, got 3') });
    const badList = await client.request('post', '/product', { title: 'Beer', soldIn: [1] });
    expect(badList.statusCode).toBe(400);
    expect(badList.body).toMatchObject({ code: 'E_INVALID_ASSOCIATED_IDS', message: expect.stringContaining('product.soldIn takes country code values (non-empty strings)') });
  });
});

describe.each(SOCKET_KINDS)('pub-sub with custom primary keys over %s', (kind) => {
  it('keys rooms by the key value and carries it in every message id', async () => {
    const { lifted, clients } = await setup([kind, kind]);
    const [watcher, writer] = clients as [Client, Client];
    await writer.request('post', '/country', { code: 'FR', name: 'France' });
    await watcher.request('get', '/country');
    await watcher.request('get', '/product');
    // The writer joined on create, the watcher on find.
    expect(rooms(lifted, 'sails_model_country_FR:country').size).toBe(2);

    const created = (await writer.request('post', '/product', { title: 'Wine', origin: 'FR' })).body as { productId: number };
    expect(await watcher.next('product')).toMatchObject({ verb: 'created', id: created.productId, data: { productId: created.productId } });
    expect(await watcher.next('country')).toStrictEqual({ id: 'FR', verb: 'addedTo', attribute: 'products', addedId: 1 });
    expect(rooms(lifted, 'sails_model_product_1:product').size).toBe(2);

    await writer.request('patch', '/country/FR', { name: 'France!' });
    expect(await watcher.next('country')).toMatchObject({ verb: 'updated', id: 'FR', data: { name: 'France!', code: 'FR' } });

    await writer.request('put', '/country/FR/markets/1');
    expect(await watcher.next('country')).toStrictEqual({ id: 'FR', verb: 'addedTo', attribute: 'markets', addedId: 1 });
    expect(await watcher.next('product')).toStrictEqual({ id: 1, verb: 'addedTo', attribute: 'soldIn', addedId: 'FR' });
    await writer.request('delete', '/product/1/soldIn/FR');
    expect(await watcher.next('product')).toStrictEqual({ id: 1, verb: 'removedFrom', attribute: 'soldIn', removedId: 'FR' });
    expect(await watcher.next('country')).toStrictEqual({ id: 'FR', verb: 'removedFrom', attribute: 'markets', removedId: 1 });

    await writer.request('delete', '/country/FR');
    expect(await watcher.next('country')).toMatchObject({ verb: 'destroyed', id: 'FR', previous: { code: 'FR' } });
    expect(await watcher.next('product')).toMatchObject({ verb: 'updated', id: 1, data: { origin: null } });
    expect(rooms(lifted, 'sails_model_country_FR:country').size).toBe(0);
    await flush(writer);
    expect(writer.events('country')).toStrictEqual([]);
  });
});

describe('the model API with custom primary keys', () => {
  it('finds, updates, links, subscribes and destroys by the key', async () => {
    const { lifted, clients } = await setup(['socket.io-client 4']);
    const watcher = clients[0]!;
    const { country, product } = lifted.app.models as Record<string, ModelApi>;
    await country!.create({ code: 'FR', name: 'France' });
    await country!.create({ code: 'DE', name: 'Germany' });
    const wine = await product!.create({ title: 'Wine', origin: 'FR' });
    expect(wine).toMatchObject({ productId: 1, origin: 'FR' });

    expect(await country!.findOne({ code: 'FR' })).toMatchObject({ code: 'FR', name: 'France' });
    expect(await country!.findOne('DE')).toMatchObject({ name: 'Germany' });
    expect((await country!.find({ sort: 'code ASC' })).map((c) => c['code'])).toStrictEqual(['DE', 'FR']);
    expect(await country!.findOne('FR').populate('products')).toMatchObject({ products: [{ productId: 1 }] });
    expect(country!.getRoomName('FR')).toBe('sails_model_country_FR:country');

    const socket = [...lifted.app.io.of('/').sockets.values()][0]!;
    await country!.subscribe(socket, ['FR']);
    expect(await country!.updateOne({ code: 'FR' }).set({ name: 'France!' })).toMatchObject({ code: 'FR', name: 'France!' });
    expect(await watcher.next('country')).toMatchObject({ verb: 'updated', id: 'FR', data: { name: 'France!' } });

    expect(await country!.addToCollection('DE', 'markets', [1])).toStrictEqual({ added: [1], removed: [] });
    expect(await product!.findOne(1).populate('soldIn')).toMatchObject({ soldIn: [{ code: 'DE' }] });
    expect(await country!.replaceCollection('DE', 'markets', [])).toStrictEqual({ added: [], removed: [1] });

    expect(await country!.destroyOne({ code: 'FR' })).toMatchObject({ code: 'FR' });
    expect(await watcher.next('country')).toMatchObject({ verb: 'destroyed', id: 'FR' });
    expect(await product!.findOne(1)).toMatchObject({ origin: null });
    expect(await country!.count()).toBe(1);
  });
});
