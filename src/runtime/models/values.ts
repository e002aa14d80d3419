/**
 * The values a create or an update may write, checked with the schema's own `checkValue`, so the
 * model file and the API agree. Unknown keys are dropped (Sails with `schema: true`); `id`,
 * `createdAt` and `updatedAt` are the runtime's.
 */
import { checkValue, type NormalizedAttribute, type NormalizedModel } from '../../schema/index.js';
import { SailsRtError } from '../errors.js';
import { baseValue } from '../store/index.js';

/** Every column of a new record: the values given, then defaults, then the timestamps. */
export function valuesForCreate(model: NormalizedModel, input: unknown): Record<string, unknown> {
  if (!isPlainObject(input)) {
    throw new SailsRtError(
      'E_INVALID_NEW_RECORD',
      `Could not create a ${model.identity}: send one object of attribute values${Array.isArray(input) ? ', not an array (create makes one record per request)' : ''}.`,
    );
  }
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const attribute of model.attributes) {
    const value = input[attribute.name];
    if (attribute.auto === 'id') {
      if (value === undefined || value === null) continue;
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) values['id'] = value;
      else problems.push(`"id" must be a whole number of 0 or more (or left out), got ${show(value)}`);
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
  values['createdAt'] = now;
  values['updatedAt'] = now;
  return values;
}

/** The values an update writes (only known, non-automatic attributes), plus `updatedAt`. */
export function valuesForUpdate(model: NormalizedModel, input: unknown): Record<string, unknown> {
  if (!isPlainObject(input)) {
    throw new SailsRtError(
      'E_INVALID_VALUES_TO_SET',
      `Could not update a ${model.identity}: send one object of the attribute values to change.`,
    );
  }
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const attribute of model.attributes) {
    const value = input[attribute.name];
    // The id cannot change and the timestamps are the runtime's: such values are ignored, as in Sails.
    if (value === undefined || attribute.auto) continue;
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
  values['updatedAt'] = Date.now();
  return values;
}

function problemWith(attribute: NormalizedAttribute, value: unknown): string | undefined {
  if (attribute.required && (value === null || value === '')) {
    return `"${attribute.name}" is required, so it cannot be ${value === null ? 'null' : 'empty'}`;
  }
  try {
    // A json value is stored as text: one too deep to stringify must be the client's 400 here, not a 500 in the store.
    if (attribute.type === 'json') JSON.stringify(value);
    const problem = checkValue(attribute, value);
    return problem ? `"${attribute.name}" ${problem}` : undefined;
  } catch {
    // checkValue describes a wrong value with JSON.stringify, which overflows the stack on deep input.
    return `"${attribute.name}" is nested too deeply to store or check; send a flatter value`;
  }
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return 'a value nested too deeply to show';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
