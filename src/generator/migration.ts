/**
 * `sails-rt generate migration <name>`: from a schema diff, the migration file
 * (`migrations/<stamp>_<name>.ts`, Kysely's schema builder, up and down) and the snapshot of the
 * schema after it (`migrations/<stamp>_<name>.json`), which the next diff starts from. Pure: the
 * CLI reads the last snapshot, answers the diff's questions, and flushes the tree.
 */
import type { SchemaChange } from '../schema/schema-diff.js';
import { COLUMN_TYPES, type ColumnSchema, type DatabaseSchema, type IndexSchema, type LinkSchema, type TableSchema } from '../schema/tables.js';
import type { Tree } from './tree.js';
import { tsLiteral, tsString } from './ts-literal.js';

export const MIGRATIONS_DIR = 'migrations';

export interface MigrationOptions {
  /** `add_age`, already checked by migrationName(). */
  name: string;
  /** `20261206120000`: UTC, to the second, so that names sort in the order they were made. */
  stamp: string;
  changes: readonly SchemaChange[];
  next: DatabaseSchema;
  /** The sails-rt version, named in the file's type map. */
  version: string;
}

export interface MigrationReport {
  file: string;
  snapshotFile: string;
}

/**
 * A migration's name as a file name takes it: lowercase words joined by `_`.
 *
 * @example migrationName('Add age') === 'add_age'
 */
export function migrationName(name: string): string {
  const cleaned = name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (cleaned === '' || cleaned.length > 80) {
    throw new Error(`"${name}" cannot name a migration; use a few words of letters and digits, e.g. add_age or init.`);
  }
  return cleaned;
}

/** `20261206120000` for a date: the UTC time to the second. */
export function migrationStamp(date: Date): string {
  return date.toISOString().replace(/\D/g, '').slice(0, 14);
}

export function generateMigration(tree: Tree, options: MigrationOptions): MigrationReport {
  const base = `${MIGRATIONS_DIR}/${options.stamp}_${options.name}`;
  const report = { file: `${base}.ts`, snapshotFile: `${base}.json` };
  tree.write(report.file, migrationSource(options, `${options.stamp}_${options.name}.json`));
  tree.write(report.snapshotFile, `${JSON.stringify({ sailsRt: { snapshot: 1, version: options.version }, ...options.next }, null, 2)}\n`);
  return report;
}

/**
 * The TypeScript of a migration: `up` with the changes, `down` with their inverses in reverse
 * order, and the frozen type map (only what they use, so the file passes noUnusedLocals).
 */
export function migrationSource(options: Pick<MigrationOptions, 'changes' | 'version'>, snapshotFile: string): string {
  const up = options.changes.flatMap((change) => statements(change));
  const down = [...options.changes].reverse().flatMap((change) => statements(...inverse(change)));
  const code = [...up, ...down].join('\n');
  const usesType = code.includes('type(dialect');
  const usesCast = code.includes('cast(dialect');
  const usesSql = usesType || usesCast || /\bsql[.`]/.test(code);
  const imports = [
    ...(/\bdialect\b/.test(code) ? ['dialectOf'] : []),
    ...(code.includes('.modifyEnd(options)') ? ['tableOptions'] : []),
    ...(usesSql ? ['sql'] : []),
    'type Kysely',
    ...(usesType || usesCast ? ['type MigrationDialect'] : []),
  ];
  return `// Written by \`sails-rt generate migration\` from api/models: review it, edit it if you need to, then \`sails-rt migrate\` applies it.
// ${snapshotFile} holds the schema after it, which the next \`generate migration\` compares the models with: keep the two together.
import { ${imports.join(', ')} } from 'sails-rt/migrations';
${usesType ? typeHelper(options.version) : ''}${usesCast ? CAST_HELPER : ''}
// Kysely<any>: the tables of a migration are the ones it makes, which no TypeScript type describes.
export async function up(db: Kysely<any>): Promise<void> {
${body(up)}}

export async function down(db: Kysely<any>): Promise<void> {
${body(down)}}
`;
}

function typeHelper(version: string): string {
  const rows = (Object.keys(COLUMN_TYPES) as (keyof typeof COLUMN_TYPES)[]).map((dialect) => `  ${dialect}: ${tsLiteral(COLUMN_TYPES[dialect])},`);
  return `
/** The column type of each kind of value, per database, as sails-rt ${version} maps model types (kept here, so this file means the same later). */
const TYPES = {
${rows.join('\n')}
} as const;

function type(dialect: MigrationDialect, kind: keyof (typeof TYPES)['sqlite']) {
  return sql.raw(TYPES[dialect][kind]);
}
`;
}

const CAST_HELPER = `
/** A column's values as another kind: review it, as a value that does not convert fails the migration (PostgreSQL) or becomes 0 or NULL (SQLite, MySQL). '' keeps the value as it is. */
const CASTS = {
  sqlite: { string: 'text', key: 'text', number: 'real', integer: 'integer', boolean: 'integer', json: 'text', encrypted: '' },
  postgres: { string: 'text', key: 'text', number: 'double precision', integer: 'bigint', boolean: 'boolean', json: 'text', encrypted: 'text' },
  mysql: { string: 'char', key: 'char(255)', number: 'double', integer: 'signed', boolean: 'signed', json: 'char', encrypted: 'char' },
} as const;

function cast(dialect: MigrationDialect, column: string, kind: keyof (typeof CASTS)['sqlite']) {
  const type = CASTS[dialect][kind];
  return type === '' ? sql.ref(column) : sql\`cast(\${sql.ref(column)} as \${sql.raw(type)})\`;
}
`;

function body(lines: string[]): string {
  const code = lines.map((line) => `${line.replace(/^/gm, '  ')}\n`).join('');
  // The statements that differ per database read it; new tables take MySQL's options (its binary collation, found on the server).
  const head = [
    ...(/\bdialect\b/.test(code) ? ['  const dialect = dialectOf(db);\n'] : []),
    ...(code.includes('.modifyEnd(options)') ? ['  const options = await tableOptions(db);\n'] : []),
  ];
  return `${head.join('')}${code}`;
}

/** What undoes a change: the changes to run, in order. */
function inverse(change: SchemaChange): SchemaChange[] {
  switch (change.op) {
    case 'createTable':
      return [{ op: 'dropTable', table: change.table }];
    case 'dropTable':
      return [
        { op: 'createTable', table: { ...change.table, indexes: [], links: [] } },
        ...change.table.indexes.map((index): SchemaChange => ({ op: 'createIndex', table: change.table.name, index })),
        ...change.table.links.map((link): SchemaChange => ({ op: 'addLink', table: change.table.name, link })),
      ];
    case 'renameTable':
      return [{ op: 'renameTable', from: change.to, to: change.from }];
    case 'addColumn':
      return [{ op: 'dropColumn', table: change.table, column: change.column }];
    case 'dropColumn':
      return [{ op: 'addColumn', table: change.table, column: change.column, fill: null }];
    case 'renameColumn':
      return [{ op: 'renameColumn', table: change.table, from: change.to, to: change.from }];
    case 'changeColumn':
      return [{ op: 'changeColumn', table: change.table, from: change.to, to: change.from }];
    case 'createIndex':
      return [{ op: 'dropIndex', table: change.table, index: change.index }];
    case 'dropIndex':
      return [{ op: 'createIndex', table: change.table, index: change.index }];
    case 'addLink':
      return [{ op: 'dropLink', table: change.table, link: change.link }];
    case 'dropLink':
      return [{ op: 'addLink', table: change.table, link: change.link }];
    case 'keepTable':
    case 'keepColumn':
    case 'reuseColumn':
      return [];
  }
}

/** The statements of changes, each a line (or a few) of TypeScript. */
function statements(...changes: SchemaChange[]): string[] {
  return changes.flatMap((change) => statement(change));
}

function statement(change: SchemaChange): string[] {
  switch (change.op) {
    case 'createTable':
      return [createTable(change.table)];
    case 'dropTable':
      return [`await db.schema.dropTable(${tsString(change.table.name)}).execute();`];
    case 'keepTable':
      return [`// Table ${change.table.name}: no model uses it any more; kept with its rows (generate migration --drop ${change.table.name} drops it).`];
    case 'renameTable':
      return [`await db.schema.alterTable(${tsString(change.from)}).renameTo(${tsString(change.to)}).execute();`];
    case 'addColumn': {
      const lines = [`await db.schema.alterTable(${tsString(change.table)}).addColumn(${columnArgs(change.column)}).execute();`];
      // Existing rows get the value a new record gets: an UPDATE rather than a DEFAULT, which MySQL refuses on text and json.
      if (change.fill !== null && change.fill !== undefined) {
        lines.push(`await db.updateTable(${tsString(change.table)}).set({ ${tsString(change.column.name)}: ${fillLiteral(change.column, change.fill)} }).execute();`);
      }
      return lines;
    }
    case 'dropColumn':
      return [`await db.schema.alterTable(${tsString(change.table)}).dropColumn(${tsString(change.column.name)}).execute();`];
    case 'keepColumn':
      return [`// Column ${change.table}.${change.column.name}: no attribute uses it any more; kept with its values (generate migration --drop ${change.table}.${change.column.name} drops it).`];
    case 'reuseColumn':
      return [`// Column ${change.table}.${change.column.name}: kept by an earlier migration, used again.`];
    case 'renameColumn':
      return [`await db.schema.alterTable(${tsString(change.table)}).renameColumn(${tsString(change.from)}, ${tsString(change.to)}).execute();`];
    case 'changeColumn':
      return changeColumn(change.table, change.from, change.to);
    case 'createIndex':
      return [createIndex(change.table, change.index)];
    case 'dropIndex':
      // MySQL names indexes per table (`drop index … on …`); the others name them per database.
      return [
        `await (dialect === 'mysql' ? db.schema.dropIndex(${tsString(change.index.name)}).on(${tsString(change.table)}) : db.schema.dropIndex(${tsString(change.index.name)})).execute();`,
      ];
    case 'addLink':
      return addLink(change.table, change.link);
    case 'dropLink':
      return dropLink(change.table, change.link);
  }
}

/** The link's index, then its foreign key: SQLite cannot add one to an existing table, so it gets the index only, as its store does. */
function addLink(table: string, link: LinkSchema): string[] {
  const t = tsString(table);
  return [
    `await db.schema.createIndex(${tsString(link.index)}).on(${t}).column(${tsString(link.column)}).execute();`,
    [
      `if (dialect !== 'sqlite') {`,
      `  await db.schema`,
      `    .alterTable(${t})`,
      `    .addForeignKeyConstraint(${tsString(link.foreignKey)}, [${tsString(link.column)}], ${tsString(link.references.table)}, [${tsString(link.references.column)}], (c) => c.onDelete(${tsString(link.onDelete)}))`,
      `    .execute();`,
      `}`,
    ].join('\n'),
  ];
}

/** The foreign key first (MySQL refuses to drop the index one uses); MySQL names it `drop foreign key`. */
function dropLink(table: string, link: LinkSchema): string[] {
  const t = tsString(table);
  const fk = tsString(link.foreignKey);
  const index = tsString(link.index);
  return [
    `if (dialect === 'mysql') await sql\`alter table \${sql.table(${t})} drop foreign key \${sql.id(${fk})}\`.execute(db);`,
    `else if (dialect === 'postgres') await db.schema.alterTable(${t}).dropConstraint(${fk}).execute();`,
    `await (dialect === 'mysql' ? db.schema.dropIndex(${index}).on(${t}) : db.schema.dropIndex(${index})).execute();`,
  ];
}

function createTable(table: TableSchema): string {
  const columns = table.columns.map((column) => `  .addColumn(${columnArgs(column)})`);
  return [`await db.schema`, `  .createTable(${tsString(table.name)})`, ...columns, `  .modifyEnd(options)`, `  .execute();`].join('\n');
}

function createIndex(table: string, index: IndexSchema): string {
  return `await db.schema.createIndex(${tsString(index.name)}).unique().on(${tsString(table)}).columns(${tsLiteral(index.columns)}).execute();`;
}

function columnArgs(column: ColumnSchema): string {
  const head = `${tsString(column.name)}, type(dialect, ${tsString(column.kind)})`;
  if (column.autoIncrement) {
    // SQLite's INTEGER PRIMARY KEY AUTOINCREMENT, MySQL's AUTO_INCREMENT, an identity column on PostgreSQL.
    return `${head}, (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement())`;
  }
  if (column.primaryKey) return `${head}, (c) => c.primaryKey().notNull()`;
  if (column.notNull) return `${head}, (c) => c.notNull()`;
  return head;
}

/**
 * A fill value: a parameter, as the store writes it (json as its text), except a boolean, which
 * SQLite's driver cannot bind: that is the literal true or false, which every database reads.
 */
function fillLiteral(column: ColumnSchema, value: unknown): string {
  if (column.kind === 'boolean') return `sql.lit(${value ? 'true' : 'false'})`;
  if (column.kind === 'json' || (typeof value !== 'string' && typeof value !== 'number')) return tsString(JSON.stringify(value));
  return tsLiteral(value);
}

function textOnly(a: ColumnSchema, b: ColumnSchema): boolean {
  const text = (column: ColumnSchema) => column.kind === 'string' || column.kind === 'key' || column.kind === 'encrypted';
  return text(a) && text(b);
}

/**
 * A column's type changed. Text and indexed text differ on MySQL only (`modify column`). Else a
 * new column is added, filled with the old values converted, and takes the old one's place: the
 * one way that works on SQLite too, which cannot alter a column's type.
 */
function changeColumn(table: string, from: ColumnSchema, to: ColumnSchema): string[] {
  const t = tsString(table);
  if (textOnly(from, to)) {
    return [`if (dialect === 'mysql') await db.schema.alterTable(${t}).modifyColumn(${tsString(to.name)}, type(dialect, ${tsString(to.kind)})).execute();`];
  }
  const temporary = `${to.name}__sails_rt_new`;
  return [
    `// ${table}.${to.name} from ${from.kind} to ${to.kind}: review the conversion below.`,
    `await db.schema.alterTable(${t}).addColumn(${tsString(temporary)}, type(dialect, ${tsString(to.kind)})).execute();`,
    `await db.updateTable(${t}).set({ ${tsString(temporary)}: cast(dialect, ${tsString(from.name)}, ${tsString(to.kind)}) }).execute();`,
    `await db.schema.alterTable(${t}).dropColumn(${tsString(from.name)}).execute();`,
    `await db.schema.alterTable(${t}).renameColumn(${tsString(temporary)}, ${tsString(to.name)}).execute();`,
  ];
}
