/**
 * The DDL of the tables `tablesOf` describes (schema/tables.ts), as the stores' auto-sync runs it.
 * The migration file writer (generator/migration.ts) writes the same builder calls as TypeScript,
 * so a table is the same whether a store or a migration made it; test/migrations/*-parity tests
 * compare the two on each database.
 */
import { sql, type CreateTableBuilder, type Expression, type Kysely, type RawBuilder } from 'kysely';
import { columnType, type ColumnSchema, type SqlDialect, type TableSchema } from '../../schema/index.js';

export type ServerDialect = 'postgres' | 'mysql';

/** The SQL type of `column` on `dialect`, for Kysely's schema builder. */
export function columnSql(dialect: SqlDialect, column: Pick<ColumnSchema, 'kind'>): RawBuilder<unknown> {
  return sql.raw(columnType(dialect, column));
}

/**
 * `create table` for `table`, without its indexes and links (they come once every table is there).
 * `options`: what `tableOptions` gives (MySQL's charset and collation).
 */
// Kysely<any>: the stores' tables have no TypeScript type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createTableQuery(db: Kysely<any>, dialect: SqlDialect, table: TableSchema, options: Expression<unknown>): CreateTableBuilder<string, never> {
  let create = db.schema.createTable(table.name);
  for (const column of table.columns) {
    const type = columnSql(dialect, column);
    if (column.autoIncrement) {
      // SQLite's INTEGER PRIMARY KEY AUTOINCREMENT, MySQL's AUTO_INCREMENT, an identity column on PostgreSQL.
      create = create.addColumn(column.name, type, (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()));
    } else if (column.primaryKey) create = create.addColumn(column.name, type, (c) => c.primaryKey().notNull());
    else if (column.notNull) create = create.addColumn(column.name, type, (c) => c.notNull());
    else create = create.addColumn(column.name, type);
  }
  return create.modifyEnd(options);
}
