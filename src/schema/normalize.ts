import { SchemaError, type SchemaLocation } from './errors.js';
import {
  ATTRIBUTE_TYPES,
  type AttributeRules,
  type AttributeType,
  LIFECYCLE_CALLBACKS,
  type ModelDefinition,
  type ModelLifecycle,
  type NormalizedAttribute,
  type NormalizedCollection,
  type NormalizedModel,
} from './model.js';
import { closest } from './attribute-spec.js';
import { names } from './names.js';

const MODEL_KEYS = ['attributes', 'publishWrites'] as const;
/** Model settings whose value is a function (Waterline's lifecycle callbacks and customToJSON). */
const FUNCTION_KEYS = [...LIFECYCLE_CALLBACKS, 'customToJSON'] as const;
const RESERVED_ATTRIBUTES = ['id', 'createdAt', 'updatedAt'] as const;
const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Each option an attribute may carry, with the types it fits (`undefined`: every type). */
const OPTION_TYPES: Record<string, readonly AttributeType[] | undefined> = {
  type: undefined,
  required: undefined,
  unique: ['string', 'number'],
  defaultsTo: undefined,
  allowNull: ['string', 'number', 'boolean'],
  isEmail: ['string'],
  isIn: ['string', 'number'],
  min: ['number'],
  max: ['number'],
  minLength: ['string'],
  maxLength: ['string'],
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
      if (attribute.model !== undefined && !byIdentity.has(attribute.model)) missing(model, attribute.name, attribute.model);
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
      } else if (backCollection) {
        if (backCollection.collection !== model.identity || backCollection.via !== collection.name) {
          throw new SchemaError(
            `has via "${collection.via}", but ${target.className}.${collection.via} is { collection: '${backCollection.collection}', via: '${backCollection.via}' }; for a many-to-many link it must be { collection: '${model.identity}', via: '${collection.name}' }.`,
            where,
          );
        }
        collection.kind = 'many-to-many';
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
      throw new SchemaError(`unknown model setting "${key}"; allowed: ${MODEL_KEYS.join(', ')}.`, where);
    }
  }
  const functions = functionSettings(definition, where);
  const publishWrites = (definition as Partial<ModelDefinition>).publishWrites;
  if (publishWrites !== undefined && typeof publishWrites !== 'boolean') {
    throw new SchemaError(`"publishWrites" must be true or false, got ${JSON.stringify(publishWrites)}.`, where);
  }
  const attributes = (definition as Partial<ModelDefinition>).attributes;
  if (!isPlainObject(attributes)) {
    throw new SchemaError('"attributes" must be an object mapping attribute names to { type: ... }.', where);
  }
  // `__proto__: {...}` in an object literal sets the prototype: the attribute would vanish silently.
  const prototype: unknown = Object.getPrototypeOf(attributes);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new SchemaError('"attributes" has an attribute named __proto__, which JavaScript reads as the object\'s prototype; choose another name.', where);
  }

  const collections: NormalizedCollection[] = [];
  const normalized: NormalizedAttribute[] = [
    { name: 'id', type: 'number', required: false, unique: true, allowNull: false, rules: {}, auto: 'id' },
    { name: 'createdAt', type: 'number', required: false, unique: false, allowNull: false, rules: {}, auto: 'createdAt' },
    { name: 'updatedAt', type: 'number', required: false, unique: false, allowNull: false, rules: {}, auto: 'updatedAt' },
  ];
  for (const [name, attribute] of Object.entries(attributes)) {
    const located = { ...where, attribute: name };
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
    tableName: modelNames.identity,
    primaryKey: 'id',
    attributes: normalized,
    collections,
    ...(publishWrites === undefined ? {} : { publishWrites }),
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

function normalizeAttribute(name: string, raw: unknown, where: SchemaLocation): NormalizedAttribute {
  const nameProblem = attributeNameProblem(name);
  if (nameProblem) throw new SchemaError(nameProblem, where);
  if (!isPlainObject(raw)) {
    throw new SchemaError(`must be an object such as { type: 'string' }; types: ${ATTRIBUTE_TYPES.join(', ')}.`, where);
  }
  const type = raw['type'];
  if (typeof type !== 'string' || !(ATTRIBUTE_TYPES as readonly string[]).includes(type)) {
    throw new SchemaError(
      `${type === undefined ? 'has no type' : `has the unknown type ${JSON.stringify(type)}`}; types: ${ATTRIBUTE_TYPES.join(', ')}.`,
      where,
    );
  }
  const attributeType = type as AttributeType;

  for (const option of Object.keys(raw)) {
    if (!(option in OPTION_TYPES)) {
      throw new SchemaError(`unknown rule "${option}"; allowed: ${ATTRIBUTE_OPTIONS.join(', ')}.`, where);
    }
    const fits = OPTION_TYPES[option];
    if (fits && !fits.includes(attributeType)) {
      throw new SchemaError(`"${option}" does not apply to type ${attributeType}; it fits: ${fits.join(', ')}.`, where);
    }
  }

  const required = flag(raw, 'required', where);
  const unique = flag(raw, 'unique', where);
  const allowNull = flag(raw, 'allowNull', where);
  if (required && allowNull) {
    throw new SchemaError('"required" and "allowNull" cannot both be true: a required value is never null.', where);
  }
  if (required && 'defaultsTo' in raw) {
    throw new SchemaError('"required" and "defaultsTo" cannot both be set: a default is only used when no value is given.', where);
  }

  const rules: AttributeRules = {};
  if (flag(raw, 'isEmail', where)) rules.isEmail = true;
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
  if (raw['isIn'] !== undefined) {
    const isIn = raw['isIn'];
    // A number no record can hold (Infinity, NaN: YAML's .inf, .nan) would be a value nobody can write.
    const fits = (v: unknown) => typeof v === attributeType && (typeof v !== 'number' || Number.isFinite(v));
    if (!Array.isArray(isIn) || isIn.length === 0 || !isIn.every(fits)) {
      throw new SchemaError(`"isIn" must be a non-empty array of ${attributeType === 'number' ? 'finite numbers' : `${attributeType} values`}.`, where);
    }
    rules.isIn = [...(isIn as (string | number)[])];
  }

  const attribute: NormalizedAttribute = { name, type: attributeType, required, unique, allowNull, rules };
  if ('defaultsTo' in raw) {
    const problem = checkValue(attribute, raw['defaultsTo']);
    if (problem) throw new SchemaError(`"defaultsTo" ${problem}.`, where);
    attribute.defaultsTo = raw['defaultsTo'];
  }
  return attribute;
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
      if (typeof value !== 'string') return `must be a string, got ${describe(value)}`;
      break;
    case 'number':
      if (attribute.model !== undefined && !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) {
        return `must be the id of a ${attribute.model} (a whole number) or null, got ${describe(value)}`;
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
  if (typeof value === 'number') {
    if (rules.min !== undefined && value < rules.min) return `must be at least ${rules.min}, got ${value}`;
    if (rules.max !== undefined && value > rules.max) return `must be at most ${rules.max}, got ${value}`;
  }
  if (typeof value === 'string') {
    if (rules.minLength !== undefined && value.length < rules.minLength) {
      return `must be at least ${rules.minLength} characters long`;
    }
    if (rules.maxLength !== undefined && value.length > rules.maxLength) {
      return `must be at most ${rules.maxLength} characters long`;
    }
    if (rules.isEmail && !EMAIL.test(value)) return `must be an email address, got ${describe(value)}`;
  }
  return undefined;
}

// Deliberately simple: one @, no spaces, a dot in the domain. Full RFC 5322 rejects nothing useful.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
