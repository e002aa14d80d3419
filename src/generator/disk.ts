/**
 * The generator's only contact with the disk: a reader over the target folder for the virtual
 * tree, the templates shipped in the package, and the atomic flush of a tree's changes.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
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
 * Writes the changes under `root`. Each file goes to a temp file beside it and is renamed into
 * place, so an interrupted run leaves either the old file or the new one, never half of one.
 */
export async function flushChanges(root: string, changes: readonly FileChange[]): Promise<void> {
  for (const change of changes) {
    const target = join(root, change.path);
    if (change.content === null) {
      await rm(target, { force: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.${randomBytes(6).toString('hex')}.sails-rt.tmp`);
    try {
      await writeFile(temp, change.content);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
