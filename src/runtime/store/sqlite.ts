/**
 * SQLite store: Kysely builds and compiles every statement (parameterized), better-sqlite3 runs
 * it. Kysely is used as a compiler only: running through better-sqlite3 directly keeps reads
 * synchronous and lets each statement be prepared once and reused, which is what makes the
 * socket `GET /user/:id` path fast.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import createDebug from 'debug';
import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
  type CompiledQuery,
  type Expression,
  type ExpressionBuilder,
  type SqlBool,
} from 'kysely';
import type { JunctionTable, NormalizedAttribute, NormalizedModel } from '../../schema/index.js';
import { baseValue } from '../../schema/tables.js';
import { SailsRtError } from '../errors.js';
import { ENCRYPTED_PREFIX } from '../models/encryption.js';
import type { Condition, Criteria, Scalar } from './criteria.js';
import type { FindOptions, LinkedRow, LinkPath, PkValue, ReadBudget, SchemaChanges, Store, StoredRecord } from './index.js';

const debug = createDebug('sails-rt:store');

/** Tables and columns come from the app's models at run time, so the database type is open. */
type OpenDb = Record<string, Record<string, unknown>>;
type Eb = ExpressionBuilder<OpenDb, string>;

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
  /**
   * Create missing tables, columns and unique indexes (default true: the prototyping mode). An
   * app with migrations/ opens its store with false: its schema changes only through them.
   */
  autoSync?: boolean;
}

/** Per-model facts computed once: which columns need converting, and the hot statements. */
interface ModelPlan {
  booleans: string[];
  jsons: string[];
  columns: Map<string, NormalizedAttribute>;
  selectById: Database.Statement;
  deleteById: Database.Statement;
  insert: Database.Statement;
  insertColumns: string[];
}

const SQL_TYPES = { string: 'text', number: 'real', boolean: 'integer', json: 'text' } as const;
const STATEMENT_CACHE_LIMIT = 500;
/**
 * Parent ids per findLinked statement: far below SQLite's 32,766 variables, leaving room for the
 * criteria's own values, and few enough that one statement never holds the event loop for long.
 */
const PARENT_CHUNK = 1000;
/** findLinked's helper columns: `$` is not allowed in an attribute name, so they never clash with one. */
const PARENT = '$parent';
const ROW = '$row';
/** SQLite's messages for a statement past its compile-time limits (variables, expression depth, LIKE pattern length, sizes). */
const SQLITE_LIMITS = /too many SQL variables|Expression tree is too large|LIKE or GLOB pattern too complex|parser stack overflow|string or blob too big|too many terms/i;

/** Opens (creating if needed) the SQLite file and brings its tables up to the models, never dropping. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
  const db = new Database(options.filename);
  try {
    // EXCLUSIVE first: in WAL mode it then needs no shared-memory index at all.
    if (options.exclusive !== false) db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    // sails-disk compares case-sensitively; so do contains/startsWith/endsWith/like here.
    db.pragma('case_sensitive_like = ON');
    return new SqliteStore(db, options.models, options.autoSync !== false);
  } catch (error) {
    db.close();
    throw error;
  }
}

class SqliteStore implements Store {
  readonly changes: SchemaChanges = { createdTables: [], addedColumns: [], createdIndexes: [] };
  private readonly kysely = new Kysely<OpenDb>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
  private readonly plans = new Map<string, ModelPlan>();
  private readonly statements = new Map<string, Database.Statement>();
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    models: readonly NormalizedModel[],
    autoSync: boolean,
  ) {
    if (autoSync) this.syncAll(models);
    for (const model of models) this.plans.set(model.identity, this.planModel(model));
  }

  async linkedIds(junction: JunctionTable, id: PkValue): Promise<PkValue[]> {
    const compiled = this.kysely.selectFrom(junction.table).select(junction.other).where(junction.self, '=', id).orderBy('id').compile();
    return this.all(compiled).map((row) => row[junction.other] as PkValue);
  }

  async link(junction: JunctionTable, id: PkValue, otherIds: readonly PkValue[]): Promise<PkValue[]> {
    const added: PkValue[] = [];
    for (const other of new Set(otherIds)) {
      const compiled = this.kysely
        .insertInto(junction.table)
        .values({ [junction.self]: id, [junction.other]: other })
        .onConflict((oc) => oc.doNothing())
        .compile();
      if (this.statement(compiled.sql).run(compiled.parameters as unknown[]).changes > 0) added.push(other);
    }
    return added;
  }

  async unlink(junction: JunctionTable, id: PkValue, otherIds?: readonly PkValue[]): Promise<PkValue[]> {
    const linked = await this.linkedIds(junction, id);
    const removed = otherIds === undefined ? linked : linked.filter((other) => otherIds.includes(other));
    if (removed.length === 0) return [];
    const compiled = this.kysely.deleteFrom(junction.table).where(junction.self, '=', id).where(junction.other, 'in', removed).compile();
    this.statement(compiled.sql).run(compiled.parameters as unknown[]);
    return removed;
  }

  async find(model: NormalizedModel, criteria: Criteria, options: FindOptions = {}): Promise<StoredRecord[]> {
    const plan = this.plan(model);
    if (criteria.limit === 0) return [];
    const from = this.kysely.selectFrom(model.tableName);
    let built = criteria.select ? from.select(criteria.select) : from.selectAll();
    if (criteria.where) {
      const where = criteria.where;
      built = built.where((eb) => this.condition(eb, model, where));
    }
    if (criteria.sort.length === 0) built = built.orderBy(model.primaryKey, 'asc');
    for (const { attribute, direction } of criteria.sort) built = built.orderBy(attribute, direction);
    if (criteria.limit !== undefined || criteria.skip > 0) built = built.limit(criteria.limit ?? -1);
    if (criteria.skip > 0) built = built.offset(criteria.skip);
    const compiled = built.compile();
    const rows = options.budget ? this.within(compiled, options.budget) : this.all(compiled);
    return rows.map((row) => this.toRecord(plan, row));
  }

  async findLinked(model: NormalizedModel, path: LinkPath, parentIds: readonly PkValue[], criteria: Criteria, options: FindOptions = {}): Promise<LinkedRow[]> {
    const plan = this.plan(model);
    const out: LinkedRow[] = [];
    if (criteria.limit === 0) return out;
    const ids = [...new Set(parentIds)].sort(ascending);
    for (let start = 0; start < ids.length; start += PARENT_CHUNK) {
      const compiled = this.linkedQuery(model, path, ids.slice(start, start + PARENT_CHUNK), criteria);
      try {
        for (const row of this.statement(compiled.sql).iterate(compiled.parameters as unknown[]) as IterableIterator<Record<string, unknown>>) {
          const parentId = row[PARENT] as PkValue;
          delete row[PARENT];
          delete row[ROW];
          // Leaving the loop early closes the iterator, which resets the statement.
          if (options.budget && !options.budget.charge(rowBytes(row))) return out;
          out.push({ parentId, record: this.toRecord(plan, row) });
        }
      } catch (error) {
        throw limitError(error);
      }
    }
    return out;
  }

  /**
   * Every parent's list in one statement: the linked rows, numbered within their parent's list in
   * the criteria's order by a window function, and only the numbers in skip..skip+limit kept.
   * Columns are qualified (`t.` for the linked model), since a join table's columns share the query.
   */
  private linkedQuery(model: NormalizedModel, path: LinkPath, parentIds: PkValue[], criteria: Criteria): CompiledQuery {
    const key = `t.${model.primaryKey}`;
    const parent = 'via' in path ? `t.${path.via}` : `j.${path.junction.self}`;
    const from =
      'via' in path
        ? this.kysely.selectFrom(`${model.tableName} as t`)
        : this.kysely.selectFrom(`${path.junction.table} as j`).innerJoin(`${model.tableName} as t`, key, `j.${path.junction.other}`);
    let inner = (criteria.select ? from.select(criteria.select.map((c) => `t.${c}`)) : from.selectAll('t'))
      .select((eb) => [
        eb.ref(parent).as(PARENT),
        eb.fn
          .agg<number>('row_number')
          .over((over) => {
            let ordered = over.partitionBy(parent);
            for (const { attribute, direction } of criteria.sort) ordered = ordered.orderBy(`t.${attribute}`, direction);
            // A list must come out the same whichever statement reads it: ties go by primary key.
            return criteria.sort.some((clause) => clause.attribute === model.primaryKey) ? ordered : ordered.orderBy(key, 'asc');
          })
          .as(ROW),
      ])
      .where(parent, 'in', parentIds);
    if (criteria.where) {
      const where = criteria.where;
      inner = inner.where((eb) => this.condition(eb, model, where, 't'));
    }
    let outer = this.kysely.selectFrom(inner.as('l')).selectAll('l');
    if (criteria.skip > 0) outer = outer.where(`l.${ROW}`, '>', criteria.skip);
    if (criteria.limit !== undefined) outer = outer.where(`l.${ROW}`, '<=', criteria.skip + criteria.limit);
    return outer.orderBy(`l.${PARENT}`, 'asc').orderBy(`l.${ROW}`, 'asc').compile();
  }

  /** Synchronous, as better-sqlite3 is: no promise for the hottest read (see Store.findOne). */
  findOne(model: NormalizedModel, id: PkValue): StoredRecord | undefined {
    const plan = this.plan(model);
    const row = plan.selectById.get(id) as Record<string, unknown> | undefined;
    return row ? this.toRecord(plan, row) : undefined;
  }

  async count(model: NormalizedModel, where?: Condition): Promise<number> {
    let query = this.kysely.selectFrom(model.tableName).select((eb) => eb.fn.countAll<number>().as('n'));
    if (where) query = query.where((eb) => this.condition(eb, model, where));
    const row = this.all(query.compile())[0];
    return Number(row?.['n'] ?? 0);
  }

  async create(model: NormalizedModel, values: Record<string, unknown>): Promise<StoredRecord> {
    const plan = this.plan(model);
    // The prepared insert leaves an auto-incremented key out; a key given (or required) goes in as sent.
    const explicitId = values[model.primaryKey] !== undefined && !plan.insertColumns.includes(model.primaryKey);
    const row = this.guardUnique(model, () => {
      if (!explicitId) return plan.insert.get(plan.insertColumns.map((c) => toColumn(plan, c, values[c])));
      const compiled = this.kysely.insertInto(model.tableName).values(this.toColumns(plan, values)).returningAll().compile();
      return this.statement(compiled.sql).get(compiled.parameters as unknown[]);
    });
    return this.toRecord(plan, row as Record<string, unknown>);
  }

  async update(
    model: NormalizedModel,
    id: PkValue,
    values: Record<string, unknown>,
  ): Promise<{ previous: StoredRecord; record: StoredRecord } | undefined> {
    const plan = this.plan(model);
    // better-sqlite3 is synchronous: the read and the write below cannot interleave with another request.
    const before = plan.selectById.get(id) as Record<string, unknown> | undefined;
    if (!before) return undefined;
    const compiled = this.kysely
      .updateTable(model.tableName)
      .set(this.toColumns(plan, values))
      .where(model.primaryKey, '=', id)
      .returningAll()
      .compile();
    const after = this.guardUnique(model, () => this.statement(compiled.sql).get(compiled.parameters as unknown[]));
    return { previous: this.toRecord(plan, before), record: this.toRecord(plan, after as Record<string, unknown>) };
  }

  async destroy(model: NormalizedModel, id: PkValue): Promise<StoredRecord | undefined> {
    const plan = this.plan(model);
    const before = plan.selectById.get(id) as Record<string, unknown> | undefined;
    if (!before) return undefined;
    plan.deleteById.run(id);
    return this.toRecord(plan, before);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }

  // --- schema ---------------------------------------------------------------------------------

  private syncAll(models: readonly NormalizedModel[]): void {
    for (const model of models) this.syncModel(model);
    const byIdentity = new Map(models.map((model) => [model.identity, model]));
    for (const model of models) {
      for (const collection of model.collections) {
        const target = byIdentity.get(collection.collection);
        if (collection.junction && target) this.syncJunction(collection.junction, keyColumnType(model), keyColumnType(target));
      }
    }
  }

  /**
   * A many-to-many join table: both sides name the same one, so it is made once. Each column holds
   * one side's primary keys, so it has that key's type (`selfType` for `junction.self`).
   */
  private syncJunction(junction: JunctionTable, selfType: KeyColumnType, otherType: KeyColumnType): void {
    const existing = this.db.prepare(`pragma table_info(${quote(junction.table)})`).all() as { name: string }[];
    if (existing.length > 0) return;
    const types = new Map([
      [junction.self, selfType],
      [junction.other, otherType],
    ]);
    const [first, second] = [junction.self, junction.other].sort() as [string, string];
    this.db.exec(
      this.kysely.schema
        .createTable(junction.table)
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn(first, types.get(first) ?? 'integer', (c) => c.notNull())
        .addColumn(second, types.get(second) ?? 'integer', (c) => c.notNull())
        .compile().sql,
    );
    this.db.exec(this.kysely.schema.createIndex(`${junction.table}_pair`).ifNotExists().unique().on(junction.table).columns([first, second]).compile().sql);
    this.changes.createdTables.push(junction.table);
  }

  private syncModel(model: NormalizedModel): void {
    const table = model.tableName;
    const existing = this.db.prepare(`pragma table_info(${quote(table)})`).all() as { name: string }[];
    if (existing.length === 0) {
      let create = this.kysely.schema.createTable(table).ifNotExists();
      for (const attribute of model.attributes) {
        create = attribute.primaryKey
          ? create.addColumn(attribute.name, keyColumnType(model), (c) => (attribute.auto === 'autoIncrement' ? c.primaryKey().autoIncrement() : c.primaryKey().notNull()))
          : create.addColumn(attribute.name, sqlType(attribute));
      }
      this.db.exec(create.compile().sql);
      this.changes.createdTables.push(table);
    } else {
      const have = new Set(existing.map((c) => c.name));
      if (!have.has(model.primaryKey)) {
        // SQLite cannot add a primary key to a table, and sails-rt never rebuilds or drops one.
        throw new Error(
          `${model.file ?? `model ${model.className}`}: the primary key is "${model.primaryKey}", but table "${table}" already exists without that column (its columns: ${[...have].join(', ')}); give the model another "tableName" for a new table, or migrate the existing one yourself.`,
        );
      }
      for (const attribute of model.attributes) {
        if (have.has(attribute.name)) continue;
        // Existing rows get the value a new record would get, so reads never see a stray NULL.
        const fill = baseValue(attribute);
        const compiled = this.kysely.schema
          .alterTable(table)
          .addColumn(attribute.name, sqlType(attribute), (c) =>
            fill === null ? c : c.defaultTo(typeof fill === 'boolean' ? Number(fill) : typeof fill === 'string' || typeof fill === 'number' ? fill : JSON.stringify(fill)),
          )
          .compile();
        this.db.exec(compiled.sql);
        this.changes.addedColumns.push(`${table}.${attribute.name}`);
      }
    }
    for (const attribute of model.attributes) {
      // The primary key is unique through its PRIMARY KEY constraint.
      if (!attribute.unique || attribute.auto || attribute.primaryKey) continue;
      const name = `${table}_${attribute.name}_unique`;
      const found = this.db.prepare("select 1 from sqlite_master where type = 'index' and name = ?").get(name);
      if (found) continue;
      try {
        this.db.exec(this.kysely.schema.createIndex(name).ifNotExists().unique().on(table).column(attribute.name).compile().sql);
      } catch (error) {
        throw new Error(
          `${model.file ?? `model ${model.className}`}: attribute "${attribute.name}" is unique, but table "${table}" already holds duplicate ${attribute.name} values (${(error as Error).message}); remove the duplicates or drop "unique".`,
        );
      }
      this.changes.createdIndexes.push(name);
    }
  }

  private planModel(model: NormalizedModel): ModelPlan {
    const table = model.tableName;
    const insertColumns = model.attributes.filter((a) => a.auto !== 'autoIncrement').map((a) => a.name);
    const placeholders = Object.fromEntries(insertColumns.map((c) => [c, null]));
    const insert = this.kysely.insertInto(table).values(placeholders).returningAll().compile();
    return {
      booleans: model.attributes.filter((a) => a.type === 'boolean').map((a) => a.name),
      jsons: model.attributes.filter((a) => a.type === 'json').map((a) => a.name),
      columns: new Map(model.attributes.map((a) => [a.name, a])),
      selectById: this.db.prepare(this.kysely.selectFrom(table).selectAll().where(model.primaryKey, '=', 0).compile().sql),
      deleteById: this.db.prepare(this.kysely.deleteFrom(table).where(model.primaryKey, '=', 0).compile().sql),
      insert: this.db.prepare(insert.sql),
      insertColumns,
    };
  }

  // --- queries --------------------------------------------------------------------------------

  /** `table`: the alias to qualify columns with, when the statement reads more than one table. */
  private condition(eb: Eb, model: NormalizedModel, condition: Condition, table?: string): Expression<SqlBool> {
    const plan = this.plan(model);
    const name = (attribute: string): string => (table === undefined ? attribute : `${table}.${attribute}`);
    switch (condition.kind) {
      case 'and':
      case 'or': {
        const items = flatten(condition).map((item) => this.condition(eb, model, item, table));
        if (items.length === 0) return sql<SqlBool>`${sql.lit(condition.kind === 'and' ? 1 : 0)} = 1`;
        return balanced(eb, condition.kind, items);
      }
      case 'compare': {
        const column = eb.ref(name(condition.attribute));
        if (condition.value === null) return condition.op === '=' ? eb(column, 'is', null) : eb(column, 'is not', null);
        const value = toColumn(plan, condition.attribute, condition.value);
        // SQL's `!=` skips NULLs; Waterline's `!=` keeps them, so NULL counts as "not equal".
        if (condition.op === '!=') return eb.or([eb(column, '!=', value), eb(column, 'is', null)]);
        return eb(column, condition.op, value);
      }
      case 'in':
      case 'nin': {
        const column = eb.ref(name(condition.attribute));
        const values = condition.values.filter((v) => v !== null).map((v) => toColumn(plan, condition.attribute, v));
        const hasNull = values.length !== condition.values.length;
        const parts: Expression<SqlBool>[] = [];
        if (condition.kind === 'in') {
          if (values.length > 0) parts.push(eb(column, 'in', values));
          if (hasNull) parts.push(eb(column, 'is', null));
          return parts.length === 0 ? sql<SqlBool>`0 = 1` : eb.or(parts);
        }
        if (values.length > 0) parts.push(eb.or([eb(column, 'not in', values), eb(column, 'is', null)]));
        if (hasNull) parts.push(eb(column, 'is not', null));
        return parts.length === 0 ? sql<SqlBool>`1 = 1` : eb.and(parts);
      }
      case 'like':
        return sql<SqlBool>`${sql.ref(name(condition.attribute))} like ${condition.pattern} escape '\\'`;
    }
  }

  /** Runs a read built from client criteria; criteria past SQLite's limits are the client's to fix (a 400). */
  private all(compiled: CompiledQuery): Record<string, unknown>[] {
    try {
      return this.statement(compiled.sql).all(compiled.parameters as unknown[]) as Record<string, unknown>[];
    } catch (error) {
      throw limitError(error);
    }
  }

  /** Like `all`, but row by row, charging `budget`: stops at the first row it has no room for. */
  private within(compiled: CompiledQuery, budget: ReadBudget): Record<string, unknown>[] {
    const rows: Record<string, unknown>[] = [];
    try {
      // Leaving the loop early closes the iterator, which resets the statement.
      for (const row of this.statement(compiled.sql).iterate(compiled.parameters as unknown[]) as IterableIterator<Record<string, unknown>>) {
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

  private guardUnique<T>(model: NormalizedModel, write: () => T): T {
    try {
      return write();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        const message = (error as Error).message;
        const attrNames = [...message.matchAll(/\.(\w+)/g)].map((m) => m[1] ?? '').filter(Boolean);
        if (debug.enabled) debug('unique violation on %s: %s', model.identity, message);
        throw new SailsRtError(
          'E_UNIQUE',
          `Would violate uniqueness constraint: a ${model.identity} already exists with the same ${attrNames.join(', ')}; send a different value.`,
          { modelIdentity: model.identity, attrNames },
        );
      }
      throw error;
    }
  }

  private plan(model: NormalizedModel): ModelPlan {
    const plan = this.plans.get(model.identity);
    if (!plan) throw new Error(`The store was not opened with the model "${model.identity}".`);
    return plan;
  }

  private toColumns(plan: ModelPlan, values: Record<string, unknown>): Record<string, unknown> {
    const columns: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(values)) columns[name] = toColumn(plan, name, value);
    return columns;
  }

  private toRecord(plan: ModelPlan, row: Record<string, unknown>): StoredRecord {
    for (const name of plan.booleans) {
      const value = row[name];
      if (value !== null && value !== undefined && !isCiphertext(value)) row[name] = value === 1;
    }
    for (const name of plan.jsons) {
      const value = row[name];
      if (isCiphertext(value)) continue;
      // undefined: the column was not selected, so the key must stay absent.
      if (value !== undefined) row[name] = typeof value === 'string' ? JSON.parse(value) : null;
    }
    return row as StoredRecord;
  }
}

/**
 * The backstop behind the criteria bounds (models/limits.ts): what still reaches one of SQLite's
 * limits (the model API has no bounds, an app may raise them) is the caller's to fix, a 400.
 */
function limitError(error: unknown): unknown {
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && SQLITE_LIMITS.test(message)) {
    return new SailsRtError(
      'E_INVALID_CRITERIA',
      `The \`where\` clause is too large for the database (SQLite: ${message}); send fewer values or conditions, or split the request.`,
    );
  }
  return error;
}

/** The estimate ReadBudget documents: string lengths (json as its text) plus 8 per value. */
function rowBytes(row: Record<string, unknown>): number {
  let bytes = 0;
  for (const key in row) {
    const value = row[key];
    bytes += typeof value === 'string' ? value.length + 8 : 8;
  }
  return bytes;
}

/**
 * The items of an and/or, with nested ones of the same kind (and one-item ones of either kind)
 * merged in: `and(and(a, b), c)` is `and(a, b, c)`, which keeps the built expression shallow.
 */
function flatten(condition: Extract<Condition, { kind: 'and' | 'or' }>): Condition[] {
  const out: Condition[] = [];
  const pending = [...condition.items].reverse();
  while (pending.length > 0) {
    const item = pending.pop() as Condition;
    if ((item.kind === 'and' || item.kind === 'or') && (item.kind === condition.kind || item.items.length === 1)) {
      pending.push(...[...item.items].reverse());
    } else {
      out.push(item);
    }
  }
  return out;
}

/**
 * `a or b or c …` as a balanced tree. Kysely's eb.or(items) chains to the left, so compiling N
 * items recursed N deep (a stack overflow at a few thousand) and SQLite refuses an expression
 * tree deeper than 1000; balanced, N items are log2(N) deep.
 */
function balanced(eb: Eb, kind: 'and' | 'or', items: readonly Expression<SqlBool>[]): Expression<SqlBool> {
  if (items.length <= 2) return kind === 'and' ? eb.and([...items]) : eb.or([...items]);
  const middle = items.length >> 1;
  const halves = [balanced(eb, kind, items.slice(0, middle)), balanced(eb, kind, items.slice(middle))];
  return kind === 'and' ? eb.and(halves) : eb.or(halves);
}

/** A primary key column: integer for a number key (SQLite's rowid for an auto-incremented one), else text. */
type KeyColumnType = 'integer' | 'text';

function keyColumnType(model: NormalizedModel): KeyColumnType {
  return model.attributes.find((a) => a.name === model.primaryKey)?.type === 'string' ? 'text' : 'integer';
}

/** A to-one link holds the linked record's primary key, whose type its attribute has taken: integer or text. */
function sqlType(attribute: NormalizedAttribute): (typeof SQL_TYPES)[keyof typeof SQL_TYPES] | 'integer' {
  if (attribute.model !== undefined) return attribute.type === 'string' ? 'text' : 'integer';
  return SQL_TYPES[attribute.type];
}

/** Primary keys in the order SQLite sorts them: numbers before text, numbers by value. */
function ascending(a: PkValue, b: PkValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function toColumn(plan: ModelPlan, name: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const attribute = plan.columns.get(name);
  // Ciphertext is stored as the text it is, whatever the attribute's type (models/encryption.ts).
  if (attribute?.encrypt && isCiphertext(value)) return value;
  if (attribute?.type === 'boolean') return value ? 1 : 0;
  if (attribute?.type === 'json') return JSON.stringify(value);
  return value as Scalar;
}

/** An encrypted value: no JSON text, number or boolean starts this way. */
function isCiphertext(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(ENCRYPTED_PREFIX);
}

/** Moved to the schema layer, where the migrations use it too; re-exported for the model layer. */
export { baseValue } from '../../schema/tables.js';

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
