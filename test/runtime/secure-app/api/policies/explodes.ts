import { definePolicy } from 'sails-rt';

export default definePolicy(() => {
  throw new Error('policy exploded');
});
