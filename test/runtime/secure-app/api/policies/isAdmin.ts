import { definePolicy } from 'sails-rt';

// Sails' callback shape.
export default definePolicy((req, res, proceed) => {
  if (req.locals['me'] === 'admin') return proceed();
  return res.forbidden();
});
