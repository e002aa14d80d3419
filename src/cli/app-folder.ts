import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from './errors.js';

export interface AppFolder {
  path: string;
  name: string;
  /** The sails-rt version that generated the app (package.json `sailsRt.version`). */
  sailsRtVersion: string | undefined;
}

/**
 * The sails-rt app in `cwd`: a package.json with a `sailsRt` key, as `sails-rt new` writes it.
 * Anything else is refused with one sentence saying where it looked.
 */
export async function findApp(cwd: string, command: string): Promise<AppFolder> {
  const file = join(cwd, 'package.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliError(`No sails-rt app here: ${file} does not exist; run \`sails-rt ${command}\` inside a folder made by \`sails-rt new\`.`);
  }
  let manifest: { name?: unknown; sailsRt?: { version?: unknown } };
  try {
    manifest = JSON.parse(text) as typeof manifest;
  } catch {
    throw new CliError(`${file} is not valid JSON; fix it, then run \`sails-rt ${command}\` again.`);
  }
  if (typeof manifest !== 'object' || manifest === null || typeof manifest.sailsRt !== 'object' || manifest.sailsRt === null) {
    throw new CliError(
      `No sails-rt app here: ${file} has no "sailsRt" key; run \`sails-rt ${command}\` inside a folder made by \`sails-rt new\`.`,
    );
  }
  return {
    path: cwd,
    name: typeof manifest.name === 'string' ? manifest.name : 'app',
    sailsRtVersion: typeof manifest.sailsRt.version === 'string' ? manifest.sailsRt.version : undefined,
  };
}
