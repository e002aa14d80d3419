/**
 * For every fixture model set (and one with encrypted attributes, string keys and long names), the
 * init migration makes the same SQLite schema as the store's auto-sync (tables, column types,
 * keys, nullability, unique and link indexes), and the store opens on it with auto-sync off: an
 * app migrated, then lifted, finds exactly the tables it expects. server-parity.test.ts does the
 * same on PostgreSQL and MySQL.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, createKysely } from '../../src/runtime/migrations/index.js';
import { openSqliteStore } from '../../src/runtime/store/index.js';
import { tablesOf } from '../../src/schema/index.js';
import { fixtureSets } from '../generator/fixtures.js';
import { EDGE_MODELS, GROWN, modelsOf, writeMigration } from './helpers.js';

const temp = mkdtempSync(join(tmpdir(), 'sails-rt-parity-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

interface Column {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

/** Every table but Kysely's own, with its columns and its unique indexes, as SQLite reports them. */
function schemaOf(file: string): Record<string, { columns: string[]; autoincrement: boolean; indexes: string[] }> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("select name, sql from sqlite_master where type = 'table' and name not like 'kysely_%' and name not like 'sqlite_%' order by name").all() as { name: string; sql: string }[];
    return Object.fromEntries(
      tables.map(({ name, sql }) => {
        const columns = (db.prepare(`select * from pragma_table_info(?)`).all(name) as Column[]).map((c) => `${c.name} ${c.type.toLowerCase()}${c.notnull ? ' not null' : ''}${c.dflt_value === null ? '' : ` default ${c.dflt_value}`}${c.pk ? ' pk' : ''}`);
        const indexes = (db.prepare('select name, "unique", origin from pragma_index_list(?)').all(name) as { name: string; unique: number; origin: string }[])
          .filter((index) => index.origin === 'c')
          .map((index) => `${index.name}${index.unique ? ' unique' : ''} (${(db.prepare('select name from pragma_index_info(?)').all(index.name) as { name: string }[]).map((c) => c.name).join(', ')})`)
          .sort();
        return [name, { columns, autoincrement: /autoincrement/i.test(sql), indexes }];
      }),
    );
  } finally {
    db.close();
  }
}

describe.each([...fixtureSets(), { name: 'edges', models: EDGE_MODELS }].map((set) => [set.name, set] as const))('the %s models', (name, set) => {
  it('get the same SQLite schema from the init migration as from auto-sync, and the store opens on it', async () => {
    const definitions = Object.fromEntries(set.models);
    const models = modelsOf(definitions);
    const synced = join(temp, `${name}-synced.sqlite`);
    await openSqliteStore({ filename: synced, models, exclusive: false }).close();

    const appPath = join(temp, name);
    mkdirSync(join(appPath, 'migrations'), { recursive: true });
    await writeMigration(appPath, 'init', definitions);
    const migrated = join(temp, `${name}-migrated.sqlite`);
    const database = await createKysely({ adapter: 'sqlite', filename: migrated }, appPath);
    try {
      await applyMigrations(database, appPath);
    } finally {
      await database.db.destroy();
    }
    const schema = schemaOf(migrated);
    expect(Object.keys(schema)).toEqual(tablesOf(models).tables.map((table) => table.name).sort());
    expect(schema).toEqual(schemaOf(synced));

    const store = openSqliteStore({ filename: migrated, models, exclusive: false, autoSync: false });
    expect(store.changes).toEqual({ createdTables: [], addedColumns: [], createdIndexes: [] });
    await store.close();
  });
});

describe('a later migration', () => {
  it('changes tables with rows as auto-sync does: the same schema, and existing rows filled with the same values', async () => {
    const synced = join(temp, 'grown-synced.sqlite');
    const migrated = join(temp, 'grown-migrated.sqlite');
    const appPath = join(temp, 'grown');
    mkdirSync(join(appPath, 'migrations'), { recursive: true });
    await openSqliteStore({ filename: synced, models: modelsOf(GROWN.before), exclusive: false }).close();
    await writeMigration(appPath, 'init', GROWN.before);
    const apply = async () => {
      const database = await createKysely({ adapter: 'sqlite', filename: migrated }, appPath);
      try {
        await applyMigrations(database, appPath);
      } finally {
        await database.db.destroy();
      }
    };
    await apply();
    for (const file of [synced, migrated]) {
      const db = new Database(file);
      db.prepare("insert into user (name) values ('Ada')").run();
      db.close();
    }

    await openSqliteStore({ filename: synced, models: modelsOf(GROWN.after), exclusive: false }).close();
    await writeMigration(appPath, 'grow', GROWN.after);
    await apply();
    expect(schemaOf(migrated)).toEqual(schemaOf(synced));
    const rows = (file: string) => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare('select * from user').all();
      } finally {
        db.close();
      }
    };
    expect(rows(migrated)).toEqual(rows(synced));
    expect(rows(synced)).toEqual([{ id: 1, createdAt: null, updatedAt: null, name: 'Ada', email: null, age: 5, on: 1, meta: '{"a":[1]}' }]);
  });
});
