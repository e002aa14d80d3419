import type { RoutesConfig } from 'sails-rt';

export const routes: RoutesConfig = {
  'GET /say/hello': 'SayController.hello',
  'GET /echo': { action: 'echo/show' },
  '/echo/any': { controller: 'EchoController', action: 'show' },
  'GET /echo/text': 'EchoController.text',
  'GET /echo/json-string': 'EchoController.jsonString',
  'GET /echo/headers': 'EchoController.headers',
  'GET /echo/throws': 'EchoController.throws',
  'GET /echo/rejects': 'EchoController.rejects',
  'GET /echo/returns': 'EchoController.returns',
  'GET /echo/catalogued': 'EchoController.catalogued',
  'GET /echo/no-such-socket': 'EchoController.noSuchSocket',
  'GET /echo/twice': 'EchoController.twice',
  'GET /echo/status': 'EchoController.status',
  'GET /echo/responses/:kind': 'EchoController.responses',
  'POST /echo/join': 'EchoController.join',
  'POST /echo/broadcast': 'EchoController.broadcast',
};
