// written once by sails-rt new; yours to edit
import { defineController, sails } from 'sails-rt';

/**
 * The realtime example from Sails' "Realtime communication" page: a socket that asks
 * GET /say/hello joins the room funSockets, and everyone else in it hears `hello`.
 */
export default defineController({
  hello(req, res) {
    if (!req.isSocket) return res.badRequest();
    sails.sockets.join(req, 'funSockets');
    sails.sockets.broadcast('funSockets', 'hello', { howdy: 'hi there!' }, req);
    return res.json({ anyData: 'we want to send back' });
  },
});
