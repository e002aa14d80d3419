/**
 * A database of its own for one lift, for an app's tests (`lift({ temporaryDatabase: true })`):
 * SQLite in memory; on PostgreSQL or MySQL, a new database on the configured server, named after
 * the configured one (`shop_test_k3x9q2m1`) and dropped when the app lowers. Tests then run in
 * parallel, on the database the app really uses, and leave nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { LiftError } from '../errors.js';
import { redactUrl } from './errors.js';
import type { DatastoreConfig } from './open.js';

export interface TemporaryDatabase {
  /** The datastore to open instead of the configured one. */
  datastore: DatastoreConfig;
  /** Drops the database (nothing to do for SQLite in memory). */
  drop(): Promise<void>;
}

/** Identifiers both servers take unquoted, within PostgreSQL's 63 characters. */
const MAX_NAME = 63;

/**
 * Makes the temporary database for `datastore` (url falling back to `env.DATABASE_URL`).
 *
 * @example const temporary = await temporaryDatabase({ adapter: 'postgres', url }, process.env); … await temporary.drop();
 */
export async function temporaryDatabase(datastore: DatastoreConfig, env: NodeJS.ProcessEnv = process.env): Promise<TemporaryDatabase> {
  const adapter = datastore.adapter ?? 'sqlite';
  if (adapter === 'sqlite') return { datastore: { ...datastore, filename: ':memory:' }, drop: async () => {} };
  const url = datastore.url ?? env['DATABASE_URL'];
  // Config validation has refused a server adapter without a URL already; this is for direct callers.
  if (url === undefined || url === '') throw new LiftError(`A temporary ${adapter} database needs the server's URL; set datastores.default.url or DATABASE_URL.`);
  const target = new URL(url);
  const base = decodeURIComponent(target.pathname.slice(1)).toLowerCase().replace(/[^a-z0-9_]+/g, '_') || 'sailsrt';
  const suffix = `_test_${randomBytes(5).toString('hex')}`;
  const name = `${base.slice(0, MAX_NAME - suffix.length)}${suffix}`;
  const ownUrl = new URL(url);
  ownUrl.pathname = `/${name}`;
  const admin = adapter === 'postgres' ? postgresAdmin(target) : mysqlAdmin(target);
  try {
    await admin(`CREATE DATABASE ${adapter === 'postgres' ? name : `\`${name}\``}`);
  } catch (error) {
    throw new LiftError(
      `Could not create a temporary database on ${redactUrl(url)} (${(error as Error).message}); check that the server runs and that its user may create databases.`,
      { cause: error },
    );
  }
  return {
    datastore: { ...datastore, url: ownUrl.toString() },
    drop: () => admin(adapter === 'postgres' ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` : `DROP DATABASE IF EXISTS \`${name}\``),
  };
}

/** Runs one statement on the server's `postgres` database, the one every server has. */
function postgresAdmin(server: URL): (statement: string) => Promise<void> {
  const url = new URL(server.toString());
  url.pathname = '/postgres';
  return async (statement) => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
}

/** Runs one statement on the server, with no database chosen. */
function mysqlAdmin(server: URL): (statement: string) => Promise<void> {
  const url = new URL(server.toString());
  url.pathname = '/';
  return async (statement) => {
    const { default: mysql } = await import('mysql2/promise');
    const connection = await mysql.createConnection(url.toString());
    try {
      await connection.query(statement);
    } finally {
      await connection.end();
    }
  };
}
