/**
 * The store of a database server (PostgreSQL, MySQL/MariaDB): the statements sql.ts builds, run
 * through a Kysely instance on a connection pool (postgres.ts, mysql.ts make the pool and say how
 * the dialect's errors read). A transaction holds one pooled connection for its length; other
 * callers go on using the rest of the pool, and the database keeps them apart.
 */
import createDebug from 'debug';
import { sql, type CompiledQuery, type Kysely, type QueryResult, type Transaction } from 'kysely';
import { primaryKeyOf, type JunctionTable, type NormalizedModel } from '../../schema/index.js';
import { isSailsRtError } from '../errors.js';
import type { Condition, Criteria } from './criteria.js';
import { criteriaTooLarge, datastoreUnavailable, missingLink, uniqueViolation } from './errors.js';
import { ascending, PARENT, PARENT_CHUNK, ROW, rowBytes, StatementBuilder, type OpenDb } from './sql.js';
import type { FindOptions, LinkedRow, LinkPath, PkValue, ReadBudget, SchemaChanges, Store, StoredRecord } from './store.js';
import type { ServerDialect } from './columns.js';
import { syncServerSchema } from './server-schema.js';

const debug = createDebug('sails-rt:store');

/** What a dialect's errors mean, as postgres.ts and mysql.ts read them. */
export interface ErrorReading {
  /** The unique constraint or index a violation names, or undefined when `error` is no unique violation. */
  uniqueIndex(error: unknown): { index?: string; columns?: string[] } | undefined;
  /** A foreign key refused the write: a link to a record that is not there (or no longer). */
  missingLink(error: unknown): boolean;
  /** The connection failed or was lost, or the server is shutting down or refusing connections. */
  unavailable(error: unknown): boolean;
  /** A statement past one of the server's limits (depth, size, parameters): the criteria's fault. */
  tooLarge(error: unknown): boolean;
  /** A deadlock or serialization failure: the transaction may be run again. */
  retryable(error: unknown): boolean;
}

export interface ServerStoreParts {
  dialect: ServerDialect;
  /** The database as lift may name it: the URL without its password. */
  label: string;
  db: Kysely<OpenDb>;
  errors: ErrorReading;
  models: readonly NormalizedModel[];
  changes: SchemaChanges;
}

/** How often a transaction that lost a deadlock is run again before its error is thrown. */
const TRANSACTION_ATTEMPTS = 3;

/**
 * Primary keys per batched findOne statement: far below either server's parameter limit, and a
 * statement small enough to plan at once.
 */
const BATCH_LIMIT = 500;

/** The findOne calls of one event-loop turn for one model, waiting to be read together. */
interface FindOneBatch {
  /** By `keyOf(id)`: the callers waiting for that record. */
  waiting: Map<string, { id: PkValue; callers: { resolve(record: StoredRecord | undefined): void; reject(error: unknown): void }[] }>;
}

/** A key as the database compares it: by the key's type, so a number key's 5 and '5' are one record. */
function keyOf(model: NormalizedModel, id: PkValue): string {
  return primaryKeyOf(model).type === 'number' ? String(Number(id)) : String(id);
}

/** State shared by the root store and its transactions' stores. */
class Shared {
  readonly builder: StatementBuilder;
  /** PostgreSQL: each auto-incremented table's sequence, looked up once. */
  readonly sequences = new Map<string, string>();
  /** Set by close(): later calls say so, in the words SQLite's driver uses, rather than Kysely's. */
  closed = false;
  /** findOne calls outside transactions, by model, until the end of the event-loop turn. */
  readonly batches = new Map<NormalizedModel, FindOneBatch>();

  constructor(readonly parts: ServerStoreParts) {
    this.builder = new StatementBuilder(parts.dialect, parts.models);
  }
}

export function createServerStore(parts: ServerStoreParts): Store {
  return new ServerStore(new Shared(parts), parts.db, false);
}

/** What opening a server store takes, whichever the dialect (postgres.ts, mysql.ts). */
export interface ServerStoreOptions {
  url: string;
  /** The URL as it may be shown (no password). */
  label: string;
  models: readonly NormalizedModel[];
  /** Connections in the pool (each app instance has its own pool). */
  poolSize: number;
  autoSync: boolean;
}

/** `db` once it has answered one query; destroyed, and the error rethrown, when it does not. */
export async function answering(db: Kysely<OpenDb>): Promise<Kysely<OpenDb>> {
  try {
    await sql`select 1`.execute(db);
    return db;
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
}

/** The store on `db`, its schema brought up to the models first unless `autoSync` is false; `db` is destroyed if that fails. */
export async function openServerStore(db: Kysely<OpenDb>, dialect: ServerDialect, errors: ErrorReading, options: ServerStoreOptions): Promise<Store> {
  try {
    const changes = options.autoSync ? await syncServerSchema(db, dialect, options.models) : { createdTables: [], addedColumns: [], createdIndexes: [] };
    return createServerStore({ dialect, label: options.label, db, errors, models: options.models, changes });
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
}

class ServerStore implements Store {
  private readonly builder: StatementBuilder;
  private readonly dialect: ServerDialect;

  constructor(
    private readonly shared: Shared,
    private readonly db: Kysely<OpenDb> | Transaction<OpenDb>,
    private readonly inTransaction: boolean,
  ) {
    this.builder = shared.builder;
    this.dialect = shared.parts.dialect;
  }

  get changes(): SchemaChanges {
    return this.shared.parts.changes;
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.shared.parts.db.transaction().execute((trx) => fn(new ServerStore(this.shared, trx, true)));
      } catch (error) {
        // A deadlock rolled everything back: fn may run again from the start, as the database advises.
        if (attempt < TRANSACTION_ATTEMPTS && this.shared.parts.errors.retryable(error)) {
          if (debug.enabled) debug('transaction retried after %s', (error as Error).message);
          continue;
        }
        throw this.translate(error);
      }
    }
  }

  async find(model: NormalizedModel, criteria: Criteria, options: FindOptions = {}): Promise<StoredRecord[]> {
    const compiled = this.builder.find(model, criteria);
    if (!compiled) return [];
    const codec = this.builder.codec(model);
    const rows = await this.rows(compiled);
    return (options.budget ? within(rows, options.budget) : rows).map((row) => this.builder.toRecord(codec, row));
  }

  async findLinked(model: NormalizedModel, path: LinkPath, parentIds: readonly PkValue[], criteria: Criteria, options: FindOptions = {}): Promise<LinkedRow[]> {
    const codec = this.builder.codec(model);
    const out: LinkedRow[] = [];
    if (criteria.limit === 0) return out;
    const ids = [...new Set(parentIds)].sort(ascending);
    for (let start = 0; start < ids.length; start += PARENT_CHUNK) {
      for (const row of await this.rows(this.builder.linked(model, path, ids.slice(start, start + PARENT_CHUNK), criteria))) {
        const parentId = row[PARENT] as PkValue;
        delete row[PARENT];
        delete row[ROW];
        if (options.budget && !options.budget.charge(rowBytes(row))) return out;
        out.push({ parentId, record: this.builder.toRecord(codec, row) });
      }
    }
    return out;
  }

  /**
   * Outside a transaction, the findOne calls of one event-loop turn for a model are read in one
   * statement (`where id in (…)`), answered at the end of the turn (setImmediate), as DataLoader
   * batches: under load most of a server read's CPU is its round trip (a write and a read on the
   * connection, whatever the statement), and the socket GET /:model/:id of many clients arrive
   * together. A read in a transaction runs at once, in it.
   */
  findOne(model: NormalizedModel, id: PkValue): Promise<StoredRecord | undefined> {
    if (this.inTransaction) return this.findOneNow(model, id);
    let batch = this.shared.batches.get(model);
    if (batch === undefined) {
      batch = { waiting: new Map() };
      this.shared.batches.set(model, batch);
      setImmediate(() => void this.readBatch(model));
    }
    const waiting = batch.waiting;
    return new Promise((resolve, reject) => {
      const key = keyOf(model, id);
      const entry = waiting.get(key);
      if (entry) entry.callers.push({ resolve, reject });
      else waiting.set(key, { id, callers: [{ resolve, reject }] });
    });
  }

  private async findOneNow(model: NormalizedModel, id: PkValue): Promise<StoredRecord | undefined> {
    const [row] = await this.rows(this.builder.byId(model, id));
    return row ? this.builder.toRecord(this.builder.codec(model), row) : undefined;
  }

  /** Reads one turn's findOne calls for `model` and answers each caller with its own copy of the record. */
  private async readBatch(model: NormalizedModel): Promise<void> {
    const batch = this.shared.batches.get(model);
    this.shared.batches.delete(model);
    if (batch === undefined) return;
    const entries = [...batch.waiting.values()];
    const codec = this.builder.codec(model);
    for (let start = 0; start < entries.length; start += BATCH_LIMIT) {
      const chunk = entries.slice(start, start + BATCH_LIMIT);
      try {
        const compiled = chunk.length === 1 ? this.builder.byId(model, chunk[0]!.id) : this.builder.byIds(model, chunk.map((entry) => entry.id));
        const found = new Map<string, Record<string, unknown>>();
        for (const row of await this.rows(compiled)) found.set(keyOf(model, row[model.primaryKey] as PkValue), row);
        for (const entry of chunk) {
          const row = found.get(keyOf(model, entry.id));
          // Each caller gets a record of its own: callers may change what they are given.
          for (const caller of entry.callers) caller.resolve(row === undefined ? undefined : this.builder.toRecord(codec, { ...row }));
        }
      } catch (error) {
        for (const entry of chunk) for (const caller of entry.callers) caller.reject(error);
      }
    }
  }

  async count(model: NormalizedModel, where?: Condition): Promise<number> {
    const [row] = await this.rows(this.builder.count(model, where));
    return Number(row?.['n'] ?? 0);
  }

  async create(model: NormalizedModel, values: Record<string, unknown>): Promise<StoredRecord> {
    const codec = this.builder.codec(model);
    const auto = model.attributes.some((a) => a.primaryKey && a.auto === 'autoIncrement');
    if (this.dialect === 'postgres') {
      const [row] = await this.rows(this.builder.insert(model, values, true), model);
      // An id given for an auto-incremented key leaves the sequence behind it: move it past.
      if (auto && values[model.primaryKey] !== undefined) await this.advanceSequence(model);
      return this.builder.toRecord(codec, row as Record<string, unknown>);
    }
    // MySQL has no RETURNING: the row is read back by its key, in one transaction with the insert.
    return this.atomic(async (store) => {
      const result = await store.run(store.builder.insert(model, values, false), model);
      const id = values[model.primaryKey] ?? Number(result.insertId);
      const [row] = await store.rows(store.builder.byId(model, id as PkValue));
      return store.builder.toRecord(codec, row as Record<string, unknown>);
    });
  }

  async update(model: NormalizedModel, id: PkValue, values: Record<string, unknown>): Promise<{ previous: StoredRecord; record: StoredRecord } | undefined> {
    const codec = this.builder.codec(model);
    return this.atomic(async (store) => {
      // Locked until the transaction ends: `previous` is what this update replaced, not an older read.
      const [before] = await store.rows(store.builder.byId(model, id, true));
      if (!before) return undefined;
      let after: Record<string, unknown> | undefined;
      if (store.dialect === 'postgres') {
        [after] = await store.rows(store.builder.update(model, id, values, true), model);
      } else {
        await store.run(store.builder.update(model, id, values, false), model);
        [after] = await store.rows(store.builder.byId(model, id));
      }
      return { previous: store.builder.toRecord(codec, before), record: store.builder.toRecord(codec, after as Record<string, unknown>) };
    });
  }

  async destroy(model: NormalizedModel, id: PkValue): Promise<StoredRecord | undefined> {
    const codec = this.builder.codec(model);
    if (this.dialect === 'postgres') {
      const [row] = await this.rows(this.builder.deleteById(model, id, true));
      return row ? this.builder.toRecord(codec, row) : undefined;
    }
    return this.atomic(async (store) => {
      const [before] = await store.rows(store.builder.byId(model, id, true));
      if (!before) return undefined;
      await store.run(store.builder.deleteById(model, id, false));
      return store.builder.toRecord(codec, before);
    });
  }

  async linkedIds(junction: JunctionTable, id: PkValue): Promise<PkValue[]> {
    return (await this.rows(this.builder.linkedIds(junction, id))).map((row) => row[junction.other] as PkValue);
  }

  async link(junction: JunctionTable, id: PkValue, otherIds: readonly PkValue[]): Promise<PkValue[]> {
    const unique = [...new Set(otherIds)];
    if (unique.length === 0) return [];
    return this.atomic(async (store) => {
      const added: PkValue[] = [];
      for (const other of unique) {
        const result = await store.run(store.builder.linkOne(junction, id, other));
        if ((result.numAffectedRows ?? 0n) > 0n) added.push(other);
      }
      return added;
    });
  }

  async unlink(junction: JunctionTable, id: PkValue, otherIds?: readonly PkValue[]): Promise<PkValue[]> {
    return this.atomic(async (store) => {
      const linked = await store.linkedIds(junction, id);
      const removed = otherIds === undefined ? linked : linked.filter((other) => otherIds.includes(other));
      if (removed.length > 0) await store.run(store.builder.unlink(junction, id, removed));
      return removed;
    });
  }

  async close(): Promise<void> {
    if (this.inTransaction) throw new Error('close() was called on a transaction; close the store itself.');
    this.shared.closed = true;
    await this.shared.parts.db.destroy();
  }

  /** `work` in this store's transaction, or in a new one of its own. */
  private atomic<T>(work: (store: ServerStore) => Promise<T>): Promise<T> {
    if (this.inTransaction) return work(this);
    return this.transaction((tx) => work(tx as ServerStore));
  }

  private async rows(compiled: CompiledQuery, model?: NormalizedModel): Promise<Record<string, unknown>[]> {
    const result = await this.run(compiled, model);
    // Plain objects, as SQLite gives: a driver's row class must not leak into records.
    return (result.rows as Record<string, unknown>[]).map((row) => ({ ...row }));
  }

  private async run(compiled: CompiledQuery, model?: NormalizedModel): Promise<QueryResult<unknown>> {
    if (this.shared.closed) throw new Error('The database connection is not open: the app was lowered.');
    try {
      return await this.db.executeQuery(compiled);
    } catch (error) {
      throw this.translate(error, model);
    }
  }

  /** The store contract's errors (store.ts) from what the driver threw. */
  private translate(error: unknown, model?: NormalizedModel): unknown {
    const { errors, label } = this.shared.parts;
    if (isSailsRtError(error)) return error;
    const unique = errors.uniqueIndex(error);
    if (unique && model) return uniqueViolation(model, uniqueAttributes(model, unique), error);
    if (errors.missingLink(error)) return missingLink(model, error);
    if (errors.tooLarge(error)) return criteriaTooLarge(this.dialect === 'postgres' ? 'PostgreSQL' : 'MySQL', (error as Error).message);
    if (errors.unavailable(error)) return datastoreUnavailable(label, error);
    return error;
  }

  /** PostgreSQL: the key's sequence moved to the largest key in the table, if it is behind it. */
  private async advanceSequence(model: NormalizedModel): Promise<void> {
    let sequence = this.shared.sequences.get(model.identity);
    if (sequence === undefined) {
      const table = `"${model.tableName.replace(/"/g, '""')}"`;
      const [row] = await this.rows(sql`select pg_get_serial_sequence(${table}, ${model.primaryKey}) as s`.compile(this.shared.parts.db));
      // None: a key column a migration made without one (the ids then always come from the app).
      sequence = typeof row?.['s'] === 'string' ? row['s'] : '';
      this.shared.sequences.set(model.identity, sequence);
    }
    if (sequence === '') return;
    // setval(s, v) makes the next id v + 1: only when v is past what the sequence would give next
    // (an unused sequence gives last_value itself), so ids below it, such as 0, leave it alone.
    const key = sql.ref(model.primaryKey);
    await this.run(
      sql`select setval(${sql.lit(sequence)}::regclass, m) from (select max(${key}) as m from ${sql.table(model.tableName)}) x
          where m > (select case when is_called then last_value else last_value - 1 end from ${sql.raw(sequence)})`.compile(this.shared.parts.db),
    );
  }
}

/** Like SQLite's `within`: rows until the budget refuses one. */
function within(rows: Record<string, unknown>[], budget: ReadBudget): Record<string, unknown>[] {
  const kept: Record<string, unknown>[] = [];
  for (const row of rows) {
    if (!budget.charge(rowBytes(row))) break;
    kept.push(row);
  }
  return kept;
}

/** The attributes a unique violation is about: the columns the database named, or those of the index named `<table>_<attribute>_unique`. */
function uniqueAttributes(model: NormalizedModel, found: { index?: string; columns?: string[] }): string[] {
  if (found.columns && found.columns.length > 0) return found.columns;
  const index = found.index ?? '';
  if (index === 'PRIMARY' || index.endsWith('_pkey')) return [model.primaryKey];
  const attribute = model.attributes.find((a) => index === `${model.tableName}_${a.name}_unique` || index.endsWith(`.${model.tableName}_${a.name}_unique`));
  return attribute ? [attribute.name] : [];
}
