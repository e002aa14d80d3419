/**
 * The difference between the schema the migrations so far produce (the last snapshot) and the one
 * the models imply, as the changes a migration makes. Pure: no database, no files.
 *
 * What cannot be told from the two schemas alone is a question (was `fullName` renamed to `name`,
 * or dropped while `name` is added?) or a choice that loses or changes data (drop a column, change
 * its type, fill a new required column). Each is answered by a `Decisions` entry; one that is not
 * is listed in `questions`, and the changes take its safe answer meanwhile: not renamed, not
 * dropped (kept, marked retained in the snapshot), existing rows filled with the value a new
 * record would get. A type change has no safe answer: until decided it is left out and blocks.
 */
import {
  sameColumn,
  sameIndex,
  sameLink,
  type ColumnKind,
  type ColumnSchema,
  type DatabaseSchema,
  type IndexSchema,
  type LinkSchema,
  type ModelColumn,
  type ModelSchema,
  type TableSchema,
} from './tables.js';

export type SchemaChange =
  | { op: 'createTable'; table: TableSchema }
  | { op: 'dropTable'; table: TableSchema }
  /** No model uses the table; kept (no SQL). */
  | { op: 'keepTable'; table: TableSchema }
  | { op: 'renameTable'; from: string; to: string }
  | { op: 'addColumn'; table: string; column: ColumnSchema; fill: unknown }
  | { op: 'dropColumn'; table: string; column: ColumnSchema }
  /** No model uses the column; kept (no SQL). */
  | { op: 'keepColumn'; table: string; column: ColumnSchema }
  /** A kept column a model uses again (no SQL). */
  | { op: 'reuseColumn'; table: string; column: ColumnSchema }
  | { op: 'renameColumn'; table: string; from: string; to: string }
  | { op: 'changeColumn'; table: string; from: ColumnSchema; to: ColumnSchema }
  | { op: 'createIndex'; table: string; index: IndexSchema }
  | { op: 'dropIndex'; table: string; index: IndexSchema }
  /** A link's index, and its foreign key where the database can add one (not SQLite). */
  | { op: 'addLink'; table: string; link: LinkSchema }
  | { op: 'dropLink'; table: string; link: LinkSchema };

/** What the diff cannot decide alone; `id` is what the CLI's flags name (`--rename person=user`, `--drop user.age`). */
export type SchemaQuestion =
  | { kind: 'renameTable'; id: string; from: string; to: string }
  | { kind: 'renameColumn'; id: string; table: string; from: string; to: string }
  | { kind: 'dropTable'; id: string; table: string }
  | { kind: 'dropColumn'; id: string; table: string; column: string }
  | { kind: 'changeType'; id: string; table: string; column: string; from: ColumnKind; to: ColumnKind }
  | { kind: 'fill'; id: string; table: string; column: string; value: unknown };

/** Answers, by question id: `user.fullName` (a column), `person` (a table). */
export interface Decisions {
  /** Renames: `person` -> `user` (tables), `user.fullName` -> `user.name` (columns, under the table's new name). */
  renames: Map<string, string>;
  /** Rename questions answered no: `person>user`, `user.fullName>user.name`. */
  notRenamed: Set<string>;
  /** Tables and columns to drop, with their data. */
  drops: Set<string>;
  /** Tables and columns to keep though no model uses them. */
  keeps: Set<string>;
  /** Columns whose type may change (values converted by the database). */
  typeChanges: Set<string>;
  /** New required columns of existing tables: the value existing rows get. */
  fills: Map<string, unknown>;
}

export function noDecisions(): Decisions {
  return { renames: new Map(), notRenamed: new Set(), drops: new Set(), keeps: new Set(), typeChanges: new Set(), fills: new Map() };
}

export interface SchemaDiff {
  /** In the order a migration's `up` runs them. */
  changes: SchemaChange[];
  /** Not answered yet, in the order to ask them (renames first: a rename answers a drop too). */
  questions: SchemaQuestion[];
  /** What the migrations then produce: the models' schema, plus what was kept (retained). */
  next: DatabaseSchema;
  /** Changes generate migration does not write (a primary key change), one sentence each. */
  unsupported: string[];
}

/**
 * @example
 * const { changes, questions } = diffSchemas(lastSnapshot, tablesOf(models), noDecisions());
 */
export function diffSchemas(before: DatabaseSchema, target: ModelSchema, decisions: Decisions): SchemaDiff {
  const changes: SchemaChange[] = [];
  const questions: SchemaQuestion[] = [];
  const unsupported: string[] = [];
  const renamesQ: SchemaQuestion[] = [];
  const next: TableSchema[] = [];
  const indexDrops: SchemaChange[] = [];
  const indexCreates: SchemaChange[] = [];
  const linkDrops: SchemaChange[] = [];
  const linkCreates: SchemaChange[] = [];

  const targetNames = new Set(target.tables.map((table) => table.name));
  const oldByName = new Map(before.tables.map((table) => [table.name, table]));
  // Tables renamed, old name -> new name; the old table then goes by its new name.
  const tableRenames = new Map<string, string>();
  for (const [from, to] of decisions.renames) {
    if (!from.includes('.') && oldByName.has(from) && targetNames.has(to) && !oldByName.has(to)) tableRenames.set(from, to);
  }
  const current = new Map<string, TableSchema>();
  for (const table of before.tables) {
    const to = tableRenames.get(table.name);
    if (to !== undefined) {
      changes.push({ op: 'renameTable', from: table.name, to });
      current.set(to, { ...table, name: to });
    } else {
      current.set(table.name, table);
    }
  }
  const gone = before.tables.filter((table) => !tableRenames.has(table.name) && !targetNames.has(table.name));
  const fresh = target.tables.filter((table) => !current.has(table.name));
  for (const old of gone) {
    if (old.retained) continue;
    for (const table of fresh) {
      const id = `${old.name}>${table.name}`;
      if (!decisions.notRenamed.has(id)) renamesQ.push({ kind: 'renameTable', id, from: old.name, to: table.name });
    }
  }

  for (const table of target.tables) {
    const old = current.get(table.name);
    if (!old) {
      changes.push({ op: 'createTable', table: { name: table.name, columns: table.columns, indexes: [], links: [] } });
      for (const index of table.indexes) indexCreates.push({ op: 'createIndex', table: table.name, index });
      for (const link of table.links) linkCreates.push({ op: 'addLink', table: table.name, link });
      next.push({ name: table.name, columns: table.columns, indexes: table.indexes, links: table.links });
      continue;
    }
    const columns = diffColumns(old, table, decisions, { changes, questions, renamesQ, unsupported });
    // A column whose type changes is replaced by a new one (SQLite cannot alter a type): its index goes and comes back.
    const replaced = new Set(
      changes.flatMap((change) => (change.op === 'changeColumn' && change.table === table.name && !textFamily(change.from.kind, change.to.kind) ? [change.to.name] : [])),
    );
    const covers = (index: IndexSchema) => index.columns.some((column) => replaced.has(column));
    for (const index of old.indexes) {
      if (!table.indexes.some((i) => sameIndex(i, index)) || covers(index)) indexDrops.push({ op: 'dropIndex', table: table.name, index });
    }
    for (const index of table.indexes) {
      if (!old.indexes.some((i) => sameIndex(i, index)) || covers(index)) indexCreates.push({ op: 'createIndex', table: table.name, index });
    }
    // A renamed table keeps its links' old names until they are dropped and added under the new ones.
    for (const link of old.links) {
      if (!table.links.some((l) => sameLink(l, link)) || replaced.has(link.column)) linkDrops.push({ op: 'dropLink', table: table.name, link });
    }
    for (const link of table.links) {
      if (!old.links.some((l) => sameLink(l, link)) || replaced.has(link.column)) linkCreates.push({ op: 'addLink', table: table.name, link });
    }
    next.push({ name: table.name, columns, indexes: table.indexes, links: table.links });
  }

  // A kept table keeps its links, except to a table dropped now: its foreign key would stop the drop.
  const dropped = new Set(gone.filter((old) => !old.retained && decisions.drops.has(old.name)).map((old) => old.name));
  const keptLinks = (old: TableSchema): LinkSchema[] =>
    old.links.filter((link) => {
      if (!dropped.has(link.references.table)) return true;
      linkDrops.push({ op: 'dropLink', table: old.name, link });
      return false;
    });
  for (const old of gone) {
    if (old.retained) {
      next.push({ ...old, links: keptLinks(old) });
    } else if (dropped.has(old.name)) {
      changes.push({ op: 'dropTable', table: old });
    } else {
      if (!decisions.keeps.has(old.name)) questions.push({ kind: 'dropTable', id: old.name, table: old.name });
      changes.push({ op: 'keepTable', table: old });
      next.push({ ...old, links: keptLinks(old), retained: true });
    }
  }

  return {
    changes: [...ordered(changes, [...linkDrops, ...indexDrops], [...indexCreates, ...linkCreates])],
    questions: [...renamesQ, ...questions],
    next: { tables: next },
    unsupported,
  };
}

interface Sink {
  changes: SchemaChange[];
  questions: SchemaQuestion[];
  renamesQ: SchemaQuestion[];
  unsupported: string[];
}

/** The columns of a table that exists on both sides; resolves with its columns in the next snapshot. */
function diffColumns(old: TableSchema, table: { name: string; columns: ModelColumn[] }, decisions: Decisions, sink: Sink): ColumnSchema[] {
  const name = table.name;
  const wanted = new Set(table.columns.map((column) => column.name));
  const renamed = new Map<string, string>();
  for (const column of old.columns) {
    const to = decisions.renames.get(`${name}.${column.name}`);
    if (to === undefined || !to.startsWith(`${name}.`)) continue;
    const toColumn = to.slice(name.length + 1);
    if (wanted.has(toColumn) && !old.columns.some((c) => c.name === toColumn)) renamed.set(column.name, toColumn);
  }
  const have = new Map<string, ColumnSchema>();
  for (const column of old.columns) {
    const to = renamed.get(column.name);
    if (to !== undefined) {
      sink.changes.push({ op: 'renameColumn', table: name, from: column.name, to });
      have.set(to, { ...column, name: to });
    } else {
      have.set(column.name, column);
    }
  }
  const goneColumns = old.columns.filter((column) => !renamed.has(column.name) && !wanted.has(column.name));
  const freshColumns = table.columns.filter((column) => !have.has(column.name));
  for (const column of goneColumns) {
    if (column.retained || column.primaryKey) continue;
    for (const candidate of freshColumns) {
      if (!sameFamily(column.kind, candidate.kind) || candidate.primaryKey) continue;
      const id = `${name}.${column.name}>${name}.${candidate.name}`;
      if (!decisions.notRenamed.has(id)) sink.renamesQ.push({ kind: 'renameColumn', id, table: name, from: column.name, to: candidate.name });
    }
  }

  const columns: ColumnSchema[] = [];
  for (const column of table.columns) {
    const id = `${name}.${column.name}`;
    const existing = have.get(column.name);
    const plain = snapshotColumn(column);
    if (!existing) {
      if (column.primaryKey) {
        sink.unsupported.push(`The primary key of table "${name}" becomes "${column.name}"; generate migration does not change a table's primary key: write that migration by hand, or give the model another tableName.`);
        columns.push(plain);
        continue;
      }
      let fill = column.fill;
      if (decisions.fills.has(id)) fill = decisions.fills.get(id);
      else if (column.requiredWithoutDefault) sink.questions.push({ kind: 'fill', id, table: name, column: column.name, value: column.fill });
      sink.changes.push({ op: 'addColumn', table: name, column: plain, fill });
      columns.push(plain);
      continue;
    }
    if (Boolean(existing.primaryKey) !== Boolean(column.primaryKey) || Boolean(existing.autoIncrement) !== Boolean(column.autoIncrement)) {
      sink.unsupported.push(`The primary key of table "${name}" changes (column "${column.name}"); generate migration does not change a table's primary key: write that migration by hand, or give the model another tableName.`);
      columns.push(existing.retained ? plain : existing);
      continue;
    }
    if (existing.retained) sink.changes.push({ op: 'reuseColumn', table: name, column: plain });
    if (sameColumn(existing, plain)) {
      columns.push(plain);
    } else if (sameFamily(existing.kind, plain.kind) && !plain.primaryKey) {
      // Text and indexed text differ on MySQL only (varchar(255)): no question.
      sink.changes.push({ op: 'changeColumn', table: name, from: existing, to: plain });
      columns.push(plain);
    } else if (decisions.typeChanges.has(id)) {
      sink.changes.push({ op: 'changeColumn', table: name, from: existing, to: plain });
      columns.push(plain);
    } else {
      sink.questions.push({ kind: 'changeType', id, table: name, column: column.name, from: existing.kind, to: plain.kind });
      columns.push({ ...existing, retained: undefined } as ColumnSchema);
    }
  }
  for (const column of goneColumns) {
    const id = `${name}.${column.name}`;
    if (column.retained) {
      columns.push(column);
    } else if (column.primaryKey) {
      columns.push(column);
    } else if (decisions.drops.has(id)) {
      sink.changes.push({ op: 'dropColumn', table: name, column });
    } else {
      if (!decisions.keeps.has(id)) sink.questions.push({ kind: 'dropColumn', id, table: name, column: column.name });
      sink.changes.push({ op: 'keepColumn', table: name, column });
      columns.push({ ...column, retained: true });
    }
  }
  return columns.map(clean);
}

/** The kinds a rename may keep, and a change between which loses nothing: text and indexed text. */
function sameFamily(a: ColumnKind, b: ColumnKind): boolean {
  return a === b || textFamily(a, b);
}

function textFamily(a: ColumnKind, b: ColumnKind): boolean {
  const text = (kind: ColumnKind) => kind === 'string' || kind === 'key' || kind === 'encrypted';
  return text(a) && text(b);
}

function snapshotColumn(column: ModelColumn): ColumnSchema {
  const { fill: _fill, requiredWithoutDefault: _required, ...plain } = column;
  return plain;
}

function clean(column: ColumnSchema): ColumnSchema {
  const out = { ...column };
  if (!out.retained) delete out.retained;
  return out;
}

/**
 * The order `up` runs them: renames, then link and index drops (SQLite refuses to drop an indexed
 * column, MySQL one a foreign key uses, and a foreign key goes before its index), then tables and
 * columns, then new indexes and links (on the columns now there, to tables now there).
 */
function* ordered(changes: SchemaChange[], indexDrops: SchemaChange[], indexCreates: SchemaChange[]): Generator<SchemaChange> {
  const renames = changes.filter((change) => change.op === 'renameTable' || change.op === 'renameColumn');
  yield* renames;
  yield* indexDrops;
  yield* changes.filter((change) => change.op !== 'renameTable' && change.op !== 'renameColumn');
  yield* indexCreates;
}

/**
 * One line per change, as `generate migration` prints them: `+ table user`, `+ column user.age`,
 * `- column user.nickname`, `~ column user.age (string -> number)`, `= column user.nickname (kept)`.
 */
export function describeChange(change: SchemaChange): string {
  switch (change.op) {
    case 'createTable':
      return `+ table ${change.table.name}`;
    case 'dropTable':
      return `- table ${change.table.name} (dropped, with its rows)`;
    case 'keepTable':
      return `= table ${change.table.name} (no model uses it; kept)`;
    case 'renameTable':
      return `> table ${change.from} renamed to ${change.to}`;
    case 'addColumn':
      return `+ column ${change.table}.${change.column.name}`;
    case 'dropColumn':
      return `- column ${change.table}.${change.column.name} (dropped, with its values)`;
    case 'keepColumn':
      return `= column ${change.table}.${change.column.name} (no attribute uses it; kept)`;
    case 'reuseColumn':
      return `= column ${change.table}.${change.column.name} (kept earlier, used again)`;
    case 'renameColumn':
      return `> column ${change.table}.${change.from} renamed to ${change.to}`;
    case 'changeColumn':
      return `~ column ${change.table}.${change.to.name} (${change.from.kind} -> ${change.to.kind})`;
    case 'createIndex':
      return `+ unique index ${change.index.name} on ${change.table}(${change.index.columns.join(', ')})`;
    case 'dropIndex':
      return `- unique index ${change.index.name}`;
    case 'addLink':
      return `+ link ${change.table}.${change.link.column} -> ${change.link.references.table}.${change.link.references.column} (index and foreign key)`;
    case 'dropLink':
      return `- link ${change.table}.${change.link.column} (index and foreign key)`;
  }
}
