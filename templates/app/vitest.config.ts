// written once by sails-rt new; yours to edit
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Where sails-rt is a link in node_modules (npm link, or an app of a sails-rt checkout), keep the
  // link's path: Vitest then loads sails-rt as Node does any installed package, instead of
  // transforming its bundled files on every run.
  resolve: { preserveSymlinks: true },
});
