/**
 * `openStore`: the store `config/datastores.ts` asks for, opened (and, unless told not to, its
 * schema brought up to the models). Failures are `LiftError`s: one sentence naming the database
 * (a URL without its password) and the fix.
 */
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { NormalizedModel } from '../../schema/index.js';
import { LiftError } from '../errors.js';
import { redactUrl } from './errors.js';
import type { DialectName, OpenDb } from './sql.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/** Where the default datastore lives: `config/datastores.ts`' `default`. */
export interface DatastoreConfig {
  /** 'sqlite' (default), 'postgres' or 'mysql' (MySQL and MariaDB). */
  adapter?: 'sqlite' | 'postgres' | 'mysql';
  /** postgres and mysql: the connection URL (`postgres://user:password@host:5432/db`, `mysql://…`); default: the DATABASE_URL environment variable. */
  url?: string;
  /** sqlite: the file, relative to the app (default '.tmp/db.sqlite'); ':memory:' keeps it in memory. */
  filename?: string;
  /**
   * sqlite: keep the file locked while the app runs (default true): reads are ~4x faster, but
   * no other process (the sqlite3 shell, a second app) can open the file meanwhile.
   */
  exclusive?: boolean;
  /**
   * postgres and mysql: connections each app instance keeps open at most (default 10). N
   * instances hold up to N times this many, which must stay under the server's own limit
   * (PostgreSQL's max_connections, 100 by default; MySQL's max_connections, 151).
   */
  pool?: { max?: number };
}

export interface OpenStoreOptions {
  /** The app's folder: a relative SQLite filename is under it. */
  appPath: string;
  /** Bring the schema up to the models (default true); false when migrations own the schema. */
  autoSync?: boolean;
  /** Where DATABASE_URL is read (default process.env). */
  env?: Record<string, string | undefined>;
}

export const DEFAULT_POOL_SIZE = 10;

const SERVER_NAMES = { postgres: 'PostgreSQL', mysql: 'MySQL' } as const;

/**
 * @example const store = await openStore({ adapter: 'postgres', url: process.env.DATABASE_URL }, models, { appPath });
 */
export async function openStore(datastore: DatastoreConfig, models: readonly NormalizedModel[], options: OpenStoreOptions): Promise<Store> {
  const autoSync = options.autoSync !== false;
  const adapter = datastore.adapter ?? 'sqlite';
  if (adapter === 'sqlite') return openSqlite(datastore, models, options.appPath, autoSync);
  const { url, label } = serverUrl(adapter, datastore, options.env);
  const serverOptions = { url, label, models, poolSize: datastore.pool?.max ?? DEFAULT_POOL_SIZE, autoSync };
  try {
    if (adapter === 'postgres') return await (await import('./postgres.js')).openPostgresStore(serverOptions);
    return await (await import('./mysql.js')).openMysqlStore(serverOptions);
  } catch (error) {
    const message = (error as Error).message;
    // A model the existing schema cannot take names its file already (server-schema.ts).
    if (/^(model |\S+\.(ts|js): )/.test(message) || /api\/models\//.test(message)) throw new LiftError(message, { cause: error });
    throw unreachable(adapter, url, label, error);
  }
}

/**
 * A Kysely of its own on the datastore (for migrations, which run before the store is opened):
 * SQLite through better-sqlite3, the servers on a pool of their own (`pool.max` at most). The
 * caller destroys it. Failures are LiftErrors, as openStore's.
 *
 * @example const { db, dialect } = await connectDatabase(config.datastores.default ?? {}, { appPath }); … await db.destroy();
 */
export async function connectDatabase(
  datastore: DatastoreConfig,
  options: Omit<OpenStoreOptions, 'autoSync'>,
): Promise<{ dialect: DialectName; db: Kysely<OpenDb>; label: string }> {
  const adapter = datastore.adapter ?? 'sqlite';
  if (adapter === 'sqlite') {
    const path = sqlitePath(datastore, options.appPath);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    return { dialect: 'sqlite', db: new Kysely<OpenDb>({ dialect: new SqliteDialect({ database: new Database(path) }) }), label: storeLabel(datastore, options.appPath) };
  }
  const { url, label } = serverUrl(adapter, datastore, options.env);
  const poolSize = datastore.pool?.max ?? DEFAULT_POOL_SIZE;
  try {
    const db = adapter === 'postgres' ? await (await import('./postgres.js')).connectPostgres(url, poolSize) : await (await import('./mysql.js')).connectMysql(url, poolSize);
    return { dialect: adapter, db, label };
  } catch (error) {
    throw unreachable(adapter, url, label, error);
  }
}

function serverUrl(adapter: 'postgres' | 'mysql', datastore: DatastoreConfig, env: Record<string, string | undefined> = process.env): { url: string; label: string } {
  const url = datastore.url ?? env['DATABASE_URL'];
  if (url === undefined || url === '') {
    throw new LiftError(`datastores.default.adapter is '${adapter}' but no database URL is set; set datastores.default.url in config/datastores.ts, or the DATABASE_URL environment variable.`);
  }
  return { url, label: redactUrl(url) };
}

function unreachable(adapter: 'postgres' | 'mysql', url: string, label: string, error: unknown): LiftError {
  return new LiftError(
    `Could not open the ${SERVER_NAMES[adapter]} database ${label} (${(error as Error).message.replaceAll(url, label)}); check that the server is running and that datastores.default.url in config/datastores.ts (or DATABASE_URL) is right.`,
    { cause: error },
  );
}

function sqlitePath(datastore: DatastoreConfig, appPath: string): string {
  const filename = datastore.filename ?? '.tmp/db.sqlite';
  return filename === ':memory:' || isAbsolute(filename) ? filename : join(appPath, filename);
}

function openSqlite(datastore: DatastoreConfig, models: readonly NormalizedModel[], appPath: string, autoSync: boolean): Store {
  const path = sqlitePath(datastore, appPath);
  try {
    // The app owns the file unless it asks to share it (docs/runtime.md): reads are ~4x faster.
    return openSqliteStore({ filename: path, models, exclusive: datastore.exclusive !== false, autoSync });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
      throw new LiftError(
        `The database ${storeLabel(datastore, appPath)} is locked by another process (is this app lifted already?); stop that process, or set datastores.default.exclusive: false in config/datastores.ts to share the file.`,
        { cause: error },
      );
    }
    throw new LiftError(
      `Could not open the database ${storeLabel(datastore, appPath)} (${(error as Error).message}); check datastores.default.filename in config/datastores.ts.`,
      { cause: error },
    );
  }
}

/** The database as lift names it: a SQLite file relative to the app where it is inside it, a server's URL without its password. */
export function storeLabel(datastore: DatastoreConfig, appPath: string, env: Record<string, string | undefined> = process.env): string {
  if ((datastore.adapter ?? 'sqlite') !== 'sqlite') return redactUrl(datastore.url ?? env['DATABASE_URL'] ?? '');
  const filename = datastore.filename ?? '.tmp/db.sqlite';
  if (!isAbsolute(filename)) return filename;
  const inside = relative(appPath, filename);
  return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? filename : inside;
}
