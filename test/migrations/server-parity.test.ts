/**
 * For every fixture model set (and one with encrypted attributes, string keys and long names), the
 * init migration makes the same PostgreSQL and MySQL schema as the store's auto-sync: columns
 * (type, collation, nullability, default, identity), table collations, indexes and foreign keys,
 * as information_schema and the catalogs report them; and the store opens on it with auto-sync off.
 * With CI=true a server that does not answer fails; elsewhere its tests are skipped.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, createKysely } from '../../src/runtime/migrations/index.js';
import { openStore } from '../../src/runtime/store/index.js';
import { fixtureSets } from '../generator/fixtures.js';
import { EDGE_MODELS, GROWN, modelsOf, writeMigration } from './helpers.js';
import { freshDatabase, type Server } from './servers.js';

const temp = mkdtempSync(join(tmpdir(), 'sails-rt-server-parity-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const SETS = [...fixtureSets(), { name: 'edges', models: EDGE_MODELS }];

type Rows = Record<string, unknown>[];

/** The schema as the server reports it, in a stable order, Kysely's own tables left out. */
async function schemaOf(server: Server, url: string): Promise<Record<string, Rows>> {
  const { db } = await createKysely({ adapter: server, url }, temp);
  try {
    const rows = async (query: ReturnType<typeof sql>) => ((await query.execute(db)) as { rows: Rows }).rows;
    if (server === 'postgres') {
      return {
        columns: await rows(sql`select table_name as t, column_name as c, data_type as type, collation_name as collation, is_nullable as nullable, column_default as "default", is_identity as identity, identity_generation as generation
          from information_schema.columns where table_schema = current_schema() and table_name not like 'kysely_%' order by table_name, ordinal_position`),
        indexes: await rows(sql`select tablename as t, indexname as name, indexdef as def from pg_indexes where schemaname = current_schema() and tablename not like 'kysely_%' order by tablename, indexname`),
        constraints: await rows(sql`select conrelid::regclass::text as t, conname as name, contype as type, pg_get_constraintdef(oid) as def
          from pg_constraint where connamespace = current_schema()::regnamespace and conrelid::regclass::text not like 'kysely_%' order by 1, 2`),
      };
    }
    return {
      tables: await rows(sql`select table_name as t, table_collation as collation, engine from information_schema.tables where table_schema = database() and table_name not like 'kysely_%' order by table_name`),
      columns: await rows(sql`select table_name as t, column_name as c, column_type as type, character_set_name as charset, collation_name as collation, is_nullable as nullable, column_default as "default", extra, column_key as \`key\`
        from information_schema.columns where table_schema = database() and table_name not like 'kysely_%' order by table_name, ordinal_position`),
      indexes: await rows(sql`select table_name as t, index_name as name, non_unique as nonUnique, seq_in_index as seq, column_name as c
        from information_schema.statistics where table_schema = database() and table_name not like 'kysely_%' order by table_name, index_name, seq_in_index`),
      foreignKeys: await rows(sql`select r.table_name as t, r.constraint_name as name, k.column_name as c, r.referenced_table_name as target, k.referenced_column_name as targetColumn, r.delete_rule as onDelete, r.update_rule as onUpdate
        from information_schema.referential_constraints r join information_schema.key_column_usage k on k.constraint_schema = r.constraint_schema and k.constraint_name = r.constraint_name and k.table_name = r.table_name
        where r.constraint_schema = database() order by r.table_name, r.constraint_name`),
    };
  } finally {
    await (db as Kysely<unknown>).destroy();
  }
}

describe.each(['postgres', 'mysql'] as const)('on %s', (server) => {
  describe.each(SETS.map((set) => [set.name, set] as const))('the %s models', (name, set) => {
    it('get the same schema from the init migration as from auto-sync, and the store opens on it', async () => {
      const synced = await freshDatabase(server);
      const migrated = await freshDatabase(server);
      if (synced === undefined || migrated === undefined) return void console.warn(`${server} does not answer: parity test skipped`);
      const definitions = Object.fromEntries(set.models);
      const models = modelsOf(definitions);
      await (await openStore({ adapter: server, url: synced }, models, { appPath: temp })).close();

      const appPath = join(temp, `${server}-${name}`);
      mkdirSync(join(appPath, 'migrations'), { recursive: true });
      await writeMigration(appPath, 'init', definitions);
      const database = await createKysely({ adapter: server, url: migrated }, appPath);
      try {
        await applyMigrations(database, appPath);
      } finally {
        await database.db.destroy();
      }

      const want = await schemaOf(server, synced);
      const got = await schemaOf(server, migrated);
      expect(got).toEqual(want);

      // Equal, and what the stores need: byte-order text, json as text, links indexed and constrained.
      const columns = want['columns'] as { type: string; collation: string | null }[];
      if (server === 'postgres') {
        expect(columns.filter((c) => c.type === 'jsonb' || (c.type === 'text' && c.collation !== 'C'))).toEqual([]);
      } else {
        expect((want['tables'] as { collation: string }[]).filter((t) => !/^utf8mb4_(nopad_bin|0900_bin)$/.test(t.collation))).toEqual([]);
        expect(columns.filter((c) => c.type === 'json' || c.type === 'text')).toEqual([]);
      }
      const links = models.flatMap((model) => model.attributes.filter((a) => a.model !== undefined)).length + models.flatMap((model) => model.collections.filter((c) => c.junction)).length;
      const foreignKeys = server === 'postgres' ? (want['constraints'] as { type: string }[]).filter((c) => c.type === 'f') : (want['foreignKeys'] as Rows);
      if (links > 0) expect(foreignKeys.length).toBeGreaterThan(0);

      const store = await openStore({ adapter: server, url: migrated }, models, { appPath: temp, autoSync: false });
      expect(store.changes).toEqual({ createdTables: [], addedColumns: [], createdIndexes: [] });
      await store.close();
    });
  });
});

describe.each(['postgres', 'mysql'] as const)('a later migration on %s', (server) => {
  it('changes tables with rows as auto-sync does: the same schema, and existing rows filled with the same values', async () => {
    const synced = await freshDatabase(server);
    const migrated = await freshDatabase(server);
    if (synced === undefined || migrated === undefined) return void console.warn(`${server} does not answer: parity test skipped`);
    const appPath = join(temp, `${server}-grown`);
    mkdirSync(join(appPath, 'migrations'), { recursive: true });
    await (await openStore({ adapter: server, url: synced }, modelsOf(GROWN.before), { appPath: temp })).close();
    await writeMigration(appPath, 'init', GROWN.before);
    // Kysely<any>: the tables the models make, which no TypeScript type describes.
    const onEach = async (fn: (db: Kysely<any>) => Promise<void>) => {
      for (const url of [synced, migrated]) {
        const { db } = await createKysely({ adapter: server, url }, appPath);
        try {
          await fn(db);
        } finally {
          await db.destroy();
        }
      }
    };
    const apply = async () => {
      const database = await createKysely({ adapter: server, url: migrated }, appPath);
      try {
        await applyMigrations(database, appPath);
      } finally {
        await database.db.destroy();
      }
    };
    await apply();
    await onEach((db) => db.insertInto('user').values({ name: 'Ada' }).execute().then(() => undefined));

    await (await openStore({ adapter: server, url: synced }, modelsOf(GROWN.after), { appPath: temp })).close();
    await writeMigration(appPath, 'grow', GROWN.after);
    await apply();
    expect(await schemaOf(server, migrated)).toEqual(await schemaOf(server, synced));
    const rows: unknown[] = [];
    await onEach(async (db) => void rows.push(await db.selectFrom('user').selectAll().execute()));
    expect(rows[1]).toEqual(rows[0]);
    // pg gives a bigint as a string here (the migration's Kysely has no type parsers; the store's has).
    expect(rows[0]).toEqual([{ id: server === 'postgres' ? '1' : 1, createdAt: null, updatedAt: null, name: 'Ada', email: null, age: 5, on: server === 'postgres' ? true : 1, meta: '{"a":[1]}' }]);
  });
});
