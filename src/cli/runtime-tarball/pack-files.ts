/**
 * The files `npm pack` puts in sails-rt's tarball, chosen by npm's rules for a package with a
 * `files` list (npm-packlist): the listed files and folders, package.json, README, LICENSE and
 * the bin files, without what npm always leaves out. Source maps are left out too (see
 * `isSourceMap`). test/cli/runtime-tarball.test.ts holds this list to `npm pack --dry-run`.
 */
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';

export interface PackFile {
  /** Inside the package, with forward slashes. */
  path: string;
  size: number;
  mtimeMs: number;
  executable: boolean;
}

export interface PackManifest {
  files?: unknown;
  bin?: unknown;
  main?: unknown;
}

/** Files npm packs whatever `files` says. */
const ALWAYS = /^(?:package\.json|(?:readme|license|licence|copying)(?:\.[^/]*)?)$/i;
/** Folders npm never descends into. */
const NEVER_FOLDERS = new Set(['.git', '.svn', '.hg', 'CVS', 'node_modules']);
/** Files npm never packs. */
const NEVER_FILES = /^(?:\.npmrc|\.npmignore|\.gitignore|\.DS_Store|npm-debug\.log|package-lock\.json|config\.gypi|\.lock-wscript|\.wafpickle-\d+|\.[^/]*\.swp|\._.*|.*\.orig)$/;

/**
 * A `.map` file. npm packs them, but in the vendored tarball they would triple its size (for a
 * bundled dist, 2.6 MB instead of 0.9 MB) for stack traces that point into dist/ anyway.
 */
export function isSourceMap(path: string): boolean {
  return path.endsWith('.map');
}

/**
 * The files of the package at `root`, sorted by path.
 *
 * @example packFiles('/path/to/sails-rt').map((file) => file.path) // ['README.md', 'bin/sails-rt.js', ...]
 */
export function packFiles(root: string, manifest: PackManifest): PackFile[] {
  const bins = new Set(binPaths(manifest.bin).map(normalize));
  const found = new Map<string, PackFile>();
  const add = (path: string, stat: Stats) => {
    const name = posix.basename(path);
    if (NEVER_FILES.test(name) || isSourceMap(path)) return;
    found.set(path, { path, size: stat.size, mtimeMs: stat.mtimeMs, executable: bins.has(path) || (stat.mode & 0o111) !== 0 });
  };
  const walk = (path: string) => {
    const stat = statIf(join(root, path));
    if (stat?.isFile()) add(path, stat);
    else if (stat?.isDirectory()) {
      for (const entry of readdirSync(join(root, path), { withFileTypes: true })) {
        if (entry.isDirectory() && NEVER_FOLDERS.has(entry.name)) continue;
        walk(`${path}/${entry.name}`);
      }
    }
  };

  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isFile() && ALWAYS.test(entry.name)) walk(entry.name);
  }
  if (Array.isArray(manifest.files)) {
    for (const listed of manifest.files) {
      if (typeof listed !== 'string') continue;
      if (/[*?[\]{}!]/.test(listed)) {
        throw new Error(`package.json "files" lists the pattern "${listed}"; the vendored tarball takes plain file and folder names, so list the folder instead.`);
      }
      const path = normalize(listed);
      if (path !== '' && !NEVER_FOLDERS.has(path)) walk(path);
    }
  }
  for (const path of [...bins, ...(typeof manifest.main === 'string' ? [normalize(manifest.main)] : [])]) walk(path);
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function binPaths(bin: unknown): string[] {
  if (typeof bin === 'string') return [bin];
  if (bin !== null && typeof bin === 'object') return Object.values(bin).filter((path): path is string => typeof path === 'string');
  return [];
}

/** `./dist/` → `dist`: how npm reads a path of package.json. */
function normalize(path: string): string {
  const normal = posix.normalize(path.replaceAll('\\', '/')).replace(/\/$/, '');
  return normal === '.' ? '' : normal;
}

function statIf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
