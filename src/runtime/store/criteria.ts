/**
 * The criteria a store understands, already checked against the model: attribute names exist,
 * values have the attribute's JavaScript type. Parsing what a client sent into this shape is the
 * blueprints' job (../blueprints/parse-criteria.ts); turning it into SQL is the store's.
 */

/** A value compared against a column: the attribute's own JavaScript type, or null. */
export type Scalar = string | number | boolean | null;

export type Condition =
  | { kind: 'and' | 'or'; items: Condition[] }
  /** `value: null` means IS NULL (`=`) or IS NOT NULL (`!=`). */
  | { kind: 'compare'; attribute: string; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Scalar }
  | { kind: 'in' | 'nin'; attribute: string; values: Scalar[] }
  /** A LIKE pattern where `\` escapes `%`, `_` and itself. */
  | { kind: 'like'; attribute: string; pattern: string };

export interface SortClause {
  attribute: string;
  direction: 'asc' | 'desc';
}

export interface Criteria {
  where?: Condition;
  /** Empty: by primary key, ascending. */
  sort: SortClause[];
  /** Undefined: no limit. */
  limit?: number;
  skip: number;
  /** Columns to read; undefined: all. Always includes the primary key. */
  select?: string[];
}
