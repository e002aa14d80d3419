/** Which database a migration runs on, told from the Kysely instance it is given. */
import type { Kysely } from 'kysely';

/** The databases a migration file may run on. */
export type MigrationDialect = 'sqlite' | 'postgres' | 'mysql';

const ADAPTERS: Record<string, MigrationDialect> = { SqliteAdapter: 'sqlite', PostgresAdapter: 'postgres', MysqlAdapter: 'mysql' };

/**
 * The database `db` talks to. By the adapter's class name, walking up its subclasses, not by
 * `instanceof`: the app's migration may import another copy of sails-rt (and of Kysely) than
 * the one that made `db`.
 *
 * @example const dialect = dialectOf(db); // 'postgres'
 */
// Kysely<any>: a migration sees tables that no TypeScript type describes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function dialectOf(db: Kysely<any>): MigrationDialect {
  const adapter: unknown = db.getExecutor().adapter;
  for (let proto = Object.getPrototypeOf(adapter) as { constructor?: { name?: string } } | null; proto; proto = Object.getPrototypeOf(proto) as typeof proto) {
    const found = ADAPTERS[proto.constructor?.name ?? ''];
    if (found) return found;
  }
  throw new Error('This migration runs on a database sails-rt does not know (its Kysely adapter is not SQLite, PostgreSQL or MySQL); run it with `sails-rt migrate`.');
}
