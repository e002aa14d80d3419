import { definePolicy } from 'sails-rt';

// Async, never calls proceed: resolving lets the request through.
export default definePolicy(async (req, res) => {
  const userId = req.session['userId'];
  if (typeof userId !== 'string') return res.forbidden({ message: 'log in first' });
  req.locals['me'] = userId;
  req.locals['steps'] = [...((req.locals['steps'] as string[] | undefined) ?? []), 'isLoggedIn'];
  return undefined;
});
