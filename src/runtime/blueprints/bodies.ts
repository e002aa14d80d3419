/**
 * What a blueprint write accepts as its body over HTTP, as Sails' body parser reads it. The values
 * themselves are read against their attributes by the write (models/coerce.ts), whatever the body's
 * type, as Waterline reads them: a form's `age=5` and JSON's `"age":"5"` are both the number 5.
 */
import type { NormalizedModel } from '../../schema/index.js';
import { SailsRtError } from '../errors.js';
import type { Req } from '../pipeline/index.js';

/** The bodies a blueprint create or update reads, as Sails' body parser reads them. */
export const WRITE_BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'] as const;

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
