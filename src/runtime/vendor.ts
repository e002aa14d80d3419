/**
 * How the built package loads its large dependencies (Fastify, socket.io, Kysely, …) fast.
 *
 * `npm run build` bundles them into one CommonJS file, dist/vendor-<hash>.cjs, and makes every
 * `import … from 'fastify'` (and the rest of VENDORED in scripts/build.mjs) in dist/ read them
 * from it through `vendored()`. That file is compiled with a V8 code cache kept in the temp
 * folder: Node 20 has no compile cache of its own, and parsing and compiling about 2 MB of
 * dependencies was the largest part of a lift (docs/architecture.md, "Start-up"). The cache is
 * written once, after the first lift has listened (`keepCompileCache()`), and V8 refuses one made
 * by another Node version or for other source, in which case the file is compiled as usual and
 * the cache written again.
 *
 * Run from source (tests, tsx), nothing here is used: the imports resolve to node_modules.
 * SAILS_RT_COMPILE_CACHE=0 turns the cache off.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import createDebug from 'debug';

const debug = createDebug('sails-rt:lift');

/** The bundle's file name under dist/, set by scripts/build.mjs; absent when run from source. */
declare const SAILS_RT_VENDOR_FILE: string | undefined;

interface Loaded {
  exports: Record<string, unknown>;
  script: Script;
  cacheFile: string | undefined;
  /** True when V8 took the cache from disk, so there is nothing to write. */
  cached: boolean;
}

let loaded: Loaded | undefined;

/** The module `name` (a bare package name listed in VENDORED) as dist/vendor-<hash>.cjs holds it. */
export function vendored(name: string): unknown {
  loaded ??= load();
  return loaded.exports[name];
}

function load(): Loaded {
  const started = performance.now();
  if (typeof SAILS_RT_VENDOR_FILE !== 'string') throw new Error('vendored() is only for the built package (dist/).');
  // This module is bundled into dist/chunks/; the vendor file sits in dist/.
  const file = fileURLToPath(new URL(`../${SAILS_RT_VENDOR_FILE}`, import.meta.url));
  // The build makes the file pure ASCII, so latin1 reads it exactly, and five times faster than
  // utf8 (Node 20 decodes utf8 on a slow path).
  const source = readFileSync(file, 'latin1');
  const cacheFile = process.env['SAILS_RT_COMPILE_CACHE'] === '0' ? undefined : join(tmpdir(), 'sails-rt-compile-cache', `${SAILS_RT_VENDOR_FILE}-${process.version}-${process.arch}.v8`);
  let cachedData: Buffer | undefined;
  if (cacheFile !== undefined) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // None yet: keepCompileCache() writes it.
    }
  }
  // The wrapper Node gives a CommonJS file, so the bundle runs as if required.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} as Record<string, unknown> };
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const cached = cachedData !== undefined && !script.cachedDataRejected;
  debug('%s compiled in %s ms, %s', SAILS_RT_VENDOR_FILE, (performance.now() - started).toFixed(1), cached ? 'from its code cache' : cachedData ? 'its code cache refused' : cacheFile ? 'no code cache yet' : 'code cache off');
  return { exports: module.exports, script, cacheFile, cached };
}

/**
 * Writes the code cache of the vendor file if none was used, once the functions a lift runs are
 * compiled (V8 keeps those in it too). Called by lift() after listening, off the start's path; a
 * failure to write only costs the next start its speed.
 */
export function keepCompileCache(): void {
  const current = loaded;
  if (current === undefined || current.cached || current.cacheFile === undefined) return;
  current.cached = true;
  const cacheFile = current.cacheFile;
  setImmediate(() => {
    try {
      mkdirSync(dirname(cacheFile), { recursive: true });
      // Whole or not at all: another process may be reading or writing the same cache.
      const partial = `${cacheFile}.${process.pid}`;
      writeFileSync(partial, current.script.createCachedData());
      renameSync(partial, cacheFile);
    } catch {
      // A read-only or full temp folder: the next start compiles again.
    }
  }).unref();
}
