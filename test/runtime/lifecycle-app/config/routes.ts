import type { RoutesConfig } from 'sails-rt';

export const routes: RoutesConfig = {
  'POST /api/signup': 'ApiController.signup',
  'POST /api/password': 'ApiController.password',
  'GET /api/everyone': 'ApiController.everyone',
};
