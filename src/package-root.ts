/** Where the running copy of sails-rt is, and its version: the folder of its package.json. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root: the nearest folder above this module with sails-rt's package.json. Found by
 * walking up, so that it holds for the sources (src/), the compiled files (dist/) and a bundle alike.
 */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'sails-rt') return dir;
    if (dirname(dir) === dir) throw new Error(`sails-rt: no package.json of sails-rt above ${from}; reinstall sails-rt.`);
  }
}
