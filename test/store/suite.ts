/**
 * The store conformance suite: one set of tests, registered unchanged for every store (the way
 * Hono runs one router suite against each router). Same data in, same answers out; where a
 * database really differs, the test says so by name (and docs/stores.md explains why).
 *
 * Criteria are written in Waterline's syntax and read by the model layer's own parser, so each
 * test hands the store exactly what the blueprints and `sails.models` would.
 */
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { normalizeModels, type ModelDefinition, type NormalizedModel } from '../../src/schema/index.js';
import { parseFindCriteria, parseWhere } from '../../src/runtime/models/criteria.js';
import { MODEL_API_BOUNDS } from '../../src/runtime/models/limits.js';
import { baseValue, tablesOf } from '../../src/schema/index.js';
import { sql } from 'kysely';
import { RecordWriter } from '../../src/runtime/models/writes.js';
import type { PubSub } from '../../src/runtime/pubsub/index.js';
import { connectDatabase, createTableQuery, type Criteria, type ReadBudget, type Store, type StoredRecord } from '../../src/runtime/store/index.js';
import { testDatabase, type StoreKind, type TestDatabase } from './databases.js';

const DEFINITIONS: Record<string, ModelDefinition> = {
  User: {
    attributes: {
      name: { type: 'string', required: true },
      email: { type: 'string', unique: true, allowNull: true },
      age: { type: 'number' },
      score: { type: 'number', allowNull: true },
      active: { type: 'boolean' },
      meta: { type: 'json' },
      bio: { type: 'string', defaultsTo: 'none' },
      pets: { collection: 'pet', via: 'owner' },
      tags: { collection: 'tag', via: 'users' },
    },
  },
  Pet: { attributes: { name: { type: 'string' }, owner: { model: 'user' } } },
  Tag: { attributes: { label: { type: 'string', required: true, unique: true }, users: { collection: 'user', via: 'tags' } } },
  Country: { primaryKey: 'code', attributes: { code: { type: 'string', required: true }, name: { type: 'string' }, cities: { collection: 'city', via: 'country' } } },
  City: { attributes: { name: { type: 'string' }, country: { model: 'country' } } },
};

export const MODELS: NormalizedModel[] = normalizeModels(Object.entries(DEFINITIONS).map(([className, definition]) => ({ className, definition })));
const model = (identity: string): NormalizedModel => MODELS.find((m) => m.identity === identity) as NormalizedModel;
const user = model('user');
const pet = model('pet');
const tag = model('tag');
const country = model('country');
const city = model('city');
const junction = (owner: NormalizedModel, alias: string) => owner.collections.find((c) => c.name === alias)?.junction as NonNullable<NormalizedModel['collections'][number]['junction']>;
const userTags = junction(user, 'tags');
const tagUsers = junction(tag, 'users');

/** Every column of a user, as the model layer hands them to `create` (defaults applied, timestamps set). */
function userValues(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const attribute of user.attributes) {
    if (attribute.auto === 'autoIncrement') continue;
    if (attribute.auto) out[attribute.name] = 1_700_000_000_000;
    else out[attribute.name] = attribute.name in values ? values[attribute.name] : baseValue(attribute);
  }
  return out;
}

const criteria = (target: NormalizedModel, params: Record<string, unknown> = {}): Criteria =>
  parseFindCriteria(target, { limit: -1, where: {}, ...params }, MODEL_API_BOUNDS);

/** The people most tests read: names chosen to tell case, LIKE's wildcards and byte order apart. */
const PEOPLE = [
  { name: 'u01', age: 5, email: 'a@x.io', active: true, score: 1.5 },
  { name: 'u02', age: 8, email: 'b@x.io', active: false, score: null },
  { name: 'u03', age: 9, email: 'c@y.io', active: true, score: -2 },
  { name: 'U04', age: 12, email: 'd@y.io', active: false, score: 0 },
  { name: '50%_off', age: 40, email: null, active: true, score: null },
];

async function seeded(db: TestDatabase): Promise<Store> {
  const store = await db.open(MODELS);
  for (const person of PEOPLE) await store.create(user, userValues(person));
  return store;
}

/** How a run of the suite gets its databases: by default, fresh ones whose store makes the tables (auto-sync). */
export interface SuiteOptions {
  /** Names the run in each describe; default `<kind> store`. */
  label?: string;
  /** Each test's database; default `testDatabase(kind)`. */
  database?: () => Promise<TestDatabase>;
  /** The tables come from migrations (the store is opened with autoSync: false): the auto-sync tests do not apply. */
  migrated?: boolean;
}

export function storeSuite(kind: StoreKind, options: SuiteOptions = {}): void {
  const open = options.database ?? ((): Promise<TestDatabase> => testDatabase(kind));
  const label = options.label ?? `${kind} store`;

  describe(`${label}: values`, () => {
    it('gives back what it was given: strings, numbers, booleans, json, nulls, defaults', async () => {
      const store = await (await open()).open(MODELS);
      const given = userValues({ name: 'Zoë', email: null, age: 0.1 + 0.2, score: null, active: true, meta: { a: [1, 'two', null, { b: false }], 'ünï': 'ç' } });
      const created = await store.create(user, given);
      const expected = { id: 1, ...given };
      expect(created).toStrictEqual(expected);
      expect(await store.findOne(user, 1)).toStrictEqual(expected);
      expect(created['bio']).toBe('none');
      expect(await store.find(user, criteria(user))).toStrictEqual([expected]);
    });

    it('keeps large and small numbers exact, as IEEE doubles', async () => {
      const store = await (await open()).open(MODELS);
      const numbers = [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1e300, -1e-300, 5e-324, 0.1, 123456789.123456, -0, 2 ** 62];
      for (const [i, age] of numbers.entries()) await store.create(user, userValues({ name: `n${i}`, age }));
      const back = (await store.find(user, criteria(user))).map((r) => r['age']);
      // -0 comes back as 0 from every database.
      expect(back).toStrictEqual(numbers.map((n) => (Object.is(n, -0) ? 0 : n)));
      expect(await store.count(user, parseWhere(user, { age: Number.MAX_SAFE_INTEGER }, MODEL_API_BOUNDS))).toBe(1);
    });

    it('keeps unicode as sent: accents, CJK, emoji, right-to-left, combining marks', async () => {
      const store = await (await open()).open(MODELS);
      const names = ['Ærøskøbing', '東京', '👩‍👩‍👧‍👦 family', 'שלום', 'e\u0301', 'e\u0301 ', 'tab\there', "quote's \"double\" \\back"];
      for (const name of names) await store.create(user, userValues({ name, meta: { name } }));
      const rows = await store.find(user, criteria(user));
      expect(rows.map((r) => r['name'])).toStrictEqual(names);
      expect(rows.map((r) => (r['meta'] as { name: string }).name)).toStrictEqual(names);
      const where = (w: Record<string, unknown>) => store.find(user, criteria(user, { where: w }));
      expect((await where({ name: '東京' })).map((r) => r['name'])).toStrictEqual(['東京']);
      expect((await where({ name: { contains: '👩‍👩' } })).map((r) => r['name'])).toStrictEqual(['👩‍👩‍👧‍👦 family']);
      // Trailing spaces count: 'é' and 'é ' are two values (MySQL is set to NO PAD for this).
      expect((await where({ name: 'e\u0301' })).map((r) => r['name'])).toStrictEqual(['e\u0301']);
    });

    it('json: any JSON value, compared as its JSON text', async () => {
      const store = await (await open()).open(MODELS);
      const metas = [{ z: 1, a: 2 }, [3, 2, 1], 'text', 5, true, null];
      for (const [i, meta] of metas.entries()) await store.create(user, userValues({ name: `j${i}`, meta }));
      expect((await store.find(user, criteria(user))).map((r) => r['meta'])).toStrictEqual(metas);
      const names = async (where: Record<string, unknown>) => (await store.find(user, criteria(user, { where }))).map((r) => r['name']);
      expect(await names({ meta: 5 })).toStrictEqual(['j3']);
      expect(await names({ meta: 'text' })).toStrictEqual(['j2']);
      expect(await names({ meta: true })).toStrictEqual(['j4']);
      expect(await names({ meta: null })).toStrictEqual(['j5']);
    });

    it('numbers records from 1, and past an id given by hand; 0 is an id like any other', async () => {
      const store = await (await open()).open(MODELS);
      expect((await store.create(user, { ...userValues({ name: 'zero' }), id: 0 }))['id']).toBe(0);
      expect(await store.findOne(user, 0)).toMatchObject({ id: 0, name: 'zero' });
      expect((await store.create(user, userValues({ name: 'a' })))['id']).toBe(1);
      expect((await store.create(user, userValues({ name: 'b' })))['id']).toBe(2);
      expect((await store.create(user, { ...userValues({ name: 'c' }), id: 10 }))['id']).toBe(10);
      expect((await store.create(user, userValues({ name: 'd' })))['id']).toBe(11);
    });

    it('update answers the record before and after; update, destroy and findOne of a missing record answer undefined', async () => {
      const store = await seeded(await open());
      const result = await store.update(user, 2, { age: 80, active: true, meta: { x: 1 } });
      expect(result?.previous).toMatchObject({ id: 2, age: 8, active: false, meta: null });
      expect(result?.record).toMatchObject({ id: 2, age: 80, active: true, meta: { x: 1 }, name: 'u02' });
      expect(await store.update(user, 99, { age: 1 })).toBeUndefined();
      expect(await store.destroy(user, 99)).toBeUndefined();
      expect(await store.findOne(user, 99)).toBeUndefined();
      expect(await store.destroy(user, 2)).toMatchObject({ id: 2, age: 80 });
      expect(await store.findOne(user, 2)).toBeUndefined();
      expect(await store.count(user)).toBe(4);
    });

    it('findOne calls made together: each answers its own record (or undefined), a copy of its own', async () => {
      const store = await seeded(await open());
      // Together: the servers read these in one statement (server-store.ts); SQLite reads each at once.
      const found = await Promise.all([2, 99, 2, 4, 1, 3, 5].map((id) => store.findOne(user, id)));
      expect(found.map((record) => record?.['name'])).toStrictEqual(['u02', undefined, 'u02', 'U04', 'u01', 'u03', '50%_off']);
      expect(found[0]).not.toBe(found[2]);
      found[0]!['name'] = 'changed by a caller';
      expect(found[2]!['name']).toBe('u02');
      expect((await store.findOne(user, 2))?.['name']).toBe('u02');
      // A write queued after reads in the same turn does not change what those reads were asked for.
      const [before, removed] = await Promise.all([store.findOne(user, 1), store.destroy(user, 1)]);
      expect(removed?.['name']).toBe('u01');
      expect(before === undefined || before['name'] === 'u01').toBe(true);
      expect(await store.findOne(user, 1)).toBeUndefined();
    });

    it('a string primary key: given, found, unique, and linked to', async () => {
      const store = await (await open()).open(MODELS);
      const france = { code: 'FR', createdAt: 1, updatedAt: 2, name: 'France' };
      expect(await store.create(country, france)).toStrictEqual(france);
      await store.create(country, { code: 'fr', name: 'lower' });
      expect(await store.findOne(country, 'FR')).toStrictEqual(france);
      await expect(store.create(country, { code: 'FR', name: 'again' })).rejects.toMatchObject({
        code: 'E_UNIQUE',
        status: 400,
        extra: { modelIdentity: 'country', attrNames: ['code'] },
      });
      await store.create(city, { name: 'Paris', country: 'FR' });
      await store.create(city, { name: 'Lyon', country: 'FR' });
      const rows = await store.findLinked(city, { via: 'country' }, ['FR', 'fr'], criteria(city));
      expect(rows.map((r) => [r.parentId, r.record['name']])).toStrictEqual([
        ['FR', 'Paris'],
        ['FR', 'Lyon'],
      ]);
    });
  });

  describe(`${label}: unique`, () => {
    it('a unique violation is E_UNIQUE, 400, naming the model and attribute, on create and update', async () => {
      const store = await seeded(await open());
      const create = store.create(user, userValues({ name: 'dup', email: 'a@x.io' }));
      await expect(create).rejects.toMatchObject({ name: 'SailsRtError', code: 'E_UNIQUE', status: 400 });
      const error = await create.catch((e: unknown) => e);
      expect(JSON.parse(JSON.stringify(error))).toStrictEqual({
        code: 'E_UNIQUE',
        message: 'Would violate uniqueness constraint: a user already exists with the same email; send a different value.',
        modelIdentity: 'user',
        attrNames: ['email'],
      });
      await expect(store.update(user, 2, { email: 'a@x.io' })).rejects.toMatchObject({ code: 'E_UNIQUE', extra: { attrNames: ['email'] } });
      // Several nulls are no clash; case makes two values.
      await store.create(user, userValues({ name: 'n2', email: null }));
      await store.create(user, userValues({ name: 'n3', email: 'A@X.IO' }));
      expect(await store.count(user)).toBe(7);
      expect(await store.findOne(user, 2)).toMatchObject({ email: 'b@x.io' });
    });
  });

  describe(`${label}: criteria`, () => {
    const names = async (store: Store, params: Record<string, unknown>): Promise<unknown[]> =>
      (await store.find(user, criteria(user, params))).map((r) => r['name']);

    it('every where operator, with Waterline null semantics', async () => {
      const store = await seeded(await open());
      const w = (where: Record<string, unknown>) => names(store, { where });
      expect(await w({ age: { '<': 8 } })).toStrictEqual(['u01']);
      expect(await w({ age: { '<=': 8 } })).toStrictEqual(['u01', 'u02']);
      expect(await w({ age: { '>': 9 } })).toStrictEqual(['U04', '50%_off']);
      expect(await w({ age: { '>=': 8, '<=': 9 } })).toStrictEqual(['u02', 'u03']);
      expect(await w({ age: { '!=': 8 } })).toStrictEqual(['u01', 'u03', 'U04', '50%_off']);
      expect(await w({ age: { '!=': [5, 8, 9] } })).toStrictEqual(['U04', '50%_off']);
      expect(await w({ name: { in: ['u01', 'u03'] } })).toStrictEqual(['u01', 'u03']);
      expect(await w({ name: { nin: ['u01', 'u03'] } })).toStrictEqual(['u02', 'U04', '50%_off']);
      expect(await w({ name: ['u02', 'U04'] })).toStrictEqual(['u02', 'U04']);
      expect(await w({ active: true })).toStrictEqual(['u01', 'u03', '50%_off']);
      expect(await w({ active: { '!=': true } })).toStrictEqual(['u02', 'U04']);
      expect(await w({ active: { in: [false] } })).toStrictEqual(['u02', 'U04']);
      expect(await w({ or: [{ name: 'u01' }, { age: { '>': 10 } }] })).toStrictEqual(['u01', 'U04', '50%_off']);
      expect(await w({ and: [{ age: { '>': 5 } }, { age: { '<': 12 } }] })).toStrictEqual(['u02', 'u03']);
      expect(await w({ or: [] })).toStrictEqual([]);
      expect(await w({ and: [] })).toStrictEqual(['u01', 'u02', 'u03', 'U04', '50%_off']);
      // null: IS NULL and IS NOT NULL; `!=` and `nin` keep the NULLs, as Waterline does.
      expect(await w({ score: null })).toStrictEqual(['u02', '50%_off']);
      expect(await w({ score: { '!=': null } })).toStrictEqual(['u01', 'u03', 'U04']);
      expect(await w({ score: { '!=': 0 } })).toStrictEqual(['u01', 'u02', 'u03', '50%_off']);
      expect(await w({ score: { in: [1.5, null] } })).toStrictEqual(['u01', 'u02', '50%_off']);
      expect(await w({ score: { nin: [1.5] } })).toStrictEqual(['u02', 'u03', 'U04', '50%_off']);
      expect(await w({ score: { nin: [1.5, null] } })).toStrictEqual(['u03', 'U04']);
      expect(await w({ score: { '<': 1 } })).toStrictEqual(['u03', 'U04']);
      expect(await w({ email: { in: [] } })).toStrictEqual([]);
      expect(await w({ email: { nin: [] } })).toStrictEqual(['u01', 'u02', 'u03', 'U04', '50%_off']);
    });

    it('contains, startsWith, endsWith and like are case-sensitive, and treat % and _ in the value as text', async () => {
      const store = await seeded(await open());
      const w = (where: Record<string, unknown>) => names(store, { where });
      expect(await w({ name: { like: 'u0%' } })).toStrictEqual(['u01', 'u02', 'u03']);
      expect(await w({ name: { like: 'U0%' } })).toStrictEqual(['U04']);
      expect(await w({ name: { like: 'u0_' } })).toStrictEqual(['u01', 'u02', 'u03']);
      expect(await w({ email: { contains: '@y' } })).toStrictEqual(['u03', 'U04']);
      expect(await w({ email: { contains: '@Y' } })).toStrictEqual([]);
      expect(await w({ name: { contains: 'U0' } })).toStrictEqual(['U04']);
      expect(await w({ name: { contains: '%_' } })).toStrictEqual(['50%_off']);
      expect(await w({ name: { contains: '_' } })).toStrictEqual(['50%_off']);
      expect(await w({ name: { startsWith: 'u0' } })).toStrictEqual(['u01', 'u02', 'u03']);
      expect(await w({ name: { startsWith: 'U' } })).toStrictEqual(['U04']);
      expect(await w({ email: { endsWith: '.io' } })).toStrictEqual(['u01', 'u02', 'u03', 'U04']);
      expect(await w({ email: { endsWith: '.IO' } })).toStrictEqual([]);
      await store.create(user, userValues({ name: 'back\\slash' }));
      expect(await w({ name: { contains: '\\' } })).toStrictEqual(['back\\slash']);
      expect(await w({ name: { startsWith: 'back\\s' } })).toStrictEqual(['back\\slash']);
    });

    it('sort (byte order for text, NULLs first ascending), limit, skip, select', async () => {
      const store = await seeded(await open());
      await store.create(user, userValues({ name: 'écru', age: 5 }));
      await store.create(user, userValues({ name: 'Zed', age: 5 }));
      expect(await names(store, { sort: 'name ASC' })).toStrictEqual(['50%_off', 'U04', 'Zed', 'u01', 'u02', 'u03', 'écru']);
      expect(await names(store, { sort: 'name DESC', limit: 2 })).toStrictEqual(['écru', 'u03']);
      expect(await names(store, { sort: ['age DESC', 'name ASC'], limit: 4 })).toStrictEqual(['50%_off', 'U04', 'u03', 'u02']);
      expect(await names(store, { sort: 'age ASC' })).toStrictEqual(['u01', 'écru', 'Zed', 'u02', 'u03', 'U04', '50%_off']);
      expect(await names(store, { sort: 'score ASC', limit: 3 })).toStrictEqual(['u02', '50%_off', 'écru']);
      expect(await names(store, { sort: 'score DESC', limit: 3 })).toStrictEqual(['u01', 'U04', 'u03']);
      expect(await names(store, { skip: 5 })).toStrictEqual(['écru', 'Zed']);
      expect(await names(store, { skip: 1, limit: 2 })).toStrictEqual(['u02', 'u03']);
      expect(await names(store, { limit: 0 })).toStrictEqual([]);
      expect(await names(store, { skip: 50 })).toStrictEqual([]);
      const selected = await store.find(user, criteria(user, { select: ['name', 'active', 'meta'], limit: 1 }));
      expect(selected).toStrictEqual([{ id: 1, name: 'u01', active: true, meta: null }]);
      expect(await store.count(user)).toBe(7);
      expect(await store.count(user, parseWhere(user, { age: 5 }, MODEL_API_BOUNDS))).toBe(3);
    });

    it('find with a byte budget stops at the first row it has no room for', async () => {
      const store = await seeded(await open());
      let rows = 0;
      const budget: ReadBudget = { charge: () => ++rows <= 2 };
      expect((await store.find(user, criteria(user), { budget })).map((r) => r['name'])).toStrictEqual(['u01', 'u02']);
    });
  });

  describe(`${label}: links`, () => {
    async function family(store: Store): Promise<void> {
      for (const person of PEOPLE.slice(0, 3)) await store.create(user, userValues(person));
      for (const [name, owner] of [['rex', 1], ['tom', 1], ['ada', 2], ['zed', 1], ['nobody', null]] as const) await store.create(pet, { name, owner });
      for (const label of ['red', 'green', 'blue']) await store.create(tag, { label });
    }

    it('link, linkedIds and unlink on a join table: answers what changed, oldest link first', async () => {
      const store = await (await open()).open(MODELS);
      await family(store);
      expect(await store.link(userTags, 1, [3, 1, 3])).toStrictEqual([3, 1]);
      expect(await store.link(userTags, 1, [1, 2])).toStrictEqual([2]);
      expect(await store.linkedIds(userTags, 1)).toStrictEqual([3, 1, 2]);
      expect(await store.linkedIds(tagUsers, 3)).toStrictEqual([1]);
      expect(await store.unlink(userTags, 1, [1, 9])).toStrictEqual([1]);
      expect(await store.unlink(userTags, 1)).toStrictEqual([3, 2]);
      expect(await store.linkedIds(userTags, 1)).toStrictEqual([]);
    });

    it('destroy alone and the links pointing at the record: the servers\' foreign keys cut them, SQLite leaves that to the record writer', async () => {
      const store = await (await open()).open(MODELS);
      await family(store);
      await store.link(userTags, 1, [1, 2]);
      await store.destroy(user, 1);
      const owners = (await store.find(pet, criteria(pet))).map((p) => p['owner']);
      const joinRows = await store.linkedIds(tagUsers, 1);
      if (kind === 'sqlite') {
        // No foreign keys on SQLite (adding one means rebuilding the table): the rows stay as they were.
        expect(owners).toStrictEqual([1, 1, 2, 1, null]);
        expect(joinRows).toStrictEqual([1]);
      } else {
        // ON DELETE SET NULL on a to-one column, ON DELETE CASCADE on a join row.
        expect(owners).toStrictEqual([null, null, 2, null, null]);
        expect(joinRows).toStrictEqual([]);
        // And no link to a record that is not there.
        await expect(store.create(pet, { name: 'stray', owner: 1 })).rejects.toMatchObject({ code: 'E_INVALID_ASSOCIATED_IDS', status: 400 });
        await expect(store.link(userTags, 2, [99])).rejects.toMatchObject({ code: 'E_INVALID_ASSOCIATED_IDS' });
      }
    });

    it('findLinked: every parent list in one call, each sorted, skipped, limited and selected on its own', async () => {
      const store = await (await open()).open(MODELS);
      await family(store);
      await store.link(userTags, 1, [3, 1]);
      await store.link(userTags, 2, [1]);
      const via = await store.findLinked(pet, { via: 'owner' }, [2, 1, 3], criteria(pet, { sort: 'name ASC' }));
      expect(via.map((r) => [r.parentId, r.record['name']])).toStrictEqual([
        [1, 'rex'],
        [1, 'tom'],
        [1, 'zed'],
        [2, 'ada'],
      ]);
      const page = await store.findLinked(pet, { via: 'owner' }, [1, 2], criteria(pet, { sort: 'name DESC', skip: 1, limit: 1, select: ['name'] }));
      expect(page).toStrictEqual([{ parentId: 1, record: { id: 2, name: 'tom' } }]);
      const tags = await store.findLinked(tag, { junction: userTags }, [1, 2], criteria(tag, { where: { label: { '!=': 'green' } } }));
      expect(tags.map((r) => [r.parentId, r.record['label']])).toStrictEqual([
        [1, 'red'],
        [1, 'blue'],
        [2, 'red'],
      ]);
      expect(await store.findLinked(tag, { junction: userTags }, [], criteria(tag))).toStrictEqual([]);
      const many = Array.from({ length: 2500 }, (_, i) => i + 1);
      expect((await store.findLinked(pet, { via: 'owner' }, many, criteria(pet))).length).toBe(4);
    });
  });

  describe(`${label}: transactions`, () => {
    it('commits everything fn did, and answers what fn answered', async () => {
      const store = await (await open()).open(MODELS);
      const answer = await store.transaction(async (tx) => {
        const a = await tx.create(user, userValues({ name: 'a' }));
        await tx.create(tag, { label: 't' });
        await tx.link(userTags, a['id'] as number, [1]);
        return 'done';
      });
      expect(answer).toBe('done');
      expect(await store.count(user)).toBe(1);
      expect(await store.linkedIds(userTags, 1)).toStrictEqual([1]);
    });

    it('rolls everything back when fn throws, and rethrows its error', async () => {
      const store = await seeded(await open());
      const failure = new Error('midway');
      await expect(
        store.transaction(async (tx) => {
          await tx.create(user, userValues({ name: 'new' }));
          await tx.update(user, 1, { name: 'renamed' });
          await tx.destroy(user, 2);
          await tx.create(tag, { label: 't' });
          await tx.link(userTags, 1, [1]);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await names(store)).toStrictEqual(PEOPLE.map((p) => p.name));
      expect(await store.count(tag)).toBe(0);
      expect(await store.linkedIds(userTags, 1)).toStrictEqual([]);
    });

    it('rolls back on a store error too (a unique violation midway), which keeps its code', async () => {
      const store = await seeded(await open());
      await expect(
        store.transaction(async (tx) => {
          await tx.create(user, userValues({ name: 'first' }));
          await tx.create(user, userValues({ name: 'dup', email: 'a@x.io' }));
        }),
      ).rejects.toMatchObject({ code: 'E_UNIQUE' });
      expect(await store.count(user)).toBe(PEOPLE.length);
    });

    it('a nested transaction joins the outer one: its writes roll back with it', async () => {
      const store = await (await open()).open(MODELS);
      await expect(
        store.transaction(async (tx) => {
          await tx.transaction(async (inner) => {
            await inner.create(tag, { label: 'inner' });
          });
          throw new Error('outer fails');
        }),
      ).rejects.toThrow('outer fails');
      expect(await store.count(tag)).toBe(0);
    });

    it('the root store called from inside fn: SQLite refuses at once (it would wait for ever), the servers answer from another connection', async () => {
      const store = await (await open()).open(MODELS);
      const inside = store.transaction(async (tx) => {
        await tx.create(tag, { label: 'one' });
        return store.count(tag);
      });
      if (kind === 'sqlite') await expect(inside).rejects.toThrow(/inside transaction\(fn\), use the `tx` fn is given/);
      else expect(await inside).toBe(0);
    });

    it('other callers never see a transaction half done', async () => {
      const store = await (await open()).open(MODELS);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let wrote!: () => void;
      const firstWritten = new Promise<void>((resolve) => (wrote = resolve));
      const tx = store.transaction(async (t) => {
        await t.create(tag, { label: 'one' });
        wrote();
        await gate;
        await t.create(tag, { label: 'two' });
      });
      await firstWritten;
      // SQLite makes this read wait for the COMMIT; PostgreSQL and MySQL answer from before the transaction.
      const seen = store.count(tag);
      release();
      await tx;
      expect([0, 2]).toContain(await seen);
      expect(await store.count(tag)).toBe(2);
    });

    it('parallel writes and parallel transactions all land, each whole', async () => {
      const store = await (await open()).open(MODELS);
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(tag, { label: `t${i}` })));
      expect(await store.count(tag)).toBe(20);
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          store.transaction(async (tx) => {
            const owner = await tx.create(user, userValues({ name: `p${i}` }));
            const id = owner['id'] as number;
            await tx.create(pet, { name: `pet${i}`, owner: id });
            await tx.link(userTags, id, [1 + (i % 5), 10]);
            if (i % 3 === 0) throw new Error(`fail ${i}`);
            return id;
          }),
        ),
      );
      const committed = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value);
      expect(committed).toHaveLength(8);
      expect(await store.count(user)).toBe(8);
      expect(await store.count(pet)).toBe(8);
      for (const id of committed) expect((await store.linkedIds(userTags, id)).length).toBe(2);
      const owners = (await store.find(pet, criteria(pet))).map((p) => p['owner']);
      expect(new Set(owners)).toStrictEqual(new Set(committed));
    });
  });

  describe.skipIf(options.migrated)(`${label}: schema`, () => {
    it('auto-sync adds a new attribute to existing rows with its default, and says what it did', async () => {
      const db = await open();
      const first = await db.open(MODELS);
      expect(first.changes.createdTables).toEqual(expect.arrayContaining(['user', 'pet', 'tag', 'country', 'city', userTags.table]));
      expect(first.changes.createdIndexes).toEqual(expect.arrayContaining(['user_email_unique', 'tag_label_unique']));
      await first.create(tag, { label: 'old' });
      await first.close();
      const grown = normalizeModels([{ className: 'Tag', definition: { attributes: { ...DEFINITIONS['Tag']?.attributes, color: { type: 'string', defaultsTo: 'red' }, weight: { type: 'number' }, on: { type: 'boolean', defaultsTo: true } } } }, ...Object.entries(DEFINITIONS).filter(([name]) => name !== 'Tag').map(([className, definition]) => ({ className, definition }))]);
      const second = await db.open(grown);
      expect(second.changes).toStrictEqual({ createdTables: [], addedColumns: ['tag.color', 'tag.weight', 'tag.on'], createdIndexes: [] });
      const grownTag = grown.find((m) => m.identity === 'tag') as NormalizedModel;
      expect(await second.findOne(grownTag, 1)).toStrictEqual({ id: 1, createdAt: null, updatedAt: null, label: 'old', color: 'red', weight: 0, on: true });
    });

    it('autoSync: false leaves the schema alone, for connectDatabase (migrations) to make it', async () => {
      const db = await open();
      const untouched = await db.open(MODELS, { autoSync: false });
      expect(untouched.changes).toStrictEqual({ createdTables: [], addedColumns: [], createdIndexes: [] });
      await expect(untouched.count(tag)).rejects.toThrow();
      // Migrations run before the store is opened (SQLite's store holds its file's lock).
      await untouched.close();
      const { dialect, db: kysely } = await connectDatabase(db.datastore, { appPath: tmpdir() });
      try {
        expect(dialect).toBe(kind);
        const table = tablesOf([tag]).tables.find((t) => t.name === tag.tableName);
        if (!table) throw new Error('tablesOf has no tag table');
        await createTableQuery(kysely, kind, table, sql``).execute();
      } finally {
        await kysely.destroy();
      }
      const store = await db.open(MODELS, { autoSync: false });
      await store.create(tag, { id: 1, label: 'made by a migration', createdAt: 1, updatedAt: 1 });
      expect(await store.count(tag)).toBe(1);
    });
  });

  describe(`${label}: the record writer's transactions`, () => {
    const options = { publish: true };

    /** A writer on `store` whose `method` throws on its `nth` call inside a transaction, with the messages it sent. */
    function writerFailing(store: Store, method: keyof Store, nth: number) {
      const sent: string[] = [];
      const pubsub = new Proxy({}, { get: (_, name) => (...args: unknown[]) => sent.push(`${String(name)} ${JSON.stringify(args.slice(0, 2))}`) }) as PubSub;
      let calls = 0;
      const wrap = (inner: Store): Store =>
        new Proxy(inner, {
          get(target, name, receiver) {
            const value = Reflect.get(target, name, receiver) as unknown;
            if (name === 'transaction') return <T>(fn: (tx: Store) => Promise<T>) => target.transaction((tx) => fn(wrap(tx)));
            if (name === method && typeof value === 'function') {
              return (...args: unknown[]) => {
                if (++calls === nth) throw new Error(`${String(method)} fails`);
                return (value as (...a: unknown[]) => unknown).apply(target, args);
              };
            }
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
      const writer = new RecordWriter(wrap(store), pubsub, new Map(MODELS.map((m) => [m.identity, m])));
      return { writer, sent };
    }

    async function world(db: TestDatabase): Promise<Store> {
      const store = await db.open(MODELS);
      for (const person of PEOPLE.slice(0, 2)) await store.create(user, userValues(person));
      for (const label of ['red', 'green', 'blue']) await store.create(tag, { label });
      for (const name of ['rex', 'tom']) await store.create(pet, { name, owner: 1 });
      await store.link(userTags, 1, [1, 2]);
      return store;
    }

    async function snapshot(store: Store): Promise<unknown> {
      return {
        users: await store.find(user, criteria(user)),
        pets: await store.find(pet, criteria(pet)),
        tags: await store.find(tag, criteria(tag)),
        links: [await store.linkedIds(userTags, 1), await store.linkedIds(userTags, 2), await store.linkedIds(userTags, 3)],
      };
    }

    it('create with to-many ids: a link failing midway leaves no record, no link, and no message', async () => {
      const store = await world(await open());
      const before = await snapshot(store);
      const { writer, sent } = writerFailing(store, 'link', 1);
      await expect(writer.create(user, { name: 'new', tags: [1, 3], pets: [2] }, options)).rejects.toThrow('link fails');
      expect(await snapshot(store)).toStrictEqual(before);
      expect(sent).toStrictEqual([]);
    });

    it('destroy: a failure after its links were cut leaves the record and every link, and sends nothing', async () => {
      const store = await world(await open());
      const before = await snapshot(store);
      const { writer, sent } = writerFailing(store, 'destroy', 1);
      await expect(writer.destroy(user, 1, options)).rejects.toThrow('destroy fails');
      expect(await snapshot(store)).toStrictEqual(before);
      expect(sent).toStrictEqual([]);
    });

    it('replace: a failure after the old links went keeps them', async () => {
      const store = await world(await open());
      const before = await snapshot(store);
      const { writer, sent } = writerFailing(store, 'link', 1);
      await expect(writer.replace(user, 1, 'tags', [3], options)).rejects.toThrow('link fails');
      expect(await snapshot(store)).toStrictEqual(before);
      expect(sent).toStrictEqual([]);
    });

    it('several updates in one writer transaction (update(criteria).set()): the third failing undoes the first two', async () => {
      const store = await world(await open());
      await store.create(pet, { name: 'ada', owner: 2 });
      const before = await snapshot(store);
      const { writer, sent } = writerFailing(store, 'update', 3);
      const prepared = await writer.prepareUpdate(pet, { name: 'same' }, options);
      await expect(
        writer.transaction(async (w) => {
          for (const id of [1, 2, 3]) await w.updatePrepared(pet, id, prepared, options);
        }),
      ).rejects.toThrow('update fails');
      expect(await snapshot(store)).toStrictEqual(before);
      expect(sent).toStrictEqual([]);
    });

    it('a write that commits publishes its messages after the commit, and its links are whole', async () => {
      const store = await world(await open());
      const { writer, sent } = writerFailing(store, 'close', 1);
      const created = await writer.create(user, { name: 'new', tags: [3], pets: [2] }, options);
      expect(created['id']).toBe(3);
      expect(await store.linkedIds(userTags, 3)).toStrictEqual([3]);
      expect(await store.findOne(pet, 2)).toMatchObject({ owner: 3 });
      // The linked records' notices first, then created: Sails' order (docs/protocol.md 3.7).
      expect(sent.map((line) => line.split(' ')[0])).toStrictEqual(['introduce', 'publishUpdated', 'publishRemovedFrom', 'publishAddedTo', 'publishCreated']);
      sent.length = 0;
      await writer.destroy(user, 3, options);
      expect(await store.findOne(pet, 2)).toMatchObject({ owner: null });
      expect(await store.linkedIds(tagUsers, 3)).toStrictEqual([]);
      expect(sent[0]).toBe('publishDestroyed ["user",3]');
    });
  });

  async function names(store: Store, params: Record<string, unknown> = {}): Promise<unknown[]> {
    return (await store.find(user, criteria(user, params))).map((r: StoredRecord) => r['name']);
  }
}
