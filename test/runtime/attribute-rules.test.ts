/**
 * Sails 1's attribute properties, rules and model settings through a lifted app: the blueprints
 * refuse what a rule refuses with a sentence, the server sets custom timestamps, and tableName
 * names the SQLite table.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, liftFixture, tempApp, type Client, type Lifted } from './helpers.js';

// A model written as a Sails 1 app writes it: config/models.js-style id and timestamps, rules,
// metadata, a RegExp, a custom function and settings.
const THING = `export default {
  tableName: 'legacy_things',
  primaryKey: 'id',
  schema: true,
  datastore: 'default',
  dontUseObjectIds: true,
  attributes: {
    id: { type: 'number', autoIncrement: true },
    createdAt: { type: 'number', autoCreatedAt: true },
    updatedAt: { type: 'number', autoUpdatedAt: true },
    code: { type: 'string', required: true, regex: /^[A-Z]{3}$/, description: 'Three capitals.', example: 'ABC', columnType: 'varchar(3)' },
    site: { type: 'string', isURL: true, allowNull: true, moreInfoUrl: 'https://sailsjs.com' },
    card: { type: 'string', isCreditCard: true, protect: true, encrypt: false },
    color: { type: 'string', isHexColor: true, defaultsTo: '#fff' },
    ip: { type: 'string', isIP: true, allowNull: true },
    key: { type: 'string', isUUID: true, allowNull: true },
    role: { type: 'string', isNotIn: ['root'], isNotEmptyString: true, defaultsTo: 'member' },
    count: { type: 'number', isInteger: true, min: 0, max: 100 },
    even: { type: 'number', custom: (value) => value % 2 === 0 },
    due: { type: 'string', isAfter: '2000-01-01', isBefore: new Date('2100-01-01'), allowNull: true },
    extra: { type: 'json', isString: true },
    madeAt: { type: 'number', autoCreatedAt: true, extendedDescription: 'Set by the server.' },
    touchedAt: { type: 'number', autoUpdatedAt: true },
  },
};
`;

let lifted: Lifted | undefined;
let client: Client | undefined;

afterEach(async () => {
  client?.close();
  await lifted?.close();
  lifted = undefined;
  client = undefined;
});

async function setup(): Promise<Client> {
  // Not exclusive, so the test can read the database file beside the app.
  lifted = await liftFixture({ datastores: { default: { exclusive: false } } }, { appPath: tempApp({ 'api/models/Thing.ts': THING }) });
  client = await connect('http', lifted.app.url);
  return client;
}

describe('attribute rules through the blueprints', () => {
  it('accepts a record that passes every rule, and keeps the table under tableName', async () => {
    const http = await setup();
    const values = {
      code: 'ABC',
      site: 'https://example.com/a',
      card: '4111 1111 1111 1111',
      ip: '10.0.0.1',
      key: '123e4567-e89b-12d3-a456-426614174000',
      count: 3,
      even: 4,
      due: '2030-06-01',
      extra: 'x',
    };
    const created = await http.request('post', '/thing', values);
    expect(created.statusCode).toBe(200);
    expect(created.body).toMatchObject({ ...values, color: '#fff', role: 'member' });

    const db = new Database(join(lifted?.dir ?? '', 'db.sqlite'), { readonly: true });
    try {
      const tables = (db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((row) => row.name);
      expect(tables).toContain('legacy_things');
      expect(tables).not.toContain('thing');
    } finally {
      db.close();
    }
  });

  it('refuses each value a rule refuses, naming the attribute and the rule', async () => {
    const http = await setup();
    const jwr = await http.request('post', '/thing', {
      code: 'abc',
      site: 'not a url',
      card: '4111 1111 1111 1112',
      color: 'red',
      ip: '300.1.1.1',
      key: 'nope',
      role: 'root',
      count: 1.5,
      even: 3,
      due: '1999-12-31',
      extra: 7,
    });
    expect(jwr.statusCode).toBe(400);
    expect(jwr.body).toStrictEqual({
      code: 'E_INVALID_NEW_RECORD',
      message:
        'Could not create a thing: "code" must match /^[A-Z]{3}$/, got "abc"; "site" must be a URL, got "not a url"; "card" must be a credit card number, got "4111 1111 1111 1112"; "color" must be a hex color such as #fa0 or #ffaa00, got "red"; "ip" must be an IPv4 or IPv6 address, got "300.1.1.1"; "key" must be a UUID, got "nope"; "role" must not be any of "root", got "root"; "count" must be a whole number, got 1.5; "even" did not pass the custom rule, got 3; "due" must be after 2000-01-01T00:00:00.000Z, got "1999-12-31"; "extra" must be a string, got 7. Fix these values and send the request again.',
      details: expect.any(String),
    });
    const empty = await http.request('post', '/thing', { code: 'ABC', role: '', count: 101 });
    expect(empty.body).toMatchObject({ message: 'Could not create a thing: "role" must not be an empty string; "count" must be at most 100, got 101. Fix these values and send the request again.' });
  });

  it('sets autoCreatedAt and autoUpdatedAt attributes itself, ignoring values sent for them', async () => {
    const http = await setup();
    const before = Date.now();
    const created = (await http.request('post', '/thing', { code: 'ABC', madeAt: 1, touchedAt: 1 })).body as Record<string, number>;
    expect(created['madeAt']).toBeGreaterThanOrEqual(before);
    expect(created['madeAt']).toBe(created['createdAt']);
    expect(created['touchedAt']).toBe(created['updatedAt']);

    // Until the clock moves, an update could not tell the times apart.
    while (Date.now() === created['touchedAt']) await new Promise((resolve) => setImmediate(resolve));
    const updated = (await http.request('patch', `/thing/${created['id']}`, { count: 5, madeAt: 2, touchedAt: 2 })).body as Record<string, number>;
    expect(updated['madeAt']).toBe(created['madeAt']);
    expect(updated['touchedAt']).toBeGreaterThan(created['touchedAt'] ?? 0);
    expect(updated['touchedAt']).toBe(updated['updatedAt']);
  });
});
