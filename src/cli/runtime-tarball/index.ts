/**
 * The running copy of sails-rt as an npm tarball, for `new` to put in an app's vendor/ folder.
 * Made once per build of the copy and kept in a cache, so that `new` does not spawn `npm pack`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import createDebug from 'debug';
import { packFiles, type PackFile, type PackManifest } from './pack-files.js';
import { gzipTar } from './tar.js';

export { isSourceMap, packFiles, type PackFile, type PackManifest } from './pack-files.js';
export { gzipTar, type TarEntry } from './tar.js';

const debug = createDebug('sails-rt:tarball');

/** Bumped when the tarball's layout changes, so that no cache serves the old one. */
const FORMAT = 1;

export interface RuntimeTarballOptions {
  /**
   * Where a made tarball is kept and looked for, first to last: `.cache/` in the package folder
   * (writable for a checkout or a local install), then `$XDG_CACHE_HOME/sails-rt` or
   * `~/.cache/sails-rt` (for a copy in a read-only place). Where none is writable, it is made each time.
   */
  cacheDirs?: readonly string[];
}

/**
 * The tarball of the package at `root`, as `npm pack` would make it (without source maps).
 * The cache key is the version and the path, size, mtime and mode of every packed file: a new
 * build changes mtimes, so it is packed again once.
 *
 * @example writeFileSync('vendor/sails-rt-0.1.0.tgz', runtimeTarball(PACKAGE_ROOT))
 */
export function runtimeTarball(root: string, { cacheDirs = defaultCacheDirs(root) }: RuntimeTarballOptions = {}): Buffer {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackManifest & { name: string; version: string };
  const files = packFiles(root, manifest);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([FORMAT, manifest.name, manifest.version, files.map((file) => [file.path, file.size, file.mtimeMs, file.executable])]))
    .digest('hex')
    .slice(0, 16);
  const name = `${manifest.name}-${manifest.version}-${fingerprint}.tgz`;
  for (const dir of cacheDirs) {
    const cached = readIf(join(dir, name));
    if (cached) {
      debug('reused %s', join(dir, name));
      return cached;
    }
  }
  const tarball = pack(root, files);
  for (const dir of cacheDirs) {
    if (keep(dir, name, tarball, `${manifest.name}-${manifest.version}-`)) break;
  }
  return tarball;
}

/** `.cache/` in the package folder, then the user's cache folder. */
export function defaultCacheDirs(root: string): string[] {
  const home = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return [join(root, '.cache'), join(home, 'sails-rt')];
}

function pack(root: string, files: readonly PackFile[]): Buffer {
  return gzipTar(files.map((file) => ({ path: file.path, content: readFileSync(join(root, file.path)), executable: file.executable })));
}

/**
 * Writes the tarball into `dir` (through a temp file, so a reader never sees half of one) and
 * removes the older tarballs of the same version there. False where `dir` cannot be written.
 */
function keep(dir: string, name: string, tarball: Buffer, stale: string): boolean {
  const temp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(temp, tarball);
    renameSync(temp, join(dir, name));
  } catch (error) {
    ignoreErrors(() => rmSync(temp, { force: true }));
    debug('could not keep the tarball in %s: %s', dir, (error as Error).message);
    return false;
  }
  ignoreErrors(() => {
    for (const old of readdirSync(dir)) {
      if (old !== name && old.startsWith(stale) && old.endsWith('.tgz')) rmSync(join(dir, old), { force: true });
    }
  });
  debug('kept %s', join(dir, name));
  return true;
}

function readIf(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** For clean-ups that may fail where the cache folder is not ours to change: the tarball is made all the same. */
function ignoreErrors(clean: () => void): void {
  try {
    clean();
  } catch (error) {
    debug('clean-up failed: %s', (error as Error).message);
  }
}
