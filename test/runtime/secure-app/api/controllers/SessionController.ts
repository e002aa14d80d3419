import { defineController } from 'sails-rt';

export default defineController({
  login(req) {
    req.session['userId'] = req.param('name');
    return { loggedIn: req.session['userId'] };
  },
  count(req) {
    const count = (typeof req.session['count'] === 'number' ? req.session['count'] : 0) + 1;
    req.session['count'] = count;
    return { count };
  },
  show(req) {
    const { _csrfSecret, ...rest } = req.session;
    return { session: rest, hasCsrfSecret: _csrfSecret !== undefined };
  },
  me(req) {
    return { me: req.locals['me'], steps: req.locals['steps'] };
  },
  write(req) {
    return { wrote: req.body as unknown };
  },
});
