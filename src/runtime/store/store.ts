/**
 * The store seam: what blueprints, `sails.models` and the record writer need from a database.
 * Implementations: SQLite (sqlite.ts, better-sqlite3) and PostgreSQL and MySQL/MariaDB
 * (server-store.ts, through Kysely's dialects), each opened by `openStore` (open.ts). Nothing above
 * this seam knows which one it talks to.
 *
 * ## Errors
 *
 * What a store throws for a reason a caller can act on is a `SailsRtError` (../errors.ts) with a
 * stable code, the same on every store:
 *
 * - `E_UNIQUE` (400): a create or update would give two records the same value of a unique
 *   attribute or primary key; `extra` is `{ modelIdentity, attrNames }`, the message
 *   `uniqueViolation()` writes (errors.ts in this folder).
 * - `E_INVALID_ASSOCIATED_IDS` (400): a foreign key refused a link to a record that is not there
 *   (server stores; the record writer checks links first, so only a record deleted meanwhile).
 * - `E_INVALID_CRITERIA` (400): criteria past what the database can run in one statement (too many
 *   values or terms); the caller sends fewer.
 * - `E_DATASTORE_UNAVAILABLE` (503): the database cannot be reached or dropped the connection. The
 *   call did nothing that committed (a transaction is rolled back by the database); the same call
 *   may succeed later: server stores reconnect on their own.
 *
 * Not finding a record is no error: `findOne`, `update` and `destroy` resolve with undefined.
 * Anything else (a bug, a schema the store did not make) is thrown as the driver threw it.
 */
import type { JunctionTable, NormalizedModel } from '../../schema/index.js';
import type { Condition, Criteria } from './criteria.js';

/** A record as the runtime hands it out: attribute name to value, its primary key always present. */
export type StoredRecord = Record<string, unknown>;

/** A primary key value: a number (an auto-incremented or number key) or a non-empty string. */
export type PkValue = string | number;

/**
 * The primary key value of a record of `model`.
 *
 * @example pkOf(country, { code: 'FR', name: 'France' }) // 'FR'
 */
export function pkOf(model: NormalizedModel, record: StoredRecord): PkValue {
  return record[model.primaryKey] as PkValue;
}

/**
 * A byte budget shared by the reads that make up one response (a page and what is populated into
 * it). A store charges every row it reads, before converting it, with a cheap estimate of its
 * size: the length of each string value (a json column counts as its text), plus 8 for every
 * value. A store reads row by row, so it can stop as soon as the budget is spent instead of
 * holding a whole table in memory.
 */
export interface ReadBudget {
  /** Charges one row; false means the budget is spent: stop reading, and leave this row out. */
  charge(bytes: number): boolean;
}

export interface FindOptions {
  /** Without one, find reads every row the criteria select. */
  budget?: ReadBudget;
}

/** How a to-many link reaches its records: a to-one column of the linked model (`via`), or a join table. */
export type LinkPath = { via: string } | { junction: JunctionTable };

/** One record of a to-many list read by `findLinked`, with the parent whose list holds it. */
export interface LinkedRow {
  parentId: PkValue;
  record: StoredRecord;
}

/** What opening the store did to the database schema. */
export interface SchemaChanges {
  createdTables: string[];
  addedColumns: string[];
  createdIndexes: string[];
}

export interface Store {
  /** What opening the store did to the schema (empty when it was opened with `autoSync: false`). */
  readonly changes: SchemaChanges;
  /**
   * Runs fn in one transaction: everything fn does through `tx` commits together, or nothing does
   * when fn throws (the error is rethrown). Other callers of this store never see a half-done
   * transaction. Nested calls (tx.transaction) join the outer one.
   *
   * fn must use `tx`, never the store it came from: on SQLite, where one connection serves every
   * caller, calls on the root store wait until the transaction ends, so one made from inside fn
   * is refused at once (it would wait for ever); on a server store it would run on another
   * connection, outside the transaction.
   *
   * @example await store.transaction(async (tx) => { await tx.destroy(user, 1); await tx.unlink(junction, 1); });
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** With `options.budget`, resolves with the rows read before the budget was spent (the caller knows it was). */
  find(model: NormalizedModel, criteria: Criteria, options?: FindOptions): Promise<StoredRecord[]>;
  /**
   * May answer at once rather than with a promise (SQLite reads synchronously underneath, when no
   * transaction is open): the socket `GET /:model/:id` then answers in the turn it arrived in,
   * with no promise made for it.
   * Callers `await` it, or look for a promise when they mean to stay synchronous.
   */
  findOne(model: NormalizedModel, id: PkValue): StoredRecord | undefined | Promise<StoredRecord | undefined>;
  count(model: NormalizedModel, where?: Condition): Promise<number>;
  /** `values` holds every column to write (defaults already applied). */
  create(model: NormalizedModel, values: Record<string, unknown>): Promise<StoredRecord>;
  /** Undefined when there is no such record. */
  update(
    model: NormalizedModel,
    id: PkValue,
    values: Record<string, unknown>,
  ): Promise<{ previous: StoredRecord; record: StoredRecord } | undefined>;
  /** The record as it was; undefined when there is no such record. */
  destroy(model: NormalizedModel, id: PkValue): Promise<StoredRecord | undefined>;
  /**
   * The to-many lists of many parents at once, so populating a page costs a few statements per
   * link instead of one per parent. `criteria` applies to each parent's list on its own, as if
   * that list were read alone: `where` filters it, `sort` orders it (ties broken by primary key, ascending),
   * `skip` and `limit` count within it, `select` picks the columns of its records. Resolves with
   * the lists grouped by parent primary key, ascending, each in its `sort` order. Any number of parent ids:
   * a store splits a long list into as many statements as its dialect needs. With
   * `options.budget`, every row returned is charged once, in the order returned, and reading stops
   * at the first row refused.
   */
  findLinked(model: NormalizedModel, path: LinkPath, parentIds: readonly PkValue[], criteria: Criteria, options?: FindOptions): Promise<LinkedRow[]>;
  /** Many-to-many: the primary keys linked to `id` (in `junction.self`), oldest link first. */
  linkedIds(junction: JunctionTable, id: PkValue): Promise<PkValue[]>;
  /** Links `id` to each of `otherIds`; resolves with the ones that were not linked before. */
  link(junction: JunctionTable, id: PkValue, otherIds: readonly PkValue[]): Promise<PkValue[]>;
  /** Unlinks `id` from each of `otherIds` (from all when undefined); resolves with the ones that were linked. */
  unlink(junction: JunctionTable, id: PkValue, otherIds?: readonly PkValue[]): Promise<PkValue[]>;
  /** Ends the store; a server store's pool closes once its running queries are done. */
  close(): Promise<void>;
}
