/**
 * Generated migrations applied for real: the same files on SQLite, PostgreSQL and MySQL, each
 * test on a database of its own; and two migrators at once applying each migration once.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatastoreConfig } from '../../src/runtime/config/index.js';
import { applyMigrations, createKysely, migrationStatus, revertLastMigration, type MigrationDatabase } from '../../src/runtime/migrations/index.js';
import { writeMigration } from './helpers.js';
import { freshDatabase, type Server } from './servers.js';

const temp = mkdtempSync(join(tmpdir(), 'sails-rt-migrations-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function newApp(): string {
  const dir = mkdtempSync(join(temp, 'app-'));
  mkdirSync(join(dir, 'migrations'));
  return dir;
}

const V1 = {
  User: {
    attributes: {
      name: { type: 'string', required: true },
      email: { type: 'string', unique: true },
      age: { type: 'number' },
      score: { type: 'number' },
      active: { type: 'boolean' },
      profile: { type: 'json' },
      pets: { collection: 'pet', via: 'owner' },
      tags: { collection: 'tag', via: 'users' },
    },
  },
  Pet: { attributes: { name: { type: 'string' }, owner: { model: 'user' } } },
  Tag: { primaryKey: 'label', attributes: { label: { type: 'string', required: true }, users: { collection: 'user', via: 'tags' } } },
};

const V2 = {
  ...V1,
  User: {
    attributes: {
      name: { type: 'string', required: true },
      email: { type: 'string', unique: true },
      years: { type: 'number' },
      score: { type: 'string' },
      nick: { type: 'string', required: true },
      verified: { type: 'boolean', defaultsTo: true },
      settings: { type: 'json', defaultsTo: { theme: "it's dark" } },
      profile: { type: 'json' },
      pets: { collection: 'pet', via: 'owner' },
      tags: { collection: 'tag', via: 'users' },
    },
  },
};

const DIALECTS: readonly ('sqlite' | Server)[] = ['sqlite', 'postgres', 'mysql'];

async function datastoreFor(dialect: 'sqlite' | Server, appPath: string): Promise<DatastoreConfig | undefined> {
  if (dialect === 'sqlite') return { adapter: 'sqlite', filename: join(appPath, 'db.sqlite') };
  const url = await freshDatabase(dialect);
  return url === undefined ? undefined : { adapter: dialect, url };
}

async function columnsOf(database: MigrationDatabase): Promise<Record<string, string[]>> {
  const tables = await database.db.introspection.getTables();
  return Object.fromEntries(tables.map((table) => [table.name, table.columns.map((column) => column.name).sort()]).sort());
}

describe.each(DIALECTS)('generated migrations on %s', (dialect) => {
  it('create every table, then rename, fill, convert and keep without losing a row, and come back down', async (context) => {
    const appPath = newApp();
    const datastore = await datastoreFor(dialect, appPath);
    if (!datastore) return context.skip();
    const database = await createKysely(datastore, appPath);
    try {
      await writeMigration(appPath, 'init', V1);
      expect(await applyMigrations(database, appPath)).toEqual(['20260101000001_init']);
      expect(await columnsOf(database)).toEqual({
        pet: ['createdAt', 'id', 'name', 'owner', 'updatedAt'],
        tag: ['createdAt', 'label', 'updatedAt'],
        tag_users__user_tags: ['id', 'tag_users', 'user_tags'],
        user: ['active', 'age', 'createdAt', 'email', 'id', 'name', 'profile', 'score', 'updatedAt'],
      });
      const db = database.db;
      const inserted = await db
        .insertInto('user')
        .values({ name: 'Ada', email: 'ada@example.com', age: 36, score: 12.5, active: dialect === 'postgres' ? true : 1, profile: JSON.stringify({ likes: ['math'] }), createdAt: 1, updatedAt: 1 })
        .executeTakeFirst();
      expect(inserted).toBeDefined();
      await db.insertInto('tag').values({ label: 'vip', createdAt: 1, updatedAt: 1 }).execute();
      const [ada] = await db.selectFrom('user').select('id').execute();
      await db.insertInto('tag_users__user_tags').values({ tag_users: 'vip', user_tags: ada!.id }).execute();
      // The unique indexes are there: the email, and the pair of a join table.
      await expect(db.insertInto('user').values({ name: 'Eve', email: 'ada@example.com' }).execute()).rejects.toThrow();
      await expect(db.insertInto('tag_users__user_tags').values({ tag_users: 'vip', user_tags: ada!.id }).execute()).rejects.toThrow();

      await writeMigration(appPath, 'second', V2, {
        renames: new Map([['user.age', 'user.years']]),
        notRenamed: new Set(['user.active>user.verified']),
        drops: new Set(['user.active']),
        typeChanges: new Set(['user.score']),
        fills: new Map([['user.nick', 'anon']]),
      });
      expect(await applyMigrations(database, appPath)).toEqual(['20260101000002_second']);
      expect((await columnsOf(database))['user']).toEqual(['createdAt', 'email', 'id', 'name', 'nick', 'profile', 'score', 'settings', 'updatedAt', 'verified', 'years']);
      const row = await db.selectFrom('user').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ name: 'Ada', email: 'ada@example.com', years: 36, score: '12.5', nick: 'anon' });
      const json = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value);
      expect(json(row['profile'])).toEqual({ likes: ['math'] });
      expect(json(row['settings'])).toEqual({ theme: "it's dark" });
      expect(row['verified'] === true || row['verified'] === 1).toBe(true);
      await expect(db.insertInto('user').values({ name: 'Eve', email: 'ada@example.com' }).execute()).rejects.toThrow();

      expect((await migrationStatus(database, appPath)).map((m) => [m.name, m.appliedAt !== undefined])).toEqual([
        ['20260101000001_init', true],
        ['20260101000002_second', true],
      ]);
      expect(await revertLastMigration(database, appPath)).toBe('20260101000002_second');
      expect((await columnsOf(database))['user']).toEqual(['active', 'age', 'createdAt', 'email', 'id', 'name', 'profile', 'score', 'updatedAt']);
      expect(await db.selectFrom('user').select(['name', 'age']).execute()).toEqual([{ name: 'Ada', age: 36 }]);
      expect(await revertLastMigration(database, appPath)).toBe('20260101000001_init');
      expect(Object.keys(await columnsOf(database))).toEqual([]);
    } finally {
      await database.db.destroy();
    }
  });
});

describe.each(DIALECTS)('a link added by a later migration on %s', (dialect) => {
  it('gets its index and (on the servers) its foreign key on a table with rows, and goes with its down', async (context) => {
    const appPath = newApp();
    const datastore = await datastoreFor(dialect, appPath);
    if (!datastore) return context.skip();
    const database = await createKysely(datastore, appPath);
    const PET = { attributes: { name: { type: 'string' } } };
    const USERS = { User: { attributes: { name: { type: 'string' } } } };
    try {
      await writeMigration(appPath, 'init', { ...USERS, Pet: PET });
      await applyMigrations(database, appPath);
      const db = database.db;
      await db.insertInto('user').values({ name: 'Ada' }).execute();
      await db.insertInto('pet').values({ name: 'Rex' }).execute();
      await writeMigration(appPath, 'owner', { ...USERS, Pet: { attributes: { ...PET.attributes, owner: { model: 'user' } } } });
      expect(await applyMigrations(database, appPath)).toEqual(['20260101000002_owner']);
      const [ada] = await db.selectFrom('user').select('id').execute();
      await db.updateTable('pet').set({ owner: ada!.id }).execute();
      const query =
        dialect === 'sqlite'
          ? sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'pet'`
          : dialect === 'postgres'
            ? sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'pet' and schemaname = current_schema()`
            : sql<{ name: string }>`select index_name as name from information_schema.statistics where table_name = 'pet' and table_schema = database()`;
      const indexes = async () => (await query.execute(db)).rows.map((row) => row.name);
      expect(await indexes()).toContain('pet_owner_idx');
      if (dialect !== 'sqlite') {
        // The foreign key: no pet of a user that does not exist, and a deleted user's pets keep no owner.
        await expect(db.insertInto('pet').values({ name: 'Ghost', owner: 999 }).execute()).rejects.toThrow();
        await db.deleteFrom('user').execute();
        expect(await db.selectFrom('pet').select(['name', 'owner']).execute()).toEqual([{ name: 'Rex', owner: null }]);
      }
      expect(await revertLastMigration(database, appPath)).toBe('20260101000002_owner');
      expect((await columnsOf(database))['pet']).toEqual(['createdAt', 'id', 'name', 'updatedAt']);
      expect(await indexes()).not.toContain('pet_owner_idx');
    } finally {
      await database.db.destroy();
    }
  });
});

describe.each(['postgres', 'mysql'] as const)('two migrators at once on %s', (dialect) => {
  it('apply each migration once: the second waits for the lock, then finds nothing pending', async (context) => {
    const appPath = newApp();
    const datastore = await datastoreFor(dialect, appPath);
    if (!datastore) return context.skip();
    // The migration holds the lock a while, so that the two runs overlap; run twice, its create table would fail.
    writeFileSync(
      join(appPath, 'migrations', '20260101000000_slow.ts'),
      `import { sql, type Kysely } from 'sails-rt/migrations';
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('once').addColumn('n', sql.raw('integer')).execute();
  await new Promise((resolve) => setTimeout(resolve, 400));
  await db.insertInto('once').values({ n: 1 }).execute();
}
`,
    );
    const [a, b] = [await createKysely(datastore, appPath), await createKysely(datastore, appPath)];
    try {
      const results = await Promise.all([applyMigrations(a, appPath), applyMigrations(b, appPath)]);
      expect(results.map((names) => names.length).sort()).toEqual([0, 1]);
      expect(await a.db.selectFrom('once').selectAll().execute()).toEqual([{ n: 1 }]);
      expect(await a.db.selectFrom('kysely_migration').select('name').execute()).toEqual([{ name: '20260101000000_slow' }]);
    } finally {
      await Promise.all([a.db.destroy(), b.db.destroy()]);
    }
  });
});
