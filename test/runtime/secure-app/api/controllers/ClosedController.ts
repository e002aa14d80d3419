import { defineController } from 'sails-rt';

export default defineController({
  shut() {
    return { reached: true };
  },
  boom() {
    return { reached: true };
  },
  silent() {
    return { reached: true };
  },
});
