// written once by sails-rt new; yours to edit
import type { SecurityConfig } from 'sails-rt';

/**
 * CSRF and CORS, with Sails' setting names. sails-rt does not build them yet: lift refuses
 * `csrf: true` and any `cors` setting rather than ignore them.
 */
export const security: SecurityConfig = {
  csrf: false,
};
