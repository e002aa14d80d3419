import type { Tree } from './tree.js';

/**
 * What a generator did besides its tree changes: user-owned files it left alone because they
 * were already as it would write them (skipped) or because the user changed them (conflicts).
 */
export interface GenerateReport {
  skipped: string[];
  conflicts: string[];
}

export function emptyReport(): GenerateReport {
  return { skipped: [], conflicts: [] };
}

export type OwnedWrite = 'written' | 'skipped' | 'conflict';

/**
 * Writes a user-owned file: created when missing, left alone when it already says the same,
 * and when it says something else, left alone as a conflict, or with `force`, overwritten
 * after its old content is kept beside it as `<path>.orig` so nothing is lost. A `.orig` an
 * earlier --force left is the user's too: it is never overwritten, the copy goes to
 * `<path>.orig.1`, `.orig.2`, ... instead.
 */
export function writeOwnedFile(
  tree: Tree,
  path: string,
  content: string,
  { force = false }: { force?: boolean | undefined },
  report: GenerateReport,
): OwnedWrite {
  const current = tree.read(path);
  if (current === undefined) {
    tree.write(path, content);
    return 'written';
  }
  if (current === content) {
    report.skipped.push(path);
    return 'skipped';
  }
  if (!force) {
    report.conflicts.push(path);
    return 'conflict';
  }
  const backup = backupPath(tree, path, current);
  if (backup !== undefined) tree.write(backup, current);
  tree.write(path, content);
  return 'written';
}

/** Where to keep `current`: the first free `.orig` name, or undefined when one already holds it. */
function backupPath(tree: Tree, path: string, current: string): string | undefined {
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? `${path}.orig` : `${path}.orig.${n}`;
    const kept = tree.read(candidate);
    if (kept === undefined) return candidate;
    if (kept === current) return undefined;
  }
}
