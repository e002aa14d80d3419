/** Facts about the running copy of sails-rt: where it is, its version, how it was installed, what it ships. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { BrowserClient } from '../generator/index.js';
import { PACKAGE_ROOT, PACKAGE_VERSION } from '../package-root.js';
import { CliError } from './errors.js';

export { PACKAGE_ROOT };
export const VERSION = PACKAGE_VERSION;

/** How an app depends on sails-rt: the npm spec, and where the app keeps sails-rt's tarball if it does. */
export interface RuntimeDependency {
  spec: string;
  /** The path in the app of the tarball `spec` names, e.g. `vendor/sails-rt-0.1.0.tgz`. */
  vendored?: string | undefined;
}

/**
 * How a new app depends on sails-rt by default: `^<version>` when this copy was installed from
 * an npm registry, so the registry has it; otherwise (a checkout, `npm link`, a copy installed
 * from a tarball or a folder) a tarball of this copy that `new` writes into the app's vendor/
 * folder, named by a path relative to the app, so the app installs wherever it is moved.
 *
 * @example defaultRuntime('/src/sails-rt', '0.1.0') // { spec: 'file:vendor/sails-rt-0.1.0.tgz', vendored: 'vendor/sails-rt-0.1.0.tgz' }
 */
export function defaultRuntime(root: string = PACKAGE_ROOT, version: string = VERSION): RuntimeDependency {
  if (installedFromRegistry(root, version)) return { spec: `^${version}` };
  const vendored = `vendor/sails-rt-${version}.tgz`;
  return { spec: `file:${vendored}`, vendored };
}

/**
 * Whether npm installed the package at `root` from a registry. npm (7 and later, npx included)
 * records each package it installs in the hidden lockfile `node_modules/.package-lock.json` of
 * the folder it installs into, keyed by its path from that folder. A registry download has a
 * `resolved` URL ending in `/sails-rt/-/sails-rt-<version>.tgz`, or no `resolved` at all beside
 * its `integrity` when npm is set to leave registry URLs out (`omit-lockfile-registry-resolved`);
 * a tarball, folder or git install always has a `file:`, `git+` or other URL. A copy npm did not
 * record (a checkout, `npm link`, a global install, another package manager) counts as not from
 * a registry: vendoring it works everywhere, whereas `^<version>` would fail without a registry.
 */
export function installedFromRegistry(root: string, version: string = VERSION): boolean {
  const tarball = new RegExp(`^https?://[^\\s]+/sails-rt/-/sails-rt-${version.replace(/[.+]/g, '\\$&')}\\.tgz$`);
  for (let dir = dirname(root); dirname(dir) !== dir; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') continue;
    const key = relative(dirname(dir), root).split(sep).join('/');
    for (const lockfile of [join(dir, '.package-lock.json'), join(dirname(dir), 'package-lock.json')]) {
      const entry = lockedEntry(lockfile, key);
      if (entry === undefined) continue;
      if (typeof entry.resolved === 'string') return tarball.test(entry.resolved);
      return entry.version === version && typeof entry.integrity === 'string' && entry.link !== true;
    }
  }
  return false;
}

interface LockedPackage {
  version?: unknown;
  resolved?: unknown;
  integrity?: unknown;
  link?: unknown;
}

/** The entry of `key` in an npm lockfile, or undefined when the file or the entry is missing. */
function lockedEntry(lockfile: string, key: string): LockedPackage | undefined {
  let text: string;
  try {
    text = readFileSync(lockfile, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const entry = (JSON.parse(text) as { packages?: Record<string, unknown> }).packages?.[key];
    return entry !== null && typeof entry === 'object' ? (entry as LockedPackage) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The browser client `new` writes to assets/js/dependencies/sails.io.js: sails-rt's own, as
 * `npm run build` bundled it (dist/browser/sails.io.js), or the official sails.io.js from the
 * sails.io.js-dist dependency.
 */
export function readBrowserClient(kind: BrowserClient): { kind: BrowserClient; version: string; source: string } {
  if (kind === 'sails-rt') {
    const file = join(PACKAGE_ROOT, 'dist', 'browser', 'sails.io.js');
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`The browser client ${file} is missing from this copy of sails-rt; run \`npm run build\` in ${PACKAGE_ROOT}, or pass --client sails.io.js.`, 1, { cause: error });
    }
    return { kind, version: VERSION, source };
  }
  const require = createRequire(import.meta.url);
  const { version } = JSON.parse(readFileSync(require.resolve('sails.io.js-dist/package.json'), 'utf8')) as { version: string };
  return { kind, version, source: readFileSync(require.resolve('sails.io.js-dist/sails.io.js'), 'utf8') };
}
