/**
 * Sails' query language (docs/protocol.md section 7), read from request params and checked against
 * the model: `where` with every Waterline modifier, stray params as equality filters, `sort` in
 * every accepted form, `limit`, `skip`, `select` and `omit` (comma strings or arrays). Anything
 * that cannot be used is a 400 E_INVALID_CRITERIA that says what to send instead, never a 500.
 */
import { closest, primaryKeyOf, type NormalizedAttribute, type NormalizedModel, isPlainObject } from '../../schema/index.js';
import { SailsRtError } from '../errors.js';
import type { Condition, Criteria, PkValue, Scalar, SortClause } from '../store/index.js';
import { looseValue } from './coerce.js';
import { BLUEPRINT_BOUNDS, count, CriteriaTally, overBound, type CriteriaBounds } from './limits.js';
import { unstorableText } from './text.js';

/** find's default page size, hard-coded in Sails' blueprints. */
export const DEFAULT_LIMIT = 30;

/** Params that are never read as equality filters. */
const RESERVED_PARAMS = new Set(['where', 'limit', 'skip', 'sort', 'select', 'omit', 'populate']);

type Modifier = '<' | '<=' | '>' | '>=' | '!=' | 'in' | 'nin' | 'like' | 'contains' | 'startsWith' | 'endsWith';

const MODIFIERS = new Map<string, Modifier>([
  ['<', '<'],
  ['<=', '<='],
  ['>', '>'],
  ['>=', '>='],
  ['!=', '!='],
  ['in', 'in'],
  ['nin', 'nin'],
  ['like', 'like'],
  ['contains', 'contains'],
  ['startsWith', 'startsWith'],
  ['endsWith', 'endsWith'],
  // Deprecated names Waterline still maps.
  ['lessThan', '<'],
  ['lessThanOrEqual', '<='],
  ['greaterThan', '>'],
  ['greaterThanOrEqual', '>='],
  ['not', '!='],
  ['!', '!='],
  ['!==', '!='],
]);
const MODIFIER_LIST = '<, <=, >, >=, !=, in, nin, like, contains, startsWith, endsWith';

const LIKE_SPECIALS = /[\\%_]/g;
const INTEGER = /^\d+$/;

function invalid(message: string): SailsRtError {
  return new SailsRtError('E_INVALID_CRITERIA', message);
}

/** What reading one `where` needs besides the model: the bounds, and the running totals. */
interface Reading {
  bounds: CriteriaBounds;
  tally: CriteriaTally;
}

/**
 * The criteria of a blueprint find, from `req.allParams()`, checked against `bounds` (the
 * blueprints' defaults unless given; the model API passes its own).
 */
export function parseFindCriteria(model: NormalizedModel, params: Record<string, unknown>, bounds: CriteriaBounds = BLUEPRINT_BOUNDS): Criteria {
  let where: Condition | undefined;
  const reading: Reading = { bounds, tally: new CriteriaTally(bounds) };
  if (params['where'] !== undefined) {
    where = parseWhere(model, params['where'], bounds);
  } else {
    // As in Sails: with no `where`, every other param is an equality filter.
    const filters: Record<string, unknown> = {};
    let any = false;
    for (const key of Object.keys(params)) {
      const value = params[key];
      if (value === undefined || RESERVED_PARAMS.has(key)) continue;
      filters[key] = value;
      any = true;
    }
    if (any) where = whereObject(model, filters, 'the params (read as filters because no `where` was sent)', reading);
  }
  const limit = parseCount('limit', params['limit'], true);
  return {
    ...(where ? { where } : {}),
    sort: parseSort(model, params['sort'], bounds),
    ...(limit === -1 ? {} : { limit: limit ?? DEFAULT_LIMIT }),
    skip: parseCount('skip', params['skip'], false) ?? 0,
    ...projection(model, params, bounds),
  };
}

/** `where`: a JSON string or an object. */
export function parseWhere(model: NormalizedModel, raw: unknown, bounds: CriteriaBounds = BLUEPRINT_BOUNDS): Condition {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw invalid(`Could not parse the \`where\` param as JSON (got ${show(raw)}); send an object such as {"name":"bob"} or {"age":{">":30}}.`);
    }
  }
  if (!isPlainObject(value)) {
    throw invalid(`The \`where\` param must be an object such as {"name":"bob"}, got ${show(value)}.`);
  }
  return whereObject(model, value, '`where`', { bounds, tally: new CriteriaTally(bounds) });
}

function whereObject(model: NormalizedModel, where: Record<string, unknown>, context: string, reading: Reading, depth = 0): Condition {
  const { bounds, tally } = reading;
  const items: Condition[] = [];
  for (const key of Object.keys(where)) {
    const value = where[key];
    if (value === undefined) continue;
    tally.term();
    if (key === 'or' || key === 'and') {
      if (depth >= bounds.limits.maxDepth) {
        throw overBound(bounds, 'maxDepth', `\`where\` nests \`and\`/\`or\` at least ${count(depth + 1)} levels deep`, 'flatten the conditions');
      }
      if (!Array.isArray(value)) {
        throw invalid(`\`${key}\` in ${context} must be an array of conditions such as [{"name":"a"},{"age":3}], got ${show(value)}.`);
      }
      // Checked before the items are looked at: the cost of reading stays bounded too.
      if (value.length > bounds.limits.maxLogicBreadth) {
        throw overBound(bounds, 'maxLogicBreadth', `\`${key}\` in ${context} has ${count(value.length)} conditions`, 'send fewer conditions, or split the request');
      }
      if (!value.every(isPlainObject)) {
        throw invalid(`\`${key}\` in ${context} must be an array of conditions such as [{"name":"a"},{"age":3}], got ${show(value)}.`);
      }
      items.push({ kind: key, items: value.map((item) => whereObject(model, item, `\`${key}\``, reading, depth + 1)) });
      continue;
    }
    const attribute = findAttribute(model, key, context);
    items.push(attributeCondition(attribute, value, reading));
  }
  return items.length === 1 && items[0] ? items[0] : { kind: 'and', items };
}

/** The values of an in/nin list, counted against the bounds before any is read. */
function listValues(attribute: NormalizedAttribute, values: unknown[], modifier: string, reading: Reading): Scalar[] {
  const { bounds, tally } = reading;
  if (values.length > bounds.limits.maxInValues) {
    throw overBound(bounds, 'maxInValues', `\`${modifier}\` on \`${attribute.name}\` lists ${count(values.length)} values`, 'send fewer values, or split the request');
  }
  tally.term(values.length);
  return values.map((v) => scalar(attribute, v, modifier, reading));
}

function attributeCondition(attribute: NormalizedAttribute, value: unknown, reading: Reading): Condition {
  const name = attribute.name;
  if (Array.isArray(value)) return { kind: 'in', attribute: name, values: listValues(attribute, value, 'in', reading) };
  if (!isPlainObject(value)) return { kind: 'compare', attribute: name, op: '=', value: scalar(attribute, value, '=', reading) };
  const keys = Object.keys(value);
  if (keys.length === 0) {
    throw invalid(`The condition on \`${name}\` is an empty object; send a value or modifiers such as {">": 3} (modifiers: ${MODIFIER_LIST}).`);
  }
  const items: Condition[] = keys.map((key): Condition => {
    const modifier = MODIFIERS.get(key);
    const operand = value[key];
    reading.tally.term();
    if (modifier === undefined) {
      const reason = unstorableText(key);
      if (reason !== undefined) throw invalid(`A modifier on \`${name}\` ${reason}.`);
      // Short words are too close to everything ("foo" is two edits from "not"): suggest only for longer ones.
      const guess = key.length > 3 ? closest(key, [...MODIFIERS.keys()]) : undefined;
      throw invalid(
        `Unrecognized modifier \`${key}\` on \`${name}\`${guess ? ` (did you mean \`${guess}\`?)` : ''}; modifiers: ${MODIFIER_LIST}.`,
      );
    }
    switch (modifier) {
      case 'in':
      case 'nin':
        if (!Array.isArray(operand)) throw invalid(`\`${key}\` on \`${name}\` needs an array of values, got ${show(operand)}.`);
        return { kind: modifier, attribute: name, values: listValues(attribute, operand, key, reading) };
      case '!=':
        if (Array.isArray(operand)) return { kind: 'nin', attribute: name, values: listValues(attribute, operand, key, reading) };
        return { kind: 'compare', attribute: name, op: '!=', value: scalar(attribute, operand, key, reading) };
      case '<':
      case '<=':
      case '>':
      case '>=': {
        if (attribute.type === 'boolean' || attribute.type === 'json') {
          throw invalid(`\`${key}\` does not apply to \`${name}\`, a ${attribute.type} attribute; compare it with a value or \`in\`.`);
        }
        const operandValue = scalar(attribute, operand, key, reading);
        if (operandValue === null) throw invalid(`\`${key}\` on \`${name}\` needs a ${attribute.type}, got null.`);
        return { kind: 'compare', attribute: name, op: modifier, value: operandValue };
      }
      case 'like':
      case 'contains':
      case 'startsWith':
      case 'endsWith': {
        if (attribute.type !== 'string') {
          throw invalid(`\`${key}\` only applies to string attributes, and \`${name}\` is a ${attribute.type}; use =, <, >, in or nin.`);
        }
        if (typeof operand !== 'string' && typeof operand !== 'number') {
          throw invalid(`\`${key}\` on \`${name}\` needs a string, got ${show(operand)}.`);
        }
        const text = String(operand);
        const { bounds } = reading;
        if (text.length > bounds.limits.maxPatternLength) {
          // A pattern's cost grows with its length times the length of each string it is matched against.
          throw overBound(bounds, 'maxPatternLength', `The \`${key}\` operand on \`${name}\` is ${count(text.length)} characters`, 'send a shorter pattern');
        }
        checkText(attribute, text, key, reading);
        const escaped = text.replace(LIKE_SPECIALS, '\\$&');
        const pattern =
          modifier === 'like'
            ? text
            : modifier === 'contains'
              ? `%${escaped}%`
              : modifier === 'startsWith'
                ? `${escaped}%`
                : `%${escaped}`;
        return { kind: 'like', attribute: name, pattern };
      }
    }
  });
  return items.length === 1 && items[0] ? items[0] : { kind: 'and', items };
}

/** A string operand: within the bounds, and text every store can keep as sent. */
function checkText(attribute: NormalizedAttribute, text: string, modifier: string, reading: Reading): void {
  const which = `\`${attribute.name}\`${modifier === '=' ? '' : ` (\`${modifier}\`)`}`;
  const { bounds, tally } = reading;
  if (text.length > bounds.limits.maxStringLength) {
    throw overBound(bounds, 'maxStringLength', `The value for ${which} is ${count(text.length)} characters`, 'send a shorter value');
  }
  tally.text(text.length);
  const reason = unstorableText(text);
  if (reason !== undefined) throw invalid(`The value for ${which} ${reason}.`);
}

/**
 * A filter value in the attribute's own type, read as Waterline reads a value to compare
 * (rttc's loose validation, coerce.ts): `'5'` is 5 for a number, `45` is `'45'` for a string.
 */
function scalar(attribute: NormalizedAttribute, value: unknown, modifier: string, reading: Reading): Scalar {
  const name = attribute.name;
  if (value === null) return null;
  const wrong = (expected: string): SailsRtError =>
    invalid(`The value for \`${name}\`${modifier === '=' ? '' : ` (\`${modifier}\`)`} must be ${expected}, got ${show(value)}.`);
  if (typeof value === 'string') checkText(attribute, value, modifier, reading);
  const read = looseValue(attribute.type, value);
  switch (attribute.type) {
    case 'number':
      if (typeof read === 'number' && Number.isFinite(read)) return read;
      throw wrong('a number');
    case 'string':
      if (typeof read === 'string') return read;
      throw wrong('a string');
    case 'boolean':
      if (typeof read === 'boolean') return read;
      throw wrong('true or false');
    case 'json':
      if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
      throw wrong('a string, number or boolean (objects cannot be compared)');
  }
}

/** `sort` in every form of docs/protocol.md 7.2. */
export function parseSort(model: NormalizedModel, raw: unknown, bounds: CriteriaBounds = BLUEPRINT_BOUNDS): SortClause[] {
  if (raw === undefined || raw === null || raw === '') return [];
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
  }
  if (typeof value === 'string') return [sortString(model, value)];
  if (Array.isArray(value)) {
    checkListLength(bounds, 'sort', value.length);
    return dedupeSort(value.map((item): SortClause => {
      if (typeof item === 'string') return sortString(model, item);
      if (isPlainObject(item)) {
        const keys = Object.keys(item);
        const key = keys[0];
        const direction = item[key ?? ''];
        if (keys.length === 1 && key !== undefined && typeof direction === 'string' && /^(asc|desc)$/i.test(direction)) {
          return { attribute: findAttribute(model, key, '`sort`').name, direction: direction.toLowerCase() as 'asc' | 'desc' };
        }
      }
      throw invalid(`Each entry of the \`sort\` array must be "age DESC" or {"age":"DESC"} (one attribute each), got ${show(item)}.`);
    }));
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    checkListLength(bounds, 'sort', keys.length);
    // Mongo style: {"age": -1}. Only 1 and -1 are accepted here, as in Waterline.
    return keys.map((key): SortClause => {
      const direction = value[key];
      if (direction !== 1 && direction !== -1) {
        throw invalid(
          `In a \`sort\` object each value must be 1 or -1 (got ${show(direction)} for \`${key}\`); send {"${key}":-1} or [{"${key}":"DESC"}].`,
        );
      }
      return { attribute: findAttribute(model, key, '`sort`').name, direction: direction === 1 ? 'asc' : 'desc' };
    });
  }
  throw invalid(`The \`sort\` param must be like "age DESC", ["age DESC","name ASC"] or [{"age":"DESC"}], got ${show(value)}.`);
}

/** A later clause on the same attribute cannot change the order: only the first is kept. */
function dedupeSort(clauses: SortClause[]): SortClause[] {
  const seen = new Set<string>();
  return clauses.filter((clause) => !seen.has(clause.attribute) && seen.add(clause.attribute));
}

/** The 400 for a `select`, `omit`, `populate` or `sort` list past maxListLength (checked before its entries are read). */
export function checkListLength(bounds: CriteriaBounds, param: 'select' | 'omit' | 'populate' | 'sort', length: number): void {
  if (length > bounds.limits.maxListLength) {
    throw overBound(bounds, 'maxListLength', `\`${param}\` lists ${count(length)} entries`, 'send each name once');
  }
}

function sortString(model: NormalizedModel, text: string): SortClause {
  const parts = text.trim().split(/\s+/);
  const [name, direction = 'asc', ...rest] = parts;
  if (text.includes(',') || rest.length > 0 || name === undefined || name === '' || !/^(asc|desc)$/i.test(direction)) {
    throw invalid(
      `Could not read the sort ${show(text)}; send "attribute ASC" or "attribute DESC", and several as an array: ["age DESC","name ASC"].`,
    );
  }
  return { attribute: findAttribute(model, name, '`sort`').name, direction: direction.toLowerCase() as 'asc' | 'desc' };
}

/** `limit` (where -1 means no limit) or `skip`: a natural number, or a string of one. */
function parseCount(name: 'limit' | 'skip', raw: unknown, allowAll: boolean): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value === 'number' && Number.isSafeInteger(value) && (value >= 0 || (allowAll && value === -1))) return value;
  throw invalid(`\`${name}\` must be a whole number of 0 or more${allowAll ? ' (or -1 for no limit)' : ''}, got ${show(raw)}.`);
}

/** `select` / `omit` as a column list; `select` wins when both are sent. The primary key is always read, as in Waterline. */
export function projection(model: NormalizedModel, params: Record<string, unknown>, bounds: CriteriaBounds = BLUEPRINT_BOUNDS): { select?: string[] } {
  const key = model.primaryKey;
  const select = parseNameList(model, 'select', params['select'], bounds);
  if (select) return { select: select.includes(key) ? select : [key, ...select] };
  const omit = parseNameList(model, 'omit', params['omit'], bounds);
  if (omit) return { select: model.attributes.map((a) => a.name).filter((n) => n === key || !omit.includes(n)) };
  return {};
}

function parseNameList(model: NormalizedModel, param: 'select' | 'omit', raw: unknown, bounds: CriteriaBounds): string[] | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const names = splitNames(raw);
  if (names === 'unparsable') {
    throw invalid(`Could not parse \`${param}\` as a JSON array (got ${show(raw)}); send "name,age" or ["name","age"].`);
  }
  if (names === undefined) {
    throw invalid(`\`${param}\` must be a comma-separated string such as "name,age" or an array of names, got ${show(raw)}.`);
  }
  checkListLength(bounds, param, names.length);
  // A name sent twice is read once: a column selected twice is still one column.
  return [...new Set(names.map((n) => findAttribute(model, n, `\`${param}\``).name))];
}

/**
 * A list of names as a client sends it: "a,b", a JSON array string '["a","b"]', or an array.
 * Trimmed, blanks dropped; `undefined` when it is no such list, 'unparsable' for broken JSON.
 */
export function splitNames(raw: unknown): string[] | 'unparsable' | undefined {
  let list: unknown = raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text.startsWith('[')) {
      try {
        list = JSON.parse(text);
      } catch {
        return 'unparsable';
      }
    } else {
      list = text.split(',');
    }
  }
  if (!Array.isArray(list) || !list.every((n) => typeof n === 'string')) return undefined;
  return (list as string[]).map((n) => n.trim()).filter((n) => n !== '');
}

/**
 * A primary key value from a route param (`:id` holds it whatever the key is named, as in Sails'
 * blueprints) or a body: a whole number for a number key, given as text or not; for a string key,
 * the non-empty string as it is.
 */
export function parseId(model: NormalizedModel, raw: unknown, whereGiven: string | (() => string)): PkValue {
  const key = primaryKeyOf(model);
  if (raw === undefined || raw === null || raw === '') {
    const example = key.type === 'string' ? 'abc' : '1';
    throw invalid(`No ${model.identity} ${key.name} was given (${describeWhere(whereGiven)}); name the record in the path, as in /${model.identity}/${example}.`);
  }
  if (key.type === 'string') {
    if (typeof raw === 'string' && raw !== '') return raw;
    throw invalid(`${show(raw)} is not a valid ${model.identity} ${key.name} (${describeWhere(whereGiven)}); a ${key.name} is a non-empty string, as in /${model.identity}/abc.`);
  }
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw;
  if (typeof raw === 'string' && INTEGER.test(raw)) {
    const id = Number(raw);
    if (Number.isSafeInteger(id)) return id;
  }
  const where = describeWhere(whereGiven);
  if (key.name === 'id') throw invalid(`${show(raw)} is not a valid ${model.identity} id (${where}); ids are whole numbers, as in /${model.identity}/1.`);
  throw invalid(`${show(raw)} is not a valid ${model.identity} ${key.name} (${where}); a ${key.name} is a whole number, as in /${model.identity}/1.`);
}

/** `where` made only for a message: a blueprint read by id builds no string for a valid id. */
function describeWhere(where: string | (() => string)): string {
  return typeof where === 'string' ? where : where();
}

/** Past this length a name is no typo of an attribute: no guess is computed, and the message shows its start only. */
const GUESSABLE_NAME = 64;

function findAttribute(model: NormalizedModel, name: string, context: string): NormalizedAttribute {
  const attribute = model.attributes.find((a) => a.name === name);
  if (attribute) return attribute;
  const reason = unstorableText(name);
  if (reason !== undefined) throw invalid(`${context} names the attribute ${show(name)}, which ${reason}.`);
  const all = model.attributes.map((a) => a.name);
  const guess = name.length > GUESSABLE_NAME ? undefined : closest(name, all);
  const shown = name.length > GUESSABLE_NAME ? `${name.slice(0, GUESSABLE_NAME)}...` : name;
  throw invalid(
    `${context} names \`${shown}\`, which is not an attribute of ${model.identity}${guess ? ` (did you mean \`${guess}\`?)` : ''}; attributes: ${all.join(', ')}.`,
  );
}

/** A value as a message shows it: JSON, cut to 60 characters. */
export function show(value: unknown): string {
  let text: string;
  try {
    // JSON would show Infinity (1e309 parses to it) and NaN as null.
    text = typeof value === 'number' && !Number.isFinite(value) ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    // Too deep for JSON.stringify's recursion: an error message must not become a 500.
    text = Array.isArray(value) ? '[…]' : '{…}';
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
