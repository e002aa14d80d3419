/**
 * `npm run build`: dist/ as it ships. tsc checks the sources and writes the type declarations;
 * esbuild bundles the four entry points (the CLI, the runtime `sails-rt`, the typed client
 * `sails-rt/client`, what migration files import `sails-rt/migrations`) with the pure-JavaScript dependencies they load, into shared chunks, so a
 * lift reads a few files instead of several hundred (module loading was most of its time).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import Handlebars from 'handlebars';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Left to Node's own loader: native code (better-sqlite3, esbuild), what only the generator loads
 * and is large (ts-morph, typescript), prompts (the CLI turns its colours off through its own
 * copy of kleur), ws' optional native helpers, and the PostgreSQL and MySQL drivers (loaded
 * only by an app that uses them, through import(), so a SQLite app's lift never reads them; pg's
 * optional native binding with them).
 */
const EXTERNAL = ['better-sqlite3', 'esbuild', 'ts-morph', 'typescript', 'prompts', 'bufferutil', 'utf-8-validate', 'pg', 'pg-native', 'mysql2'];

/**
 * The large dependencies of a lift, bundled apart into one CommonJS file, dist/vendor-<hash>.cjs,
 * that src/runtime/vendor.ts compiles with a V8 code cache (Node 20 has none of its own; compiling
 * them was the largest part of a lift). Each is a getter there, so only what is imported runs.
 */
const VENDORED = ['fastify', 'socket.io', '@fastify/cors', '@fastify/multipart', '@fastify/proxy-addr', '@fastify/send', 'find-my-way', 'kysely', 'cookie'];

rmSync(join(root, 'dist'), { recursive: true, force: true });
const vendor = await build({
  absWorkingDir: root,
  stdin: {
    contents: `module.exports = {\n${VENDORED.map((name) => `  get ${JSON.stringify(name)}() { return require(${JSON.stringify(name)}); },`).join('\n')}\n};\n`,
    resolveDir: root,
    sourcefile: 'vendor.cjs',
  },
  write: false,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  minifyWhitespace: true,
  minifySyntax: true,
  outfile: 'dist/vendor.cjs',
  // Apart, in dist/vendor-<hash>.cjs.LEGAL.txt: one non-ASCII letter in a licence comment made
  // the whole file a two-byte string, read 8 times slower at every start.
  legalComments: 'external',
  logLevel: 'warning',
});
const vendorSource = vendor.outputFiles.find((file) => file.path.endsWith('.cjs')).contents;
const vendorLegal = vendor.outputFiles.find((file) => file.path.endsWith('.LEGAL.txt'));
// src/runtime/vendor.ts reads it as latin1, which is exact only for ASCII.
const nonAscii = vendorSource.findIndex((byte) => byte > 0x7f);
if (nonAscii !== -1) throw new Error(`The vendor bundle has a non-ASCII byte at ${nonAscii}: escape it (esbuild's charset) or move the comment out (legalComments).`);
const vendorFile = `vendor-${createHash('sha256').update(vendorSource).digest('hex').slice(0, 12)}.cjs`;
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', vendorFile), vendorSource);
if (vendorLegal) writeFileSync(join(root, 'dist', `${vendorFile}.LEGAL.txt`), vendorLegal.contents);
const vendorLoader = join(root, 'src', 'runtime', 'vendor.ts');
/** Every import of a VENDORED package in dist/ reads it from the vendor file. */
const readFromVendor = {
  name: 'vendored',
  setup(builder) {
    const filter = new RegExp(`^(?:${VENDORED.map((name) => name.replace(/[./]/g, '\\$&')).join('|')})$`);
    builder.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'vendored' }));
    builder.onLoad({ filter: /.*/, namespace: 'vendored' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(vendorLoader)}).vendored(${JSON.stringify(args.path)});\n`,
      loader: 'js',
      resolveDir: root,
    }));
  },
};
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--emitDeclarationOnly'], {
  cwd: root,
  stdio: 'inherit',
});
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/index.ts', 'src/runtime/index.ts', 'src/client/index.ts', { in: 'src/runtime/migrations/entry.ts', out: 'migrations/index' }],
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  minifyWhitespace: true,
  minifySyntax: true,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [readFromVendor],
  define: { SAILS_RT_VENDOR_FILE: JSON.stringify(vendorFile) },
  // CommonJS dependencies call require(); in an ES module it has to be made.
  banner: { js: "import { createRequire as __sailsRtCreateRequire } from 'node:module';\nconst require = __sailsRtCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The generator's templates, compiled ahead (Handlebars' parser and compiler cost `generate` about
// 40 ms each run): dist/templates.cjs maps each .hbs path under templates/ to its compiled form
// and the SHA-1 of the source, which src/generator/templates.ts checks before using it. The same
// options as there: strict, noEscape.
const templatesDir = join(root, 'templates');
const entries = readdirSync(templatesDir, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.hbs'))
  .map((entry) => join(entry.parentPath, entry.name))
  .sort()
  .map((file) => {
    const source = readFileSync(file, 'utf8');
    const path = relative(templatesDir, file).split(sep).join('/');
    const sha1 = createHash('sha1').update(source).digest('hex');
    return `  ${JSON.stringify(path)}: { sha1: ${JSON.stringify(sha1)}, spec: ${Handlebars.precompile(source, { strict: true, noEscape: true })} },`;
  });
writeFileSync(join(root, 'dist', 'templates.cjs'), `// Written by scripts/build.mjs: templates/*.hbs compiled ahead.\nmodule.exports = {\n${entries.join('\n')}\n};\n`);
