// written once by sails-rt new; yours to edit
import type { SessionConfig } from 'sails-rt';

/**
 * Sessions (`req.session`), shared by HTTP and the sockets that connect with the same cookie.
 * The secret signs the session cookie: anyone who has it can forge a session, so no committed
 * file holds it. A deployed app reads it from the SESSION_SECRET environment variable
 * (`openssl rand -hex 32` makes one). On your machine, config/local.ts, which .gitignore keeps
 * out of git, holds the secret sails-rt new drew for this app, and wins over this file. With
 * neither, development signs with a random secret for each run (sessions end at every restart)
 * and says so; production refuses to lift. Other settings: name (the cookie, default
 * 'sails.sid'), cookie ({ maxAge, secure, sameSite, ... }) and store (default: this process's memory).
 */
export const session: SessionConfig = {
  secret: process.env['SESSION_SECRET'],
};
