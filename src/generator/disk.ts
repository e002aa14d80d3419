/**
 * The generator's only contact with the disk: a reader over the target folder for the virtual
 * tree, the templates shipped in the package, and the atomic flush of a tree's changes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { link, lstat, mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { createRequire } from 'node:module';
import { PACKAGE_ROOT } from '../package-root.js';
import { TemplateSet, type PrecompiledTemplate } from './templates.js';
import type { FileChange, TreeReader } from './tree.js';

/** templates/ at the package root. */
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');

/** A tree reader over the folder `root`: a missing file or a folder reads as no file. */
export function diskReader(root: string): TreeReader {
  return (path) => {
    try {
      return readFileSync(join(root, path), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
      throw error;
    }
  };
}

/**
 * The templates under `dir` (templates/ by default) as a TemplateSet: listed now, each read when
 * first rendered, and those of templates/ compiled ahead where the build did (dist/templates.cjs).
 */
export function readTemplates(dir: string = TEMPLATES_DIR): TemplateSet {
  const paths: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) paths.push(relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
  }
  const read = (path: string): string | undefined => (paths.includes(path) ? readFileSync(join(dir, path), 'utf8') : undefined);
  return new TemplateSet({ paths, read }, dir === TEMPLATES_DIR ? precompiledTemplates() : new Map());
}

/** dist/templates.cjs, written by scripts/build.mjs; none when running from the sources. */
function precompiledTemplates(): ReadonlyMap<string, PrecompiledTemplate> {
  const file = join(PACKAGE_ROOT, 'dist', 'templates.cjs');
  if (!existsSync(file)) return new Map();
  return new Map(Object.entries(createRequire(import.meta.url)(file) as Record<string, PrecompiledTemplate>));
}

/** Where the file system refused a write for want of permission, as the flush found it. */
export interface FlushDenied {
  /** The absolute path that refused: the deepest existing folder on the way, or a file that could not be replaced. */
  path: string;
  kind: 'folder' | 'file';
  /** EACCES or EPERM (permission, or an immutable file or folder), EROFS (a read-only file system). */
  code: 'EACCES' | 'EPERM' | 'EROFS';
}

/**
 * A flush that stopped part-way. `written` lists the paths now on disk as planned (empty unless
 * undoing the placed files failed too, which is nearly never), `notWritten` the rest; `denied`
 * says where a permission refused the write, when that was the cause.
 */
export class FlushError extends Error {
  override readonly name = 'FlushError';
  readonly path: string;
  readonly written: readonly string[];
  readonly notWritten: readonly string[];
  readonly interrupted: boolean;
  readonly denied: FlushDenied | undefined;

  constructor(
    message: string,
    details: { path: string; written: readonly string[]; notWritten: readonly string[]; interrupted: boolean; denied?: FlushDenied | undefined },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.path = details.path;
    this.written = details.written;
    this.notWritten = details.notWritten;
    this.interrupted = details.interrupted;
    this.denied = details.denied;
  }
}

export interface FlushOptions {
  /** Aborted (Ctrl-C): the flush stops before replacing anything, and removes what it staged. */
  signal?: AbortSignal | undefined;
}

interface Staged {
  change: FileChange;
  target: string;
  /** The new content, beside the target. */
  temp?: string;
  /** The file being replaced or deleted, kept (hard link, or copy) beside it until the flush is done. */
  backup?: string;
  /** Renamed into place (or deleted): what a roll-back has to undo. */
  placed?: boolean;
}

/**
 * Writes the changes under `root`, all or nothing as far as the file system allows. Every new
 * content first goes to a temp file beside its target, and every file to be replaced or deleted
 * is kept beside itself; only when all of that is written are the temp files renamed into place,
 * new files before replaced ones (so a `.orig` copy is on disk before the file it keeps is
 * replaced). A failure or an abort while staging, which is where a full disk or a read-only
 * folder shows, removes the temp files and the folders the flush created. A failure while
 * renaming (a file that may not be replaced, such as an immutable one) puts back every file
 * already placed. Either way the target is left as it was. Throws FlushError.
 */
export async function flushChanges(root: string, changes: readonly FileChange[], { signal }: FlushOptions = {}): Promise<void> {
  const order: Record<FileChange['type'], number> = { CREATE: 0, UPDATE: 1, DELETE: 2 };
  const staged: Staged[] = [...changes]
    .sort((a, b) => order[a.type] - order[b.type])
    .map((change) => ({ change, target: join(root, change.path) }));
  const createdDirs: string[] = [];
  const all = staged.map(({ change }) => change.path);

  let current: Staged | undefined;
  try {
    for (const entry of staged) {
      current = entry;
      if (signal?.aborted) throw new Error('interrupted');
      const dir = dirname(entry.target);
      if (entry.change.type !== 'CREATE' && (await isFile(entry.target))) {
        entry.backup = tempPath(dir);
        await keep(entry.target, entry.backup);
      }
      if (entry.change.content === null) continue;
      await refuseFolder(entry.target);
      // Recorded before mkdir: a recursive mkdir that fails part-way leaves the folders it made.
      createdDirs.push(...(await missingFolders(dir)));
      await mkdir(dir, { recursive: true });
      entry.temp = tempPath(dir);
      await writeFile(entry.temp, entry.change.content);
    }
    if (signal?.aborted) throw new Error('interrupted');
  } catch (error) {
    await rollBack(staged, createdDirs);
    const interrupted = Boolean(signal?.aborted);
    const path = current?.change.path ?? '';
    const refused = interrupted || current === undefined ? undefined : await denied(error, current.target);
    throw new FlushError(
      interrupted
        ? `Interrupted before ${root} was changed; nothing was written.`
        : `Could not write ${path} in ${root} (${describe(error)}); nothing was written.`,
      { path, written: [], notWritten: all, interrupted, denied: refused },
      { cause: error },
    );
  }

  // Renames within one folder: the part of the flush that does not run out of space.
  for (const entry of staged) {
    current = entry;
    try {
      if (entry.temp === undefined) await rm(entry.target, { force: true });
      else await rename(entry.temp, entry.target);
      entry.placed = true;
    } catch (error) {
      const written = await rollBack(staged, createdDirs);
      const path = entry.change.path;
      const code = permissionCode(error);
      throw new FlushError(
        written.length === 0
          ? `Could not write ${path} in ${root} (${describe(error)}); nothing was written.`
          : `Could not write ${path} in ${root} (${describe(error)}), nor undo what was written; written: ${written.join(', ')}; not written: ${all.filter((p) => !written.includes(p)).join(', ')}.`,
        {
          path,
          written,
          notWritten: all.filter((p) => !written.includes(p)),
          interrupted: false,
          denied: code === undefined ? undefined : { path: entry.target, kind: 'file', code },
        },
        { cause: error },
      );
    }
  }
  for (const entry of staged) {
    if (entry.backup !== undefined) await rm(entry.backup, { force: true }).catch(() => {});
  }
}

/** A temp file's path in `dir`: hidden, and named so that a leftover is recognisable. */
function tempPath(dir: string): string {
  return join(dir, `.${randomBytes(6).toString('hex')}.sails-rt.tmp`);
}

async function isFile(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isFile() ?? false;
}

/** Keeps the file `target` as `backup`, to put it back if the flush fails. */
async function keep(target: string, backup: string): Promise<void> {
  // A hard link keeps the very file (owner, mode, links). Where there is none (a file system
  // without them, an immutable file), a copy, read and written apart so that an error says
  // which of the file and the folder refused.
  await link(target, backup).catch(async () => {
    const content = await readFile(target);
    await writeFile(backup, content, { flag: 'wx', mode: (await lstat(target)).mode & 0o7777 });
  });
}

/** A folder where a file is to go cannot be replaced by a rename: say so before staging. */
async function refuseFolder(target: string): Promise<void> {
  const stat = await lstat(target).catch(() => undefined);
  if (stat?.isDirectory()) throw new Error(`${target} is a folder`);
}

/** The folders from `dir` up that do not exist yet, deepest first. */
async function missingFolders(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let current = dir; dirname(current) !== current; current = dirname(current)) {
    if (await exists(current)) break;
    missing.push(current);
  }
  return missing;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    // Only a path that is not there is missing; one we may not look into counts as there.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * What refused, when `error` is a permission error while staging `target`: the file itself when
 * the error names it (it could not be read to keep it), else the deepest existing folder on the
 * way to it, the one a file or folder could not be made in.
 */
async function denied(error: unknown, target: string): Promise<FlushDenied | undefined> {
  const code = permissionCode(error);
  if (code === undefined) return undefined;
  if ((error as NodeJS.ErrnoException).path === target) return { path: target, kind: 'file', code };
  let path = dirname(target);
  while (!(await exists(path)) && dirname(path) !== path) path = dirname(path);
  return { path, kind: 'folder', code };
}

function permissionCode(error: unknown): FlushDenied['code'] | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? code : undefined;
}

/**
 * Puts the target back as it was: deletes the files placed by a CREATE, puts back the kept
 * file of an UPDATE or DELETE, removes temp files and kept copies and, deepest first, the
 * folders the flush created. Returns the paths it could not undo (nearly always none).
 */
async function rollBack(staged: readonly Staged[], createdDirs: readonly string[]): Promise<string[]> {
  const stuck: string[] = [];
  for (const entry of [...staged].reverse()) {
    if (entry.placed) {
      try {
        if (entry.backup !== undefined) await rename(entry.backup, entry.target);
        else await rm(entry.target, { force: true });
        entry.placed = false;
        entry.backup = undefined;
      } catch {
        stuck.push(entry.change.path);
      }
    }
    if (entry.temp !== undefined) await rm(entry.temp, { force: true }).catch(() => {});
    if (entry.backup !== undefined && !entry.placed) await rm(entry.backup, { force: true }).catch(() => {});
  }
  const deepestFirst = [...new Set(createdDirs)].sort((a, b) => b.length - a.length);
  for (const dir of deepestFirst) await rmdir(dir).catch(() => {});
  return stuck.reverse();
}

/** An error in a few words: for a file-system error its code and text, without the temp file's path. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return (error as NodeJS.ErrnoException).code ? error.message.replace(/, \w+ '.*'$/, '') : error.message;
}
