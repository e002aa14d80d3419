/**
 * A database of its own for each test, on each store: a SQLite file in a temp folder, or a fresh
 * PostgreSQL or MariaDB/MySQL database (`<name>_test_<random>`, as `lift({ temporaryDatabase: true })` makes) dropped when the test finishes, so tests
 * run in parallel and leave nothing behind.
 *
 * The servers: PostgreSQL at POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * MySQL/MariaDB at MYSQL_URL (default mysql://root@127.0.0.1:3306/test). With CI=true a server that
 * does not answer fails the run; elsewhere its tests are skipped, with the reason printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { NormalizedModel } from '../../src/schema/index.js';
import { openStore, type Store } from '../../src/runtime/store/index.js';
import { temporaryDatabase } from '../../src/runtime/store/temporary.js';
import type { DatastoreConfig } from '../../src/runtime/config/index.js';

export type StoreKind = 'sqlite' | 'postgres' | 'mysql';

export const POSTGRES_URL = process.env['POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_URL = process.env['MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';

/** One test's database: open stores on it (each closed when the test finishes). */
export interface TestDatabase {
  kind: StoreKind;
  /** The datastore config that opens it, as config/datastores.ts would give it. */
  datastore: DatastoreConfig;
  open(models: readonly NormalizedModel[], options?: { autoSync?: boolean }): Promise<Store>;
}

/** Whether the server answers; undefined when it does, else why not. */
export async function serverProblem(kind: Exclude<StoreKind, 'sqlite'>): Promise<string | undefined> {
  try {
    await admin(kind, 'select 1');
    return undefined;
  } catch (error) {
    return `${kind === 'postgres' ? 'PostgreSQL' : 'MySQL'} at ${kind === 'postgres' ? POSTGRES_URL : MYSQL_URL} does not answer (${(error as Error).message})`;
  }
}

/** A fresh database of `kind`, dropped when the current test finishes. */
export async function testDatabase(kind: StoreKind): Promise<TestDatabase> {
  const stores: Store[] = [];
  let datastore: DatastoreConfig;
  let drop: () => Promise<void>;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sailsrt-store-'));
    datastore = { adapter: 'sqlite', filename: join(dir, 'db.sqlite') };
    drop = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    ({ datastore, drop } = await serverDatabase(kind));
  }
  onTestFinished(async () => {
    for (const store of stores.reverse()) await store.close().catch(() => {});
    await drop();
  });
  return {
    kind,
    datastore,
    async open(models, options = {}) {
      const store = await openStore(datastore, models, { appPath: tmpdir(), ...options });
      stores.push(store);
      return store;
    },
  };
}

/** A fresh database on the server (`<admin database>_test_<random>`): its datastore config, and how to drop it. */
export async function serverDatabase(kind: Exclude<StoreKind, 'sqlite'>): Promise<{ datastore: DatastoreConfig; drop: () => Promise<void> }> {
  return temporaryDatabase({ adapter: kind, url: kind === 'postgres' ? POSTGRES_URL : MYSQL_URL, pool: { max: 5 } });
}

/** One statement on the server's admin database. */
export async function admin(kind: Exclude<StoreKind, 'sqlite'>, text: string): Promise<void> {
  if (kind === 'postgres') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
    return;
  }
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection({ uri: MYSQL_URL, connectTimeout: 3000 });
  try {
    await connection.query(text);
  } finally {
    await connection.end();
  }
}
