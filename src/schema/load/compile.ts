/**
 * An app's TypeScript, compiled once and kept: each source file becomes one JavaScript module
 * under the app's `.tmp/sails-rt/compiled/`, at the same relative path, which Node imports with
 * its own loader. No loader hook runs (registering one starts a worker thread and costs more
 * than the rest of lift), and a lift with nothing changed compiles nothing: each compiled file
 * begins with a line naming its source's size and modification time and the files it imports,
 * and is rebuilt only when one of them no longer matches.
 *
 * Compiling is esbuild's, one file at a time, with every import left as an import: a relative
 * import of another TypeScript file points to that file's compiled twin, any other relative
 * import (JSON, JavaScript) to the original file, and bare imports stay as they are (the
 * compiled tree sits inside the app, so they resolve from the app's node_modules). `import.meta`
 * means the source file, not its twin. A file that does not compile becomes a module that throws
 * esbuild's message when imported, so a broken file fails exactly where it is imported.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { PACKAGE_ROOT, PACKAGE_VERSION } from '../../package-root.js';

/** Where an app's compiled twins live, relative to the app. */
export const COMPILED_DIR = join('.tmp', 'sails-rt', 'compiled');
/** The first line of a compiled file: this marker, then its stamp as JSON. */
const STAMP_MARK = '//sails-rt-compiled ';
/** Changes whenever what the compiler writes changes, so twins from another version are rebuilt. */
const COMPILER_KEY = `${PACKAGE_VERSION}/1`;
const TS_SOURCE = /\.(?:ts|mts|tsx)$/;

interface Stamp {
  key: string;
  size: number;
  mtimeMs: number;
  /** The TypeScript files this one imports, as absolute paths: each is checked in turn. */
  imports: string[];
  /** esbuild's message when the file does not compile (its twin throws it). */
  error?: string;
}

/**
 * Where the 'sails-rt' and 'sails-rt/client' imports of an app go when the app has not installed
 * sails-rt (right after `new --skip-install`): the copy of sails-rt that is running.
 */
function runningCopy(entry: 'runtime' | 'client' | 'migrations'): string {
  // sails-rt's own tests run it from its sources (this very file as .ts): the app gets those too.
  const fromSources = import.meta.url.endsWith('.ts');
  if (entry === 'migrations') return pathToFileURL(join(PACKAGE_ROOT, ...(fromSources ? ['src', 'runtime', 'migrations', 'entry.ts'] : ['dist', 'migrations', 'index.js']))).href;
  return pathToFileURL(join(PACKAGE_ROOT, fromSources ? 'src' : 'dist', entry, fromSources ? 'index.ts' : 'index.js')).href;
}

/** The entry of sails-rt each of its import names means. */
const ENTRIES = { 'sails-rt': 'runtime', 'sails-rt/client': 'client', 'sails-rt/migrations': 'migrations' } as const;

export class AppCompiler {
  /** Files already checked (and compiled if needed) by this process, with their stamps. */
  private readonly ready = new Map<string, Promise<Stamp | undefined>>();
  private esbuild: Promise<typeof import('esbuild')> | undefined;
  /** Whether the app (or a folder above it) has sails-rt installed. */
  private readonly installed: boolean;

  private constructor(
    readonly root: string,
    readonly outDir: string,
  ) {
    this.installed = hasInstalledSailsRt(root);
  }

  /**
   * The compiler of the app at `root`, writing into its `.tmp`; where that cannot be written
   * (a read-only app), into a fresh folder of the system's temp directory, used by this process only.
   */
  static for(root: string): AppCompiler {
    const outDir = join(root, COMPILED_DIR);
    try {
      mkdirSync(outDir, { recursive: true });
      return new AppCompiler(root, outDir);
    } catch {
      const scratch = mkdtempSync(join(tmpdir(), 'sails-rt-compiled-'));
      process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
      return new AppCompiler(root, scratch);
    }
  }

  /**
   * Compiles what is not current among `files` and what they import; resolves with how many
   * files that covered and esbuild's message for each that does not compile.
   */
  async compileAll(files: readonly string[]): Promise<{ files: number; errors: string[] }> {
    await Promise.all(files.filter((file) => TS_SOURCE.test(file)).map((file) => this.ensure(resolve(file))));
    const stamps = await Promise.all(this.ready.values());
    return { files: stamps.filter(Boolean).length, errors: stamps.flatMap((stamp) => (stamp?.error ? [stamp.error] : [])) };
  }

  /** The URL to import for an app file: its compiled twin for TypeScript, the file itself else. */
  async urlOf(file: string): Promise<string> {
    if (!TS_SOURCE.test(file)) return pathToFileURL(file).href;
    await this.ensure(resolve(file));
    return pathToFileURL(this.twinOf(resolve(file))).href;
  }

  /** The compiled file of a source: inside the app at the same relative path, outside it under `_/` + its absolute path. */
  private twinOf(source: string): string {
    const inside = relative(this.root, source);
    const path = inside.startsWith('..') || isAbsolute(inside) ? join('_', source.replace(/^[A-Za-z]:/, '')) : inside;
    return join(this.outDir, path.replace(TS_SOURCE, '.mjs'));
  }

  /** Compiles `source` unless its twin is current, then does the same for what it imports. */
  private ensure(source: string): Promise<Stamp | undefined> {
    let done = this.ready.get(source);
    if (!done) {
      done = this.check(source);
      this.ready.set(source, done);
    }
    return done;
  }

  private async check(source: string): Promise<Stamp | undefined> {
    const twin = this.twinOf(source);
    let stamp = readStamp(twin);
    const stat = statIfAny(source);
    if (!stat) {
      // A source deleted since: its twin goes too, so importing it fails as it would without sails-rt.
      rmSync(twin, { force: true });
      return undefined;
    }
    if (!stamp || stamp.key !== this.stampKey() || stamp.size !== stat.size || stamp.mtimeMs !== stat.mtimeMs) {
      stamp = await this.compile(source, twin, stat);
    }
    await Promise.all(stamp.imports.map((file) => this.ensure(file)));
    return stamp;
  }

  /**
   * A twin made for another install state, or by another copy of sails-rt where the app has not
   * installed it (its 'sails-rt' import names that copy's files), would import the wrong sails-rt.
   */
  private stampKey(): string {
    return `${COMPILER_KEY}/${this.installed ? 'installed' : runningCopy('runtime')}`;
  }

  private async compile(source: string, twin: string, stat: { size: number; mtimeMs: number }): Promise<Stamp> {
    const esbuild = await (this.esbuild ??= import('esbuild'));
    const imports = new Set<string>();
    let code: string;
    let error: string | undefined;
    try {
      const result = await esbuild.build({
        entryPoints: [source],
        outfile: twin,
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        sourcemap: 'inline',
        sourcesContent: false,
        logLevel: 'silent',
        // import.meta means the source, as if it ran where it is.
        define: {
          'import.meta.url': JSON.stringify(pathToFileURL(source).href),
          'import.meta.filename': JSON.stringify(source),
          'import.meta.dirname': JSON.stringify(dirname(source)),
        },
        plugins: [this.importsPlugin(twin, imports)],
      });
      code = result.outputFiles.find((file) => file.path.endsWith('.mjs'))!.text;
    } catch (failure) {
      error = buildErrorMessage(failure, source);
      code = `throw new SyntaxError(${JSON.stringify(error)});\n`;
    }
    const stamp: Stamp = { key: this.stampKey(), size: stat.size, mtimeMs: stat.mtimeMs, imports: [...imports], ...(error ? { error } : {}) };
    writeAtomically(twin, `${STAMP_MARK}${JSON.stringify(stamp)}\n${code}`);
    return stamp;
  }

  /** Leaves every import an import, pointed where it must go from the twin (see the file's comment). */
  private importsPlugin(twin: string, imports: Set<string>): Plugin {
    return {
      name: 'sails-rt-app-imports',
      setup: (build) => {
        build.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point') return undefined;
          const specifier = args.path;
          if (Object.hasOwn(ENTRIES, specifier)) {
            return { path: this.installed ? specifier : runningCopy(ENTRIES[specifier as keyof typeof ENTRIES]), external: true };
          }
          if (!specifier.startsWith('.') && !isAbsolute(specifier)) return { path: specifier, external: true };
          const target = resolve(args.resolveDir, specifier);
          const typescript = typeScriptTarget(target);
          if (!typescript) return { path: pathToFileURL(target).href, external: true };
          imports.add(typescript);
          let path = relative(dirname(twin), this.twinOf(typescript)).split(sep).join('/');
          if (!path.startsWith('.')) path = `./${path}`;
          return { path, external: true };
        });
      },
    };
  }
}

/** The TypeScript file a relative import means, as TypeScript resolves it, or undefined for any other file. */
function typeScriptTarget(target: string): string | undefined {
  if (TS_SOURCE.test(target)) return target;
  // `./user.js` names `./user.ts` in TypeScript's ESM style; `./user` and `./lib` (its index) too.
  const stem = target.replace(/\.(?:js|mjs|jsx)$/, '');
  const candidates =
    stem !== target
      ? [`${stem}.ts`, `${stem}.mts`, `${stem}.tsx`]
      : [`${target}.ts`, `${target}.mts`, `${target}.tsx`, join(target, 'index.ts')];
  if (stem !== target && statIfAny(target)?.isFile) return undefined;
  return candidates.find((candidate) => statIfAny(candidate)?.isFile);
}

function hasInstalledSailsRt(root: string): boolean {
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', 'sails-rt', 'package.json'))) return true;
    if (dirname(dir) === dir) return false;
  }
}

function statIfAny(path: string): { size: number; mtimeMs: number; isFile: boolean } | undefined {
  try {
    const stat = statSync(path);
    return { size: stat.size, mtimeMs: stat.mtimeMs, isFile: stat.isFile() };
  } catch {
    return undefined;
  }
}

/** The stamp on a compiled file's first line, or undefined when there is no such file or line. */
function readStamp(twin: string): Stamp | undefined {
  let fd: number;
  try {
    fd = openSync(twin, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(16 * 1024);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    const line = buffer.toString('utf8', 0, read).split('\n', 1)[0]!;
    return line.startsWith(STAMP_MARK) ? (JSON.parse(line.slice(STAMP_MARK.length)) as Stamp) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Two processes compiling the same file (lift --watch and its spare) never see half a file. */
function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/**
 * esbuild's first error as `file:line:column: ERROR: text`, the form describeLoadError() reads
 * (esbuild counts columns from 0).
 */
function buildErrorMessage(error: unknown, source: string): string {
  const first = (error as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors?.[0];
  if (!first) return `${source}: ${error instanceof Error ? error.message : String(error)}`;
  const where = first.location ? `${resolve(first.location.file)}:${first.location.line}:${first.location.column}` : source;
  return `${where}: ERROR: ${first.text}`;
}
