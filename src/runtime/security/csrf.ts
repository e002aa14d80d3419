/**
 * CSRF tokens bound to the session (Sails' `security.csrf`, as @sailshq/csurf does it): the
 * session keeps a secret, a token is a salt plus an HMAC of it under that secret, and every
 * POST, PUT, PATCH and DELETE must carry a token made from its own session's secret.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isPlainObject } from '../../schema/index.js';
import { SailsRtError } from '../errors.js';
import type { Req } from '../pipeline/index.js';
import type { SessionData } from '../session/store.js';

const SECRET_KEY = '_csrfSecret';
const UNCHECKED = new Set(['GET', 'HEAD', 'OPTIONS']);
const HEADERS = ['csrf-token', 'xsrf-token', 'x-csrf-token', 'x-xsrf-token'] as const;

/** A new token for the session, creating its secret on first use. */
export function csrfToken(session: SessionData): string {
  let secret = session[SECRET_KEY];
  if (typeof secret !== 'string') {
    secret = randomBytes(18).toString('base64url');
    session[SECRET_KEY] = secret;
  }
  const salt = randomBytes(8).toString('base64url');
  // '.' cannot occur in base64url, so it splits the token unambiguously.
  return `${salt}.${mac(secret as string, salt)}`;
}

/**
 * Throws 403 E_CSRF unless a write carries a token of its session. The token is read from the
 * body or query `_csrf`, or the headers csrf-token, xsrf-token, x-csrf-token, x-xsrf-token, and
 * then removed from the body and query so blueprints do not read it as an attribute.
 */
export function checkCsrf(req: Req): void {
  if (UNCHECKED.has(req.method)) return;
  const body = req.body as unknown;
  const fromBody = isPlainObject(body) ? body['_csrf'] : undefined;
  let token: unknown = fromBody ?? req.query['_csrf'];
  for (const name of HEADERS) token ??= req.headers[name];
  const secret = req.session[SECRET_KEY];
  if (typeof token !== 'string' || typeof secret !== 'string' || !valid(secret, token)) {
    throw new SailsRtError(
      'E_CSRF',
      `${req.method} ${req.path} needs the CSRF token of this session; get one from GET /csrfToken and send it as the _csrf parameter or the x-csrf-token header.`,
    );
  }
  if (fromBody !== undefined) delete (body as Record<string, unknown>)['_csrf'];
  delete req.query['_csrf'];
}

function valid(secret: string, token: string): boolean {
  const dot = token.indexOf('.');
  if (dot <= 0) return false;
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(secret, token.slice(0, dot)));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function mac(secret: string, salt: string): string {
  return createHmac('sha256', secret).update(salt).digest('base64url');
}
