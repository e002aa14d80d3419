/**
 * `openStore`: the store `config/datastores.ts` asks for, opened (and, unless told not to, its
 * schema brought up to the models). Failures are `LiftError`s: one sentence naming the database
 * (a URL without its password) and the fix.
 */
import { isAbsolute, join, relative } from 'node:path';
import type { NormalizedModel } from '../../schema/index.js';
import { LiftError } from '../errors.js';
import { redactUrl } from './errors.js';
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
  const url = datastore.url ?? (options.env ?? process.env)['DATABASE_URL'];
  if (url === undefined || url === '') {
    throw new LiftError(`datastores.default.adapter is '${adapter}' but no database URL is set; set datastores.default.url in config/datastores.ts, or the DATABASE_URL environment variable.`);
  }
  const label = redactUrl(url);
  const serverOptions = { url, label, models, poolSize: datastore.pool?.max ?? DEFAULT_POOL_SIZE, autoSync };
  try {
    if (adapter === 'postgres') return await (await import('./postgres.js')).openPostgresStore(serverOptions);
    return await (await import('./mysql.js')).openMysqlStore(serverOptions);
  } catch (error) {
    if (error instanceof LiftError) throw error;
    const message = (error as Error).message;
    // A model the existing schema cannot take names its file already (server-schema.ts).
    if (/^(model |\S+\.(ts|js): )/.test(message) || /api\/models\//.test(message)) throw new LiftError(message, { cause: error });
    throw new LiftError(
      `Could not open the ${SERVER_NAMES[adapter]} database ${label} (${message.replaceAll(url, label)}); check that the server is running and that datastores.default.url in config/datastores.ts (or DATABASE_URL) is right.`,
      { cause: error },
    );
  }
}

function openSqlite(datastore: DatastoreConfig, models: readonly NormalizedModel[], appPath: string, autoSync: boolean): Store {
  const filename = datastore.filename ?? '.tmp/db.sqlite';
  const path = filename === ':memory:' || isAbsolute(filename) ? filename : join(appPath, filename);
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
