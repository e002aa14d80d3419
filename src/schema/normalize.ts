import { isIP } from 'node:net';
import { SchemaError, type SchemaLocation } from './errors.js';
import {
  ATTRIBUTE_TYPES,
  type AttributeMetadata,
  type AttributeType,
  LIFECYCLE_CALLBACKS,
  type ModelDefinition,
  type ModelLifecycle,
  type NormalizedAttribute,
  type NormalizedCollection,
  type NormalizedModel,
  type NormalizedRules,
} from './model.js';
import { closest, TYPE_ALIASES } from './closest.js';
import { names } from './names.js';
import { isPlainObject } from './plain-object.js';

const MODEL_KEYS = ['attributes', 'tableName', 'primaryKey', 'schema', 'datastore', 'dontUseObjectIds', 'publishWrites', 'dataEncryptionKeys'] as const;
/** Model settings whose value is a function (Waterline's lifecycle callbacks and customToJSON). */
const FUNCTION_KEYS = [...LIFECYCLE_CALLBACKS, 'customToJSON'] as const;
const RESERVED_ATTRIBUTES = ['id', 'createdAt', 'updatedAt'] as const;
const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const METADATA_KEYS = ['columnType', 'description', 'extendedDescription', 'moreInfoUrl', 'example', 'protect'] as const;
const STRING_FORMATS = ['isCreditCard', 'isEmail', 'isHexColor', 'isIP', 'isURL', 'isUUID'] as const;
const TYPE_CHECKS = { isBoolean: 'boolean', isInteger: 'number', isNumber: 'number', isString: 'string' } as const;

/**
 * Each option an attribute may carry, with the types it fits (`undefined`: every type). The rules
 * are Sails 1's (anchor's); docs/runtime.md lists what each does here.
 */
const OPTION_TYPES: Record<string, readonly AttributeType[] | undefined> = {
  type: undefined,
  required: undefined,
  unique: ['string', 'number'],
  defaultsTo: undefined,
  allowNull: ['string', 'number', 'boolean'],
  autoIncrement: undefined,
  autoCreatedAt: ['number'],
  autoUpdatedAt: ['number'],
  encrypt: undefined,
  ...Object.fromEntries(METADATA_KEYS.map((key) => [key, undefined])),
  isAfter: ['string', 'number'],
  isBefore: ['string', 'number'],
  isBoolean: ['boolean', 'json'],
  isCreditCard: ['string'],
  isEmail: ['string'],
  isHexColor: ['string'],
  isIn: ['string', 'number'],
  isInteger: ['number', 'json'],
  isIP: ['string'],
  isNotEmptyString: ['string', 'json'],
  isNotIn: ['string', 'number'],
  isNumber: ['number', 'json'],
  isString: ['string', 'json'],
  isURL: ['string'],
  isUUID: ['string'],
  min: ['number'],
  max: ['number'],
  minLength: ['string'],
  maxLength: ['string'],
  regex: ['string'],
  custom: undefined,
};
export const ATTRIBUTE_OPTIONS = Object.keys(OPTION_TYPES);

export interface ModelSource {
  className: string;
  definition: unknown;
  file?: string;
}

export interface NormalizeOptions {
  /**
   * A link to a model that is not in the set: 'refuse' (default; lift) throws, 'allow'
   * (`generate model`, which may write the linked model next) records it in `pending`.
   */
  missingTargets?: 'refuse' | 'allow';
  /** Filled with one sentence per link whose model is not in the set (with 'allow'). */
  pending?: string[];
}

/**
 * Validates a set of model definitions and returns them normalized, links checked against each
 * other. Throws a SchemaError that names the file, model and attribute of the first problem found.
 */
export function normalizeModels(sources: readonly ModelSource[], options: NormalizeOptions = {}): NormalizedModel[] {
  const seen = new Map<string, NormalizedModel>();
  const models = sources.map((source) => {
    const model = normalizeModel(source.className, source.definition, { file: source.file });
    const twin = seen.get(model.identity);
    if (twin) {
      throw new SchemaError(
        `two models share the identity "${model.identity}" (${twin.className}${twin.file ? ` in ${twin.file}` : ''} and ${model.className}); rename one of them.`,
        { file: source.file, model: model.className },
      );
    }
    seen.set(model.identity, model);
    const sharer = [...seen.values()].find((other) => other !== model && other.tableName === model.tableName);
    if (sharer) {
      throw new SchemaError(
        `its table "${model.tableName}" is also the table of model ${sharer.className}${sharer.file ? ` (${sharer.file})` : ''}; give one of them another "tableName".`,
        { file: source.file, model: model.className },
      );
    }
    return model;
  });
  checkLinks(models, seen, options);
  return models;
}

/** Every link names an existing model, and every `via` points back the right way. */
function checkLinks(models: readonly NormalizedModel[], byIdentity: ReadonlyMap<string, NormalizedModel>, options: NormalizeOptions): void {
  const missing = (model: NormalizedModel, attribute: string, target: string): void => {
    const where = { file: model.file, model: model.className, attribute };
    const known = [...byIdentity.keys()];
    const guess = closestName(target, known);
    if (options.missingTargets === 'allow') {
      options.pending?.push(
        `${model.className}.${attribute} links to the model "${target}", which does not exist yet; generate it before lifting the app${guess ? ` (or did you mean "${guess}"?)` : ''}.`,
      );
      return;
    }
    throw new SchemaError(
      `links to the model "${target}", which does not exist${guess ? ` (did you mean "${guess}"?)` : ''}; models: ${known.join(', ') || 'none'}. Add api/models/${names(target).className}.ts or fix the link.`,
      where,
    );
  };
  for (const model of models) {
    for (const attribute of model.attributes) {
      if (attribute.model === undefined) continue;
      const target = byIdentity.get(attribute.model);
      // A to-one holds the linked record's primary key, so it takes that key's type (as waterline-schema's foreign keys do).
      if (target) attribute.type = primaryKeyOf(target).type;
      else missing(model, attribute.name, attribute.model);
    }
    for (const collection of model.collections) {
      const where = { file: model.file, model: model.className, attribute: collection.name };
      const target = byIdentity.get(collection.collection);
      if (!target) {
        missing(model, collection.name, collection.collection);
        continue;
      }
      const back = target.attributes.find((a) => a.name === collection.via && a.auto === undefined);
      const backCollection = target.collections.find((c) => c.name === collection.via);
      if (back?.model !== undefined) {
        if (back.model !== model.identity) {
          throw new SchemaError(
            `has via "${collection.via}", but ${target.className}.${collection.via} links to the model "${back.model}", not to ${model.identity}; point via at an attribute of ${target.className} that links to ${model.identity}.`,
            where,
          );
        }
        collection.kind = 'one-to-many';
        collection.keyType = primaryKeyOf(target).type;
      } else if (backCollection) {
        if (backCollection.collection !== model.identity || backCollection.via !== collection.name) {
          throw new SchemaError(
            `has via "${collection.via}", but ${target.className}.${collection.via} is { collection: '${backCollection.collection}', via: '${backCollection.via}' }; for a many-to-many link it must be { collection: '${model.identity}', via: '${collection.name}' }.`,
            where,
          );
        }
        collection.kind = 'many-to-many';
        collection.keyType = primaryKeyOf(target).type;
        const self = `${model.identity}_${collection.name}`;
        const other = `${target.identity}_${collection.via}`;
        collection.junction = { table: [self, other].sort().join('__'), self, other };
      } else {
        const candidates = [
          ...target.attributes.filter((a) => a.model === model.identity).map((a) => a.name),
          ...target.collections.filter((c) => c.collection === model.identity).map((c) => c.name),
        ];
        throw new SchemaError(
          `has via "${collection.via}", but ${target.className} has no ${back ? 'link' : 'attribute'} named "${collection.via}"${back ? ` ("${collection.via}" is a ${back.type})` : ''}; via must name an attribute of ${target.className} that is { model: '${model.identity}' } or { collection: '${model.identity}', via: '${collection.name}' }${candidates.length > 0 ? ` (candidates: ${candidates.join(', ')})` : ''}.`,
          where,
        );
      }
    }
  }
}

/**
 * The primary key attribute of a normalized model.
 *
 * @example primaryKeyOf(country) // { name: 'code', type: 'string', required: true, primaryKey: true, ... }
 */
export function primaryKeyOf(model: NormalizedModel): NormalizedAttribute & { type: 'string' | 'number' } {
  const key = model.attributes.find((attribute) => attribute.name === model.primaryKey);
  // normalizeModel always puts it first; a hand-made model without it is a bug in the caller.
  if (!key || (key.type !== 'string' && key.type !== 'number')) throw new Error(`The model "${model.identity}" has no primary key attribute "${model.primaryKey}".`);
  return key as NormalizedAttribute & { type: 'string' | 'number' };
}

function closestName(word: string, candidates: readonly string[]): string | undefined {
  return candidates.find((c) => c.toLowerCase() === word.toLowerCase()) ?? closest(word, candidates);
}

/** Validates one model definition and returns its normalized form. */
export function normalizeModel(
  className: string,
  definition: unknown,
  { file }: { file?: string | undefined } = {},
): NormalizedModel {
  const modelNames = names(className);
  const where: SchemaLocation = { file, model: modelNames.className };
  if (!isPlainObject(definition)) {
    throw new SchemaError('the default export must be defineModel({ attributes: { ... } }).', where);
  }
  for (const key of Object.keys(definition)) {
    // Functions are not listed as allowed: a definitions file (YAML, JSON) cannot hold one.
    if ((FUNCTION_KEYS as readonly string[]).includes(key)) continue;
    if (!(MODEL_KEYS as readonly string[]).includes(key)) {
      const guess = closest(key, MODEL_KEYS);
      throw new SchemaError(`unknown model setting "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}; allowed: ${MODEL_KEYS.join(', ')}.`, where);
    }
  }
  const functions = functionSettings(definition, where);
  const publishWrites = (definition as Partial<ModelDefinition>).publishWrites;
  if (publishWrites !== undefined && typeof publishWrites !== 'boolean') {
    throw new SchemaError(`"publishWrites" must be true or false, got ${JSON.stringify(publishWrites)}.`, where);
  }
  const dataEncryptionKeys = (definition as Partial<ModelDefinition>).dataEncryptionKeys;
  // The keys themselves are checked at lift, with the app's own (config/models.ts).
  if (dataEncryptionKeys !== undefined && !(isPlainObject(dataEncryptionKeys) && Object.values(dataEncryptionKeys).every((key) => typeof key === 'string' || key === undefined))) {
    throw new SchemaError(`"dataEncryptionKeys" must be an object of keys by id, such as { default: process.env['DATA_ENCRYPTION_KEY'] }, got ${describe(dataEncryptionKeys)}.`, where);
  }
  const tableName = modelTableName(definition, modelNames.identity, where);
  checkModelSettings(definition, where);
  const attributes = (definition as Partial<ModelDefinition>).attributes;
  if (!isPlainObject(attributes)) {
    throw new SchemaError('"attributes" must be an object mapping attribute names to { type: ... }.', where);
  }
  // `__proto__: {...}` in an object literal sets the prototype: the attribute would vanish silently.
  const prototype: unknown = Object.getPrototypeOf(attributes);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new SchemaError('"attributes" has an attribute named __proto__, which JavaScript reads as the object\'s prototype; choose another name.', where);
  }

  const primaryKey = primaryKeyName(definition, attributes, where);
  const declaredKey = attributes[primaryKey];
  const collections: NormalizedCollection[] = [];
  const normalized: NormalizedAttribute[] = [
    declaredKey === undefined ? { ...BUILT_IN_ID } : normalizePrimaryKey(primaryKey, declaredKey, { ...where, attribute: primaryKey }),
    { name: 'createdAt', type: 'number', required: false, unique: false, allowNull: false, rules: {}, auto: 'createdAt' },
    { name: 'updatedAt', type: 'number', required: false, unique: false, allowNull: false, rules: {}, auto: 'updatedAt' },
  ];
  for (const [name, attribute] of Object.entries(attributes)) {
    const located = { ...where, attribute: name };
    if (name === primaryKey) continue;
    if (name === 'id') {
      // The routes' `:id` and the messages' `id` mean the primary key: a second meaning would mislead.
      throw new SchemaError(
        `"id" cannot be an ordinary attribute while "primaryKey" is "${primaryKey}": the blueprint routes (/${modelNames.identity}/:id) and the pub-sub messages' id field hold the primary key; rename this attribute.`,
        located,
      );
    }
    const builtIn = normalized.find((candidate) => candidate.name === name && candidate.auto !== undefined);
    if (builtIn) {
      // Sails' config/models.js spells these out; the same definitions here change nothing but metadata.
      const metadata = normalizeBuiltIn(builtIn, attribute, located);
      if (metadata) builtIn.metadata = metadata;
      continue;
    }
    if (isPlainObject(attribute) && ('model' in attribute || 'collection' in attribute)) {
      const link = normalizeLink(name, attribute, located);
      if ('collection' in link) collections.push(link);
      else normalized.push(link);
    } else {
      normalized.push(normalizeAttribute(name, attribute, located));
    }
  }
  return {
    className: modelNames.className,
    identity: modelNames.identity,
    tableName,
    primaryKey,
    attributes: normalized,
    collections,
    ...(publishWrites === undefined ? {} : { publishWrites }),
    ...(dataEncryptionKeys === undefined ? {} : { dataEncryptionKeys: { ...(dataEncryptionKeys as Record<string, string>) } }),
    ...(file ? { file } : {}),
    ...functions,
  };
}

/** The lifecycle callbacks and customToJSON a definition has, each checked to be a function. */
function functionSettings(definition: Record<string, unknown>, where: SchemaLocation): { lifecycle?: ModelLifecycle; customToJSON?: ModelDefinition['customToJSON'] } {
  for (const key of FUNCTION_KEYS) {
    const value = definition[key];
    if (value !== undefined && typeof value !== 'function') {
      throw new SchemaError(`"${key}" must be a function, such as ${key}(${key === 'customToJSON' ? '' : 'values, proceed'}) { ... }, got ${JSON.stringify(value) ?? typeof value}.`, where);
    }
  }
  const lifecycle: ModelLifecycle = {};
  for (const key of LIFECYCLE_CALLBACKS) {
    if (definition[key] !== undefined) Object.assign(lifecycle, { [key]: definition[key] });
  }
  const customToJSON = definition['customToJSON'] as ModelDefinition['customToJSON'];
  return {
    ...(Object.keys(lifecycle).length > 0 ? { lifecycle } : {}),
    ...(customToJSON ? { customToJSON } : {}),
  };
}

/** `{ model: 'user' }` becomes a nullable number column; `{ collection, via }` a collection. */
function normalizeLink(name: string, raw: Record<string, unknown>, where: SchemaLocation): NormalizedAttribute | NormalizedCollection {
  const nameProblem = attributeNameProblem(name);
  if (nameProblem) throw new SchemaError(nameProblem, where);
  const toOne = 'model' in raw;
  if (toOne && 'collection' in raw) {
    throw new SchemaError('has both "model" and "collection"; use { model: \'user\' } for a to-one link or { collection: \'pet\', via: \'owner\' } for a to-many link.', where);
  }
  const allowed = toOne ? ['model'] : ['collection', 'via'];
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      throw new SchemaError(
        `"${key}" does not apply to a ${toOne ? 'to-one' : 'to-many'} link; it takes only ${allowed.join(' and ')}, as in ${toOne ? "{ model: 'user' }" : "{ collection: 'pet', via: 'owner' }"}.`,
        where,
      );
    }
  }
  const target = toOne ? raw['model'] : raw['collection'];
  const key = toOne ? 'model' : 'collection';
  if (typeof target !== 'string' || target === '') {
    throw new SchemaError(`"${key}" must be the name of a model, such as '${toOne ? 'user' : 'pet'}'.`, where);
  }
  let identity: string;
  try {
    identity = names(target).identity;
  } catch {
    throw new SchemaError(`"${key}" is ${JSON.stringify(target)}, which is not a model name; use a model's identity such as '${toOne ? 'user' : 'pet'}'.`, where);
  }
  if (toOne) {
    return { name, type: 'number', required: false, unique: false, allowNull: true, rules: {}, model: identity };
  }
  const via = raw['via'];
  if (via === undefined) {
    throw new SchemaError(`has no "via"; name the attribute of ${target} that points back, as in { collection: '${identity}', via: 'owner' } (links without via are not supported).`, where);
  }
  if (typeof via !== 'string' || !ATTRIBUTE_NAME.test(via)) {
    throw new SchemaError(`"via" must be the name of an attribute of ${identity}, got ${JSON.stringify(via)}.`, where);
  }
  return { name, collection: identity, via, kind: 'pending' };
}

/** ` (did you mean "boolean"?)` for a type that is close to one, else nothing. */
function typeGuess(type: unknown): string {
  const guess = typeof type === 'string' ? closest(type, ATTRIBUTE_TYPES, TYPE_ALIASES) : undefined;
  return guess ? ` (did you mean "${guess}"?)` : '';
}

/** `primaryKey`: the model's primary key, whose own rules normalizePrimaryKey has checked (its name may be `id`). */
function normalizeAttribute(name: string, raw: unknown, where: SchemaLocation, { primaryKey = false } = {}): NormalizedAttribute {
  const nameProblem = primaryKey ? undefined : attributeNameProblem(name);
  if (nameProblem) throw new SchemaError(nameProblem, where);
  if (!isPlainObject(raw)) {
    throw new SchemaError(`must be an object such as { type: 'string' }; types: ${ATTRIBUTE_TYPES.join(', ')}.`, where);
  }
  const type = raw['type'];
  if (typeof type !== 'string' || !(ATTRIBUTE_TYPES as readonly string[]).includes(type)) {
    throw new SchemaError(
      `${type === undefined ? 'has no type' : `has the unknown type ${JSON.stringify(type)}${typeGuess(type)}`}; types: ${ATTRIBUTE_TYPES.join(', ')}.`,
      where,
    );
  }
  const attributeType = type as AttributeType;

  for (const option of Object.keys(raw)) {
    if (!(option in OPTION_TYPES)) {
      const guess = closest(option, ATTRIBUTE_OPTIONS);
      throw new SchemaError(`unknown rule "${option}"${guess ? ` (did you mean "${guess}"?)` : ''}; allowed: ${ATTRIBUTE_OPTIONS.join(', ')}.`, where);
    }
    const fits = OPTION_TYPES[option];
    if (fits && !fits.includes(attributeType)) {
      throw new SchemaError(`"${option}" does not apply to type ${attributeType}; it fits: ${fits.join(', ')}.`, where);
    }
  }
  if (raw['autoIncrement'] !== undefined && !primaryKey) {
    throw new SchemaError('"autoIncrement" applies only to the primary key (the attribute "primaryKey" names, "id" by default); remove it here.', where);
  }
  const encrypt = checkEncrypt(raw, where);

  const required = flag(raw, 'required', where);
  const unique = flag(raw, 'unique', where);
  const allowNull = flag(raw, 'allowNull', where);
  const metadata = normalizeMetadata(raw, where);
  const auto = autoTimestamp(raw, where);
  if (auto) {
    // What the server does anyway may be said: never required, unique or null, not encrypted.
    const harmless = (key: string): boolean => ['required', 'unique', 'allowNull', 'encrypt'].includes(key) && raw[key] === false;
    const extra = Object.keys(raw).find((key) => !['type', 'autoCreatedAt', 'autoUpdatedAt', ...METADATA_KEYS].includes(key) && !harmless(key));
    if (extra !== undefined) {
      throw new SchemaError(`is set by the server (${auto === 'createdAt' ? 'autoCreatedAt' : 'autoUpdatedAt'}), so "${extra}" does not apply; remove it.`, where);
    }
    return { name, type: 'number', required: false, unique: false, allowNull: false, rules: {}, auto, ...(metadata ? { metadata } : {}) };
  }
  if (required && allowNull) {
    throw new SchemaError('"required" and "allowNull" cannot both be true: a required value is never null.', where);
  }
  if (required && 'defaultsTo' in raw) {
    throw new SchemaError('"required" and "defaultsTo" cannot both be set: a default is only used when no value is given.', where);
  }

  const rules: NormalizedRules = {};
  for (const key of [...STRING_FORMATS, 'isNotEmptyString', ...(Object.keys(TYPE_CHECKS) as (keyof typeof TYPE_CHECKS)[])] as const) {
    if (flag(raw, key, where)) rules[key] = true;
  }
  for (const key of ['min', 'max'] as const) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new SchemaError(`"${key}" must be a finite number.`, where);
    }
    rules[key] = value;
  }
  for (const key of ['minLength', 'maxLength'] as const) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new SchemaError(`"${key}" must be a whole number of 0 or more.`, where);
    }
    rules[key] = value;
  }
  if (rules.min !== undefined && rules.max !== undefined && rules.min > rules.max) {
    throw new SchemaError(`"min" (${rules.min}) is greater than "max" (${rules.max}).`, where);
  }
  if (rules.minLength !== undefined && rules.maxLength !== undefined && rules.minLength > rules.maxLength) {
    throw new SchemaError(`"minLength" (${rules.minLength}) is greater than "maxLength" (${rules.maxLength}).`, where);
  }
  for (const key of ['isIn', 'isNotIn'] as const) {
    const list = raw[key];
    if (list === undefined) continue;
    // A number no record can hold (Infinity, NaN: YAML's .inf, .nan) would be a value nobody can write.
    const fits = (v: unknown) => typeof v === attributeType && (typeof v !== 'number' || Number.isFinite(v));
    if (!Array.isArray(list) || list.length === 0 || !list.every(fits)) {
      throw new SchemaError(`"${key}" must be a non-empty array of ${attributeType === 'number' ? 'finite numbers' : `${attributeType} values`}.`, where);
    }
    rules[key] = [...(list as (string | number)[])];
  }
  for (const key of ['isAfter', 'isBefore'] as const) {
    if (raw[key] === undefined) continue;
    const time = toTime(raw[key]);
    if (time === undefined) {
      throw new SchemaError(`"${key}" must be a date: a Date, an ISO 8601 string such as "2024-01-31" or a timestamp in ms, got ${describe(raw[key])}.`, where);
    }
    rules[key] = time;
  }
  if (rules.isAfter !== undefined && rules.isBefore !== undefined && rules.isAfter >= rules.isBefore) {
    throw new SchemaError('"isAfter" is not earlier than "isBefore", so no value can pass both.', where);
  }
  if (raw['regex'] !== undefined) rules.regex = toRegExp(raw['regex'], where);
  if (raw['custom'] !== undefined) {
    const custom = raw['custom'];
    if (typeof custom !== 'function') {
      throw new SchemaError(
        '"custom" must be a function (value) => boolean, which only a model file (api/models/<Name>.ts) can hold; a JSON or YAML definitions file cannot, so add the rule to the model file after generating.',
        where,
      );
    }
    rules.custom = custom as (value: unknown) => unknown;
  }

  const attribute: NormalizedAttribute = { name, type: attributeType, required, unique, allowNull, rules, ...(metadata ? { metadata } : {}), ...(encrypt ? { encrypt } : {}) };
  if (primaryKey) return { ...attribute, unique: true, primaryKey: true, ...(flag(raw, 'autoIncrement', where) ? { auto: 'autoIncrement' as const } : {}) };
  if ('defaultsTo' in raw) {
    const problem = checkValue(attribute, raw['defaultsTo']);
    if (problem) throw new SchemaError(`"defaultsTo" ${problem}.`, where);
    attribute.defaultsTo = raw['defaultsTo'];
  }
  return attribute;
}

/** The primary key of a model that declares none: Sails' config/models.js `id`, numbered by the store. */
const BUILT_IN_ID: NormalizedAttribute = { name: 'id', type: 'number', required: false, unique: true, allowNull: false, rules: {}, primaryKey: true, auto: 'autoIncrement' };

const KEY_FORMS = "{ type: 'string', required: true } or { type: 'number', autoIncrement: true }";

/**
 * The `primaryKey` setting, 'id' when left out. Any other name must be declared in the attributes,
 * as Waterline requires ('id' alone is added when it is not).
 */
function primaryKeyName(definition: Record<string, unknown>, attributes: Record<string, unknown>, where: SchemaLocation): string {
  const primaryKey = definition['primaryKey'];
  if (primaryKey === undefined || primaryKey === 'id') return 'id';
  if (typeof primaryKey !== 'string' || primaryKey === '') {
    throw new SchemaError(`"primaryKey" must be the name of an attribute, such as 'code', got ${describe(primaryKey)}.`, where);
  }
  if (primaryKey === 'createdAt' || primaryKey === 'updatedAt') {
    throw new SchemaError(`"primaryKey" is "${primaryKey}", a timestamp sails-rt sets, which two records may share; name an attribute declared as ${KEY_FORMS}.`, where);
  }
  if (!Object.prototype.hasOwnProperty.call(attributes, primaryKey)) {
    const guess = closest(primaryKey, Object.keys(attributes));
    throw new SchemaError(
      `"primaryKey" is "${primaryKey}", but there is no attribute "${primaryKey}"${guess ? ` (did you mean "${guess}"?)` : ''}; declare it in the attributes, e.g. ${primaryKey}: ${KEY_FORMS.split(' or ')[0]}.`,
      where,
    );
  }
  return primaryKey;
}

/**
 * The primary key attribute, by Waterline 0.13's rules (waterline-schema): a string or a number,
 * never null, without a default, neither a timestamp nor a link. sails-rt adds one: the value comes
 * either from the store (`autoIncrement: true`, numbers only) or from every create (`required:
 * true`), since its SQLite store makes no other kind of key (Sails leaves that to the adapter).
 * Sails' config/models.js `id: { type: 'number' }` (autoIncrement left out) is still numbered.
 */
function normalizePrimaryKey(name: string, raw: unknown, where: SchemaLocation): NormalizedAttribute {
  const refuse = (problem: string): never => {
    throw new SchemaError(`is the primary key, so ${problem}; declare it as ${KEY_FORMS} (rules and metadata may be added).`, where);
  };
  if (!isPlainObject(raw)) return refuse(raw === false ? `"${name}: false" (turning it off) is not possible` : 'it must be an object');
  if ('model' in raw || 'collection' in raw) refuse('it cannot be a link (Waterline refuses an association as primary key)');
  const type = raw['type'];
  if (type !== 'string' && type !== 'number') {
    refuse(type === undefined ? 'it needs a type' : `its type cannot be ${describe(type)} (a primary key is a string or a number, as in Waterline)`);
  }
  if ('defaultsTo' in raw) refuse('it cannot have "defaultsTo" (every record needs its own value)');
  if (raw['allowNull'] === true) refuse('it cannot allow null');
  if (raw['autoCreatedAt'] === true || raw['autoUpdatedAt'] === true) refuse('it cannot be a timestamp (two records may share one)');
  if (raw['unique'] === false) refuse('it is always unique ("unique: false" does not apply)');
  const autoIncrement = flag(raw, 'autoIncrement', where);
  const required = flag(raw, 'required', where);
  if (autoIncrement && type === 'string') refuse('"autoIncrement" does not apply to its type string (only a number key is numbered by the store)');
  if (autoIncrement && required) refuse('it cannot be both "required" (each create sends it) and "autoIncrement" (the store numbers it)');
  const numbered = autoIncrement || (name === 'id' && type === 'number' && raw['autoIncrement'] === undefined && !required);
  const rule = Object.keys(raw).find((key) => !['type', 'autoIncrement', 'required', 'unique', 'allowNull', 'encrypt', ...METADATA_KEYS].includes(key));
  if (numbered && rule !== undefined) refuse(`"${rule}" does not apply while the store numbers it`);
  if (numbered && !autoIncrement) return normalizeAttribute(name, { ...raw, autoIncrement: true }, where, { primaryKey: true });
  if (!autoIncrement && !required) {
    refuse('it needs "required: true" (each create sends its value) or, for a number, "autoIncrement: true" (the store numbers records): sails-rt makes no other kind of key');
  }
  return normalizeAttribute(name, raw, where, { primaryKey: true });
}

/**
 * A `createdAt` or `updatedAt` in the attributes, as Sails' config/models.js declares them:
 * accepted when it says what sails-rt does anyway, refused otherwise. Returns its metadata.
 */
function normalizeBuiltIn(builtIn: NormalizedAttribute, raw: unknown, where: SchemaLocation): AttributeMetadata | undefined {
  const expected: Record<string, { form: string; keys: Record<string, unknown> }> = {
    createdAt: { form: "{ type: 'number', autoCreatedAt: true }", keys: { type: 'number', autoCreatedAt: true } },
    updatedAt: { form: "{ type: 'number', autoUpdatedAt: true }", keys: { type: 'number', autoUpdatedAt: true } },
  };
  const { form, keys } = expected[builtIn.name] ?? { form: '', keys: {} };
  const refuse = (problem: string): never => {
    throw new SchemaError(
      `${problem}; sails-rt sets "${builtIn.name}" to the time in ms, so this attribute may only be left out or declared as ${form} (with description, example and the like).`,
      where,
    );
  };
  if (!isPlainObject(raw)) return refuse(raw === false ? `"${builtIn.name}: false" (turning it off) is not supported` : 'must be an object');
  for (const [key, value] of Object.entries(raw)) {
    if (key in keys) {
      if (value !== keys[key]) refuse(`"${key}" is ${describe(value)}`);
    } else if (key === 'required' || key === 'unique' || key === 'allowNull' || key === 'encrypt') {
      // What sails-rt does already: neither is ever null or required on create.
      if (value !== false) refuse(`"${key}: ${String(value)}" is not what sails-rt does`);
    } else if (!(METADATA_KEYS as readonly string[]).includes(key)) {
      refuse(`"${key}" does not apply`);
    }
  }
  if (raw['type'] !== 'number') refuse(raw['type'] === undefined ? 'has no type' : `the type ${describe(raw['type'])} is not supported`);
  return normalizeMetadata(raw, where);
}

function normalizeMetadata(raw: Record<string, unknown>, where: SchemaLocation): AttributeMetadata | undefined {
  const metadata: AttributeMetadata = {};
  for (const key of ['columnType', 'description', 'extendedDescription', 'moreInfoUrl'] as const) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new SchemaError(`"${key}" must be a string, got ${describe(value)}.`, where);
    metadata[key] = value;
  }
  if (raw['protect'] !== undefined) metadata.protect = flag(raw, 'protect', where);
  if ('example' in raw) metadata.example = raw['example'];
  return Object.keys(metadata).length > 0 ? metadata : undefined;
}

function autoTimestamp(raw: Record<string, unknown>, where: SchemaLocation): 'createdAt' | 'updatedAt' | undefined {
  const created = flag(raw, 'autoCreatedAt', where);
  const updated = flag(raw, 'autoUpdatedAt', where);
  if (created && updated) throw new SchemaError('"autoCreatedAt" and "autoUpdatedAt" cannot both be true; use two attributes.', where);
  return created ? 'createdAt' : updated ? 'updatedAt' : undefined;
}

/**
 * `encrypt: true` as Waterline 0.13 accepts it (lib/waterline.js): on a plain attribute, never on
 * the primary key, a timestamp or a link (refused where those are read), and never with
 * `defaultsTo`, since Waterline does not encrypt defaults.
 */
function checkEncrypt(raw: Record<string, unknown>, where: SchemaLocation): true | undefined {
  const encrypt = raw['encrypt'];
  if (encrypt === undefined || encrypt === false) return undefined;
  if (encrypt !== true) throw new SchemaError(`"encrypt" must be true or false, got ${describe(encrypt)}.`, where);
  if ('defaultsTo' in raw) {
    throw new SchemaError('"encrypt: true" cannot be used with "defaultsTo" (Waterline does not encrypt defaults, so the default would be stored in clear); remove one of them.', where);
  }
  return true;
}

/** A Date, an ISO 8601 string or ms since 1970, as ms; undefined when it is none of these. */
function toTime(value: unknown): number | undefined {
  const time = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(time) ? time : undefined;
}

function toRegExp(value: unknown, where: SchemaLocation): RegExp {
  // g and y make test() remember where it stopped, so one value would pass and the next fail.
  if (value instanceof RegExp) return new RegExp(value.source, value.flags.replace(/[gy]/g, ''));
  if (typeof value !== 'string') {
    throw new SchemaError(`"regex" must be a RegExp (in a model file) or a pattern string (in a JSON or YAML file), got ${describe(value)}.`, where);
  }
  try {
    return new RegExp(value, 'u');
  } catch (error) {
    throw new SchemaError(`"regex" ${JSON.stringify(value)} is not a valid pattern (${(error as Error).message}).`, where);
  }
}

/** The SQLite table: `tableName` when given, else the identity. */
function modelTableName(definition: Record<string, unknown>, identity: string, where: SchemaLocation): string {
  const tableName = definition['tableName'];
  if (tableName === undefined) return identity;
  if (typeof tableName !== 'string' || !TABLE_NAME.test(tableName) || tableName.toLowerCase().startsWith('sqlite_')) {
    throw new SchemaError(
      `"tableName" must be a table name of letters, digits and _ (not starting with a digit or sqlite_), got ${describe(tableName)}.`,
      where,
    );
  }
  return tableName;
}
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The Sails settings sails-rt accepts only in the form that describes what it does. */
function checkModelSettings(definition: Record<string, unknown>, where: SchemaLocation): void {
  const { schema, datastore, dontUseObjectIds } = definition;
  if (schema !== undefined && schema !== true) {
    throw new SchemaError(
      `"schema" is ${describe(schema)}, but only schema: true is supported: each attribute is a SQLite column, so values under undeclared keys have nowhere to go; declare them, or use one attribute of type json.`,
      where,
    );
  }
  if (datastore !== undefined && datastore !== 'default') {
    throw new SchemaError(`"datastore" is ${describe(datastore)}, but sails-rt has one datastore, 'default' (the app's SQLite file); remove the setting.`, where);
  }
  if (dontUseObjectIds !== undefined && typeof dontUseObjectIds !== 'boolean') {
    throw new SchemaError(`"dontUseObjectIds" must be true or false, got ${describe(dontUseObjectIds)}.`, where);
  }
}

/**
 * What is wrong with an attribute name, as a sentence, or undefined when it is fine. Shared by
 * model files and `generate model` specs, so both refuse the same names.
 */
export function attributeNameProblem(name: string): string | undefined {
  if ((RESERVED_ATTRIBUTES as readonly string[]).includes(name)) {
    return `"${name}" is added to every model by sails-rt; remove it from the attributes (reserved: ${RESERVED_ATTRIBUTES.join(', ')}).`;
  }
  if (!ATTRIBUTE_NAME.test(name)) {
    return 'an attribute name must be a valid identifier (letters, digits and _, not starting with a digit).';
  }
  // Every object already has these; `{}` would then fit no record type, and `__proto__` in an
  // object literal sets the prototype instead of a key.
  if (name in Object.prototype) {
    return `"${name}" is a name every JavaScript object already has, so it cannot be an attribute; choose another name, e.g. ${name.replace(/^_+|_+$/g, '')}Value.`;
  }
  return undefined;
}

/**
 * Checks a value against an attribute's type and rules. Returns what is wrong as a phrase
 * ("must be a number, got \"abc\""), or undefined when the value fits. The runtime uses the
 * same check for every write, so the model file and the API agree.
 */
export function checkValue(attribute: NormalizedAttribute, value: unknown): string | undefined {
  if (value === null) {
    return attribute.allowNull || attribute.type === 'json' ? undefined : 'must not be null (set allowNull: true to allow it)';
  }
  switch (attribute.type) {
    case 'string':
      if (attribute.model !== undefined && !(typeof value === 'string' && value !== '')) {
        return `must be the id of a ${attribute.model} (a non-empty string) or null, got ${describe(value)}`;
      }
      if (typeof value !== 'string') return `must be a string, got ${describe(value)}`;
      // Waterline refuses '' as a primary key value: it would be a record nobody can address in a route.
      if (attribute.primaryKey && value === '') return 'must not be an empty string (it is the primary key)';
      break;
    case 'number':
      if (attribute.model !== undefined && !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) {
        return `must be the id of a ${attribute.model} (a whole number) or null, got ${describe(value)}`;
      }
      if (attribute.primaryKey && !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) {
        return `must be a whole number of 0 or more (it is the primary key), got ${describe(value)}`;
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a number, got ${describe(value)}`;
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return `must be true or false, got ${describe(value)}`;
      break;
    case 'json':
      if (value === undefined || !isJsonValue(value)) return `must be a JSON value, got ${describe(value)}`;
      break;
  }
  const { rules } = attribute;
  if (rules.isIn && !rules.isIn.includes(value as string | number)) {
    return `must be one of ${rules.isIn.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`;
  }
  if (rules.isNotIn?.includes(value as string | number)) {
    return `must not be any of ${rules.isNotIn.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`;
  }
  // On json, these say which kind of JSON value it holds (Sails uses them on type: 'ref' and 'json').
  for (const [rule, kind] of Object.entries(TYPE_CHECKS)) {
    if (rules[rule as keyof typeof TYPE_CHECKS] && typeof value !== kind) return `must be a ${kind}, got ${describe(value)}`;
  }
  if (rules.isInteger && !Number.isInteger(value)) return `must be a whole number, got ${describe(value)}`;
  if (typeof value === 'number') {
    if (rules.min !== undefined && value < rules.min) return `must be at least ${rules.min}, got ${value}`;
    if (rules.max !== undefined && value > rules.max) return `must be at most ${rules.max}, got ${value}`;
  }
  if (typeof value === 'string') {
    if (rules.isNotEmptyString && value === '') return 'must not be an empty string';
    if (rules.minLength !== undefined && value.length < rules.minLength) {
      return `must be at least ${rules.minLength} characters long`;
    }
    if (rules.maxLength !== undefined && value.length > rules.maxLength) {
      return `must be at most ${rules.maxLength} characters long`;
    }
    for (const rule of STRING_FORMATS) {
      if (rules[rule] && !FORMATS[rule].test(value)) return `must be ${FORMATS[rule].what}, got ${describe(value)}`;
    }
    if (rules.regex && !rules.regex.test(value)) return `must match ${String(rules.regex)}, got ${describe(value)}`;
  }
  if ((rules.isAfter !== undefined || rules.isBefore !== undefined) && (typeof value === 'string' || typeof value === 'number')) {
    const time = toTime(value);
    if (time === undefined) return `must be a date (an ISO 8601 string such as "2024-01-31", or ms), got ${describe(value)}`;
    if (rules.isAfter !== undefined && time <= rules.isAfter) return `must be after ${new Date(rules.isAfter).toISOString()}, got ${describe(value)}`;
    if (rules.isBefore !== undefined && time >= rules.isBefore) return `must be before ${new Date(rules.isBefore).toISOString()}, got ${describe(value)}`;
  }
  if (rules.custom) {
    let passed: unknown;
    try {
      passed = rules.custom(value);
    } catch {
      passed = false;
    }
    // As in Sails, a custom rule passes on a truthy answer and fails on a falsy one or a throw.
    if (!passed) return `did not pass the custom rule, got ${describe(value)}`;
  }
  return undefined;
}

// Deliberately simple: one @, no spaces, a dot in the domain. Full RFC 5322 rejects nothing useful.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The string formats, each a test and what the value must be, in words. */
const FORMATS: Record<(typeof STRING_FORMATS)[number], { what: string; test: (value: string) => boolean }> = {
  isEmail: { what: 'an email address', test: (value) => EMAIL.test(value) },
  isCreditCard: { what: 'a credit card number', test: isCreditCardNumber },
  isHexColor: { what: 'a hex color such as #fa0 or #ffaa00', test: (value) => /^#?(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(value) },
  isIP: { what: 'an IPv4 or IPv6 address', test: (value) => isIP(value) !== 0 },
  isURL: { what: 'a URL', test: isUrl },
  isUUID: { what: 'a UUID', test: (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) },
};

/** 13 to 19 digits (spaces and dashes allowed between) with a valid Luhn check digit. */
function isCreditCardNumber(value: string): boolean {
  if (!/^[\d -]+$/.test(value)) return false;
  const digits = value.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * An http, https or ftp URL with a host that has a dot (or is localhost), as validator's isURL
 * (Sails' check) requires by default; a bare host such as example.com is one too.
 */
function isUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  // A scheme without // (mailto:, javascript:) is not a web address; host:port is.
  if (/^[a-z][a-z0-9+.-]*:(?!\/\/|\d)/i.test(value)) return false;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    return false;
  }
  if (!['http:', 'https:', 'ftp:'].includes(url.protocol)) return false;
  return url.hostname === 'localhost' || isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0 || /^[^.]+(\.[^.]+)+$/.test(url.hostname);
}

/** Whether `value` survives JSON as it is: no NaN or Infinity (JSON writes them as null), anywhere in it. */
function isJsonValue(value: unknown, depth = 0): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || value === null || depth > 100) return true;
  return Object.values(value).every((item) => isJsonValue(item, depth + 1));
}

function describe(value: unknown): string {
  // NaN and ±Infinity as themselves: JSON would print them as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function flag(raw: Record<string, unknown>, key: string, where: SchemaLocation): boolean {
  const value = raw[key];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new SchemaError(`"${key}" must be true or false.`, where);
  return value;
}
