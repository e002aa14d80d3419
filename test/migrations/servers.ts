/**
 * A database of its own for a test, on the PostgreSQL and MariaDB/MySQL servers of the machine:
 * created with a random name, dropped after the test. Without
 * a server, the tests using it are skipped, except with CI=true, where that fails the run.
 * Call it inside a test: the database is dropped when that test finishes.
 */
import { randomBytes } from 'node:crypto';
import { onTestFinished } from 'vitest';

export const PG_ADMIN = process.env['SAILS_RT_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_ADMIN = process.env['SAILS_RT_TEST_MYSQL'] ?? 'mysql://root@127.0.0.1:3306/';

export type Server = 'postgres' | 'mysql';

/** The URL of a new empty database on `server`, or undefined when the server does not answer (outside CI). */
export async function freshDatabase(server: Server): Promise<string | undefined> {
  const name = `sailsrt_${randomBytes(5).toString('hex')}`;
  try {
    if (server === 'postgres') {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 3000 });
      await client.connect();
      await client.query(`create database ${name}`);
      await client.end();
      onTestFinished(async () => {
        const admin = new pg.Client({ connectionString: PG_ADMIN });
        await admin.connect();
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      });
      return `${PG_ADMIN.replace(/\/[^/]*$/, '')}/${name}`;
    }
    const mysql = await import('mysql2/promise');
    const connection = await mysql.createConnection({ uri: MYSQL_ADMIN, connectTimeout: 3000 });
    await connection.query(`create database ${name}`);
    await connection.end();
    onTestFinished(async () => {
      const admin = await mysql.createConnection({ uri: MYSQL_ADMIN });
      await admin.query(`drop database if exists ${name}`);
      await admin.end();
    });
    return `${MYSQL_ADMIN.replace(/\/[^/]*$/, '')}/${name}`;
  } catch (error) {
    if (process.env['CI'] === 'true') throw new Error(`The ${server} server at ${server === 'postgres' ? PG_ADMIN : MYSQL_ADMIN} does not answer (${(error as Error).message}); CI needs it.`, { cause: error });
    return undefined;
  }
}
