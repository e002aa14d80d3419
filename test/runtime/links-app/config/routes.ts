import type { RoutesConfig } from 'sails-rt';

export const routes: RoutesConfig = {
  'POST /api/rename/:id': 'ApiController.rename',
  'POST /api/quiet-rename/:id': 'ApiController.quietRename',
  'POST /api/adopt': 'ApiController.adopt',
  'POST /api/watch': 'ApiController.watch',
};
