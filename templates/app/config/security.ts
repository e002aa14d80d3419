// written once by sails-rt new; yours to edit
import type { SecurityConfig } from 'sails-rt';

/**
 * CSRF and CORS, with Sails' setting names. `csrf: true` makes every POST, PUT, PATCH and DELETE
 * (HTTP and sockets) carry the session's token, which `GET /csrfToken` answers. CORS is not
 * built yet: lift refuses any `cors` setting rather than ignore it.
 */
export const security: SecurityConfig = {
  csrf: false,
};
