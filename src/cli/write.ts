import { isAbsolute, relative } from 'node:path';
import { FlushError, flushChanges, type FileChange, type FlushDenied } from '../generator/index.js';
import { CliError, INTERRUPTED } from './errors.js';

/**
 * Flushes a generator's changes under `root`, turning a failed or interrupted flush into one
 * sentence that says what is and is not on disk (the CREATE/UPDATE lines were printed before).
 */
export async function writeChanges(root: string, changes: readonly FileChange[], signal: AbortSignal): Promise<void> {
  try {
    await flushChanges(root, changes, { signal });
  } catch (error) {
    if (error instanceof FlushError) {
      const message = error.denied && error.written.length === 0 ? deniedSentence(root, error.denied) : error.message;
      throw new CliError(message, error.interrupted ? INTERRUPTED : 1, { cause: error });
    }
    throw error;
  }
}

const WHY: Record<FlushDenied['code'], string> = {
  EACCES: 'permission denied',
  // Also an immutable file or folder (chattr +i), which refuses even root.
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
};

/**
 * A refused write as one sentence with the fix. Where the refusal is the folder chosen for the
 * files (or above it), another folder is a fix; inside it (api/models of an app) only the
 * permissions are.
 */
function deniedSentence(root: string, denied: FlushDenied): string {
  const within = relative(root, denied.path);
  const inside = within !== '' && !within.startsWith('..') && !isAbsolute(within);
  const what = denied.kind === 'file' ? `The file ${denied.path} cannot be replaced` : `The folder ${denied.path} cannot be written`;
  const fix = inside ? 'fix its permissions, then run the command again' : 'choose a folder you can write to, or fix its permissions';
  return `${what} (${WHY[denied.code]}), so nothing was written; ${fix}.`;
}
