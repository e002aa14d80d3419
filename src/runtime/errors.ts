/**
 * The one error catalog of the runtime: every error a client can get back, with a stable code,
 * its status and one JSON shape `{ code, message, details? }`, the same over HTTP and sockets.
 * The blueprint codes keep Waterline's names so Sails front ends that branch on them still work.
 */

export interface CatalogEntry {
  status: number;
  /** What the code means, for the docs and for the catalog test. */
  summary: string;
}

export const ERROR_CATALOG = {
  E_INVALID_CRITERIA: {
    status: 400,
    summary: 'A where, sort, limit, skip, select, omit or populate parameter, or a record id, could not be used, or passes a bound (a criteria limit, or the page byte budget).',
  },
  E_INVALID_NEW_RECORD: {
    status: 400,
    summary: 'The values sent to create a record break the model: a required attribute is missing or a value does not fit its rules.',
  },
  E_INVALID_VALUES_TO_SET: {
    status: 400,
    summary: 'The values sent to update a record break the model.',
  },
  E_INVALID_POPULATES: {
    status: 400,
    summary: 'The populate parameter names something that is not a link of the model.',
  },
  E_INVALID_ASSOCIATED_IDS: {
    status: 400,
    summary: 'The ids sent for a link (add, remove, replace, or a link value) are not ids, or name records that do not exist.',
  },
  E_UNIQUE: {
    status: 400,
    summary: 'The write would give two records the same value for a unique attribute.',
  },
  E_DATASTORE_UNAVAILABLE: {
    status: 503,
    summary: 'The database could not be reached or dropped the connection; nothing was written, and the same request may succeed once it is back.',
  },
  E_SESSION_STORE_UNAVAILABLE: {
    status: 503,
    summary: 'The session store (Redis) could not be reached, so the session could not be read or saved; the request may succeed once it is back.',
  },
  E_BAD_SOCKET_REQUEST: {
    status: 400,
    summary: 'A socket virtual request could not be read: the envelope, the event name or the SDK version is wrong.',
  },
  E_BAD_REQUEST_BODY: {
    status: 400,
    summary: 'The HTTP request body could not be parsed.',
  },
  E_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    summary: 'A blueprint create or update came with a body that is not JSON, a urlencoded form or a multipart form.',
  },
  E_EXCEEDS_UPLOAD_LIMIT: {
    status: 413,
    summary: "A multipart upload passed a limit: the files of one field over the maxBytes of req.file().upload() (skipper's code), or the text fields over 1 MiB.",
  },
  E_UPLOAD_OVER_SOCKET: {
    status: 400,
    summary: 'An action called req.file() for a socket request; sockets cannot carry files.',
  },
  E_TOO_MANY_REQUESTS: {
    status: 429,
    summary: 'One connection (a socket, or an HTTP keep-alive connection) already has as many requests waiting for an answer as sockets.maxInFlight or http.maxInFlight allow.',
  },
  E_FORBIDDEN: {
    status: 403,
    summary: 'A policy refused the request (or config/policies.ts maps the action to false), or the request may not use this route over this transport.',
  },
  E_CSRF: {
    status: 403,
    summary: 'A POST, PUT, PATCH or DELETE came without the CSRF token of its session (security.csrf is on).',
  },
  'SAILS:HOOK:SOCKETS:NO_SUCH_SOCKET': {
    status: 404,
    summary: 'sails.sockets.get() was given the id of a socket that is not connected to this server.',
  },
  'SAILS:HOOK:SOCKETS:USAGE': {
    status: 500,
    summary: 'A sails.sockets function was called with arguments it cannot use (a bug in the app code).',
  },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The JSON body a client gets for a catalogued error. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: string;
  [extra: string]: unknown;
}

/**
 * An error a client caused, or one app code asked for wrongly. `toJSON()` is the response body.
 *
 * @example throw new SailsRtError('E_INVALID_CRITERIA', 'limit must be a whole number, got "abc".');
 */
export class SailsRtError extends Error {
  override readonly name = 'SailsRtError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { details?: string; [key: string]: unknown } = {},
  ) {
    super(message);
    this.status = ERROR_CATALOG[code].status;
  }

  toJSON(): ErrorBody {
    return { code: this.code, message: this.message, ...this.extra };
  }
}

/**
 * Duck-typed, not `instanceof`: a process can hold two copies of this module (a test importing
 * src/ while the app's controllers import the built 'sails-rt'), and an error thrown by one copy
 * must keep its status in the other.
 */
export function isSailsRtError(error: unknown): error is SailsRtError {
  if (!(error instanceof Error)) return false;
  const { code, toJSON } = error as Partial<SailsRtError>;
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOG, code) && typeof toJSON === 'function';
}

/**
 * A problem that stops `lift()`: the message is one sentence naming the file or setting and the
 * fix. Not part of the catalog: it never reaches a client.
 */
export class LiftError extends Error {
  override readonly name = 'LiftError';
  readonly code = 'E_LIFT';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Refuses a setting at lift, in the one sentence every setting check uses.
 *
 * @example refuseSetting('session.secret', 'is 42', 'use a long random string', 'config/session.ts')
 * // throws LiftError: The setting session.secret (config/session.ts) is 42; use a long random string.
 */
export function refuseSetting(setting: string, problem: string, fix: string, file?: string): never {
  throw new LiftError(`The setting ${setting}${file === undefined ? '' : ` (${file})`} ${problem}; ${fix}.`);
}
