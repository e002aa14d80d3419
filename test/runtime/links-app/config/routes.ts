import type { RoutesConfig } from 'sails-rt';

export const routes: RoutesConfig = {
  'POST /api/rename/:id': 'ApiController.rename',
  'POST /api/quiet-rename/:id': 'ApiController.quietRename',
  'POST /api/adopt': 'ApiController.adopt',
  'POST /api/watch': 'ApiController.watch',
  'POST /api/signup': 'ApiController.signup',
  'POST /api/birthday': 'ApiController.birthday',
  'POST /api/adopt-many': 'ApiController.adoptMany',
  'POST /api/search': 'ApiController.search',
};
