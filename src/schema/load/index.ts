/**
 * The one I/O corner of the schema layer: importing an app's TypeScript files (models, config,
 * controllers) in this process, compiled by ./compile.ts, so lift and generate read exactly
 * what the user wrote with no build step of theirs.
 */
import { readdir } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { SchemaError } from '../errors.js';
import { AppCompiler } from './compile.js';
import type { NormalizedModel } from '../model.js';
import { normalizeModels, type ModelSource } from '../normalize.js';

const compilers = new Map<string, AppCompiler>();
let sourceMapsOn = false;

/**
 * Loads the compiler ahead of the first app import that needs it, as a `lift --watch` spare
 * does while it waits for a change (which it will have to compile).
 */
export function prepareAppLoader(): void {
  void import('esbuild');
}

function compilerOf(appPath: string): AppCompiler {
  const root = resolve(appPath);
  let compiler = compilers.get(root);
  if (!compiler) {
    compiler = AppCompiler.for(root);
    compilers.set(root, compiler);
  }
  return compiler;
}

/**
 * Compiles every TypeScript file lift would load (config/, api/, generated/, migrations/, app.ts,
 * and what they import) that is not compiled yet, as `sails-rt build` does ahead of a deploy. Resolves
 * with how many files are compiled and a `file:line:column: ERROR: …` line for each that is not.
 */
export async function compileApp(appPath: string): Promise<{ files: number; errors: string[] }> {
  const folders = ['config', 'api', 'generated', 'migrations'].map((folder) => listSourceFiles(join(appPath, folder), { recursive: true }));
  const files = [...(await Promise.all(folders)).flat(), join(appPath, 'app.ts')];
  return compilerOf(appPath).compileAll(files);
}

/** Imports a .ts (or .js) file of the app at `appPath` and returns its module namespace. */
export async function importAppFile(appPath: string, file: string): Promise<Record<string, unknown>> {
  if (!sourceMapsOn) {
    // Stacks name the app's own files and lines, not their compiled twins.
    process.setSourceMapsEnabled(true);
    sourceMapsOn = true;
  }
  return (await importModule(await compilerOf(appPath).urlOf(file))) as Record<string, unknown>;
}

/**
 * import(), from where it works: the built package runs as a script (src/boot.ts), which cannot
 * import an ES module itself, so the loader leaves an importer of its own for it.
 */
function importModule(url: string): Promise<unknown> {
  const loaderImport = (globalThis as unknown as Record<symbol, ((url: string) => Promise<unknown>) | undefined>)[Symbol.for('sails-rt.import')];
  return loaderImport ? loaderImport(url) : import(url);
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
      namespace = await importAppFile(appPath, file);
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
 * Why an app file could not be imported, in one phrase: a syntax error as esbuild reports
 * it, `line 3, column 5: Expected "}" but found ";"`, or else the error's first line.
 */
export function describeLoadError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const syntax = /:(\d+):(\d+): ERROR: (.+)$/m.exec(message);
  // esbuild counts columns from 0; editors count them from 1.
  if (syntax) return `line ${syntax[1]}, column ${Number(syntax[2]) + 1}: ${syntax[3]}`;
  return message.split('\n').find((line) => line.trim() !== '')?.trim() ?? message;
}
