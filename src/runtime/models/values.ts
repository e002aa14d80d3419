/**
 * The values a create or an update may write, read as Waterline reads them (coerce.ts: `'5'` is 5
 * for a number) and then checked with the schema's own `checkValue`, so the model file and the API
 * agree. Unknown keys are dropped (Sails with `schema: true`); an auto-incremented primary key and
 * the timestamps (`createdAt`, `updatedAt`, any autoCreatedAt or autoUpdatedAt attribute) are the
 * runtime's. Text a store cannot keep as sent (see text.ts)
 * is refused wherever it is: a string value, a string or key inside a json value, or a key of the
 * values themselves.
 */
import { baseValue, checkValue, type NormalizedAttribute, type NormalizedModel, isPlainObject } from '../../schema/index.js';
import { SailsRtError } from '../errors.js';
import { valueToSet } from './coerce.js';
import { unstorableText } from './text.js';


/** Every column of a new record: the values given, then defaults, then the timestamps. */
export function valuesForCreate(model: NormalizedModel, input: unknown): Record<string, unknown> {
  if (!isPlainObject(input)) {
    throw new SailsRtError(
      'E_INVALID_NEW_RECORD',
      `Could not create a ${model.identity}: send one object of attribute values${Array.isArray(input) ? ', not an array (create makes one record per request)' : ''}.`,
    );
  }
  const problems = unstorableNames(input);
  const values: Record<string, unknown> = {};
  for (const attribute of model.attributes) {
    const value = valueToSet(attribute, input[attribute.name]);
    if (attribute.auto === 'autoIncrement') {
      if (value === undefined || value === null) continue;
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) values[attribute.name] = value;
      else problems.push(`"${attribute.name}" must be a whole number of 0 or more (or left out), got ${show(value)}`);
      continue;
    }
    if (attribute.auto) continue;
    if (value === undefined) {
      if (attribute.required) problems.push(`"${attribute.name}" is required`);
      else values[attribute.name] = baseValue(attribute);
      continue;
    }
    const problem = problemWith(attribute, value);
    if (problem) problems.push(problem);
    values[attribute.name] = value;
  }
  if (problems.length > 0) {
    throw new SailsRtError(
      'E_INVALID_NEW_RECORD',
      `Could not create a ${model.identity}: ${problems.join('; ')}. Fix these values and send the request again.`,
      { details: problems.join('\n') },
    );
  }
  const now = Date.now();
  for (const attribute of model.attributes) {
    if (attribute.auto === 'createdAt' || attribute.auto === 'updatedAt') values[attribute.name] = now;
  }
  return values;
}

/**
 * The timestamps an update sets: `updatedAt` and every attribute with autoUpdatedAt, to now.
 *
 * @example store.update(model, id, { ...values, ...touched(model) })
 */
export function touched(model: NormalizedModel): Record<string, number> {
  const now = Date.now();
  return Object.fromEntries(model.attributes.filter((attribute) => attribute.auto === 'updatedAt').map((attribute) => [attribute.name, now]));
}

/** The values an update writes (only known, non-automatic attributes), plus `updatedAt`. */
export function valuesForUpdate(model: NormalizedModel, input: unknown): Record<string, unknown> {
  if (!isPlainObject(input)) {
    throw new SailsRtError(
      'E_INVALID_VALUES_TO_SET',
      `Could not update a ${model.identity}: send one object of the attribute values to change.`,
    );
  }
  const problems = unstorableNames(input);
  const values: Record<string, unknown> = {};
  for (const attribute of model.attributes) {
    const value = valueToSet(attribute, input[attribute.name]);
    // The primary key cannot change (Sails' update blueprint ignores it too: rooms and links hold
    // it) and the timestamps are the runtime's: such values are ignored.
    if (value === undefined || attribute.auto || attribute.primaryKey) continue;
    const problem = problemWith(attribute, value);
    if (problem) problems.push(problem);
    values[attribute.name] = value;
  }
  if (problems.length > 0) {
    throw new SailsRtError(
      'E_INVALID_VALUES_TO_SET',
      `Could not update the ${model.identity}: ${problems.join('; ')}. Fix these values and send the request again.`,
      { details: problems.join('\n') },
    );
  }
  return { ...values, ...touched(model) };
}

function problemWith(attribute: NormalizedAttribute, value: unknown): string | undefined {
  if (attribute.required && (value === null || value === '')) {
    return `"${attribute.name}" is required, so it cannot be ${value === null ? 'null' : 'empty'}`;
  }
  if (attribute.type === 'string' && typeof value === 'string') {
    const reason = unstorableText(value);
    if (reason) return `"${attribute.name}" ${reason}`;
  }
  try {
    // A json value is stored as text: one too deep to stringify must be the client's 400 here, not a 500 in the store.
    const text = attribute.type === 'json' ? JSON.stringify(value) : undefined;
    const problem = (text === undefined ? undefined : unstorableInJson(attribute.name, text)) ?? checkValue(attribute, value);
    return problem ? `"${attribute.name}" ${problem}` : undefined;
  } catch {
    // checkValue describes a wrong value with JSON.stringify, which overflows the stack on deep input.
    return `"${attribute.name}" is nested too deeply to store or check; send a flatter value`;
  }
}

/**
 * The keys of the values sent that are not text a store can keep, checked before unknown keys are
 * dropped: a key that cannot even be read back as sent is a mistake worth telling, not ignoring.
 */
function unstorableNames(input: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    const reason = unstorableText(key);
    if (reason) problems.push(`the attribute name ${quote(key)} ${reason}`);
  }
  return problems;
}

// How JSON.stringify writes a lone surrogate (always lowercase hex) and NUL. A pair is written as itself.
const ESCAPED_UNSTORABLE = /\\u(?:d[89a-f][0-9a-f]{2}|0000)/;

/**
 * What is wrong with the text inside a json value, given as the JSON the store will write, said
 * after the attribute's name ("at meta.tags[2] holds a NUL ..."); `undefined` when nothing is.
 */
function unstorableInJson(name: string, json: string): string | undefined {
  // One search of text already made: a normal record never pays for the walk. A literal backslash
  // before "ud800" also matches; the walk then finds nothing.
  if (!ESCAPED_UNSTORABLE.test(json)) return undefined;
  // The parsed JSON rather than the value given, so a toJSON() is seen as stored. A loop with its
  // own stack, not recursion: the value nests as deeply as JSON.stringify allowed. Each node keeps
  // its parent, not its whole path, so a deep chain costs memory in proportion to its depth.
  const stack: JsonNode[] = [{ value: JSON.parse(json) as unknown, step: name }];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const { value } = node;
    if (typeof value === 'string') {
      const reason = unstorableText(value);
      if (reason) return `${where(node)}${reason}`;
    }
    if (typeof value !== 'object' || value === null) continue;
    const children: JsonNode[] = [];
    if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => children.push({ value: item, step: `[${index}]`, parent: node }));
    } else {
      for (const [key, item] of Object.entries(value)) {
        const reason = unstorableText(key);
        if (reason) return `${where(node)}has the key ${quote(key)}, which ${reason}`;
        children.push({ value: item, step: IDENTIFIER.test(key) ? `.${key}` : `[${quote(key)}]`, parent: node });
      }
    }
    // Reversed, so the first problem in the order of the JSON is the one told.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return undefined;
}

interface JsonNode {
  value: unknown;
  /** `.key`, `["odd key"]` or `[3]`; the attribute's name at the top. */
  step: string;
  parent?: JsonNode;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** "at meta.tags[2] " for a node inside the value, nothing for the value itself; a long path keeps its ends. */
function where(node: JsonNode): string {
  if (node.parent === undefined) return '';
  const steps: string[] = [];
  for (let at: JsonNode | undefined = node; at !== undefined; at = at.parent) steps.push(at.step);
  steps.reverse();
  const path = steps.length > 12 ? `${steps.slice(0, 6).join('')}...${steps.slice(-5).join('')}` : steps.join('');
  return `at ${path} `;
}

/** A name for a message: JSON-quoted, so an invisible or unpaired character shows as an escape; cut when long. */
function quote(text: string): string {
  const quoted = JSON.stringify(text);
  // Never cut a surrogate pair in two: the message itself must be well-formed text.
  return quoted.length > 60 ? `${quoted.slice(0, 56).replace(/[\ud800-\udbff]$/, '')}..."` : quoted;
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return 'a value nested too deeply to show';
  }
}
