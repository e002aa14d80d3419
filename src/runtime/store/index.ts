/**
 * The store seam (store.ts: the interface and its error contract), its implementations and the
 * factory that picks one from `config/datastores.ts` (open.ts). This file only re-exports.
 */
export type { Condition, Criteria, Scalar, SortClause } from './criteria.js';
export { pkOf, type FindOptions, type LinkedRow, type LinkPath, type PkValue, type ReadBudget, type SchemaChanges, type Store, type StoredRecord } from './store.js';
export { datastoreUnavailable, redactUrl, uniqueViolation } from './errors.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { connectDatabase, openStore, storeLabel, type DatastoreConfig, type OpenStoreOptions } from './open.js';
export { columnSql, createTableQuery, type ServerDialect } from './columns.js';
export type { DialectName } from './sql.js';
export { DeferredStore } from './deferred.js';
