/**
 * The model-definition format: what a user writes in `api/models/<Name>.ts`, and the
 * normalized form every other layer reads.
 */

export const ATTRIBUTE_TYPES = ['string', 'number', 'boolean', 'json'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/** The validation rules a value is checked against, beyond its type. */
export interface AttributeRules {
  isEmail?: boolean;
  isIn?: readonly (string | number)[];
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
}

/** Sails' attribute vocabulary (the subset sails-rt implements so far). */
export interface AttributeDefinition extends AttributeRules {
  type: AttributeType;
  required?: boolean;
  unique?: boolean;
  defaultsTo?: unknown;
  allowNull?: boolean;
}

export interface ModelDefinition {
  attributes: Record<string, AttributeDefinition>;
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

export interface NormalizedAttribute {
  name: string;
  type: AttributeType;
  required: boolean;
  unique: boolean;
  allowNull: boolean;
  /** Present only when the definition gave one. */
  defaultsTo?: unknown;
  rules: AttributeRules;
  /** Set by sails-rt, never by the client: the primary key and the two timestamps. */
  auto?: 'id' | 'createdAt' | 'updatedAt';
}

export interface NormalizedModel {
  /** `User` */
  className: string;
  /** `user`: the lowercased class name; event name, room prefix and route path. */
  identity: string;
  tableName: string;
  primaryKey: 'id';
  /** `id`, `createdAt`, `updatedAt` first, then the user's attributes in definition order. */
  attributes: NormalizedAttribute[];
  /** Where the definition came from, for error messages. */
  file?: string;
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

type RequiredKeys<D extends ModelDefinition> = {
  [K in keyof D['attributes']]: D['attributes'][K]['required'] extends true ? K : never;
}[keyof D['attributes']];

interface AutoAttributes {
  id: number;
  createdAt: number;
  updatedAt: number;
}

type Simplify<T> = { -readonly [K in keyof T]: T[K] } & {};

/**
 * A record as the server returns it. As in Waterline, an optional attribute that was never set
 * holds its type's base value ('', 0, false, null), so every key is present.
 */
export type InferRecord<D extends ModelDefinition> = Simplify<
  AutoAttributes & {
    [K in keyof D['attributes']]: ValueOf<D['attributes'][K]> | Nullable<D['attributes'][K]>;
  }
>;

/** The values a create accepts: required attributes must be there. */
export type InferCreate<D extends ModelDefinition> = Simplify<
  {
    [K in RequiredKeys<D>]: ValueOf<D['attributes'][K]> | Nullable<D['attributes'][K]>;
  } & {
    [K in Exclude<keyof D['attributes'], RequiredKeys<D>>]?:
      | ValueOf<D['attributes'][K]>
      | Nullable<D['attributes'][K]>
      | null;
  }
>;

/** The values an update accepts: any subset. */
export type InferUpdate<D extends ModelDefinition> = Partial<InferCreate<D>>;
