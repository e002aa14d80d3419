/**
 * PostgreSQL: a `pg` pool under Kysely's PostgresDialect. `pg` is imported when a store is opened,
 * so an app on SQLite never loads it.
 */
import createDebug from 'debug';
import { Kysely, PostgresDialect } from 'kysely';
import { answering, openServerStore, type ErrorReading, type ServerStoreOptions } from './server-store.js';
import type { OpenDb } from './sql.js';
import type { Store } from './store.js';

export type { ServerStoreOptions } from './server-store.js';

const debug = createDebug('sails-rt:store');


/** Connection errors (pg's and Node's) and the SQLSTATEs of a server that is gone, going, or not there yet. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', '57P01', '57P02', '57P03', '3D000', '53300']);
const UNAVAILABLE_MESSAGES = /not currently accepting connections|Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed|Cannot use a pool after calling end/i;

export const POSTGRES_ERRORS: ErrorReading = {
  uniqueIndex(error) {
    const { code, constraint, detail } = error as { code?: unknown; constraint?: unknown; detail?: unknown };
    if (code !== '23505') return undefined;
    const columns = typeof detail === 'string' ? /^Key \((.+?)\)=/.exec(detail)?.[1]?.split(', ').map((c) => c.replace(/^"|"$/g, '')) : undefined;
    return { ...(typeof constraint === 'string' ? { index: constraint } : {}), ...(columns ? { columns } : {}) };
  },
  missingLink(error) {
    return (error as { code?: unknown }).code === '23503';
  },
  unavailable(error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
  },
  tooLarge(error) {
    const code = (error as { code?: unknown }).code;
    return code === '54000' || code === '54001' || code === '54023';
  },
  retryable(error) {
    const code = (error as { code?: unknown }).code;
    return code === '40001' || code === '40P01';
  },
};

/**
 * A Kysely on a new pool for `url`, checked with one query: the store's, or (migrations) one of
 * its own. Its int8 values (keys, count(*)) come back as numbers, as SQLite gives them.
 */
export async function connectPostgres(url: string, poolSize: number): Promise<Kysely<OpenDb>> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // Without it, a request waits for ever for a server that does not answer.
    connectionTimeoutMillis: 5000,
    // Ids stay far below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A pooled connection the server drops emits 'error'; unheard, it would end the process. The
  // pool discards that connection and opens another when one is next needed.
  pool.on('error', (error) => debug('postgres: idle connection lost: %s', error.message));
  pool.on('connect', (client) => client.on('error', (error) => debug('postgres: connection lost: %s', error.message)));
  return answering(new Kysely<OpenDb>({ dialect: new PostgresDialect({ pool }) }));
}

export async function openPostgresStore(options: ServerStoreOptions): Promise<Store> {
  return openServerStore(await connectPostgres(options.url, options.poolSize), 'postgres', POSTGRES_ERRORS, options);
}
