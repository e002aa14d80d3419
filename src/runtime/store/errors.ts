/**
 * The errors of the store contract (store.ts, "Errors"), built in one place so that every store
 * answers a unique violation, criteria too large for the database, or a lost database with the
 * same code, status and message shape.
 */
import createDebug from 'debug';
import type { NormalizedModel } from '../../schema/index.js';
import { SailsRtError } from '../errors.js';

const debug = createDebug('sails-rt:store');

/** E_UNIQUE: `attrNames` are the attributes whose values clashed (the primary key's name for a key). */
export function uniqueViolation(model: NormalizedModel, attrNames: string[], cause: unknown): SailsRtError {
  if (debug.enabled) debug('unique violation on %s: %s', model.identity, (cause as Error).message);
  return new SailsRtError(
    'E_UNIQUE',
    `Would violate uniqueness constraint: a ${model.identity} already exists with the same ${attrNames.join(', ')}; send a different value.`,
    { modelIdentity: model.identity, attrNames },
  );
}

/**
 * E_INVALID_ASSOCIATED_IDS: a foreign key (server stores) refused a link to a record that is not
 * there. The record writer checks links before it writes, so this is a record deleted meanwhile.
 */
export function missingLink(model: NormalizedModel | undefined, cause: unknown): SailsRtError {
  if (debug.enabled) debug('missing link on %s: %s', model?.identity ?? '(a join table)', (cause as Error).message);
  return new SailsRtError(
    'E_INVALID_ASSOCIATED_IDS',
    `A link names a record that does not exist (it may have just been destroyed)${model ? ` in a write to ${model.identity}` : ''}; link existing records only.`,
  );
}

/** E_INVALID_CRITERIA: a statement past one of the database's own limits (`database`: its name, for the message). */
export function criteriaTooLarge(database: string, message: string): SailsRtError {
  return new SailsRtError(
    'E_INVALID_CRITERIA',
    `The \`where\` clause is too large for the database (${database}: ${message}); send fewer values or conditions, or split the request.`,
  );
}

/**
 * E_DATASTORE_UNAVAILABLE: `where` names the database without secrets (see `redactUrl`). The
 * driver's message goes to the debug log only: it may name hosts a client has no business knowing.
 */
export function datastoreUnavailable(where: string, cause: unknown): SailsRtError {
  if (debug.enabled) debug('datastore %s unavailable: %s', where, (cause as Error).message);
  return new SailsRtError('E_DATASTORE_UNAVAILABLE', 'The database is unavailable right now; try again in a moment.');
}

/**
 * A connection URL as it may be shown: without its password (and without query parameters, which
 * can hold one too).
 *
 * @example redactUrl('postgres://app:secret@db:5432/shop?sslmode=require') // 'postgres://app:***@db:5432/shop'
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    parsed.search = '';
    return parsed.toString();
  } catch {
    // Not a URL we can read: show only its scheme, never what might be a password.
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
    return scheme ? `${scheme}//…` : '(a datastores.default.url that is not a URL)';
  }
}
