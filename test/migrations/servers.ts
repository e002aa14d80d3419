/**
 * A database of its own for a test, on the PostgreSQL and MariaDB/MySQL servers of the machine:
 * created with a random name, dropped after the test. Without
 * a server, the tests using it are skipped, except with CI=true, where that fails the run.
 * Call it inside a test: the database is dropped when that test finishes.
 */
import { onTestFinished } from 'vitest';
import { temporaryDatabase } from '../../src/runtime/store/temporary.js';

export const PG_ADMIN = process.env['SAILS_RT_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_ADMIN = process.env['SAILS_RT_TEST_MYSQL'] ?? 'mysql://root@127.0.0.1:3306/';

export type Server = 'postgres' | 'mysql';

/** The URL of a new empty database on `server`, or undefined when the server does not answer (outside CI). */
export async function freshDatabase(server: Server): Promise<string | undefined> {
  try {
    const { datastore, drop } = await temporaryDatabase({ adapter: server, url: server === 'postgres' ? PG_ADMIN : MYSQL_ADMIN });
    onTestFinished(drop);
    return datastore.url;
  } catch (error) {
    if (process.env['CI'] === 'true') throw new Error(`The ${server} server at ${server === 'postgres' ? PG_ADMIN : MYSQL_ADMIN} does not answer (${(error as Error).message}); CI needs it.`, { cause: error });
    return undefined;
  }
}
