import { definePolicy } from 'sails-rt';

// Proceeds from a timer, after the policy function returned.
export default definePolicy((req, _res, proceed) => {
  req.locals['steps'] = ['later'];
  setTimeout(() => proceed(), 5);
});
