// written once by sails-rt new; yours to edit
import type { SessionConfig } from 'sails-rt';

/**
 * Sessions (`req.session`), shared by HTTP and the sockets that connect with the same cookie,
 * and kept in Redis so that every instance of the app reads the same session. `url` defaults to
 * the REDIS_URL environment variable (see .env.example); `prefix` (default 'sess:') starts every
 * session key, for a Redis that other apps share. A change to the session is stored before the
 * response goes out; while Redis is unreachable, requests that use a session get a 503.
 * The secret signs the session cookie: anyone who has it can forge a session, so no committed
 * file holds it. A deployed app reads it from the SESSION_SECRET environment variable
 * (`openssl rand -hex 32` makes one), the same on every instance. On your machine,
 * config/local.ts, which .gitignore keeps out of git, holds the secret sails-rt new drew for
 * this app, and wins over this file. Other settings: name (the cookie, default 'sails.sid') and
 * cookie ({ maxAge, secure, sameSite, ... }; maxAge is also how long Redis keeps an idle session).
 */
export const session: SessionConfig = {
  secret: process.env['SESSION_SECRET'],
  store: 'redis',
};
