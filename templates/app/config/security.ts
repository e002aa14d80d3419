// written once by sails-rt new; yours to edit
import type { SecurityConfig } from 'sails-rt';

/** Cross-origin requests and CSRF, with Sails' setting names. */
export const security: SecurityConfig = {
  cors: { allRoutes: false, allowOrigins: '*', allowCredentials: false },
  csrf: false,
};
