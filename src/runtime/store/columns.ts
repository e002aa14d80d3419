/**
 * The column type of each attribute, per dialect: one place, so the stores' auto-sync and the
 * migrations written from the models make the same schema.
 *
 * Chosen so that every store gives back what SQLite gives back: numbers are IEEE doubles
 * (`real`, `double precision`, `double`), keys and to-one links are 64-bit integers or text,
 * booleans come back as true/false, json is kept as its JSON text (so `where: { meta: 5 }` compares
 * the same text everywhere), and text compares byte by byte: PostgreSQL's "C" collation and MySQL's
 * binary collation (NO PAD, so 'a' and 'a ' differ, as in SQLite), which makes `sort` order and
 * `contains`/`like` case-sensitive on every store.
 */
import { sql, type Expression } from 'kysely';
import type { NormalizedAttribute, NormalizedModel } from '../../schema/index.js';

/** A primary key column in SQLite: integer for a number key (SQLite's rowid for an auto-incremented one), else text. */
export type SqliteKeyType = 'integer' | 'text';

const SQLITE_TYPES = { string: 'text', number: 'real', boolean: 'integer', json: 'text' } as const;

export function keyColumnType(model: NormalizedModel): SqliteKeyType {
  return model.attributes.find((a) => a.name === model.primaryKey)?.type === 'string' ? 'text' : 'integer';
}

/** A to-one link holds the linked record's primary key, whose type its attribute has taken: integer or text. */
export function sqliteColumnType(attribute: NormalizedAttribute): (typeof SQLITE_TYPES)[keyof typeof SQLITE_TYPES] {
  if (attribute.model !== undefined) return attribute.type === 'string' ? 'text' : 'integer';
  return SQLITE_TYPES[attribute.type];
}

export type ServerDialect = 'postgres' | 'mysql';

/**
 * The longest string a MySQL key, unique or linked string column holds: 255 characters of utf8mb4
 * (1,020 bytes) fit an InnoDB index, which a TEXT column cannot have without a prefix.
 */
export const MYSQL_INDEXED_CHARS = 255;

/** Whether the column is indexed (a key, unique, or a link), which decides MySQL's string type. */
function indexed(attribute: NormalizedAttribute): boolean {
  return attribute.primaryKey === true || attribute.unique || attribute.model !== undefined;
}

/** A server store's column type for a key of type `type` (a primary key, a link to one, a join-table column). */
export function serverKeyType(dialect: ServerDialect, type: 'string' | 'number'): Expression<unknown> {
  if (type === 'number') return sql`bigint`;
  return dialect === 'postgres' ? sql`text collate "C"` : sql.raw(`varchar(${MYSQL_INDEXED_CHARS})`);
}

/** A server store's column type for `attribute` (its primary key's too: `serverKeyType`). */
export function serverColumnType(dialect: ServerDialect, attribute: NormalizedAttribute): Expression<unknown> {
  if (attribute.primaryKey || attribute.model !== undefined) return serverKeyType(dialect, attribute.type === 'string' ? 'string' : 'number');
  const text = dialect === 'postgres' ? sql`text collate "C"` : indexed(attribute) ? sql.raw(`varchar(${MYSQL_INDEXED_CHARS})`) : sql`longtext`;
  // Ciphertext is text whatever the attribute's type (models/encryption.ts).
  if (attribute.encrypt) return text;
  switch (attribute.type) {
    case 'string':
      return text;
    case 'number':
      return dialect === 'postgres' ? sql`double precision` : sql`double`;
    case 'boolean':
      return sql`boolean`;
    case 'json':
      // Its JSON text, compared and sorted byte by byte like any other text.
      return dialect === 'postgres' ? sql`text collate "C"` : sql`longtext`;
  }
}
