/**
 * `npm run build`: dist/ as it ships. tsc checks the sources and writes the type declarations;
 * esbuild bundles the four entry points (the CLI, the runtime `sails-rt`, the typed client
 * `sails-rt/client`, what migration files import `sails-rt/migrations`) with the pure-JavaScript dependencies they load, into shared chunks, so a
 * lift reads a few files instead of several hundred (module loading was most of its time).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
 * optional native binding with them), and the same for the Redis session store's node-redis and
 * connect-redis (bundled, a dynamic import of node-redis's CommonJS lost its named exports).
 */
const EXTERNAL = ['better-sqlite3', 'esbuild', 'ts-morph', 'typescript', 'prompts', 'bufferutil', 'utf-8-validate', 'pg', 'pg-native', 'mysql2', 'redis', 'connect-redis'];

rmSync(join(root, 'dist'), { recursive: true, force: true });
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
