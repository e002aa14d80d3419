import type { RoutesConfig } from 'sails-rt';

export const routes: RoutesConfig = {
  'GET /say/hello': 'SayController.hello',
  'POST /login': 'SessionController.login',
  'GET /count': 'SessionController.count',
  'GET /session': 'SessionController.show',
  'GET /me': 'SessionController.me',
  '/write': 'SessionController.write',
  'GET /shut': 'ClosedController.shut',
  'GET /boom': 'ClosedController.boom',
  'GET /inline': () => ({ inline: true }),
};
