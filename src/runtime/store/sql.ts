/**
 * The dialect-neutral half of the SQL stores: Sails criteria become parameterized statements,
 * built and compiled by Kysely for one dialect, and rows come back as records. Nothing here runs a
 * statement; sqlite.ts runs them through better-sqlite3, server-store.ts through Kysely's drivers.
 * What differs between dialects is asked of `dialect` in the few places it matters (NULL order,
 * LIKE's escape, an open-ended LIMIT, how booleans and encrypted values are stored).
 */
import {
  DummyDriver,
  Kysely,
  MysqlAdapter,
  MysqlQueryCompiler,
  PostgresAdapter,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteQueryCompiler,
  sql,
  type CompiledQuery,
  type DialectAdapter,
  type Expression,
  type ExpressionBuilder,
  type OrderByModifiers,
  type QueryCompiler,
  type SqlBool,
} from 'kysely';
import type { JunctionTable, NormalizedAttribute, NormalizedModel } from '../../schema/index.js';
import { ENCRYPTED_PREFIX } from '../models/encryption.js';
import type { Condition, Criteria, Scalar } from './criteria.js';
import type { LinkPath, PkValue, StoredRecord } from './store.js';

export type DialectName = 'sqlite' | 'postgres' | 'mysql';

/** Tables and columns come from the app's models at run time, so the database type is open. */
export type OpenDb = Record<string, Record<string, unknown>>;
type Eb = ExpressionBuilder<OpenDb, string>;

/** findLinked's helper columns: `$` is not allowed in an attribute name, so they never clash with one. */
export const PARENT = '$parent';
export const ROW = '$row';
/**
 * Parent ids per findLinked statement: far below SQLite's 32,766 variables and PostgreSQL's 65,535
 * parameters, leaving room for the criteria's own values, and few enough that one statement never
 * holds a connection for long.
 */
export const PARENT_CHUNK = 1000;

/** Per-model facts computed once: how each column is stored. */
export interface ModelCodec {
  model: NormalizedModel;
  columns: Map<string, NormalizedAttribute>;
  /** Read back as true/false (stored as 1/0 where the database has no boolean column). */
  booleans: string[];
  /** Stored as JSON text. */
  jsons: string[];
  /** Non-string attributes with `encrypt: true` in a server store: a text column holding the value's JSON, or its ciphertext. */
  textEncoded: string[];
}

/**
 * A compile-only Kysely for `dialect`: `.compile()` gives the SQL and its parameters, and a store
 * runs them however suits it.
 */
export function compiler(dialect: DialectName): Kysely<OpenDb> {
  const parts: Record<DialectName, () => { adapter: DialectAdapter; compiler: QueryCompiler }> = {
    sqlite: () => ({ adapter: new SqliteAdapter(), compiler: new SqliteQueryCompiler() }),
    postgres: () => ({ adapter: new PostgresAdapter(), compiler: new PostgresQueryCompiler() }),
    mysql: () => ({ adapter: new MysqlAdapter(), compiler: new MysqlQueryCompiler() }),
  };
  const { adapter, compiler: queryCompiler } = parts[dialect]();
  return new Kysely<OpenDb>({
    dialect: {
      createAdapter: () => adapter,
      createDriver: () => new DummyDriver(),
      createIntrospector: () => {
        throw new Error('A compile-only Kysely has no introspector.');
      },
      createQueryCompiler: () => queryCompiler,
    },
  });
}

export class StatementBuilder {
  readonly kysely: Kysely<OpenDb>;
  private readonly codecs = new Map<string, ModelCodec>();

  constructor(
    readonly dialect: DialectName,
    models: readonly NormalizedModel[],
  ) {
    this.kysely = compiler(dialect);
    for (const model of models) this.codecs.set(model.identity, this.makeCodec(model));
  }

  codec(model: NormalizedModel): ModelCodec {
    const codec = this.codecs.get(model.identity);
    if (!codec) throw new Error(`The store was not opened with the model "${model.identity}".`);
    return codec;
  }

  // --- reads ----------------------------------------------------------------------------------

  /** Undefined when the criteria can match nothing (`limit: 0`). */
  find(model: NormalizedModel, criteria: Criteria): CompiledQuery | undefined {
    if (criteria.limit === 0) return undefined;
    const from = this.kysely.selectFrom(model.tableName);
    let built = criteria.select ? from.select(criteria.select) : from.selectAll();
    if (criteria.where) {
      const where = criteria.where;
      built = built.where((eb) => this.condition(eb, model, where));
    }
    for (const { attribute, direction } of criteria.sort) built = built.orderBy(attribute, this.order(direction));
    // Ties go by primary key: a page (skip, limit) is then the same on every store and every read.
    if (!criteria.sort.some((clause) => clause.attribute === model.primaryKey)) built = built.orderBy(model.primaryKey, 'asc');
    if (criteria.limit !== undefined) built = built.limit(criteria.limit);
    else if (criteria.skip > 0 && this.dialect !== 'postgres') built = built.limit(this.noLimit());
    if (criteria.skip > 0) built = built.offset(criteria.skip);
    return built.compile();
  }

  count(model: NormalizedModel, where?: Condition): CompiledQuery {
    let query = this.kysely.selectFrom(model.tableName).select((eb) => eb.fn.countAll<number>().as('n'));
    if (where) query = query.where((eb) => this.condition(eb, model, where));
    return query.compile();
  }

  /** The rows of many primary keys at once, in no particular order (server stores batch findOne with it). */
  byIds(model: NormalizedModel, ids: readonly PkValue[]): CompiledQuery {
    return this.kysely.selectFrom(model.tableName).selectAll().where(model.primaryKey, 'in', [...ids]).compile();
  }

  /** One row by primary key; `forUpdate` locks it until the transaction ends (server stores). */
  byId(model: NormalizedModel, id: PkValue, forUpdate = false): CompiledQuery {
    const query = this.kysely.selectFrom(model.tableName).selectAll().where(model.primaryKey, '=', id);
    return (forUpdate ? query.forUpdate() : query).compile();
  }

  /**
   * Every parent's list in one statement: the linked rows, numbered within their parent's list in
   * the criteria's order by a window function, and only the numbers in skip..skip+limit kept.
   * Columns are qualified (`t.` for the linked model), since a join table's columns share the query.
   */
  linked(model: NormalizedModel, path: LinkPath, parentIds: readonly PkValue[], criteria: Criteria): CompiledQuery {
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
            for (const { attribute, direction } of criteria.sort) ordered = ordered.orderBy(`t.${attribute}`, this.order(direction));
            // A list must come out the same whichever statement reads it: ties go by primary key.
            return criteria.sort.some((clause) => clause.attribute === model.primaryKey) ? ordered : ordered.orderBy(key, 'asc');
          })
          .as(ROW),
      ])
      .where(parent, 'in', [...parentIds]);
    if (criteria.where) {
      const where = criteria.where;
      inner = inner.where((eb) => this.condition(eb, model, where, 't'));
    }
    let outer = this.kysely.selectFrom(inner.as('l')).selectAll('l');
    if (criteria.skip > 0) outer = outer.where(`l.${ROW}`, '>', criteria.skip);
    if (criteria.limit !== undefined) outer = outer.where(`l.${ROW}`, '<=', criteria.skip + criteria.limit);
    return outer.orderBy(`l.${PARENT}`, 'asc').orderBy(`l.${ROW}`, 'asc').compile();
  }

  linkedIds(junction: JunctionTable, id: PkValue): CompiledQuery {
    return this.kysely.selectFrom(junction.table).select(junction.other).where(junction.self, '=', id).orderBy('id').compile();
  }

  // --- writes ---------------------------------------------------------------------------------

  /** `returning`: ask for the row written (SQLite and PostgreSQL; MySQL reads it back). */
  insert(model: NormalizedModel, values: Record<string, unknown>, returning: boolean): CompiledQuery {
    const query = this.kysely.insertInto(model.tableName).values(this.toColumns(model, values));
    return (returning ? query.returningAll() : query).compile();
  }

  update(model: NormalizedModel, id: PkValue, values: Record<string, unknown>, returning: boolean): CompiledQuery {
    const query = this.kysely.updateTable(model.tableName).set(this.toColumns(model, values)).where(model.primaryKey, '=', id);
    return (returning ? query.returningAll() : query).compile();
  }

  deleteById(model: NormalizedModel, id: PkValue, returning: boolean): CompiledQuery {
    const query = this.kysely.deleteFrom(model.tableName).where(model.primaryKey, '=', id);
    return (returning ? query.returningAll() : query).compile();
  }

  /**
   * Inserts one join row unless it is there (the pair is unique): affects one row or none. MySQL
   * takes `on duplicate key update id = id` (0 rows when the pair is there, with mysql2's
   * FOUND_ROWS off) rather than INSERT IGNORE, which would also hide a foreign key's refusal.
   */
  linkOne(junction: JunctionTable, id: PkValue, other: PkValue): CompiledQuery {
    const query = this.kysely.insertInto(junction.table).values({ [junction.self]: id, [junction.other]: other });
    return (this.dialect === 'mysql' ? query.onDuplicateKeyUpdate({ id: sql.ref('id') }) : query.onConflict((oc) => oc.doNothing())).compile();
  }

  unlink(junction: JunctionTable, id: PkValue, others: readonly PkValue[]): CompiledQuery {
    return this.kysely.deleteFrom(junction.table).where(junction.self, '=', id).where(junction.other, 'in', [...others]).compile();
  }

  // --- values ---------------------------------------------------------------------------------

  toColumns(model: NormalizedModel, values: Record<string, unknown>): Record<string, unknown> {
    const codec = this.codec(model);
    const columns: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(values)) columns[name] = this.toColumn(codec, name, value);
    return columns;
  }

  toColumn(codec: ModelCodec, name: string, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    const attribute = codec.columns.get(name);
    // Ciphertext is stored as the text it is, whatever the attribute's type (models/encryption.ts).
    if (attribute?.encrypt && isCiphertext(value)) return value;
    if (codec.textEncoded.includes(name)) return JSON.stringify(value);
    if (attribute?.type === 'boolean') return this.dialect === 'postgres' ? Boolean(value) : value ? 1 : 0;
    if (attribute?.type === 'json') return JSON.stringify(value);
    return value as Scalar;
  }

  /** Converts `row` in place (it is the driver's fresh object) and hands it out as the record. */
  toRecord(codec: ModelCodec, row: Record<string, unknown>): StoredRecord {
    for (const name of codec.booleans) {
      const value = row[name];
      if (value !== null && value !== undefined && typeof value !== 'boolean' && !isCiphertext(value)) row[name] = value === 1;
    }
    for (const name of codec.jsons) {
      const value = row[name];
      if (isCiphertext(value)) continue;
      // undefined: the column was not selected, so the key must stay absent.
      if (value !== undefined) row[name] = typeof value === 'string' ? JSON.parse(value) : null;
    }
    for (const name of codec.textEncoded) {
      const value = row[name];
      if (typeof value === 'string' && !isCiphertext(value)) row[name] = JSON.parse(value);
    }
    return row as StoredRecord;
  }

  // --- criteria -------------------------------------------------------------------------------

  /** `table`: the alias to qualify columns with, when the statement reads more than one table. */
  condition(eb: Eb, model: NormalizedModel, condition: Condition, table?: string): Expression<SqlBool> {
    const codec = this.codec(model);
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
        const value = this.toColumn(codec, condition.attribute, condition.value);
        // SQL's `!=` skips NULLs; Waterline's `!=` keeps them, so NULL counts as "not equal".
        if (condition.op === '!=') return eb.or([eb(column, '!=', value), eb(column, 'is', null)]);
        return eb(column, condition.op, value);
      }
      case 'in':
      case 'nin': {
        const column = eb.ref(name(condition.attribute));
        const values = condition.values.filter((v) => v !== null).map((v) => this.toColumn(codec, condition.attribute, v));
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
        // The escape character is one backslash; MySQL reads a backslash in a literal as an escape, so it is written twice there.
        return sql<SqlBool>`${sql.ref(name(condition.attribute))} like ${condition.pattern} escape ${sql.raw(this.dialect === 'mysql' ? "'\\\\'" : "'\\'")}`;
    }
  }

  /**
   * NULLs sort first, as SQLite and MySQL sort them: PostgreSQL sorts them last unless told.
   * The stores' text columns compare byte by byte (SQLite's BINARY, PostgreSQL's "C" collation,
   * MySQL's binary collation), so strings sort the same on every store.
   */
  private order(direction: 'asc' | 'desc'): OrderByModifiers {
    if (this.dialect !== 'postgres') return direction;
    return direction === 'asc' ? (ob) => ob.asc().nullsFirst() : (ob) => ob.desc().nullsLast();
  }

  /** A LIMIT that keeps every row, for an OFFSET without a limit (SQLite and MySQL need a LIMIT there). */
  private noLimit(): Expression<number> {
    return this.dialect === 'sqlite' ? sql<number>`-1` : sql<number>`18446744073709551615`;
  }

  private makeCodec(model: NormalizedModel): ModelCodec {
    const server = this.dialect !== 'sqlite';
    const textEncoded = server ? model.attributes.filter((a) => a.encrypt && a.type !== 'string').map((a) => a.name) : [];
    return {
      model,
      columns: new Map(model.attributes.map((a) => [a.name, a])),
      booleans: model.attributes.filter((a) => a.type === 'boolean' && !textEncoded.includes(a.name)).map((a) => a.name),
      jsons: model.attributes.filter((a) => a.type === 'json' && !textEncoded.includes(a.name)).map((a) => a.name),
      textEncoded,
    };
  }
}

/** The estimate ReadBudget documents: string lengths (json as its text) plus 8 per value. */
export function rowBytes(row: Record<string, unknown>): number {
  let bytes = 0;
  for (const key in row) {
    const value = row[key];
    bytes += typeof value === 'string' ? value.length + 8 : 8;
  }
  return bytes;
}

/** Primary keys in the order the stores sort them: numbers before text, numbers by value, text by code unit. */
export function ascending(a: PkValue, b: PkValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An encrypted value: no JSON text, number or boolean starts this way. */
export function isCiphertext(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(ENCRYPTED_PREFIX);
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
