/**
 * How the built package starts (dist/boot.js). `npm run build` puts the CLI, the runtime and the
 * dependencies they bundle into one CommonJS file, dist/core-<hash>.cjs; every entry point of the
 * package (bin/sails-rt.js, `sails-rt`, `sails-rt/migrations`) reads it through `core()`, so one
 * process has one copy of it whichever entry came first. What only a running app needs (Fastify,
 * socket.io, Kysely, …) is in a second file, dist/vendor-<hash>.cjs, compiled the same way the first
 * time the core asks for one of them, so `generate` and `new` never read it.
 *
 * The file is compiled with a V8 code cache kept in the temp folder: Node 20 has no compile cache
 * of its own, and parsing and compiling this code was a third of a lift and of a `generate`
 * (docs/architecture.md, "Start-up"). There is one cache per purpose (lift, generate, new, …):
 * V8 keeps in it the functions that had run when it was made, and each command runs different
 * ones. The cache is written once, when the purpose has done its work (`keepCompileCache()`:
 * after a lift listens, at exit for the rest); V8 refuses one made by another Node version or for
 * other source, and the file is then compiled as usual and the cache written again.
 * SAILS_RT_COMPILE_CACHE=0 turns it off.
 *
 * Run from source (tests, tsx), none of this is used.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

/** The core's file name under dist/, set by scripts/build.mjs. */
declare const SAILS_RT_CORE_FILE: string;
/** The file of what only a running app needs (Fastify, socket.io, Kysely, …), read when first asked for. */
declare const SAILS_RT_VENDOR_FILE: string;

/** What the core file exports: each part of the package, run on first use. */
type CoreExports = Record<'cli' | 'runtime' | 'migrations', Record<string, unknown>>;

interface Loaded {
  exports: CoreExports;
  /** Writes the code cache if none was used; does nothing after the first call. */
  keep(): void;
}

/** Where the loaded core is kept, for every copy of this module and for the core itself. */
const CORE = Symbol.for('sails-rt.core');
/** How the core imports an app's files (a script cannot import()): see src/schema/load/index.ts. */
const IMPORT = Symbol.for('sails-rt.import');
const PURPOSES = new Set(['cli', 'runtime', 'migrations', 'lift', 'new', 'generate', 'migrate', 'build']);

/**
 * The core, loaded on first call. `purpose` names the code cache: the command a CLI run was given
 * (`g` counts as generate), else the entry point asking.
 */
export function core(purpose: string): CoreExports {
  const global = globalThis as unknown as Record<symbol, Loaded | undefined>;
  const loaded = (global[CORE] ??= load(purpose === 'g' ? 'generate' : PURPOSES.has(purpose) ? purpose : 'cli'));
  return loaded.exports;
}

function load(purpose: string): Loaded {
  const started = performance.now();
  (globalThis as unknown as Record<symbol, unknown>)[IMPORT] = (url: string) => import(url);
  let vendor: Compiled | undefined;
  const fromVendor = (name: string): unknown => {
    vendor ??= compile(SAILS_RT_VENDOR_FILE, purpose, []);
    return vendor.exports[name];
  };
  const core = compile(SAILS_RT_CORE_FILE, purpose, [fromVendor], started);
  const keep = (): void => {
    core.keep();
    vendor?.keep();
  };
  // A lift keeps them once listening (src/runtime/compile-cache.ts); anything else when it ends.
  process.once('exit', keep);
  return { exports: core.exports as unknown as CoreExports, keep };
}

interface Compiled {
  exports: Record<string, unknown>;
  /** Writes the code cache if none was used; does nothing after the first call. */
  keep(): void;
}

/**
 * Compiles and runs dist/`name` as Node runs a CommonJS file, with its code cache for `purpose`,
 * giving it `extra` after the usual arguments (the URL its `import.meta.url` stands for first).
 */
function compile(name: string, purpose: string, extra: unknown[], started = performance.now()): Compiled {
  const file = fileURLToPath(new URL(name, import.meta.url));
  // The build makes the file pure ASCII, so latin1 reads it exactly, and five times faster than
  // utf8 (Node 20 decodes utf8 on a slow path).
  const source = readFileSync(file, 'latin1');
  const cacheFile = process.env['SAILS_RT_COMPILE_CACHE'] === '0' ? undefined : join(tmpdir(), 'sails-rt-compile-cache', `${name}-${purpose}-${process.version}-${process.arch}.v8`);
  let cachedData: Buffer | undefined;
  if (cacheFile !== undefined) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // None yet: keep() writes it.
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname, __sailsRtUrl, __sailsRtVendor) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} as Record<string, unknown> };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file), pathToFileURL(file).href, ...extra);
  const cached = cachedData !== undefined && !script.cachedDataRejected;
  const state = cached ? 'from its code cache' : cachedData ? 'its code cache refused' : cacheFile ? 'no code cache yet' : 'code cache off';
  if (/(?:^|[\s,])(?:\*|sails-rt)/.test(process.env['DEBUG'] ?? '')) {
    // The same line as the debug package writes, without loading it here.
    process.stderr.write(`${new Date().toISOString()} sails-rt:boot ${name} compiled in ${(performance.now() - started).toFixed(1)} ms for ${purpose}, ${state}\n`);
  }
  let kept = cached || cacheFile === undefined;
  return {
    exports: module.exports,
    keep() {
      if (kept) return;
      kept = true;
      try {
        mkdirSync(dirname(cacheFile!), { recursive: true });
        // Whole or not at all: another process may be reading or writing the same cache.
        const partial = `${cacheFile!}.${process.pid}`;
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, cacheFile!);
      } catch {
        // A read-only or full temp folder: the next start compiles again.
      }
    },
  };
}
