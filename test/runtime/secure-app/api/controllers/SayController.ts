import { defineController, sails } from 'sails-rt';

// The seed, behind ['isLoggedIn', 'isAdmin'] in config/policies.ts.
export default defineController({
  hello(req, res) {
    if (!req.isSocket) return res.badRequest();
    sails.sockets.join(req, 'funSockets');
    sails.sockets.broadcast('funSockets', 'hello', { howdy: 'hi there!' }, req);
    return res.json({ anyData: 'we want to send back', me: req.locals['me'] });
  },
});
