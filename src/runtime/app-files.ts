/** Importing one of an app's own files at lift (config, controllers, policies). */
import { describeLoadError, importAppFile } from '../schema/load/index.js';
import { LiftError } from './errors.js';

/** The file's module namespace; a file that fails to load stops lift with one sentence naming it. */
export async function importForLift(appPath: string, file: string, shown: string): Promise<Record<string, unknown>> {
  try {
    return await importAppFile(appPath, file);
  } catch (error) {
    throw new LiftError(`${shown} could not be loaded (${describeLoadError(error)}); fix the error in that file.`, { cause: error });
  }
}
