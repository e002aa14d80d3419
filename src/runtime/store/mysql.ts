/**
 * MySQL and MariaDB: a `mysql2` pool under Kysely's MysqlDialect. `mysql2` is imported when a
 * store is opened, so an app on SQLite never loads it.
 */
import createDebug from 'debug';
import { CompiledQuery, Kysely, MysqlDialect } from 'kysely';
import { answering, openServerStore, type ErrorReading, type ServerStoreOptions } from './server-store.js';
import type { OpenDb } from './sql.js';
import type { Store } from './store.js';

const debug = createDebug('sails-rt:store');

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
]);
const UNAVAILABLE_MESSAGES = /closed state|connection lost|Pool is closed|Connection lost|read ECONNRESET/i;

export const MYSQL_ERRORS: ErrorReading = {
  uniqueIndex(error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (code !== 'ER_DUP_ENTRY' || typeof message !== 'string') return undefined;
    const index = /for key '([^']+)'/.exec(message)?.[1];
    return index === undefined ? {} : { index };
  },
  missingLink(error) {
    const code = (error as { code?: unknown }).code;
    return code === 'ER_NO_REFERENCED_ROW_2' || code === 'ER_NO_REFERENCED_ROW';
  },
  unavailable(error) {
    const { code, errno, message } = error as { code?: unknown; errno?: unknown; message?: unknown };
    // 1927: MariaDB's "Connection was killed".
    if ((typeof code === 'string' && UNAVAILABLE_CODES.has(code)) || errno === 1927) return true;
    return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
  },
  tooLarge(error) {
    const code = (error as { code?: unknown }).code;
    return code === 'ER_NET_PACKET_TOO_LARGE' || code === 'ER_STACK_OVERRUN_NEED_MORE' || code === 'ER_TOO_BIG_SELECT';
  },
  retryable(error) {
    return (error as { code?: unknown }).code === 'ER_LOCK_DEADLOCK';
  },
};

/** A Kysely on a new pool for `url`, checked with one query: the store's, or (migrations) one of its own. */
export async function connectMysql(url: string, poolSize: number): Promise<Kysely<OpenDb>> {
  const { createPool } = await import('mysql2');
  // FOUND_ROWS off: a write that changes nothing affects 0 rows (see StatementBuilder.linkOne).
  const pool = createPool({ uri: url, connectionLimit: poolSize, charset: 'utf8mb4', connectTimeout: 5000, flags: ['-FOUND_ROWS'] });
  // A pooled connection the server drops emits 'error'; unheard, it would end the process. The
  // pool discards that connection and opens another when one is next needed.
  pool.on('connection', (connection) => connection.on('error', (error: Error) => debug('mysql: connection lost: %s', error.message)));
  const db = new Kysely<OpenDb>({
    dialect: new MysqlDialect({
      pool,
      // 0 is an id like any other (as on SQLite and PostgreSQL), not "number this one for me".
      onCreateConnection: (connection) =>
        connection.executeQuery(CompiledQuery.raw("set session sql_mode = if(@@session.sql_mode = '', 'NO_AUTO_VALUE_ON_ZERO', concat(@@session.sql_mode, ',NO_AUTO_VALUE_ON_ZERO'))")).then(() => {}),
    }),
  });
  return answering(db);
}

export async function openMysqlStore(options: ServerStoreOptions): Promise<Store> {
  return openServerStore(await connectMysql(options.url, options.poolSize), 'mysql', MYSQL_ERRORS, options);
}
