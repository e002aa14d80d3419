/**
 * Sails' query language (docs/protocol.md section 7), read from request params and checked against
 * the model: `where` with every Waterline modifier, stray params as equality filters, `sort` in
 * every accepted form, `limit`, `skip`, `select` and `omit` (comma strings or arrays). Anything
 * that cannot be used is a 400 E_INVALID_CRITERIA that says what to send instead, never a 500.
 */
import { closest, type NormalizedAttribute, type NormalizedModel } from '../../schema/index.js';
import { SailsRtError } from '../errors.js';
import type { Condition, Criteria, Scalar, SortClause } from '../store/index.js';

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

/** How deep `and`/`or` may nest; deeper input would overflow the stack while it is read and compiled. */
const MAX_WHERE_DEPTH = 32;

const LIKE_SPECIALS = /[\\%_]/g;
const NUMERIC = /^\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;
const INTEGER = /^\d+$/;

function invalid(message: string): SailsRtError {
  return new SailsRtError('E_INVALID_CRITERIA', message);
}

/** The criteria of a blueprint find, from `req.allParams()`. */
export function parseFindCriteria(model: NormalizedModel, params: Record<string, unknown>): Criteria {
  let where: Condition | undefined;
  if (params['where'] !== undefined) {
    where = parseWhere(model, params['where']);
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
    if (any) where = whereObject(model, filters, 'the params (read as filters because no `where` was sent)');
  }
  const limit = parseCount('limit', params['limit'], true);
  return {
    ...(where ? { where } : {}),
    sort: parseSort(model, params['sort']),
    ...(limit === -1 ? {} : { limit: limit ?? DEFAULT_LIMIT }),
    skip: parseCount('skip', params['skip'], false) ?? 0,
    ...projection(model, params),
  };
}

/** `where`: a JSON string or an object. */
export function parseWhere(model: NormalizedModel, raw: unknown): Condition {
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
  return whereObject(model, value, '`where`');
}

function whereObject(model: NormalizedModel, where: Record<string, unknown>, context: string, depth = 0): Condition {
  const items: Condition[] = [];
  for (const key of Object.keys(where)) {
    const value = where[key];
    if (value === undefined) continue;
    if (key === 'or' || key === 'and') {
      if (depth >= MAX_WHERE_DEPTH) throw invalid(`\`where\` nests \`and\`/\`or\` more than ${MAX_WHERE_DEPTH} levels deep; flatten the conditions.`);
      if (!Array.isArray(value) || !value.every(isPlainObject)) {
        throw invalid(`\`${key}\` in ${context} must be an array of conditions such as [{"name":"a"},{"age":3}], got ${show(value)}.`);
      }
      items.push({ kind: key, items: value.map((item) => whereObject(model, item, `\`${key}\``, depth + 1)) });
      continue;
    }
    const attribute = findAttribute(model, key, context);
    items.push(attributeCondition(model, attribute, value));
  }
  return items.length === 1 && items[0] ? items[0] : { kind: 'and', items };
}

function attributeCondition(model: NormalizedModel, attribute: NormalizedAttribute, value: unknown): Condition {
  const name = attribute.name;
  if (Array.isArray(value)) return { kind: 'in', attribute: name, values: value.map((v) => scalar(attribute, v, 'in')) };
  if (!isPlainObject(value)) return { kind: 'compare', attribute: name, op: '=', value: scalar(attribute, value, '=') };
  const keys = Object.keys(value);
  if (keys.length === 0) {
    throw invalid(`The condition on \`${name}\` is an empty object; send a value or modifiers such as {">": 3} (modifiers: ${MODIFIER_LIST}).`);
  }
  const items: Condition[] = keys.map((key): Condition => {
    const modifier = MODIFIERS.get(key);
    const operand = value[key];
    if (modifier === undefined) {
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
        return { kind: modifier, attribute: name, values: operand.map((v) => scalar(attribute, v, key)) };
      case '!=':
        if (Array.isArray(operand)) return { kind: 'nin', attribute: name, values: operand.map((v) => scalar(attribute, v, key)) };
        return { kind: 'compare', attribute: name, op: '!=', value: scalar(attribute, operand, key) };
      case '<':
      case '<=':
      case '>':
      case '>=': {
        if (attribute.type === 'boolean' || attribute.type === 'json') {
          throw invalid(`\`${key}\` does not apply to \`${name}\`, a ${attribute.type} attribute; compare it with a value or \`in\`.`);
        }
        const operandValue = scalar(attribute, operand, key);
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

/** A filter value in the attribute's own type; numeric strings (from a query string) are accepted. */
function scalar(attribute: NormalizedAttribute, value: unknown, modifier: string): Scalar {
  const name = attribute.name;
  if (value === null) return null;
  const wrong = (expected: string): SailsRtError =>
    invalid(`The value for \`${name}\`${modifier === '=' ? '' : ` (\`${modifier}\`)`} must be ${expected}, got ${show(value)}.`);
  switch (attribute.type) {
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
      throw wrong('a number');
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      throw wrong('a string');
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 1 || value === '1') return true;
      if (value === 'false' || value === 0 || value === '0') return false;
      throw wrong('true or false');
    case 'json':
      if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
      throw wrong('a string, number or boolean (objects cannot be compared)');
  }
}

/** `sort` in every form of docs/protocol.md 7.2. */
export function parseSort(model: NormalizedModel, raw: unknown): SortClause[] {
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
    return value.map((item): SortClause => {
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
    });
  }
  if (isPlainObject(value)) {
    // Mongo style: {"age": -1}. Only 1 and -1 are accepted here, as in Waterline.
    return Object.keys(value).map((key): SortClause => {
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

/** `select` / `omit` as a column list; `select` wins when both are sent. The id is always read. */
export function projection(model: NormalizedModel, params: Record<string, unknown>): { select?: string[] } {
  const select = parseNameList(model, 'select', params['select']);
  if (select) return { select: select.includes('id') ? select : ['id', ...select] };
  const omit = parseNameList(model, 'omit', params['omit']);
  if (omit) return { select: model.attributes.map((a) => a.name).filter((n) => n === 'id' || !omit.includes(n)) };
  return {};
}

function parseNameList(model: NormalizedModel, param: 'select' | 'omit', raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const names = splitNames(raw);
  if (names === 'unparsable') {
    throw invalid(`Could not parse \`${param}\` as a JSON array (got ${show(raw)}); send "name,age" or ["name","age"].`);
  }
  if (names === undefined) {
    throw invalid(`\`${param}\` must be a comma-separated string such as "name,age" or an array of names, got ${show(raw)}.`);
  }
  return names.map((n) => findAttribute(model, n, `\`${param}\``).name);
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

/** A record id from a route param: a whole number. */
export function parseId(model: NormalizedModel, raw: unknown, where: string): number {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw;
  if (typeof raw === 'string' && INTEGER.test(raw)) {
    const id = Number(raw);
    if (Number.isSafeInteger(id)) return id;
  }
  throw invalid(`${show(raw)} is not a valid ${model.identity} id (${where}); ids are whole numbers, as in /${model.identity}/1.`);
}

function findAttribute(model: NormalizedModel, name: string, context: string): NormalizedAttribute {
  const attribute = model.attributes.find((a) => a.name === name);
  if (attribute) return attribute;
  const all = model.attributes.map((a) => a.name);
  const guess = closest(name, all);
  throw invalid(
    `${context} names \`${name}\`, which is not an attribute of ${model.identity}${guess ? ` (did you mean \`${guess}\`?)` : ''}; attributes: ${all.join(', ')}.`,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Too deep for JSON.stringify's recursion: an error message must not become a 500.
    text = Array.isArray(value) ? '[…]' : '{…}';
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
