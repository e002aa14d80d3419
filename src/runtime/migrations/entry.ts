/**
 * 'sails-rt/migrations': what a migration file imports. Kept apart from the package root, which
 * every model file imports and which must not load Kysely.
 *
 * @example
 * import { dialectOf, sql, tableOptions, type Kysely } from 'sails-rt/migrations';
 * export async function up(db: Kysely<any>) { await db.schema.alterTable('user').addColumn('age', sql.raw('real')).execute(); }
 */
export { dialectOf, type MigrationDialect } from './dialect.js';
export { tableOptions } from './table-options.js';
export { sql, type Kysely } from 'kysely';
