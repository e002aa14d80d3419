/** `GET /__sails-rt/models`: what the live page of a new app reads, outside production only. */
import { afterEach, describe, expect, it } from 'vitest';
import { liftFixture, type Lifted, ON_SERVER_STORE } from './helpers.js';

let lifted: Lifted | undefined;
afterEach(async () => {
  await lifted?.close();
  lifted = undefined;
});

describe('GET /__sails-rt/models', () => {
  it('describes every model: identity, blueprint url, attributes with their type and rules, links', async () => {
    lifted = await liftFixture();
    const response = await fetch(`${lifted.app.url}/__sails-rt/models`);
    expect(response.status).toBe(200);
    const models = (await response.json()) as { identity: string; url: string; attributes: { name: string }[] }[];
    expect(models.map((model) => model.identity)).toEqual(['note', 'user', 'widget']);
    const note = models.find((model) => model.identity === 'note');
    expect(note).toMatchObject({ className: 'Note', primaryKey: 'id', url: '/note', collections: [] });
    expect(note?.attributes).toEqual([
      { name: 'id', type: 'number', required: false, allowNull: false, auto: 'autoIncrement' },
      { name: 'createdAt', type: 'number', required: false, allowNull: false, auto: 'createdAt' },
      { name: 'updatedAt', type: 'number', required: false, allowNull: false, auto: 'updatedAt' },
      { name: 'title', type: 'string', required: true, allowNull: false },
      { name: 'done', type: 'boolean', required: false, allowNull: false },
      { name: 'meta', type: 'json', required: false, allowNull: false },
      { name: 'score', type: 'number', required: false, allowNull: false, defaultsTo: 5 },
      { name: 'nick', type: 'string', required: false, allowNull: true },
      { name: 'kind', type: 'string', required: false, allowNull: false, isIn: ['a', 'b'], defaultsTo: 'a' },
    ]);
  });

  it('gives the url under the blueprint prefixes, and none when the REST routes are off', async () => {
    lifted = await liftFixture({ blueprints: { prefix: '/v1', restPrefix: '/api' } });
    const prefixed = (await (await fetch(`${lifted.app.url}/__sails-rt/models`)).json()) as { url: string }[];
    expect(prefixed[0]?.url).toBe('/v1/api/note');
    await lifted.close();
    lifted = await liftFixture({ blueprints: { rest: false } });
    const off = (await (await fetch(`${lifted.app.url}/__sails-rt/models`)).json()) as { url: string | null }[];
    expect(off[0]?.url).toBeNull();
  });

  it.skipIf(ON_SERVER_STORE)('is not there in production', async () => {
    const production = { session: { secret: 'a-real-secret-for-the-test' }, sockets: { beforeConnect: () => true }, blueprints: { allowUnguardedWrites: true } };
    lifted = await liftFixture(production, { environment: 'production' });
    expect((await fetch(`${lifted.app.url}/__sails-rt/models`)).status).toBe(404);
  });
});
