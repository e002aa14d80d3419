/**
 * The additive auto-sync of a server store (PostgreSQL, MySQL), as SQLite's (sqlite.ts) does it:
 * the tables `tablesOf` describes (the ones a migration made from the same models makes too), of
 * which missing tables, columns, unique indexes and links are made, nothing ever dropped or
 * changed. Links get what the database can give them: an index on every to-one column and
 * join-table column, and foreign keys (a to-one is set to NULL when its record is deleted, a join
 * row deleted with either side). An app with `migrations/` opens its store with `autoSync: false`
 * and never comes here.
 */
import { sql, type Kysely } from 'kysely';
import type { NormalizedModel } from '../../schema/index.js';
import { tablesOf, type LinkSchema } from '../../schema/index.js';
import { tableOptions } from '../migrations/table-options.js';
import { columnSql, createTableQuery, type ServerDialect } from './columns.js';
import { StatementBuilder, type OpenDb } from './sql.js';
import type { SchemaChanges } from './store.js';

/** What is there already, read once. */
interface Existing {
  columns: Map<string, Set<string>>;
  indexes: Set<string>;
  foreignKeys: Set<string>;
}

export async function syncServerSchema(db: Kysely<OpenDb>, dialect: ServerDialect, models: readonly NormalizedModel[]): Promise<SchemaChanges> {
  const changes: SchemaChanges = { createdTables: [], addedColumns: [], createdIndexes: [] };
  const existing = await readExisting(db, dialect);
  const builder = new StatementBuilder(dialect, models);
  const options = await tableOptions(db);
  const byTable = new Map(models.map((model) => [model.tableName, model]));
  const { tables } = tablesOf(models);
  const describe = (model: NormalizedModel | undefined, table: string) => model?.file ?? (model ? `model ${model.className}` : `join table ${table}`);

  for (const table of tables) {
    const model = byTable.get(table.name);
    const have = existing.columns.get(table.name);
    if (!have) {
      await createTableQuery(db, dialect, table, options).execute();
      existing.columns.set(table.name, new Set(table.columns.map((c) => c.name)));
      changes.createdTables.push(table.name);
      continue;
    }
    // A join table that is there is left as it is.
    if (!model) continue;
    if (!have.has(model.primaryKey)) {
      throw new Error(
        `${describe(model, table.name)}: the primary key is "${model.primaryKey}", but table "${table.name}" already exists without that column (its columns: ${[...have].join(', ')}); give the model another "tableName" for a new table, or migrate the existing one yourself.`,
      );
    }
    for (const column of table.columns) {
      if (have.has(column.name)) continue;
      await db.schema.alterTable(table.name).addColumn(column.name, columnSql(dialect, column)).execute();
      // Existing rows get the value a new record would get, so reads never see a stray NULL.
      if (column.fill !== null) {
        const value = builder.toColumn(builder.codec(model), column.name, column.fill);
        await db.updateTable(table.name).set({ [column.name]: value }).execute();
      }
      have.add(column.name);
      changes.addedColumns.push(`${table.name}.${column.name}`);
    }
  }

  for (const table of tables) {
    const model = byTable.get(table.name);
    for (const index of table.indexes) {
      if (existing.indexes.has(index.name)) continue;
      try {
        await db.schema.createIndex(index.name).unique().on(table.name).columns(index.columns).execute();
      } catch (error) {
        const what = model ? `attribute "${index.columns.join('", "')}" is unique` : `the pair ${index.columns.join(', ')} is unique`;
        throw new Error(`${describe(model, table.name)}: ${what}, but table "${table.name}" already holds duplicates (${(error as Error).message}); remove the duplicates${model ? ' or drop "unique"' : ''}.`);
      }
      existing.indexes.add(index.name);
      // A join table's pair index is part of that table, made with it.
      if (model) changes.createdIndexes.push(index.name);
    }
  }

  // Links last: a foreign key needs the table it points to.
  for (const table of tables) {
    for (const link of table.links) await ensureLink(db, existing, table.name, link, describe(byTable.get(table.name), table.name));
  }
  return changes;
}

async function ensureLink(db: Kysely<OpenDb>, existing: Existing, table: string, link: LinkSchema, owner: string): Promise<void> {
  if (!existing.indexes.has(link.index)) {
    await db.schema.createIndex(link.index).on(table).column(link.column).execute();
    existing.indexes.add(link.index);
  }
  if (existing.foreignKeys.has(link.foreignKey)) return;
  const { references } = link;
  try {
    await db.schema.alterTable(table).addForeignKeyConstraint(link.foreignKey, [link.column], references.table, [references.column], (c) => c.onDelete(link.onDelete)).execute();
  } catch (error) {
    throw new Error(
      `${owner}: could not add the foreign key ${table}.${link.column} -> ${references.table}.${references.column} (${(error as Error).message}); rows of "${table}" point at ${references.table} rows that do not exist: fix or remove them.`,
    );
  }
  existing.foreignKeys.add(link.foreignKey);
}

async function readExisting(db: Kysely<OpenDb>, dialect: ServerDialect): Promise<Existing> {
  const schema = dialect === 'postgres' ? sql`current_schema()` : sql`database()`;
  const columns = await sql<{ t: string; c: string }>`select table_name as t, column_name as c from information_schema.columns where table_schema = ${schema}`.execute(db);
  const indexes =
    dialect === 'postgres'
      ? await sql<{ n: string }>`select indexname as n from pg_indexes where schemaname = current_schema()`.execute(db)
      : await sql<{ n: string }>`select distinct index_name as n from information_schema.statistics where table_schema = database()`.execute(db);
  const foreignKeys = await sql<{ n: string }>`select constraint_name as n from information_schema.table_constraints where constraint_schema = ${schema} and constraint_type = 'FOREIGN KEY'`.execute(db);
  const byTable = new Map<string, Set<string>>();
  for (const { t, c } of columns.rows) {
    let set = byTable.get(t);
    if (!set) byTable.set(t, (set = new Set()));
    set.add(c);
  }
  return { columns: byTable, indexes: new Set(indexes.rows.map((r) => r.n)), foreignKeys: new Set(foreignKeys.rows.map((r) => r.n)) };
}
