/**
 * The generator's only contact with the disk: a reader over the target folder for the virtual
 * tree, the templates shipped in the package, and the atomic flush of a tree's changes.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { lstat, mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TemplateSet } from './templates.js';
import type { FileChange, TreeReader } from './tree.js';

/** templates/ at the package root: ../../templates from src/generator and from dist/generator. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

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

/** Reads every file under `dir` (templates/ by default) into a TemplateSet. */
export function readTemplates(dir: string = TEMPLATES_DIR): TemplateSet {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    files.set(relative(dir, full).split(sep).join('/'), readFileSync(full, 'utf8'));
  }
  return new TemplateSet(files);
}

/**
 * A flush that stopped part-way. `written` lists the paths now on disk as planned (empty when
 * the flush failed before replacing anything, which is nearly always), `notWritten` the rest.
 */
export class FlushError extends Error {
  override readonly name = 'FlushError';

  constructor(
    message: string,
    readonly path: string,
    readonly written: readonly string[],
    readonly notWritten: readonly string[],
    readonly interrupted: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface FlushOptions {
  /** Aborted (Ctrl-C): the flush stops before replacing anything, and removes what it staged. */
  signal?: AbortSignal | undefined;
}

interface Staged {
  change: FileChange;
  target: string;
  temp?: string;
}

/**
 * Writes the changes under `root`, all or nothing as far as the file system allows. Every new
 * content first goes to a temp file beside its target; only when all of them are written are
 * they renamed into place, new files before replaced ones (so a `.orig` copy is on disk before
 * the file it keeps is replaced). A failure or an abort while staging, which is where a full
 * disk or a read-only folder shows, removes the temp files and the folders the flush created,
 * and leaves the target as it was. Throws FlushError.
 */
export async function flushChanges(root: string, changes: readonly FileChange[], { signal }: FlushOptions = {}): Promise<void> {
  const order: Record<FileChange['type'], number> = { CREATE: 0, UPDATE: 1, DELETE: 2 };
  const staged: Staged[] = [...changes]
    .sort((a, b) => order[a.type] - order[b.type])
    .map((change) => ({ change, target: join(root, change.path) }));
  const createdDirs: string[] = [];
  const all = staged.map(({ change }) => change.path);

  let current = '';
  try {
    for (const entry of staged) {
      current = entry.change.path;
      if (signal?.aborted) throw new Error('interrupted');
      if (entry.change.content === null) continue;
      await refuseFolder(entry.target);
      const dir = dirname(entry.target);
      const first = await mkdir(dir, { recursive: true });
      if (first !== undefined) createdDirs.push(...chain(dir, first));
      const temp = join(dir, `.${randomBytes(6).toString('hex')}.sails-rt.tmp`);
      entry.temp = temp;
      await writeFile(temp, entry.change.content);
    }
    if (signal?.aborted) throw new Error('interrupted');
  } catch (error) {
    await rollBack(staged, createdDirs);
    const interrupted = Boolean(signal?.aborted);
    const why = interrupted ? 'interrupted' : describe(error);
    throw new FlushError(
      interrupted
        ? `Interrupted before ${root} was changed; nothing was written.`
        : `Could not write ${current} in ${root} (${why}); nothing was written.`,
      current,
      [],
      all,
      interrupted,
      { cause: error },
    );
  }

  // Renames within one folder: the part of the flush that does not run out of space.
  const written: string[] = [];
  for (const entry of staged) {
    current = entry.change.path;
    try {
      if (entry.temp === undefined) await rm(entry.target, { force: true });
      else await rename(entry.temp, entry.target);
      written.push(current);
    } catch (error) {
      await rollBack(staged, []);
      const notWritten = all.filter((path) => !written.includes(path));
      throw new FlushError(
        `Could not write ${current} in ${root} (${describe(error)}); written: ${written.join(', ') || 'nothing'}; not written: ${notWritten.join(', ')}.`,
        current,
        written,
        notWritten,
        false,
        { cause: error },
      );
    }
  }
}

/** A folder where a file is to go cannot be replaced by a rename: say so before staging. */
async function refuseFolder(target: string): Promise<void> {
  const stat = await lstat(target).catch(() => undefined);
  if (stat?.isDirectory()) throw new Error(`${target} is a folder`);
}

/** The folders from `dir` up to `first` (the first one mkdir created), deepest first. */
function chain(dir: string, first: string): string[] {
  const dirs: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    dirs.push(current);
    if (current === first || dirname(current) === current) return dirs;
  }
}

/** Removes the temp files still staged and, deepest first, the folders the flush created. */
async function rollBack(staged: readonly Staged[], createdDirs: readonly string[]): Promise<void> {
  for (const entry of staged) {
    if (entry.temp !== undefined) await rm(entry.temp, { force: true }).catch(() => {});
  }
  const deepestFirst = [...new Set(createdDirs)].sort((a, b) => b.length - a.length);
  for (const dir of deepestFirst) await rmdir(dir).catch(() => {});
}

/** An error in a few words: for a file-system error its code and text, without the temp file's path. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return (error as NodeJS.ErrnoException).code ? error.message.replace(/, \w+ '.*'$/, '') : error.message;
}
