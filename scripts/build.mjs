/**
 * `npm run build`: dist/ as it ships. tsc checks the sources and writes the type declarations;
 * esbuild bundles the CLI, the runtime (`sails-rt`) and what migration files import
 * (`sails-rt/migrations`), with the pure-JavaScript dependencies they load, into one core file
 * that src/boot.ts loads with a V8 code cache, and writes the package's entry points as small ES
 * modules over it; the typed client (`sails-rt/client`) is bundled on its own.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
 * optional native binding with them), and likewise node-redis with socket.io's Redis streams
 * adapter (only with sockets.adapter 'redis') and connect-redis (only with session.store 'redis').
 */
const EXTERNAL = ['better-sqlite3', 'esbuild', 'ts-morph', 'typescript', 'prompts', 'bufferutil', 'utf-8-validate', 'pg', 'pg-native', 'mysql2', 'redis', '@socket.io/redis-streams-adapter', 'connect-redis'];

/**
 * A build with nothing changed since the last one does nothing (`npm run demo` and `npm test`
 * build first): dist/.build-stamp holds a hash of every input, the sources, templates, this
 * script, the manifests and the lockfile. `--force` builds anyway.
 */
const INPUTS = ['src', 'templates', 'scripts/build.mjs', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const stampFile = join(root, 'dist', '.build-stamp');
const inputsHash = createHash('sha256');
for (const input of INPUTS) {
  const path = join(root, input);
  const files = statSync(path).isDirectory()
    ? readdirSync(path, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name))
        .sort()
    : [path];
  for (const file of files) inputsHash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
}
const stamp = `${inputsHash.digest('hex')} node ${process.version}\n`;
if (!process.argv.includes('--force') && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
  console.log('dist/ is up to date: nothing changed since the last build (npm run build -- --force builds anyway).');
  process.exit(0);
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
mkdirSync(join(root, 'dist'), { recursive: true });

/**
 * What only a running app needs (Fastify and its plugins, socket.io, Kysely, find-my-way, cookie),
 * bundled apart into dist/vendor-<hash>.cjs, which src/boot.ts loads, with a code cache of its
 * own, the first time the core asks for one of them: `generate` and `new` never read its 1.9 MB
 * (reading is about 7 ms a megabyte). Each is a getter there, so only what is asked for runs.
 */
/**
 * How the two files src/boot.ts compiles are bundled: CommonJS for a vm.Script, minified but with
 * names kept, and their licence comments apart in a .LEGAL.txt beside them (one non-ASCII letter
 * in one made a whole file a two-byte string, which Node 20 reads several times slower).
 */
const SCRIPT_BUNDLE = {
  write: false,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'external',
  logLevel: 'warning',
};
const VENDORED = ['fastify', 'socket.io', '@fastify/cors', '@fastify/multipart', '@fastify/proxy-addr', '@fastify/send', 'find-my-way', 'kysely', 'cookie'];
const vendor = await build({
  absWorkingDir: root,
  stdin: {
    contents: `module.exports = {\n${VENDORED.map((name) => `  get ${JSON.stringify(name)}() { return require(${JSON.stringify(name)}); },`).join('\n')}\n};\n`,
    resolveDir: root,
    sourcefile: 'vendor.cjs',
  },
  ...SCRIPT_BUNDLE,
  outfile: 'dist/vendor.cjs',
});
const vendorFile = writeBundle('vendor', vendor.outputFiles);
/** In the core, every import of a VENDORED package reads it from the vendor file, through src/boot.ts. */
const fromVendor = {
  name: 'from-vendor',
  setup(builder) {
    const filter = new RegExp(`^(?:${VENDORED.map((name) => name.replace(/[./]/g, '\\$&')).join('|')})$`);
    builder.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'vendored' }));
    builder.onLoad({ filter: /.*/, namespace: 'vendored' }, (args) => ({ contents: `module.exports = __sailsRtVendor(${JSON.stringify(args.path)});\n`, loader: 'js' }));
  },
};

/**
 * The core: the CLI, the runtime, what migration files import, and the pure-JavaScript
 * dependencies they load, in one CommonJS file, dist/core-<hash>.cjs, that src/boot.ts compiles
 * with a V8 code cache (Node 20 has none of its own; compiling this code was a third of a lift
 * and of a `generate`). Each part is a getter, so only what is asked for runs. One file also
 * spares Node's module loader the resolving and reading of every chunk.
 */
const core = await build({
  absWorkingDir: root,
  stdin: {
    contents: [
      'module.exports = {',
      "  get cli() { return require('./src/cli/index.ts'); },",
      "  get runtime() { return require('./src/runtime/index.ts'); },",
      "  get migrations() { return require('./src/runtime/migrations/entry.ts'); },",
      '};',
      '',
    ].join('\n'),
    resolveDir: root,
    sourcefile: 'core.cjs',
    loader: 'js',
  },
  ...SCRIPT_BUNDLE,
  // The core runs as a script (src/boot.ts), which cannot import(): a package import() becomes a
  // require (every external one is CommonJS), and an app file is imported by src/boot.ts for it.
  supported: { 'dynamic-import': false },
  plugins: [fromVendor],
  // What the running file is, as src/boot.ts passes it in.
  define: { 'import.meta.url': '__sailsRtUrl' },
  outfile: 'dist/core.cjs',
});
const coreFile = writeBundle('core', core.outputFiles);

/**
 * Writes a bundle as dist/<name>-<hash>.cjs (its licence comments beside it in .LEGAL.txt) and
 * returns its file name. src/boot.ts reads it as latin1, which is exact only for ASCII.
 */
function writeBundle(name, outputFiles) {
  const source = outputFiles.find((file) => file.path.endsWith('.cjs')).contents;
  const legal = outputFiles.find((file) => file.path.endsWith('.LEGAL.txt'));
  const nonAscii = source.findIndex((byte) => byte > 0x7f);
  if (nonAscii !== -1) throw new Error(`The ${name} bundle has a non-ASCII byte at ${nonAscii}: escape it (esbuild's charset) or move the comment out (legalComments).`);
  const file = `${name}-${createHash('sha256').update(source).digest('hex').slice(0, 12)}.cjs`;
  writeFileSync(join(root, 'dist', file), source);
  if (legal) writeFileSync(join(root, 'dist', `${file}.LEGAL.txt`), legal.contents);
  return file;
}

// dist/boot.js: loads the core (src/boot.ts).
await build({
  absWorkingDir: root,
  entryPoints: ['src/boot.ts'],
  outfile: 'dist/boot.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  define: { SAILS_RT_CORE_FILE: JSON.stringify(coreFile), SAILS_RT_VENDOR_FILE: JSON.stringify(vendorFile) },
  logLevel: 'warning',
});

/**
 * The package's entry points as ES modules over the core: each exports what its source does, read
 * from the one core every entry shares (so the CLI's lift and an app's `import … from 'sails-rt'`
 * are the same runtime). The names come from esbuild's reading of each entry.
 */
const FACADES = { 'cli/index': ['src/cli/index.ts', 'cli'], 'runtime/index': ['src/runtime/index.ts', 'runtime'], 'migrations/index': ['src/runtime/migrations/entry.ts', 'migrations'] };
for (const [out, [entry, part]] of Object.entries(FACADES)) {
  const { metafile } = await build({ absWorkingDir: root, entryPoints: [entry], bundle: true, packages: 'external', format: 'esm', platform: 'node', write: false, metafile: true, outdir: 'dist', logLevel: 'warning' });
  const names = Object.values(metafile.outputs).flatMap((output) => output.exports ?? []);
  if (names.includes('default')) throw new Error(`${entry} has a default export, which the facade does not carry: name it.`);
  const file = join(root, 'dist', `${out}.js`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `// Written by scripts/build.mjs: ${entry} as the core (dist/${coreFile}) holds it.\nimport { core } from '${relative(dirname(file), join(root, 'dist', 'boot.js')).split(sep).join('/')}';\nexport const { ${names.join(', ')} } = core(${JSON.stringify(part)}).${part};\n`,
  );
}

// The typed client stands alone: it runs anywhere socket.io-client does, browsers included.
await build({
  absWorkingDir: root,
  entryPoints: ['src/client/index.ts'],
  outfile: 'dist/client/index.js',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});

/**
 * The browser client (src/browser/sails.io.ts): sails.io.js 1.2.1's API over socket.io-client 4,
 * bundled with it into one minified script that sets `window.io`, which `sails-rt new` writes
 * to an app's assets/js/dependencies/sails.io.js. socket.io-client's browser build (no debug).
 */
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const { version: socketIoClientVersion } = JSON.parse(readFileSync(join(root, 'node_modules', 'socket.io-client', 'package.json'), 'utf8'));
await build({
  absWorkingDir: root,
  entryPoints: ['src/browser/sails.io.ts'],
  outfile: 'dist/browser/sails.io.js',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  define: { SAILS_RT_VERSION: JSON.stringify(version) },
  legalComments: 'none',
  banner: { js: `/*! sails-rt browser client ${version}, the sails.io.js 1.2.1 API over Socket.IO client ${socketIoClientVersion} (c) 2014 Guillermo Rauch and contributors; MIT */` },
  charset: 'ascii',
  logLevel: 'warning',
});

execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--emitDeclarationOnly'], {
  cwd: root,
  stdio: 'inherit',
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

// Last: a build that stopped half-way leaves no stamp, and the next one builds again.
writeFileSync(stampFile, stamp);
