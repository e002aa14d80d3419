/** Facts about the running copy of sails-rt: where it is, its version, what it ships. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sep } from 'node:path';
import { PACKAGE_ROOT, PACKAGE_VERSION } from '../package-root.js';

export { PACKAGE_ROOT };
export const VERSION = PACKAGE_VERSION;

/**
 * The spec a new app depends on sails-rt with: this checkout (`file:<root>`) when sails-rt runs
 * from a checkout, so apps made while developing sails-rt use it; `^<version>` when it runs
 * installed from a registry.
 */
export function defaultRuntimeSpec(root: string = PACKAGE_ROOT, version: string = VERSION): string {
  const installed = `${root}${sep}`.includes(`${sep}node_modules${sep}`);
  return installed ? `^${version}` : `file:${root}`;
}

/** The official Sails browser SDK, from the sails.io.js-dist dependency. */
export function readSailsIoJs(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve('sails.io.js-dist/sails.io.js'), 'utf8');
}
