/**
 * What a new table is created with, beyond its columns: on MySQL, utf8mb4 and the server's binary
 * NO PAD collation, so text compares byte by byte as on SQLite and PostgreSQL (whose columns say
 * `collate "C"` themselves). Found at run time, as MariaDB and MySQL 8 name it differently; used
 * by the stores' auto-sync and by every migration that creates a table, so both make the same table.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { dialectOf } from './dialect.js';

/**
 * MySQL's byte-order collation without padding, so 'a' and 'a ' are two values as on SQLite and
 * PostgreSQL: utf8mb4_nopad_bin on MariaDB, utf8mb4_0900_bin on MySQL 8.
 */
// Kysely<any>: any database, whatever its tables.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function mysqlCollation(db: Kysely<any>): Promise<string> {
  const { rows } = await sql<{ v: string }>`select version() as v`.execute(db);
  return /mariadb/i.test(rows[0]?.v ?? '') ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
}

/**
 * The end of a `create table` on the database `db` talks to: MySQL's charset and collation, nothing elsewhere.
 *
 * @example const options = await tableOptions(db); await db.schema.createTable('user').addColumn(…).modifyEnd(options).execute();
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function tableOptions(db: Kysely<any>): Promise<RawBuilder<unknown>> {
  return dialectOf(db) === 'mysql' ? sql.raw(`default charset = utf8mb4 collate = ${await mysqlCollation(db)}`) : sql``;
}
