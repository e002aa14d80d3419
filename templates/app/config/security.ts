// written once by sails-rt new; yours to edit
import type { SecurityConfig } from 'sails-rt';

/**
 * CSRF and CORS, with Sails' setting names (docs/runtime.md in sails-rt has the details).
 */
export const security: SecurityConfig = {
  /**
   * CORS lets pages served from other origins (say https://app.example.com, when this app is
   * https://api.example.com) read this app's HTTP answers. Off until you turn it on, for every
   * route with `allRoutes: true` or per route in config/routes.ts (`cors: true`, `false`, or
   * settings). Sockets are not affected: they use sockets.onlyAllowOrigins.
   * `allowOrigins: '*'` with `allowCredentials: true` is refused.
   */
  // cors: {
  //   allRoutes: false,
  //   allowOrigins: '*',
  //   allowCredentials: false,
  // },

  /**
   * `csrf: true` makes every POST, PUT, PATCH and DELETE (HTTP and sockets) carry the session's
   * token, which `GET /csrfToken` answers.
   */
  csrf: false,
};
