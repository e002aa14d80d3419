/**
 * `encrypt: true` with `dataEncryptionKeys`, as Waterline 0.13: values are ciphertext at rest and in
 * every answer and message, `.decrypt()` gives them back, and the storage format is the
 * `encrypted-attr` library's, so a Sails app's data decrypts here with the same key.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ENCRYPTED_PREFIX } from '../../src/runtime/models/encryption.js';
import { connect, liftFixture, tempApp, type Lifted } from './helpers.js';

const KEY = 'q3FmPzWHwbTqpIbXr8IqHM1Za/dDHbLdNJkEg4O5Z6o=';
const OLD_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

// Made by encrypted-attr 1.0.6 (the version Waterline pins), encryptAttribute() of each value's
// JSON, as Waterline calls it, with the keys above.
const FROM_ENCRYPTED_ATTR = {
  ssn: 'YWVzLTI1Ni1nY20kJGRlZmF1bHQ=$L+RXgYa+7gNj/esI$ISfXvEneImXFeQ9mLQ==$hyu8vNWP8eAb7ZPM73OAdw', // "123-45-6789", key default
  data: 'YWVzLTI1Ni1nY20kJG9sZA==$ARWcCf/ZArczQoGT$gunhq5B+0tGFsY8MRA==$lICpSg4MesSZsjv6SGgCbA', // {"a":[1,"x"]}, key old
  pin: 'YWVzLTI1Ni1nY20kJGRlZmF1bHQ=$knUrPOjJyhOn5rq0$EH4=$FGkIdxJR81aGNF9odxekjw', // 42, key default
};

const SECRET = `export default {
  attributes: {
    name: { type: 'string' },
    ssn: { type: 'string', encrypt: true, minLength: 3 },
    pin: { type: 'number', encrypt: true },
    ok: { type: 'boolean', encrypt: true },
    data: { type: 'json', encrypt: true },
  },
};
`;

let lifted: Lifted | undefined;

afterEach(async () => {
  await lifted?.close();
  lifted = undefined;
});

/** `null`: no keys at all. */
async function setup(keys: Record<string, unknown> | null = { default: KEY, old: OLD_KEY }): Promise<Lifted> {
  // Not exclusive, so the test can read the database file beside the app.
  lifted = await liftFixture(
    { datastores: { default: { exclusive: false } }, ...(keys === null ? {} : { models: { dataEncryptionKeys: keys } }) },
    { appPath: tempApp({ 'api/models/Secret.ts': SECRET }) },
  );
  return lifted;
}

function row(id: number): Record<string, unknown> {
  const db = new Database(join(lifted!.dir, 'db.sqlite'), { readonly: true });
  try {
    return db.prepare('select * from secret where id = ?').get(id) as Record<string, unknown>;
  } finally {
    db.close();
  }
}

describe('encrypt: true', () => {
  it('stores ciphertext, answers the blueprint with it as Sails does, and .decrypt() gives the values back', async () => {
    const { app } = await setup();
    const http = await connect('http', app.url);
    const created = await http.request('post', '/secret', { name: 'ann', ssn: '123-45-6789', pin: '42', ok: true, data: { a: [1] } });
    expect(created.statusCode).toBe(200);
    const body = created.body as Record<string, unknown>;
    expect(body['name']).toBe('ann');
    for (const name of ['ssn', 'pin', 'ok', 'data']) expect(String(body[name]).startsWith(ENCRYPTED_PREFIX)).toBe(true);
    const stored = row(body['id'] as number);
    expect(stored['name']).toBe('ann');
    expect(stored['ssn']).toBe(body['ssn']);
    expect(JSON.stringify(stored)).not.toContain('123-45-6789');

    const secret = app.models['secret']!;
    expect(await secret.findOne(body['id'] as number).decrypt()).toMatchObject({ ssn: '123-45-6789', pin: 42, ok: true, data: { a: [1] } });
    expect(await secret.find({ name: 'ann' }).meta({ decrypt: true })).toMatchObject([{ ssn: '123-45-6789' }]);
    expect((await secret.findOne(body['id'] as number))!['ssn']).toBe(body['ssn']);

    // An update encrypts too; the rules are checked on the value sent, before encryption.
    const updated = await http.request('patch', `/secret/${String(body['id'])}`, { ssn: '987-65-4321' });
    expect(String((updated.body as Record<string, unknown>)['ssn']).startsWith(ENCRYPTED_PREFIX)).toBe(true);
    expect((await http.request('patch', `/secret/${String(body['id'])}`, { ssn: 'ab' })).statusCode).toBe(400);
    expect(await secret.updateOne({ id: body['id'] }).set({ pin: 7 }).decrypt()).toMatchObject({ ssn: '987-65-4321', pin: 7 });
    http.close();
  });

  it('leaves base values in clear as Waterline does, and honours skipEncryption and encryptWith', async () => {
    const { app } = await setup();
    const secret = app.models['secret']!;
    const plain = (await secret.create({ name: 'b', pin: 0, ok: false })) as Record<string, unknown>;
    expect(row(plain['id'] as number)).toMatchObject({ ssn: '', pin: 0, ok: 0, data: null });
    expect(plain).toMatchObject({ ssn: '', pin: 0, ok: false, data: null });
    const skipped = (await secret.create({ ssn: 'clear' }).meta({ skipEncryption: true })) as Record<string, unknown>;
    expect(row(skipped['id'] as number)['ssn']).toBe('clear');
    const old = (await secret.create({ ssn: 'with old' }).meta({ encryptWith: 'old' })) as Record<string, unknown>;
    expect(String(old['ssn']).startsWith(Buffer.from('aes-256-gcm$$old').toString('base64'))).toBe(true);
    expect(await secret.findOne(old['id'] as number).decrypt()).toMatchObject({ ssn: 'with old' });
  });

  it('decrypts what encrypted-attr (Waterline) wrote, with the key id it names', async () => {
    const { app } = await setup();
    const secret = app.models['secret']!;
    // As a Sails app sharing the database would have written the row.
    const db = new Database(join(lifted!.dir, 'db.sqlite'));
    const { lastInsertRowid } = db
      .prepare('insert into secret (name, ssn, pin, ok, data, createdAt, updatedAt) values (?, ?, ?, 0, ?, 0, 0)')
      .run('from sails', FROM_ENCRYPTED_ATTR.ssn, FROM_ENCRYPTED_ATTR.pin, FROM_ENCRYPTED_ATTR.data);
    db.close();
    expect(await secret.findOne(Number(lastInsertRowid)).decrypt()).toMatchObject({ ssn: '123-45-6789', data: { a: [1, 'x'] }, pin: 42, ok: false });
    expect((await secret.findOne(Number(lastInsertRowid)))!['pin']).toBe(FROM_ENCRYPTED_ATTR.pin);
  });

  it.each([
    [null, /"ssn", "pin", "ok", "data" have encrypt: true, and there is no data encryption key "default"; add `dataEncryptionKeys: \{ default: process.env\['DATA_ENCRYPTION_KEY'\] \}` to config\/models.ts/],
    [{ default: 'c2hvcnQ=' }, /models.dataEncryptionKeys \(config\/models.ts\) .default is not 32 bytes in base64; make one with/],
    [{ default: undefined }, /.default is undefined \(is its environment variable set\?\)/],
    [{ 'my-key': KEY, default: KEY }, /has the key id "my-key"; a key id starts with a letter and holds only letters and digits/],
  ])('refuses to lift with keys %j, saying what to fix', async (keys, message) => {
    await expect(setup(keys as Record<string, unknown> | null)).rejects.toThrow(message);
  });
});
