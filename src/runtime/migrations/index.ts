/**
 * An app's migrations: the files under `migrations/` (TypeScript, compiled like every app file),
 * the schema snapshot next to each, and Kysely's Migrator applying them under its lock. Used by
 * `sails-rt migrate` and by lift, which never alters the schema of an app that has migrations.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import createDebug from 'debug';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  MysqlDialect,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type Migration,
  type MigrationProvider,
  type SqliteDialectConfig,
} from 'kysely';
import { describeLoadError, importAppFile } from '../../schema/load/index.js';
import type { DatastoreConfig } from '../config/index.js';
import type { MigrationDialect } from './dialect.js';
import { MIGRATIONS_DIR, migrationFiles } from '../../schema/load/migrations.js';

export { dialectOf, type MigrationDialect } from './dialect.js';
export { hasMigrations, lastSnapshot, migrationFiles, MIGRATIONS_DIR, parseSnapshot } from '../../schema/load/migrations.js';

const debug = createDebug('sails-rt:migrations');

/** How long `migrate` waits for another process's lock on an SQLite file. */
const SQLITE_BUSY_TIMEOUT_MS = 15_000;

/** A database opened for migrating: the Kysely instance, and how to name it in a message (no password). */
export interface MigrationDatabase {
  // Kysely<any>: migrations see tables that no TypeScript type describes.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  dialect: MigrationDialect;
  label: string;
}

/** A migration file, and whether (and when) the database has applied it. */
export interface MigrationState {
  name: string;
  appliedAt?: Date;
}

/** The adapter of `datastore`, 'sqlite' unless it says otherwise. */
export function adapterOf(datastore: DatastoreConfig | undefined): MigrationDialect {
  return (datastore?.adapter as MigrationDialect | undefined) ?? 'sqlite';
}

/**
 * Opens the app's datastore for migrating: SQLite (`filename`, default `.tmp/db.sqlite`),
 * PostgreSQL or MySQL (`url`, else the DATABASE_URL variable). A small pool: a migration runs on
 * one connection.
 *
 * @example const { db } = await createKysely(config.datastores.default, appPath); … await db.destroy();
 */
export async function createKysely(datastore: DatastoreConfig | undefined, appPath: string): Promise<MigrationDatabase> {
  const dialect = adapterOf(datastore);
  if (dialect === 'sqlite') {
    const filename = datastore?.filename ?? '.tmp/db.sqlite';
    const path = sqliteFile(datastore, appPath);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const { default: Database } = await import('better-sqlite3');
    const database = new Database(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    return { db: new Kysely({ dialect: new LockingSqliteDialect({ database }) }), dialect, label: filename };
  }
  const url = datastore?.url ?? process.env['DATABASE_URL'];
  if (url === undefined || url === '') {
    throw new Error(`datastores.default.adapter is '${dialect}' but no database URL is set; set DATABASE_URL, or datastores.default.url in config/datastores.ts.`);
  }
  const label = withoutPassword(url);
  if (dialect === 'postgres') {
    const { default: pg } = await import('pg');
    return { db: new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) }), dialect, label };
  }
  // A CommonJS module: its exports are the default export once bundled (its named ones are not).
  const { default: mysql } = await import('mysql2');
  return { db: new Kysely({ dialect: new MysqlDialect({ pool: mysql.createPool({ uri: url, connectionLimit: 2 }) }) }), dialect, label };
}

/** The SQLite file of `datastore`, absolute, or ':memory:'. */
export function sqliteFile(datastore: DatastoreConfig | undefined, appPath: string): string {
  const filename = datastore?.filename ?? '.tmp/db.sqlite';
  return filename === ':memory:' || isAbsolute(filename) ? filename : join(appPath, filename);
}

/** `postgres://app:secret@db/shop` as `postgres://app@db/shop`: messages and logs never show a password. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '';
    return parsed.toString().replace(/^([a-z0-9+.-]+:\/\/[^@/]*):@/i, '$1@');
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1@');
  }
}

/** Reads the app's migration files through the app compiler, as Kysely's Migrator asks for them. */
class AppMigrationProvider implements MigrationProvider {
  /** `baseline`: every migration's `up` does nothing, so applying one only records it. */
  constructor(
    private readonly appPath: string,
    private readonly baseline = false,
  ) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const { name, file } of await migrationFiles(this.appPath)) {
      const shown = join(MIGRATIONS_DIR, basename(file));
      let namespace: Record<string, unknown>;
      try {
        namespace = await importAppFile(this.appPath, file);
      } catch (error) {
        throw new Error(`${shown} could not be loaded (${describeLoadError(error)}); fix the error in that file.`, { cause: error });
      }
      const { up, down } = namespace;
      if (typeof up !== 'function') throw new Error(`${shown} has no up function; export async function up(db) { … } from it.`);
      migrations[name] = this.baseline ? { up: async () => {} } : { up: up as Migration['up'], ...(typeof down === 'function' ? { down: down as Migration['up'] } : {}) };
    }
    return migrations;
  }
}

function migratorOf(database: MigrationDatabase, appPath: string, baseline = false): Migrator {
  return new Migrator({ db: database.db, provider: new AppMigrationProvider(appPath, baseline) });
}

/** Each migration file with the time the database applied it; no database tables are created. */
export async function migrationStatus(database: MigrationDatabase, appPath: string): Promise<MigrationState[]> {
  let infos;
  try {
    infos = await migratorOf(database, appPath).getMigrations();
  } catch (error) {
    throw new Error(describeFailure(database, error), { cause: error });
  }
  return infos.map((info) => ({ name: info.name, ...(info.executedAt ? { appliedAt: info.executedAt } : {}) }));
}

/**
 * Applies every pending migration, in name order, under Kysely's lock (a PostgreSQL advisory
 * lock, MySQL's GET_LOCK, an immediate transaction on SQLite): two processes migrating at once
 * apply each migration once. On PostgreSQL and SQLite they run in one transaction, so a failure
 * applies none of them; MySQL cannot undo DDL, so there the ones before the failure stay applied.
 * Resolves with the names applied; rejects with one sentence naming the migration that failed.
 *
 * `baseline` records every pending migration as applied without running it: for a database that
 * already has their schema, made by lift's auto-sync before the app had migrations/.
 */
export async function applyMigrations(database: MigrationDatabase, appPath: string, { baseline = false } = {}): Promise<string[]> {
  const { error, results = [] } = await migratorOf(database, appPath, baseline).migrateToLatest();
  const applied = results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const reason = describeFailure(database, error);
    debug('migration failed: %O', error);
    const kept = database.dialect === 'mysql' && applied.length > 0 ? ` (${applied.join(', ')} applied before it, and stay applied: MySQL cannot undo schema changes)` : ' (nothing was applied)';
    throw new Error(
      failed === undefined
        ? `Could not migrate the database ${database.label}: ${reason}${/^corrupted migrations/.test(reason) ? '; a migration the database applied is missing or out of order in migrations/: restore it, or name new migrations after the last applied one' : ''}.`
        : /already exists/i.test(reason)
          ? `The migration ${failed} failed on the database ${database.label}: ${reason}${kept}; if that database got its tables from lift before the app had migrations/ (auto-sync) and they match the migrations, run \`sails-rt migrate --baseline\` to record the migrations as applied without running them, else fix migrations/${failed}.ts.`
          : `The migration ${failed} failed on the database ${database.label}: ${reason}${kept}; fix migrations/${failed}.ts, then run \`sails-rt migrate\` again.`,
      { cause: error },
    );
  }
  return applied;
}

/** A database error as a phrase; an SQLite file held by a lifted app says so. */
function describeFailure(database: MigrationDatabase, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  if (database.dialect === 'sqlite' && /database is locked|SQLITE_BUSY/i.test(`${reason} ${(error as { code?: unknown }).code}`)) {
    return `${reason} (another process holds the file: a lifted app keeps it locked unless datastores.default.exclusive is false; stop it, then migrate)`;
  }
  return reason;
}

/**
 * Reverts the last applied migration with its `down`; resolves with its name, or undefined when
 * none is applied.
 */
export async function revertLastMigration(database: MigrationDatabase, appPath: string): Promise<string | undefined> {
  const { error, results = [] } = await migratorOf(database, appPath).migrateDown();
  const name = results[0]?.migrationName;
  if (error !== undefined) {
    throw new Error(`Reverting the migration ${name ?? '(none)'} failed on the database ${database.label}: ${error instanceof Error ? error.message : String(error)}; fix its down function, then try again.`, { cause: error });
  }
  return results[0]?.status === 'Success' ? name : undefined;
}

/**
 * SQLite, as Kysely's dialect but with its migrations in one immediate transaction: SQLite
 * undoes schema changes too (Kysely's adapter says it does not), and BEGIN IMMEDIATE takes the
 * file's write lock before the Migrator reads which migrations are applied, so a second process
 * waits (busy timeout), then finds them applied. That is the lock Kysely's SQLite adapter leaves out.
 */
class LockingSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalSqliteAdapter();
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
