/**
 * A virtual file tree over a read-only view of a folder, after Nx devkit's Tree: generators read
 * and write it, nothing touches the disk until the CLI flushes `listChanges()`. Dry runs and
 * in-memory tests come free.
 */
import { posix } from 'node:path';

/** Reads a file of the target folder as text; `undefined` when there is no such file. */
export type TreeReader = (path: string) => string | undefined;

export type ChangeType = 'CREATE' | 'UPDATE' | 'DELETE';

export interface FileChange {
  /** Relative to the tree's root, with forward slashes. */
  path: string;
  type: ChangeType;
  /**
   * The new content; `null` for DELETE. Generators write text; bytes come only from the CLI,
   * for a file it adds to the changes (the sails-rt tarball `new` vendors).
   */
  content: string | Uint8Array | null;
}

export interface Tree {
  read(path: string): string | undefined;
  exists(path: string): boolean;
  write(path: string, content: string): void;
  delete(path: string): void;
  /** What a flush would do, sorted by path. A file written back unchanged is not a change. */
  listChanges(): FileChange[];
}

/** A reader over an in-memory map of files, for tests and for chaining generators. */
export function memoryReader(files: Readonly<Record<string, string>>): TreeReader {
  return (path) => (Object.hasOwn(files, path) ? files[path] : undefined);
}

/**
 * The tree generators work on.
 *
 * @example
 * const tree = new VirtualTree(memoryReader({}));
 * tree.write('config/routes.ts', 'export const routes = {};\n');
 * tree.listChanges(); // [{ path: 'config/routes.ts', type: 'CREATE', content: '...' }]
 */
export class VirtualTree implements Tree {
  /** Pending content per path; `null` marks a deletion. */
  private readonly pending = new Map<string, string | null>();

  constructor(private readonly reader: TreeReader) {}

  read(path: string): string | undefined {
    const key = normalizePath(path);
    if (this.pending.has(key)) return this.pending.get(key) ?? undefined;
    return this.reader(key);
  }

  exists(path: string): boolean {
    return this.read(path) !== undefined;
  }

  write(path: string, content: string): void {
    this.pending.set(normalizePath(path), content);
  }

  delete(path: string): void {
    this.pending.set(normalizePath(path), null);
  }

  listChanges(): FileChange[] {
    const changes: FileChange[] = [];
    for (const [path, content] of this.pending) {
      const before = this.reader(path);
      if (content === null) {
        if (before !== undefined) changes.push({ path, type: 'DELETE', content: null });
      } else if (before === undefined) {
        changes.push({ path, type: 'CREATE', content });
      } else if (before !== content) {
        changes.push({ path, type: 'UPDATE', content });
      }
    }
    return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

/**
 * Files after the changes are applied, for chaining runs in memory (generate twice, then compare).
 */
export function applyChanges(files: Readonly<Record<string, string>>, changes: readonly FileChange[]): Record<string, string> {
  const next: Record<string, string> = { ...files };
  for (const change of changes) {
    if (change.content === null) delete next[change.path];
    else if (typeof change.content === 'string') next[change.path] = change.content;
    else throw new Error(`applyChanges chains text files; ${change.path} is binary.`);
  }
  return next;
}

function normalizePath(path: string): string {
  const normal = posix.normalize(path.replaceAll('\\', '/'));
  if (normal.startsWith('../') || normal === '..' || posix.isAbsolute(normal)) {
    throw new Error(`The path "${path}" leaves the generated folder; generators write only inside it.`);
  }
  return normal.replace(/^\.\//, '');
}
