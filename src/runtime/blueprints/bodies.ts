/**
 * What a blueprint write accepts as its body over HTTP, and how the text of a form becomes
 * attribute values: as Sails 1 does it, where Waterline reads every value against its attribute
 * (rttc's loose validation for number and boolean, its pk normalization for links), so a form's
 * `age=5` is the number 5.
 */
import type { NormalizedModel } from '../../schema/index.js';
import { SailsRtError } from '../errors.js';
import type { Req } from '../pipeline/index.js';

/** The bodies a blueprint create or update reads, as Sails' body parser reads them. */
export const WRITE_BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'] as const;

const FORM_TYPES: readonly string[] = ['application/x-www-form-urlencoded', 'multipart/form-data'];

/** The media type of an HTTP request's body, lowercased and without parameters; '' when none was given. */
function mediaType(req: Req): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Refuses a blueprint write whose body it cannot read, instead of writing a record without it:
 * over HTTP a body of another type (or of no type) is a 415, and a JSON body that is neither an
 * object nor an array is a 400, over both transports.
 */
export function checkWriteBody(model: NormalizedModel, req: Req, action: 'create' | 'update'): void {
  if (!req.isSocket) {
    const type = mediaType(req);
    const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !(WRITE_BODY_TYPES as readonly string[]).includes(type)) {
      throw new SailsRtError(
        'E_UNSUPPORTED_MEDIA_TYPE',
        `${req.method} ${req.path} (the ${action} blueprint of ${model.identity}) cannot read a body ${type === '' ? 'sent without a content-type' : `of type ${type}`}; send it as ${WRITE_BODY_TYPES.join(', ')}.`,
      );
    }
  }
  const body = req.body as unknown;
  // '': an empty body of another type, which the check above let through.
  if (body !== undefined && body !== null && body !== '' && typeof body !== 'object') {
    throw new SailsRtError(
      action === 'create' ? 'E_INVALID_NEW_RECORD' : 'E_INVALID_VALUES_TO_SET',
      `Could not ${action} a ${model.identity}: the body is ${JSON.stringify(body)}; send one object of attribute values.`,
    );
  }
}

/** True when the body's values all came as text from an HTML form (urlencoded or multipart). */
export function isFormBody(req: Req): boolean {
  return !req.isSocket && FORM_TYPES.includes(mediaType(req));
}

/**
 * A value a form sent as text, read as Waterline reads it against its attribute: numbers as rttc
 * coerces them (no blanks, no whitespace, finite: '5', '-1.5', '1e3'), booleans from 'true',
 * 'false', '1' and '0', a link from a whole number ('3'), a collection from one or several whole
 * numbers (`pets=1&pets=2`). Strings and json stay the text sent (rttc's json takes a string).
 * Anything else is left as sent, and the write refuses it with a message naming the attribute.
 */
export function formValue(model: NormalizedModel, name: string, raw: unknown): unknown {
  const collection = model.collections.find((c) => c.name === name);
  if (collection) {
    // A list of string keys stays as sent; number keys are read from their text.
    if (collection.keyType === 'string') return raw;
    const items = Array.isArray(raw) ? raw : [raw];
    return items.every((item) => typeof item === 'string' && isNaturalNumberText(item)) ? items.map(Number) : raw;
  }
  const attribute = model.attributes.find((a) => a.name === name);
  if (attribute === undefined || typeof raw !== 'string') return raw;
  if (attribute.model !== undefined) return attribute.type === 'number' && isNaturalNumberText(raw) ? Number(raw) : raw;
  if (attribute.type === 'number') {
    if (raw === '' || /\s/.test(raw)) return raw;
    const number = Number(raw);
    return Number.isFinite(number) ? number : raw;
  }
  if (attribute.type === 'boolean') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
  }
  return raw;
}

/** Waterline's test for a numeric pk sent as text: digits only, and a safe integer. */
function isNaturalNumberText(text: string): boolean {
  return /^[0-9]+$/.test(text) && Number.isSafeInteger(Number(text));
}
