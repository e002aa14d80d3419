/**
 * The tables a set of models implies: the one description of the schema that the stores'
 * auto-sync (store/sqlite.ts, store/server-schema.ts) creates and that `generate migration` diffs
 * and writes, so the two make the same tables by construction. Which tables, columns, unique
 * indexes and links (an index and a foreign key per to-one and join-table column). Pure: column
 * kinds, not SQL types; `COLUMN_TYPES` maps a kind to each database's type (a migration file
 * carries that map, frozen, so it runs the same later).
 */
import { createHash } from 'node:crypto';
import type { NormalizedAttribute, NormalizedModel } from './model.js';
import { primaryKeyOf } from './normalize.js';

/**
 * What a column holds. `string` is text of any length; `key` is text that an index or a primary
 * key covers (MySQL cannot index unbounded text, so there it is `varchar(255)`; a unique encrypted
 * attribute is one too); `number` is a double; `integer` a whole number (a number primary key, an
 * auto-incremented one, a to-one link to either); `boolean`; `json`, kept as its JSON text
 * everywhere (so it compares as text on every database); `encrypted`, an attribute with
 * `encrypt: true` whatever its type: its ciphertext, or a base value left in clear as Waterline
 * leaves it (text on the servers, which store a clear non-string value as its JSON; on SQLite a
 * column of no affinity, which keeps a clear 0 or false as the number it was given).
 */
export type ColumnKind = 'string' | 'key' | 'number' | 'integer' | 'boolean' | 'json' | 'encrypted';

export const COLUMN_KINDS: readonly ColumnKind[] = ['string', 'key', 'number', 'integer', 'boolean', 'json', 'encrypted'];

/** The databases sails-rt maps column kinds to. */
export type SqlDialect = 'sqlite' | 'postgres' | 'mysql';

/**
 * The longest string a MySQL key, unique or linked string column holds: 255 characters of utf8mb4
 * (1,020 bytes) fit an InnoDB index, which a TEXT column cannot have without a prefix.
 */
export const MYSQL_INDEXED_CHARS = 255;

/**
 * The SQL type of each column kind, per database: what the stores create and what each migration
 * file carries a frozen copy of. Chosen so that every store gives back what SQLite gives back:
 * numbers are IEEE doubles, keys 64-bit integers or text, booleans true/false, json its JSON text
 * (SQLite's `json` type name would turn it into numbers, PostgreSQL's jsonb would parse it), and
 * text compares byte by byte: PostgreSQL's "C" collation, and on MySQL the binary NO PAD collation
 * every table gets (`tableOptions` in runtime/migrations), which makes `sort`, `contains` and `like` case-sensitive
 * everywhere. An auto-incremented key is `integer` on SQLite (its rowid), an identity `bigint` on
 * PostgreSQL, an AUTO_INCREMENT `bigint` on MySQL.
 *
 * @example COLUMN_TYPES.mysql.key // 'varchar(255)'
 */
export const COLUMN_TYPES: Readonly<Record<SqlDialect, Readonly<Record<ColumnKind, string>>>> = {
  sqlite: { string: 'text', key: 'text', number: 'real', integer: 'integer', boolean: 'integer', json: 'text', encrypted: 'blob' },
  postgres: {
    string: 'text collate "C"',
    key: 'text collate "C"',
    number: 'double precision',
    integer: 'bigint',
    boolean: 'boolean',
    json: 'text collate "C"',
    encrypted: 'text collate "C"',
  },
  mysql: { string: 'longtext', key: `varchar(${MYSQL_INDEXED_CHARS})`, number: 'double', integer: 'bigint', boolean: 'boolean', json: 'longtext', encrypted: 'longtext' },
};

export interface ColumnSchema {
  name: string;
  kind: ColumnKind;
  primaryKey?: true;
  /** The database numbers new rows (an auto-incremented primary key). */
  autoIncrement?: true;
  /** Only primary keys and join table columns: every other column is nullable, as the stores write every column anyway. */
  notNull?: true;
  /** In a snapshot: no model uses this column any more, and it was kept on purpose (not dropped). */
  retained?: true;
}

/** A unique index (MySQL's duplicate-key error names it, and the stores map it back to the attribute). */
export interface IndexSchema {
  name: string;
  columns: string[];
}

/**
 * A column that holds another table's key: a to-one link, or a join-table column. It gets an index
 * (populate and the join read by it) and, on PostgreSQL and MySQL, a foreign key: a to-one is set
 * to NULL when its record is deleted, a join-table row is deleted with either side. SQLite gets
 * the index only: it cannot add a foreign key to an existing table.
 */
export interface LinkSchema {
  column: string;
  /** The index on `column`: `<table>_<column>_idx`, cut to fit (`objectName`). */
  index: string;
  /** The foreign key: `<table>_<column>_fk`, cut to fit. */
  foreignKey: string;
  references: { table: string; column: string };
  onDelete: 'set null' | 'cascade';
}

export interface TableSchema {
  name: string;
  columns: ColumnSchema[];
  indexes: IndexSchema[];
  /** Snapshots written before links were described have none (parseSnapshot reads them as []). */
  links: LinkSchema[];
  /** In a snapshot: no model uses this table any more, and it was kept on purpose (not dropped). */
  retained?: true;
}

/** The tables of a database, as a migration snapshot holds them (`migrations/<name>.json`). */
export interface DatabaseSchema {
  tables: TableSchema[];
}

/** A column the models imply, with what a migration needs to add it to a table that has rows. */
export interface ModelColumn extends ColumnSchema {
  /** The value existing rows get when the column is added: what a new record gets when it is not given. */
  fill: unknown;
  /** A required attribute with no `defaultsTo`: existing rows have no real value to get. */
  requiredWithoutDefault?: true;
}

export interface ModelTable extends TableSchema {
  columns: ModelColumn[];
}

export interface ModelSchema {
  tables: ModelTable[];
}

/**
 * The tables `models` need: one per model (its attributes, to-one links included, as columns; a
 * unique index per unique attribute; a link per to-one), and one per many-to-many link (an `id`,
 * the two sides' keys, a unique index on the pair, and a link per side).
 *
 * @example tablesOf(normalizeModels([{ className: 'User', definition: { attributes: { email: { type: 'string', unique: true } } } }]))
 * // { tables: [{ name: 'user', columns: [id, createdAt, updatedAt, email], indexes: [{ name: 'user_email_unique', columns: ['email'] }] }] }
 */
export function tablesOf(models: readonly NormalizedModel[]): ModelSchema {
  const tables: ModelTable[] = [];
  const byIdentity = new Map(models.map((model) => [model.identity, model]));
  for (const model of models) {
    const columns = model.attributes.map((attribute) => columnOf(model, attribute));
    const indexes = model.attributes
      // The primary key is unique through its PRIMARY KEY constraint.
      .filter((attribute) => attribute.unique && !attribute.auto && !attribute.primaryKey)
      .map((attribute) => ({ name: uniqueIndexName(model.tableName, attribute.name), columns: [attribute.name] }));
    const links = model.attributes.flatMap((attribute) => {
      const target = attribute.model === undefined ? undefined : byIdentity.get(attribute.model);
      return target ? [linkOf(model.tableName, attribute.name, target, 'set null')] : [];
    });
    tables.push({ name: model.tableName, columns, indexes, links });
  }
  const junctions = new Set<string>();
  for (const model of models) {
    for (const collection of model.collections) {
      const target = byIdentity.get(collection.collection);
      const junction = collection.junction;
      // Both sides name the same join table: it is made once.
      if (!junction || !target || junctions.has(junction.table)) continue;
      junctions.add(junction.table);
      const kinds = new Map([
        [junction.self, keyKind(model)],
        [junction.other, keyKind(target)],
      ]);
      const sides = new Map([
        [junction.self, model],
        [junction.other, target],
      ]);
      const pair = [junction.self, junction.other].sort() as [string, string];
      tables.push({
        name: junction.table,
        columns: [
          { name: 'id', kind: 'integer', primaryKey: true, autoIncrement: true, notNull: true, fill: null },
          ...pair.map((name): ModelColumn => ({ name, kind: kinds.get(name) ?? 'integer', notNull: true, fill: null })),
        ],
        indexes: [{ name: `${junction.table}_pair`, columns: pair }],
        links: pair.map((name) => linkOf(junction.table, name, sides.get(name) ?? target, 'cascade')),
      });
    }
  }
  return { tables };
}

/** The name of the unique index of `table.column`, as every store names it. */
export function uniqueIndexName(table: string, column: string): string {
  return `${table}_${column}_unique`;
}

/** PostgreSQL cuts names at 63 bytes, MySQL refuses more than 64 characters. */
const MAX_NAME = 60;

/** An index or constraint name within every database's limits: a long one keeps a readable start and a hash. */
export function objectName(name: string): string {
  if (name.length <= MAX_NAME) return name;
  return `${name.slice(0, MAX_NAME - 9)}_${createHash('sha1').update(name).digest('hex').slice(0, 8)}`;
}

function linkOf(table: string, column: string, target: NormalizedModel, onDelete: LinkSchema['onDelete']): LinkSchema {
  return {
    column,
    index: objectName(`${table}_${column}_idx`),
    foreignKey: objectName(`${table}_${column}_fk`),
    references: { table: target.tableName, column: target.primaryKey },
    onDelete,
  };
}

/**
 * The SQL type of a column, as a store or a migration creates it.
 *
 * @example columnType('postgres', { name: 'email', kind: 'key' }) // 'text collate "C"'
 */
export function columnType(dialect: SqlDialect, column: Pick<ColumnSchema, 'kind'>): string {
  return COLUMN_TYPES[dialect][column.kind];
}

/**
 * The value a record gets for an optional attribute that was not given, as in Waterline: its
 * `defaultsTo`, else null where null is allowed, else the type's empty value. The stores and the
 * migrations fill a column they add to existing rows with it too, so reads never see a stray NULL.
 */
export function baseValue(attribute: NormalizedAttribute): unknown {
  if ('defaultsTo' in attribute) return structuredClone(attribute.defaultsTo);
  if (attribute.allowNull) return null;
  switch (attribute.type) {
    case 'string':
      return '';
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'json':
      return null;
  }
}

/** Just the schema, as a snapshot records it: without what only adding a column needs. */
export function snapshotOf(schema: DatabaseSchema | ModelSchema): DatabaseSchema {
  return {
    tables: schema.tables.map((table) => ({
      name: table.name,
      columns: table.columns.map((column) => pick(column)),
      indexes: table.indexes.map((index) => ({ name: index.name, columns: [...index.columns] })),
      links: table.links.map((link) => ({ ...link, references: { ...link.references } })),
      ...(table.retained ? { retained: true as const } : {}),
    })),
  };
}

function pick(column: ColumnSchema): ColumnSchema {
  return {
    name: column.name,
    kind: column.kind,
    ...(column.primaryKey ? { primaryKey: true as const } : {}),
    ...(column.autoIncrement ? { autoIncrement: true as const } : {}),
    ...(column.notNull ? { notNull: true as const } : {}),
    ...(column.retained ? { retained: true as const } : {}),
  };
}

/**
 * How the database `snapshot` describes differs from what `models` need, one phrase per
 * difference (`+ column user.age`), ignoring what was kept on purpose; empty when they agree.
 *
 * @example schemaDifferences(lastSnapshot, tablesOf(models)) // ['+ column user.age']
 */
export function schemaDifferences(snapshot: DatabaseSchema, models: DatabaseSchema): string[] {
  const out: string[] = [];
  const have = new Map(snapshot.tables.map((table) => [table.name, table]));
  const want = new Map(models.tables.map((table) => [table.name, table]));
  for (const table of models.tables) {
    const old = have.get(table.name);
    if (!old) {
      out.push(`+ table ${table.name}`);
      continue;
    }
    const oldColumns = new Map(old.columns.map((column) => [column.name, column]));
    for (const column of table.columns) {
      const before = oldColumns.get(column.name);
      if (!before) out.push(`+ column ${table.name}.${column.name}`);
      else if (!sameColumn(before, column)) out.push(`~ column ${table.name}.${column.name}`);
    }
    for (const column of old.columns) {
      if (!column.retained && !table.columns.some((c) => c.name === column.name)) out.push(`- column ${table.name}.${column.name}`);
    }
    for (const index of table.indexes) if (!old.indexes.some((i) => sameIndex(i, index))) out.push(`+ index ${index.name}`);
    for (const index of old.indexes) if (!table.indexes.some((i) => sameIndex(i, index))) out.push(`- index ${index.name}`);
    for (const link of table.links) if (!old.links.some((l) => sameLink(l, link))) out.push(`+ link ${table.name}.${link.column}`);
    for (const link of old.links) if (!table.links.some((l) => sameLink(l, link))) out.push(`- link ${table.name}.${link.column}`);
  }
  for (const table of snapshot.tables) if (!table.retained && !want.has(table.name)) out.push(`- table ${table.name}`);
  return out;
}

/** Same type and role; whether it was retained does not matter (a kept column a model takes back is the same column). */
export function sameColumn(a: ColumnSchema, b: ColumnSchema): boolean {
  return a.kind === b.kind && Boolean(a.primaryKey) === Boolean(b.primaryKey) && Boolean(a.autoIncrement) === Boolean(b.autoIncrement) && Boolean(a.notNull) === Boolean(b.notNull);
}

export function sameIndex(a: IndexSchema, b: IndexSchema): boolean {
  return a.name === b.name && a.columns.join('\0') === b.columns.join('\0');
}

export function sameLink(a: LinkSchema, b: LinkSchema): boolean {
  return (
    a.column === b.column &&
    a.index === b.index &&
    a.foreignKey === b.foreignKey &&
    a.references.table === b.references.table &&
    a.references.column === b.references.column &&
    a.onDelete === b.onDelete
  );
}

function columnOf(model: NormalizedModel, attribute: NormalizedAttribute): ModelColumn {
  if (attribute.primaryKey) {
    const kind = keyKind(model);
    return attribute.auto === 'autoIncrement'
      ? { name: attribute.name, kind, primaryKey: true, autoIncrement: true, notNull: true, fill: null }
      : { name: attribute.name, kind, primaryKey: true, notNull: true, fill: null };
  }
  const column: ModelColumn = { name: attribute.name, kind: attributeKind(attribute), fill: baseValue(attribute) };
  if (attribute.required && !('defaultsTo' in attribute)) column.requiredWithoutDefault = true;
  return column;
}

/** A primary key column, and a column holding one: integer for a number key, indexed text else. */
function keyKind(model: NormalizedModel): 'integer' | 'key' {
  return primaryKeyOf(model).type === 'string' ? 'key' : 'integer';
}

function attributeKind(attribute: NormalizedAttribute): ColumnKind {
  // A to-one link holds the linked record's primary key, whose type its attribute has taken.
  if (attribute.model !== undefined) return attribute.type === 'string' ? 'key' : 'integer';
  // Ciphertext is text whatever the attribute's type (models/encryption.ts).
  if (attribute.encrypt) return attribute.unique ? 'key' : 'encrypted';
  switch (attribute.type) {
    case 'string':
      return attribute.unique ? 'key' : 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'json':
      return 'json';
  }
}
