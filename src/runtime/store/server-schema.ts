/**
 * The additive auto-sync of a server store (PostgreSQL, MySQL), as SQLite's (sqlite.ts) does it:
 * missing tables, columns and unique indexes are made, nothing is ever dropped or changed. Links
 * get what the database can give them: an index on every to-one column and join-table column, and
 * foreign keys (a to-one is set to NULL when its record is deleted, a join row deleted with either
 * side). An app with `migrations/` opens its store with `autoSync: false` and never comes here.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { JunctionTable, NormalizedModel } from '../../schema/index.js';
import { baseValue } from '../../schema/index.js';
import { serverColumnType, serverKeyType, type ServerDialect } from './columns.js';
import { StatementBuilder, type OpenDb } from './sql.js';
import type { SchemaChanges } from './store.js';

/** PostgreSQL cuts names at 63 bytes, MySQL refuses more than 64 characters. */
const MAX_NAME = 60;

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
  const tableEnd = dialect === 'mysql' ? sql.raw(`default charset = utf8mb4 collate = ${await mysqlCollation(db)}`) : undefined;
  const byIdentity = new Map(models.map((model) => [model.identity, model]));

  for (const model of models) {
    const table = model.tableName;
    const have = existing.columns.get(table);
    if (!have) {
      let create = db.schema.createTable(table).ifNotExists();
      for (const attribute of model.attributes) {
        const type = serverColumnType(dialect, attribute);
        if (!attribute.primaryKey) create = create.addColumn(attribute.name, type);
        else if (attribute.auto !== 'autoIncrement') create = create.addColumn(attribute.name, type, (c) => c.primaryKey().notNull());
        else create = create.addColumn(attribute.name, type, (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()));
      }
      if (tableEnd) create = create.modifyEnd(tableEnd);
      await create.execute();
      existing.columns.set(table, new Set(model.attributes.map((a) => a.name)));
      changes.createdTables.push(table);
      continue;
    }
    if (!have.has(model.primaryKey)) {
      throw new Error(
        `${model.file ?? `model ${model.className}`}: the primary key is "${model.primaryKey}", but table "${table}" already exists without that column (its columns: ${[...have].join(', ')}); give the model another "tableName" for a new table, or migrate the existing one yourself.`,
      );
    }
    for (const attribute of model.attributes) {
      if (have.has(attribute.name)) continue;
      await db.schema.alterTable(table).addColumn(attribute.name, serverColumnType(dialect, attribute)).execute();
      // Existing rows get the value a new record would get, so reads never see a stray NULL.
      const fill = baseValue(attribute);
      if (fill !== null) {
        const value = builder.toColumn(builder.codec(model), attribute.name, fill);
        await db.updateTable(table).set({ [attribute.name]: value }).execute();
      }
      have.add(attribute.name);
      changes.addedColumns.push(`${table}.${attribute.name}`);
    }
  }

  for (const model of models) {
    for (const collection of model.collections) {
      const target = byIdentity.get(collection.collection);
      if (!collection.junction || !target || existing.columns.has(collection.junction.table)) continue;
      await createJunction(db, dialect, collection.junction, model, target, tableEnd);
      existing.columns.set(collection.junction.table, new Set());
      changes.createdTables.push(collection.junction.table);
    }
  }

  for (const model of models) {
    const table = model.tableName;
    for (const attribute of model.attributes) {
      // The primary key is unique through its PRIMARY KEY constraint.
      if (!attribute.unique || attribute.auto || attribute.primaryKey) continue;
      const name = `${table}_${attribute.name}_unique`;
      if (existing.indexes.has(name)) continue;
      try {
        await db.schema.createIndex(name).unique().on(table).column(attribute.name).execute();
      } catch (error) {
        throw new Error(
          `${model.file ?? `model ${model.className}`}: attribute "${attribute.name}" is unique, but table "${table}" already holds duplicate ${attribute.name} values (${(error as Error).message}); remove the duplicates or drop "unique".`,
        );
      }
      existing.indexes.add(name);
      changes.createdIndexes.push(name);
    }
  }

  // Links last: a foreign key needs the table it points to.
  for (const model of models) {
    for (const attribute of model.attributes) {
      const target = attribute.model === undefined ? undefined : byIdentity.get(attribute.model);
      if (!target) continue;
      await ensureIndex(db, existing, model.tableName, attribute.name);
      await ensureForeignKey(db, existing, model.tableName, attribute.name, target, 'set null', model);
    }
    for (const collection of model.collections) {
      const junction = collection.junction;
      if (!junction) continue;
      const target = byIdentity.get(collection.collection);
      await ensureIndex(db, existing, junction.table, junction.self);
      await ensureForeignKey(db, existing, junction.table, junction.self, model, 'cascade', model);
      if (target) {
        await ensureIndex(db, existing, junction.table, junction.other);
        await ensureForeignKey(db, existing, junction.table, junction.other, target, 'cascade', model);
      }
    }
  }
  return changes;
}

/** A many-to-many join table: both sides name the same one, so it is made once; each column has its side's key type. */
async function createJunction(
  db: Kysely<OpenDb>,
  dialect: ServerDialect,
  junction: JunctionTable,
  self: NormalizedModel,
  other: NormalizedModel,
  tableEnd: ReturnType<typeof sql.raw> | undefined,
): Promise<void> {
  const keyType = (model: NormalizedModel) => serverKeyType(dialect, model.attributes.find((a) => a.name === model.primaryKey)?.type === 'string' ? 'string' : 'number');
  const types = new Map([
    [junction.self, keyType(self)],
    [junction.other, keyType(other)],
  ]);
  const [first, second] = [junction.self, junction.other].sort() as [string, string];
  let create = db.schema
    .createTable(junction.table)
    .ifNotExists()
    .addColumn('id', 'bigint', (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn(first, types.get(first) ?? sql`bigint`, (c) => c.notNull())
    .addColumn(second, types.get(second) ?? sql`bigint`, (c) => c.notNull())
    .addUniqueConstraint(`${junction.table}_pair`, [first, second]);
  if (tableEnd) create = create.modifyEnd(tableEnd);
  await create.execute();
}

async function ensureIndex(db: Kysely<OpenDb>, existing: Existing, table: string, column: string): Promise<void> {
  const name = objectName(`${table}_${column}_idx`);
  if (existing.indexes.has(name)) return;
  await db.schema.createIndex(name).on(table).column(column).execute();
  existing.indexes.add(name);
}

async function ensureForeignKey(
  db: Kysely<OpenDb>,
  existing: Existing,
  table: string,
  column: string,
  target: NormalizedModel,
  onDelete: 'set null' | 'cascade',
  model: NormalizedModel,
): Promise<void> {
  const name = objectName(`${table}_${column}_fk`);
  if (existing.foreignKeys.has(name)) return;
  try {
    await db.schema.alterTable(table).addForeignKeyConstraint(name, [column], target.tableName, [target.primaryKey], (c) => c.onDelete(onDelete)).execute();
  } catch (error) {
    throw new Error(
      `${model.file ?? `model ${model.className}`}: could not add the foreign key ${table}.${column} -> ${target.tableName}.${target.primaryKey} (${(error as Error).message}); rows of "${table}" point at ${target.identity} records that do not exist: fix or remove them.`,
    );
  }
  existing.foreignKeys.add(name);
}

/** A constraint or index name within both databases' limits: long ones keep a readable start and a hash. */
function objectName(name: string): string {
  if (name.length <= MAX_NAME) return name;
  return `${name.slice(0, MAX_NAME - 9)}_${createHash('sha1').update(name).digest('hex').slice(0, 8)}`;
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

/**
 * MySQL's byte-order collation without padding, so 'a' and 'a ' are two values as on SQLite and
 * PostgreSQL: utf8mb4_nopad_bin on MariaDB, utf8mb4_0900_bin on MySQL 8.
 */
export async function mysqlCollation(db: Kysely<OpenDb>): Promise<string> {
  const { rows } = await sql<{ v: string }>`select version() as v`.execute(db);
  return /mariadb/i.test(rows[0]?.v ?? '') ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
}
