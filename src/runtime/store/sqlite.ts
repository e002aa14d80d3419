/**
 * SQLite store: Kysely builds and compiles every statement (parameterized, sql.ts), better-sqlite3
 * runs it. Kysely is used as a compiler only: running through better-sqlite3 directly keeps reads
 * synchronous and lets each statement be prepared once and reused, which is what makes the socket
 * `GET /user/:id` path fast.
 *
 * One connection serves every caller, and better-sqlite3 runs each statement to its end before
 * returning, so a lone call never interleaves with another. A transaction spans awaits, though:
 * while one is open, calls on the store (and other transactions) wait for its COMMIT or ROLLBACK,
 * and only the transaction's own `tx` runs statements. `findOne` then answers with a promise.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import type { JunctionTable, NormalizedModel } from '../../schema/index.js';
import { tablesOf } from '../../schema/index.js';
import type { Condition, Criteria } from './criteria.js';
import { criteriaTooLarge, datastoreUnavailable, uniqueViolation } from './errors.js';
import { ascending, PARENT, PARENT_CHUNK, ROW, rowBytes, StatementBuilder, type ModelCodec } from './sql.js';
import type { FindOptions, LinkedRow, LinkPath, PkValue, ReadBudget, SchemaChanges, Store, StoredRecord } from './store.js';
import { columnSql, createTableQuery } from './columns.js';

export interface SqliteStoreOptions {
  /** An absolute path, or ':memory:'. */
  filename: string;
  /**
   * Hold the file's lock for as long as the store is open (SQLite `locking_mode = EXCLUSIVE`),
   * default true. Each read then skips taking and releasing a shared lock, which makes a
   * primary-key read about 4x faster; the cost is that no other process can open the file
   * while the app runs.
   */
  exclusive?: boolean;
  models: readonly NormalizedModel[];
  /** Bring the tables up to the models (default true); false leaves the schema to migrations. */
  autoSync?: boolean;
}

/** Per-model facts computed once: how columns convert, and the hot statements. */
interface ModelPlan {
  codec: ModelCodec;
  selectById: Database.Statement;
  deleteById: Database.Statement;
  insert: Database.Statement;
  insertColumns: string[];
}

const STATEMENT_CACHE_LIMIT = 500;
/** SQLite's messages for a statement past its compile-time limits (variables, expression depth, LIKE pattern length, sizes). */
const SQLITE_LIMITS = /too many SQL variables|Expression tree is too large|LIKE or GLOB pattern too complex|parser stack overflow|string or blob too big|too many terms/i;

/** Opens (creating if needed) the SQLite file and, unless `autoSync` is false, brings its tables up to the models, never dropping. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
  const db = new Database(options.filename);
  try {
    // EXCLUSIVE first: in WAL mode it then needs no shared-memory index at all.
    if (options.exclusive !== false) db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    // sails-disk compares case-sensitively; so do contains/startsWith/endsWith/like here.
    db.pragma('case_sensitive_like = ON');
    return new SqliteStore(new Connection(db, options.models, options.autoSync !== false));
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A transaction's state, shared by its `tx` store: `done` once it committed or rolled back. */
interface TxScope {
  done: boolean;
}

/**
 * The transaction whose `fn` the current code runs in: a call on the root store from there would
 * wait for that very transaction to end, for ever, so it fails at once with a sentence instead.
 */
const running = new AsyncLocalStorage<TxScope>();

/**
 * The store as callers see it: the root one (`scope` undefined) waits while a transaction is
 * open; a transaction's `tx` runs at once, and refuses to run once its transaction has ended.
 */
class SqliteStore implements Store {
  constructor(
    private readonly conn: Connection,
    private readonly scope?: TxScope,
  ) {}

  get changes(): SchemaChanges {
    return this.conn.changes;
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.scope) {
      this.check();
      return fn(this);
    }
    await this.ready();
    await this.conn.acquire();
    const scope: TxScope = { done: false };
    try {
      this.conn.exec('begin');
      let result: T;
      try {
        result = await running.run(scope, () => fn(new SqliteStore(this.conn, scope)));
      } catch (error) {
        scope.done = true;
        // A failed COMMIT or a statement error may have ended the transaction already.
        if (this.conn.db.inTransaction) this.conn.exec('rollback');
        throw error;
      }
      scope.done = true;
      try {
        this.conn.exec('commit');
      } catch (error) {
        if (this.conn.db.inTransaction) this.conn.exec('rollback');
        throw error;
      }
      return result;
    } finally {
      scope.done = true;
      // Node runs an async hook on every promise while an AsyncLocalStorage is in use, a few µs
      // of every request after the first write; transactions here run one at a time, so it is
      // turned off between them (run() turns it on again).
      running.disable();
      this.conn.release();
    }
  }

  async find(model: NormalizedModel, criteria: Criteria, options: FindOptions = {}): Promise<StoredRecord[]> {
    await this.ready();
    return this.conn.find(model, criteria, options);
  }

  async findLinked(model: NormalizedModel, path: LinkPath, parentIds: readonly PkValue[], criteria: Criteria, options: FindOptions = {}): Promise<LinkedRow[]> {
    await this.ready();
    return this.conn.findLinked(model, path, parentIds, criteria, options);
  }

  /** Synchronous unless a transaction is open, as better-sqlite3 is: no promise for the hottest read (see Store.findOne). */
  findOne(model: NormalizedModel, id: PkValue): StoredRecord | undefined | Promise<StoredRecord | undefined> {
    if (this.scope) this.check();
    else if (this.conn.busy) return this.ready().then(() => this.conn.findOne(model, id));
    return this.conn.findOne(model, id);
  }

  async count(model: NormalizedModel, where?: Condition): Promise<number> {
    await this.ready();
    return this.conn.count(model, where);
  }

  async create(model: NormalizedModel, values: Record<string, unknown>): Promise<StoredRecord> {
    await this.ready();
    return this.conn.create(model, values);
  }

  async update(model: NormalizedModel, id: PkValue, values: Record<string, unknown>): Promise<{ previous: StoredRecord; record: StoredRecord } | undefined> {
    await this.ready();
    return this.conn.update(model, id, values);
  }

  async destroy(model: NormalizedModel, id: PkValue): Promise<StoredRecord | undefined> {
    await this.ready();
    return this.conn.destroy(model, id);
  }

  async linkedIds(junction: JunctionTable, id: PkValue): Promise<PkValue[]> {
    await this.ready();
    return this.conn.linkedIds(junction, id);
  }

  async link(junction: JunctionTable, id: PkValue, otherIds: readonly PkValue[]): Promise<PkValue[]> {
    await this.ready();
    return this.conn.link(junction, id, otherIds);
  }

  async unlink(junction: JunctionTable, id: PkValue, otherIds?: readonly PkValue[]): Promise<PkValue[]> {
    await this.ready();
    return this.conn.unlink(junction, id, otherIds);
  }

  async close(): Promise<void> {
    if (this.scope) throw new Error('close() was called on a transaction; close the store itself.');
    await this.conn.acquire();
    try {
      this.conn.close();
    } finally {
      this.conn.release();
    }
  }

  /** Resolves when this store may run a statement: at once inside its transaction, else when none is open. */
  private async ready(): Promise<void> {
    if (this.scope) return this.check();
    if (!this.conn.busy) return;
    const inside = running.getStore();
    if (inside && !inside.done) {
      throw new Error('The store was called inside one of its own transactions, which that call would wait for for ever; inside transaction(fn), use the `tx` fn is given.');
    }
    while (this.conn.busy) await this.conn.busy;
  }

  private check(): void {
    if (this.scope?.done) throw new Error('This transaction has ended: use the store again, not the `tx` its transaction() gave.');
  }
}

/** The one better-sqlite3 connection, its prepared statements, and the lock transactions take. */
class Connection {
  readonly changes: SchemaChanges = { createdTables: [], addedColumns: [], createdIndexes: [] };
  readonly builder: StatementBuilder;
  /** While a transaction (or close) holds the connection: resolves when it lets go. */
  busy: Promise<void> | undefined;
  private releaseBusy: (() => void) | undefined;
  private readonly models = new Map<string, NormalizedModel>();
  /** Prepared on first use: with `autoSync: false` the tables may come later (migrations). */
  private readonly plans = new Map<string, ModelPlan>();
  private readonly statements = new Map<string, Database.Statement>();
  private closed = false;

  constructor(
    readonly db: Database.Database,
    models: readonly NormalizedModel[],
    autoSync: boolean,
  ) {
    this.builder = new StatementBuilder('sqlite', models);
    if (autoSync) this.sync(models);
    for (const model of models) this.models.set(model.identity, model);
  }

  async acquire(): Promise<void> {
    while (this.busy) await this.busy;
    this.busy = new Promise((resolve) => (this.releaseBusy = resolve));
  }

  release(): void {
    const release = this.releaseBusy;
    this.busy = undefined;
    this.releaseBusy = undefined;
    release?.();
  }

  exec(text: string): void {
    try {
      this.db.exec(text);
    } catch (error) {
      throw unavailable(error);
    }
  }

  linkedIds(junction: JunctionTable, id: PkValue): PkValue[] {
    const compiled = this.builder.linkedIds(junction, id);
    return this.all(compiled.sql, compiled.parameters).map((row) => row[junction.other] as PkValue);
  }

  link(junction: JunctionTable, id: PkValue, otherIds: readonly PkValue[]): PkValue[] {
    const added: PkValue[] = [];
    for (const other of new Set(otherIds)) {
      const compiled = this.builder.linkOne(junction, id, other);
      if (this.run(compiled.sql, compiled.parameters).changes > 0) added.push(other);
    }
    return added;
  }

  unlink(junction: JunctionTable, id: PkValue, otherIds?: readonly PkValue[]): PkValue[] {
    const linked = this.linkedIds(junction, id);
    const removed = otherIds === undefined ? linked : linked.filter((other) => otherIds.includes(other));
    if (removed.length === 0) return [];
    const compiled = this.builder.unlink(junction, id, removed);
    this.run(compiled.sql, compiled.parameters);
    return removed;
  }

  find(model: NormalizedModel, criteria: Criteria, options: FindOptions): StoredRecord[] {
    const plan = this.plan(model);
    const compiled = this.builder.find(model, criteria);
    if (!compiled) return [];
    const rows = options.budget ? this.within(compiled.sql, compiled.parameters, options.budget) : this.all(compiled.sql, compiled.parameters);
    return rows.map((row) => this.builder.toRecord(plan.codec, row));
  }

  findLinked(model: NormalizedModel, path: LinkPath, parentIds: readonly PkValue[], criteria: Criteria, options: FindOptions): LinkedRow[] {
    const plan = this.plan(model);
    const out: LinkedRow[] = [];
    if (criteria.limit === 0) return out;
    const ids = [...new Set(parentIds)].sort(ascending);
    for (let start = 0; start < ids.length; start += PARENT_CHUNK) {
      const compiled = this.builder.linked(model, path, ids.slice(start, start + PARENT_CHUNK), criteria);
      try {
        for (const row of this.statement(compiled.sql).iterate(compiled.parameters as unknown[]) as IterableIterator<Record<string, unknown>>) {
          const parentId = row[PARENT] as PkValue;
          delete row[PARENT];
          delete row[ROW];
          // Leaving the loop early closes the iterator, which resets the statement.
          if (options.budget && !options.budget.charge(rowBytes(row))) return out;
          out.push({ parentId, record: this.builder.toRecord(plan.codec, row) });
        }
      } catch (error) {
        throw limitError(error);
      }
    }
    return out;
  }

  /** The hot path (socket `GET /:model/:id`): no closure, no promise. */
  findOne(model: NormalizedModel, id: PkValue): StoredRecord | undefined {
    const plan = this.plans.get(model.identity) ?? this.plan(model);
    let row: Record<string, unknown> | undefined;
    try {
      row = plan.selectById.get(id) as Record<string, unknown> | undefined;
    } catch (error) {
      throw unavailable(error);
    }
    return row ? this.builder.toRecord(plan.codec, row) : undefined;
  }

  count(model: NormalizedModel, where?: Condition): number {
    const compiled = this.builder.count(model, where);
    const row = this.all(compiled.sql, compiled.parameters)[0];
    return Number(row?.['n'] ?? 0);
  }

  create(model: NormalizedModel, values: Record<string, unknown>): StoredRecord {
    const plan = this.plan(model);
    // The prepared insert leaves an auto-incremented key out; a key given (or required) goes in as sent.
    const explicitId = values[model.primaryKey] !== undefined && !plan.insertColumns.includes(model.primaryKey);
    const row = this.guardUnique(model, () => {
      if (!explicitId) return plan.insert.get(plan.insertColumns.map((c) => this.builder.toColumn(plan.codec, c, values[c])));
      const compiled = this.builder.insert(model, values, true);
      return this.statement(compiled.sql).get(compiled.parameters as unknown[]);
    });
    return this.builder.toRecord(plan.codec, row as Record<string, unknown>);
  }

  update(model: NormalizedModel, id: PkValue, values: Record<string, unknown>): { previous: StoredRecord; record: StoredRecord } | undefined {
    const plan = this.plan(model);
    // better-sqlite3 is synchronous: the read and the write below cannot interleave with another request.
    const before = this.guard(() => plan.selectById.get(id)) as Record<string, unknown> | undefined;
    if (!before) return undefined;
    const compiled = this.builder.update(model, id, values, true);
    const after = this.guardUnique(model, () => this.statement(compiled.sql).get(compiled.parameters as unknown[]));
    return { previous: this.builder.toRecord(plan.codec, before), record: this.builder.toRecord(plan.codec, after as Record<string, unknown>) };
  }

  destroy(model: NormalizedModel, id: PkValue): StoredRecord | undefined {
    const plan = this.plan(model);
    const before = this.guard(() => plan.selectById.get(id)) as Record<string, unknown> | undefined;
    if (!before) return undefined;
    this.guard(() => plan.deleteById.run(id));
    return this.builder.toRecord(plan.codec, before);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }

  // --- schema ---------------------------------------------------------------------------------

  /**
   * The tables `tablesOf` describes, as a migration from the same models makes them: missing
   * tables, columns, unique indexes and link indexes are made, nothing dropped or changed. No
   * foreign keys: SQLite cannot add one to an existing table, so a migration could not either.
   */
  sync(models: readonly NormalizedModel[]): void {
    const byTable = new Map(models.map((model) => [model.tableName, model]));
    const { tables } = tablesOf(models);
    const kysely = this.builder.kysely;
    const describe = (model: NormalizedModel) => model.file ?? `model ${model.className}`;
    for (const table of tables) {
      const model = byTable.get(table.name);
      const existing = this.db.prepare(`pragma table_info(${quote(table.name)})`).all() as { name: string }[];
      if (existing.length === 0) {
        this.db.exec(createTableQuery(kysely, 'sqlite', table, sql``).compile().sql);
        this.changes.createdTables.push(table.name);
        continue;
      }
      // A join table that is there is left as it is.
      if (!model) continue;
      const have = new Set(existing.map((c) => c.name));
      if (!have.has(model.primaryKey)) {
        // SQLite cannot add a primary key to a table, and sails-rt never rebuilds or drops one.
        throw new Error(
          `${describe(model)}: the primary key is "${model.primaryKey}", but table "${table.name}" already exists without that column (its columns: ${[...have].join(', ')}); give the model another "tableName" for a new table, or migrate the existing one yourself.`,
        );
      }
      for (const column of table.columns) {
        if (have.has(column.name)) continue;
        this.db.exec(kysely.schema.alterTable(table.name).addColumn(column.name, columnSql('sqlite', column)).compile().sql);
        // Existing rows get the value a new record would get, so reads never see a stray NULL: by an
        // UPDATE, as a migration does it, rather than a column default a migrated table would not have.
        if (column.fill !== null) {
          const update = kysely.updateTable(table.name).set({ [column.name]: this.builder.toColumn(this.builder.codec(model), column.name, column.fill) }).compile();
          this.db.prepare(update.sql).run(...update.parameters);
        }
        this.changes.addedColumns.push(`${table.name}.${column.name}`);
      }
    }
    const indexed = (name: string) => this.db.prepare("select 1 from sqlite_master where type = 'index' and name = ?").get(name) !== undefined;
    for (const table of tables) {
      const model = byTable.get(table.name);
      for (const index of table.indexes) {
        if (indexed(index.name)) continue;
        try {
          this.db.exec(kysely.schema.createIndex(index.name).unique().on(table.name).columns(index.columns).compile().sql);
        } catch (error) {
          const what = model ? `${describe(model)}: attribute "${index.columns.join('", "')}" is unique` : `join table ${table.name}: the pair ${index.columns.join(', ')} is unique`;
          throw new Error(`${what}, but table "${table.name}" already holds duplicates (${(error as Error).message}); remove the duplicates${model ? ' or drop "unique"' : ''}.`);
        }
        // A join table's pair index is part of that table, made with it.
        if (model) this.changes.createdIndexes.push(index.name);
      }
      for (const link of table.links) {
        if (!indexed(link.index)) this.db.exec(kysely.schema.createIndex(link.index).on(table.name).column(link.column).compile().sql);
      }
    }
  }

  private planModel(model: NormalizedModel): ModelPlan {
    const table = model.tableName;
    const kysely = this.builder.kysely;
    const insertColumns = model.attributes.filter((a) => a.auto !== 'autoIncrement').map((a) => a.name);
    const placeholders = Object.fromEntries(insertColumns.map((c) => [c, null]));
    const insert = kysely.insertInto(table).values(placeholders).returningAll().compile();
    return {
      codec: this.builder.codec(model),
      selectById: this.db.prepare(kysely.selectFrom(table).selectAll().where(model.primaryKey, '=', 0).compile().sql),
      deleteById: this.db.prepare(kysely.deleteFrom(table).where(model.primaryKey, '=', 0).compile().sql),
      insert: this.db.prepare(insert.sql),
      insertColumns,
    };
  }

  /** Runs a read built from client criteria; criteria past SQLite's limits are the client's to fix (a 400). */
  private all(text: string, parameters: readonly unknown[]): Record<string, unknown>[] {
    try {
      return this.statement(text).all(parameters as unknown[]) as Record<string, unknown>[];
    } catch (error) {
      throw limitError(error);
    }
  }

  private run(text: string, parameters: readonly unknown[]): Database.RunResult {
    return this.guard(() => this.statement(text).run(parameters as unknown[]));
  }

  /** Like `all`, but row by row, charging `budget`: stops at the first row it has no room for. */
  private within(text: string, parameters: readonly unknown[], budget: ReadBudget): Record<string, unknown>[] {
    const rows: Record<string, unknown>[] = [];
    try {
      // Leaving the loop early closes the iterator, which resets the statement.
      for (const row of this.statement(text).iterate(parameters as unknown[]) as IterableIterator<Record<string, unknown>>) {
        if (!budget.charge(rowBytes(row))) break;
        rows.push(row);
      }
    } catch (error) {
      throw limitError(error);
    }
    return rows;
  }

  private statement(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear();
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw unavailable(error);
    }
  }

  private guardUnique<T>(model: NormalizedModel, write: () => T): T {
    try {
      return write();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        const message = (error as Error).message;
        throw uniqueViolation(model, [...message.matchAll(/\.(\w+)/g)].map((m) => m[1] ?? '').filter(Boolean), error);
      }
      throw unavailable(error);
    }
  }

  private plan(model: NormalizedModel): ModelPlan {
    let plan = this.plans.get(model.identity);
    if (!plan) {
      const known = this.models.get(model.identity);
      if (!known) throw new Error(`The store was not opened with the model "${model.identity}".`);
      plan = this.guard(() => this.planModel(known));
      this.plans.set(model.identity, plan);
    }
    return plan;
  }
}

/**
 * The backstop behind the criteria bounds (models/limits.ts): what still reaches one of SQLite's
 * limits (the model API has no bounds, an app may raise them) is the caller's to fix, a 400.
 */
function limitError(error: unknown): unknown {
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && SQLITE_LIMITS.test(message)) return criteriaTooLarge('SQLite', message);
  return unavailable(error);
}

/** The file went away under the app (disk full, I/O error, locked by another process): E_DATASTORE_UNAVAILABLE. */
function unavailable(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN)/.test(code)) return datastoreUnavailable('SQLite', error);
  return error;
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
