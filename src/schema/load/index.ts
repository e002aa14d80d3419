/**
 * The one I/O corner of the schema layer: importing an app's TypeScript files (models, config,
 * controllers) in this process, through tsx, so lift and generate read exactly what the user
 * wrote with no build step.
 */
import { readdir } from 'node:fs/promises';
import { register as registerHook } from 'node:module';
import { basename, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register as registerTsx } from 'tsx/esm/api';
import { SchemaError } from '../errors.js';
import type { NormalizedModel } from '../model.js';
import { normalizeModels, type ModelSource } from '../normalize.js';

let loaderReady = false;

/**
 * Registers the loader (tsx and the 'sails-rt' resolve hook), once: at the first app import, or
 * ahead of it, as a `lift --watch` spare does while it waits. Registering twice is a no-op.
 */
export function prepareAppLoader(): void {
  if (loaderReady) return;
  loaderReady = true;
  // Registered globally (not tsx's namespaced tsImport) so that every app file and the test
  // that lifted it share one instance of each module, 'sails-rt' included.
  registerTsx();
  registerHook(new URL('./resolve-hook.js', import.meta.url), {
    data: {
      runtimeUrl: new URL('../../runtime/index.js', import.meta.url).href,
      clientUrl: new URL('../../client/index.js', import.meta.url).href,
    },
  });
}

/** Imports a .ts (or .js) file of an app and returns its module namespace. */
export async function importAppFile(file: string): Promise<Record<string, unknown>> {
  prepareAppLoader();
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/**
 * Lists the source files of a folder of an app (`.ts`, `.js`, `.mjs`; no `.d.ts`, nothing hidden), sorted;
 * none when the folder is missing. `recursive` takes its subfolders too.
 */
export async function listSourceFiles(dir: string, { recursive = false } = {}): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    // Not hidden files or folders: an editor's lock file (.#User.ts) is no model or controller.
    .filter((name) => /\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') && !name.split(/[\\/]/).some((part) => part.startsWith('.')))
    .sort()
    .map((name) => join(dir, name));
}

/** Reads `api/models/*.ts` as the user wrote them, without validating. */
export async function loadModelSources(appPath: string): Promise<ModelSource[]> {
  const files = await listSourceFiles(join(appPath, 'api', 'models'));
  const sources: ModelSource[] = [];
  for (const file of files) {
    const shown = relative(appPath, file);
    let namespace: Record<string, unknown>;
    try {
      namespace = await importAppFile(file);
    } catch (error) {
      throw new SchemaError(`could not be loaded: ${describeLoadError(error)}; fix the error in that file.`, { file: shown });
    }
    if (namespace['default'] === undefined) {
      throw new SchemaError('has no default export; write `export default defineModel({ attributes: { ... } })`.', {
        file: shown,
      });
    }
    sources.push({ className: basename(file).replace(/\.[^.]+$/, ''), definition: namespace['default'], file: shown });
  }
  return sources;
}

/** Loads and validates every model of the app at `appPath`. */
export async function loadModels(appPath: string): Promise<NormalizedModel[]> {
  return normalizeModels(await loadModelSources(appPath));
}

/**
 * Why an app file could not be imported, in one phrase: a syntax error as tsx (esbuild) reports
 * it, `line 3, column 5: Expected "}" but found ";"`, or else the error's first line.
 */
export function describeLoadError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const syntax = /:(\d+):(\d+): ERROR: (.+)$/m.exec(message);
  // esbuild counts columns from 0; editors count them from 1.
  if (syntax) return `line ${syntax[1]}, column ${Number(syntax[2]) + 1}: ${syntax[3]}`;
  return message.split('\n').find((line) => line.trim() !== '')?.trim() ?? message;
}
