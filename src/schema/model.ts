/**
 * The model-definition format: what a user writes in `api/models/<Name>.ts`, and the
 * normalized form every other layer reads.
 */

export const ATTRIBUTE_TYPES = ['string', 'number', 'boolean', 'json'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/**
 * The validation rules a value is checked against, beyond its type: Sails 1's (anchor's) rules.
 * A flag rule is on with `true` and off with `false` or left out. Each fits the types listed in
 * docs/runtime.md; on another type the model is refused.
 */
export interface AttributeRules {
  /** A date (string) or timestamp (number, ms) after this one; a Date, an ISO date or ms. */
  isAfter?: Date | string | number;
  /** A date (string) or timestamp (number, ms) before this one; a Date, an ISO date or ms. */
  isBefore?: Date | string | number;
  isBoolean?: boolean;
  isCreditCard?: boolean;
  isEmail?: boolean;
  isHexColor?: boolean;
  isIn?: readonly (string | number)[];
  isInteger?: boolean;
  isIP?: boolean;
  isNotEmptyString?: boolean;
  isNotIn?: readonly (string | number)[];
  isNumber?: boolean;
  isString?: boolean;
  isURL?: boolean;
  isUUID?: boolean;
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
  /** The string must match. A RegExp in a .ts model; in a JSON or YAML file, the pattern as a string. */
  regex?: RegExp | string;
  /** The value passes when this returns true (a .ts model only: JSON and YAML cannot hold a function). */
  custom?: (value: never) => boolean;
}

/**
 * What an attribute says about itself without changing what it accepts: kept on the normalized
 * attribute for tools, never enforced.
 */
export interface AttributeMetadata {
  /** The column type a SQL adapter would use. Kept; the SQLite column follows `type` (docs/runtime.md). */
  columnType?: string;
  description?: string;
  extendedDescription?: string;
  moreInfoUrl?: string;
  example?: unknown;
  /** Sails' marker for a sensitive value; kept as a hint, nothing is hidden or logged differently. */
  protect?: boolean;
}

/** Sails' attribute vocabulary. */
export interface AttributeDefinition extends AttributeRules, AttributeMetadata {
  type: AttributeType;
  required?: boolean;
  unique?: boolean;
  defaultsTo?: unknown;
  allowNull?: boolean;
  /** Only on the primary key, a number: the store numbers records (1, 2, ...) unless a create gives one. */
  autoIncrement?: boolean;
  /** A number the server sets to the time of the create (ms), as `createdAt` is. */
  autoCreatedAt?: boolean;
  /** A number the server sets to the time of every create and update (ms), as `updatedAt` is. */
  autoUpdatedAt?: boolean;
  /**
   * Encrypted at rest, as Waterline 0.13 does it, with the model's (or config/models.ts')
   * `dataEncryptionKeys`; reads return the ciphertext unless the query asks `.decrypt()`.
   * Not with `defaultsTo`, and not on id, timestamps or links.
   */
  encrypt?: boolean;
}

/**
 * A to-one link (Sails' `{ model: 'user' }`): the attribute holds the primary key of one record of
 * that model, or null. Stored as a nullable column named after the attribute, of that key's type.
 */
export interface ModelLinkDefinition {
  model: string;
}

/**
 * A to-many link (Sails' `{ collection: 'pet', via: 'owner' }`). `via` names the attribute of the
 * linked model that points back: a to-one there makes this one-to-many (no storage of its own);
 * a collection there (whose own `via` names this attribute) makes it many-to-many, kept in a
 * join table.
 */
export interface CollectionDefinition {
  collection: string;
  via: string;
}

export type AssociationDefinition = ModelLinkDefinition | CollectionDefinition;

export interface ModelDefinition {
  attributes: Record<string, AttributeDefinition | AssociationDefinition>;
  /** The SQLite table; the model's identity when left out. */
  tableName?: string;
  /**
   * The attribute that identifies a record, `'id'` by default. Another name must be declared in
   * `attributes` as `{ type: 'string', required: true }` or `{ type: 'number', autoIncrement: true }`
   * (docs/runtime.md, "Model settings"). Routes' `:id`, room names and messages' `id` hold its value.
   */
  primaryKey?: string;
  /** Only `true`: unknown keys of a write are dropped, as Sails does with `schema: true`. */
  schema?: true;
  /** Only `'default'`: sails-rt has one datastore, the app's SQLite file. */
  datastore?: 'default';
  /** Accepted for Sails apps moving over; it only matters to MongoDB. */
  dontUseObjectIds?: boolean;
  /**
   * Whether writes through `sails.models.<identity>` publish (sails-rt's model API does by
   * default, unlike Sails). Overrides the app's `models.publishWrites`; a call's
   * `.meta({ publish })` overrides both. The blueprints always publish.
   */
  publishWrites?: boolean;
  /**
   * Data encryption keys by id, each 32 random bytes in base64, for attributes with
   * `encrypt: true`; `default` encrypts. Replaces config/models.ts' `dataEncryptionKeys`.
   * Keep them out of the source: `{ default: process.env['DATA_ENCRYPTION_KEY'] }`.
   */
  dataEncryptionKeys?: Record<string, string | undefined>;

  // Waterline's lifecycle callbacks and customToJSON (docs/runtime.md, "Lifecycle callbacks and
  // customToJSON"). Each callback either calls `proceed(error?)` or is async; an error refuses a
  // before* write and becomes the response. Declared as methods so that a model file may annotate
  // them with its generated types (`afterCreate(user: User, proceed)`).
  /** Runs once per create with the new record's values (defaults filled in); may change them. */
  beforeCreate?(valuesToSet: Record<string, unknown>, proceed: Proceed): unknown;
  /** Runs after each create with the stored record (sails.models: only with `.fetch()`, as in Waterline). */
  afterCreate?(newRecord: LifecycleRecord, proceed: Proceed): unknown;
  /** Runs once per update query with the values to set; may change them. */
  beforeUpdate?(valuesToSet: Record<string, unknown>, proceed: Proceed): unknown;
  /** Runs once per updated record with the stored record (sails.models: only with `.fetch()`). */
  afterUpdate?(updatedRecord: LifecycleRecord, proceed: Proceed): unknown;
  /** Runs once per destroy query with its criteria, `{ where }`. */
  beforeDestroy?(criteria: { where: Record<string, unknown> }, proceed: Proceed): unknown;
  /** Runs once per destroyed record with the record as it was (sails.models: only with `.fetch()`). */
  afterDestroy?(destroyedRecord: LifecycleRecord, proceed: Proceed): unknown;
  /**
   * What a record of this model becomes when it is sent to a client (HTTP bodies, socket acks,
   * every pub-sub message), with `this` the record: e.g. `return _.omit(this, ['password'])`.
   */
  customToJSON?(this: LifecycleRecord): unknown;
}

/**
 * Declares a model. At run time it returns its argument; its job is to keep the literal types
 * so the typed client can infer records from the definition.
 *
 * @example
 * export default defineModel({
 *   attributes: { name: { type: 'string', required: true }, age: { type: 'number' } },
 * });
 */
export function defineModel<const D extends ModelDefinition>(definition: D): D {
  return definition;
}

export interface NormalizedRules extends Omit<AttributeRules, 'isAfter' | 'isBefore' | 'regex' | 'custom'> {
  isAfter?: number;
  isBefore?: number;
  regex?: RegExp;
  custom?: (value: unknown) => unknown;
}

export interface NormalizedAttribute {
  name: string;
  type: AttributeType;
  required: boolean;
  unique: boolean;
  allowNull: boolean;
  /** Present only when the definition gave one. */
  defaultsTo?: unknown;
  /** The rules, normalized: `isAfter`/`isBefore` as ms, `regex` as a RegExp without g or y. */
  rules: NormalizedRules;
  /** Present only when the definition gave some. */
  metadata?: AttributeMetadata;
  /**
   * Set by sails-rt, never by the client: an auto-incremented primary key, and the timestamps
   * (`createdAt`, `updatedAt`, and any attribute with autoCreatedAt or autoUpdatedAt).
   */
  auto?: 'autoIncrement' | 'createdAt' | 'updatedAt';
  /** On the model's primary key only (always unique, never null; never changed by an update). */
  primaryKey?: true;
  /**
   * A to-one link: the identity of the model whose primary key this (nullable) attribute holds;
   * its `type` is that key's type.
   */
  model?: string;
  /** Encrypted at rest (runtime/models/encryption.ts). */
  encrypt?: true;
}

/**
 * The join table of a many-to-many link, named as Waterline names it: the two
 * `<identity>_<attribute>` names in alphabetical order joined by `__`, e.g. `tag_users__user_tags`.
 * Each column is named `<identity>_<attribute>` of one side and holds that side's record id.
 */
export interface JunctionTable {
  table: string;
  /** The column holding this model's record id, e.g. `user_tags`. */
  self: string;
  /** The column holding the linked record's id, e.g. `tag_users`. */
  other: string;
}

/** A to-many link, checked against the linked model by normalizeModels. */
export interface NormalizedCollection {
  name: string;
  /** The identity of the linked model. */
  collection: string;
  /** The attribute of the linked model that points back. */
  via: string;
  /**
   * `one-to-many` when `via` is a to-one of the linked model, `many-to-many` when it is a
   * collection; `pending` while the linked model does not exist yet (only `generate model` accepts that).
   */
  kind: 'one-to-many' | 'many-to-many' | 'pending';
  /** Many-to-many only. */
  junction?: JunctionTable;
  /** The type of the linked model's primary key, which the list's ids have ('number' while pending). */
  keyType?: 'string' | 'number';
}

export interface NormalizedModel {
  /** `User` */
  className: string;
  /** `user`: the lowercased class name; event name, room prefix and route path. */
  identity: string;
  tableName: string;
  /** The name of the primary key attribute: `id` unless the definition's `primaryKey` says otherwise. */
  primaryKey: string;
  /**
   * The columns: the primary key, `createdAt`, `updatedAt` first, then the user's attributes in
   * definition order, to-one links included (they hold a primary key). To-many links are in `collections`.
   */
  attributes: NormalizedAttribute[];
  /** The to-many links, in definition order. */
  collections: NormalizedCollection[];
  /** Present only when the definition set it: model API writes publish (true) or not (false). */
  publishWrites?: boolean;
  /** The model's own keys, or (after lift) the app's config/models.ts keys; checked at lift. */
  dataEncryptionKeys?: Record<string, string>;
  /** Where the definition came from, for error messages. */
  file?: string;
  /** The definition's lifecycle callbacks, present only when it has some. */
  lifecycle?: ModelLifecycle;
  /** Present only when the definition has one. */
  customToJSON?: (this: LifecycleRecord) => unknown;
}

type ValueOf<A extends AttributeDefinition> = A['type'] extends 'string'
  ? A['isIn'] extends readonly (infer V)[]
    ? Extract<V, string>
    : string
  : A['type'] extends 'number'
    ? number
    : A['type'] extends 'boolean'
      ? boolean
      : unknown;

type Nullable<A extends AttributeDefinition> = A['allowNull'] extends true ? null : never;

/** A linked record as it comes populated: its own attributes, to-one links as ids. */
export interface LinkedRecord {
  id: number;
  createdAt: number;
  updatedAt: number;
  [attribute: string]: unknown;
}

type Attr<D extends ModelDefinition, K extends keyof D['attributes']> = D['attributes'][K];

/** A record's value: a to-one is the id, or the linked record when populated (the default), or null. */
type RecordValue<A> = A extends ModelLinkDefinition
  ? number | LinkedRecord | null
  : A extends AttributeDefinition
    ? ValueOf<A> | Nullable<A>
    : never;

/** What a create or update may write: a to-one takes an id or null. */
type WriteValue<A> = A extends ModelLinkDefinition ? number | null : A extends AttributeDefinition ? ValueOf<A> | Nullable<A> : never;

type CollectionKeys<D extends ModelDefinition> = {
  [K in keyof D['attributes']]: D['attributes'][K] extends CollectionDefinition ? K : never;
}[keyof D['attributes']];

/**
 * Attributes the server sets: `createdAt` and `updatedAt` overrides, custom timestamps, an
 * auto-incremented key, and an `id` spelt out as Sails' config/models.js does (`{ type: 'number' }`).
 */
type AutoKeys<D extends ModelDefinition> = {
  [K in keyof D['attributes']]: K extends 'createdAt' | 'updatedAt'
    ? K
    : D['attributes'][K] extends { autoCreatedAt: true } | { autoUpdatedAt: true } | { autoIncrement: true }
      ? K
      : K extends 'id'
        ? D['attributes'][K] extends { required: true }
          ? never
          : K
        : never;
}[keyof D['attributes']];

type RequiredKeys<D extends ModelDefinition> = {
  [K in keyof D['attributes']]: D['attributes'][K] extends { required: true } ? K : never;
}[keyof D['attributes']];

interface AutoAttributes {
  id: number;
  createdAt: number;
  updatedAt: number;
}

/** The primary key's name: the definition's `primaryKey`, else 'id'. */
type PrimaryKeyName<D extends ModelDefinition> = D['primaryKey'] extends string ? D['primaryKey'] : 'id';

/** The attributes sails-rt adds that the definition does not declare: `id` only while it is the primary key. */
type BuiltIns<D extends ModelDefinition> = Omit<PrimaryKeyName<D> extends 'id' ? AutoAttributes : Omit<AutoAttributes, 'id'>, keyof D['attributes']>;

type Simplify<T> = { -readonly [K in keyof T]: T[K] } & {};

/**
 * A record as the server returns it. As in Waterline, an optional attribute that was never set
 * holds its type's base value ('', 0, false, null), so every key is present. To-many links are
 * there when populated (the default) and missing with `populate=false`.
 */
export type InferRecord<D extends ModelDefinition> = Simplify<
  BuiltIns<D> & {
    [K in Exclude<keyof D['attributes'], CollectionKeys<D>>]: RecordValue<Attr<D, K>>;
  } & {
    [K in CollectionKeys<D>]?: LinkedRecord[];
  }
>;

/**
 * The values a create accepts: required attributes must be there; null only where the server
 * takes it (allowNull, a to-one link, json); links are given as ids (a to-many as the list of
 * ids it then holds). The attributes the server sets (id, the timestamps) are left out.
 */
export type InferCreate<D extends ModelDefinition> = Simplify<
  {
    [K in Exclude<RequiredKeys<D>, AutoKeys<D>>]: WriteValue<Attr<D, K>>;
  } & {
    [K in Exclude<keyof D['attributes'], RequiredKeys<D> | CollectionKeys<D> | AutoKeys<D>>]?: WriteValue<Attr<D, K>>;
  } & {
    [K in CollectionKeys<D>]?: number[];
  }
>;

/** The values an update accepts: any subset. */
export type InferUpdate<D extends ModelDefinition> = Partial<InferCreate<D>>;

/** Waterline's `proceed`: call it once, with an error to refuse the write. */
export type Proceed = (error?: unknown) => void;

/** A record as a lifecycle callback or customToJSON sees it: as stored, links as ids. */
export interface LifecycleRecord {
  id: number;
  createdAt: number;
  updatedAt: number;
  [attribute: string]: unknown;
}

export const LIFECYCLE_CALLBACKS = ['beforeCreate', 'afterCreate', 'beforeUpdate', 'afterUpdate', 'beforeDestroy', 'afterDestroy'] as const;
export type LifecycleCallbackName = (typeof LIFECYCLE_CALLBACKS)[number];

/** The lifecycle callbacks a model defines. */
export type ModelLifecycle = { [K in LifecycleCallbackName]?: NonNullable<ModelDefinition[K]> };
