import { FlushError, flushChanges, type FileChange } from '../generator/index.js';
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
      throw new CliError(error.message, error.interrupted ? INTERRUPTED : 1, { cause: error });
    }
    throw error;
  }
}
