/**
 * How lift and generate load an app's TypeScript (src/schema/load/compile.ts): compiled once into
 * .tmp/sails-rt/compiled, imported by Node's own loader, compiled again only when a source changed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { COMPILED_DIR } from '../../src/schema/load/compile.js';
import { compileApp, describeLoadError, importAppFile } from '../../src/schema/load/index.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** An app folder with these files (path → text). */
function app(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sails-rt-compile-'));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const twin = (dir: string, path: string): string => join(dir, COMPILED_DIR, path.replace(/\.ts$/, '.mjs'));

describe('an app file, compiled and kept', () => {
  it('imports TypeScript with its relative imports (.js naming .ts, no extension, a folder index) and JSON beside it', async () => {
    const dir = app({
      'api/models/User.ts': "import { label } from '../../lib/label.js';\nimport { twice } from '../../lib/math';\nimport { three } from '../../lib/nums';\nimport data from '../../data.json' with { type: 'json' };\nconst typed: number = twice(three);\nexport default { label: label('user'), typed, data };\n",
      'lib/label.ts': 'export const label = (name: string): string => `<${name}>`;\n',
      'lib/math.ts': 'export function twice(n: number): number { return n * 2; }\n',
      'lib/nums/index.ts': 'export const three: number = 3;\n',
      'data.json': '{ "answer": 42 }\n',
    });
    const namespace = await importAppFile(dir, join(dir, 'api/models/User.ts'));
    expect(namespace['default']).toEqual({ label: '<user>', typed: 6, data: { answer: 42 } });
    // Each TypeScript file has its compiled twin at the same relative path.
    for (const path of ['api/models/User.ts', 'lib/label.ts', 'lib/math.ts', 'lib/nums/index.ts']) expect(statSync(twin(dir, path)).isFile()).toBe(true);
  });

  it('gives import.meta the source file, not its compiled twin', async () => {
    const dir = app({ 'config/where.ts': 'export const where = { url: import.meta.url, dirname: import.meta.dirname, filename: import.meta.filename };\n' });
    const { where } = (await importAppFile(dir, join(dir, 'config/where.ts'))) as { where: Record<string, string> };
    expect(where).toEqual({ url: pathToFileURL(join(dir, 'config/where.ts')).href, dirname: join(dir, 'config'), filename: join(dir, 'config/where.ts') });
  });

  it('compiles again only what changed: a second process finds the twins current', async () => {
    const dir = app({ 'config/a.ts': 'export const a: number = 1;\n', 'config/b.ts': 'export const b: number = 2;\n' });
    expect(await compileApp(dir)).toEqual({ files: 2, errors: [] });
    const first = { a: readFileSync(twin(dir, 'config/a.ts'), 'utf8'), b: statSync(twin(dir, 'config/b.ts')).mtimeMs };
    // Another size and time for a.ts; b.ts untouched. A fresh module instance stands for a new lift.
    writeFileSync(join(dir, 'config/a.ts'), 'export const a: number = 10;\n');
    utimesSync(join(dir, 'config/a.ts'), new Date(), new Date(Date.now() + 5_000));
    vi.resetModules();
    const fresh = await import('../../src/schema/load/index.js');
    expect(await fresh.compileApp(dir)).toEqual({ files: 2, errors: [] });
    expect(readFileSync(twin(dir, 'config/a.ts'), 'utf8')).not.toBe(first.a);
    expect(readFileSync(twin(dir, 'config/a.ts'), 'utf8')).toContain('10');
    expect(statSync(twin(dir, 'config/b.ts')).mtimeMs).toBe(first.b);
  });

  it('compiles again a file compiled by another copy of sails-rt, whose files its twin would import', async () => {
    const dir = app({ 'api/models/User.ts': "import { defineModel } from 'sails-rt';\nexport default defineModel({ attributes: {} });\n" });
    await compileApp(dir);
    // As another checkout (since moved or deleted) would have left it.
    const twinFile = twin(dir, 'api/models/User.ts');
    const elsewhere = readFileSync(twinFile, 'utf8').replaceAll(pathToFileURL(process.cwd()).href, 'file:///gone/sails-rt');
    writeFileSync(twinFile, elsewhere);
    vi.resetModules();
    const fresh = await import('../../src/schema/load/index.js');
    const namespace = await fresh.importAppFile(dir, join(dir, 'api/models/User.ts'));
    expect(namespace['default']).toMatchObject({ attributes: {} });
    expect(readFileSync(twinFile, 'utf8')).not.toContain('file:///gone/');
  });

  it('fails to import a file whose source was deleted, rather than run its old compiled twin', async () => {
    const dir = app({ 'config/a.ts': "import { b } from './lib/b.js';\nexport const a = b;\n", 'config/lib/b.ts': 'export const b: number = 2;\n' });
    await compileApp(dir);
    rmSync(join(dir, 'config/lib/b.ts'));
    vi.resetModules();
    const fresh = await import('../../src/schema/load/index.js');
    await expect(fresh.importAppFile(dir, join(dir, 'config/a.ts'))).rejects.toThrow(/Cannot find module/);
  });

  it('reports a syntax error with its line and column, where the file is imported', async () => {
    const dir = app({ 'api/models/Broken.ts': "export default {\n  attributes: { name: { type: 'string' };\n};\n" });
    const build = await compileApp(dir);
    expect(build.files).toBe(1);
    expect(build.errors).toEqual([expect.stringMatching(/Broken\.ts:2:\d+: ERROR: Expected "}" but found ";"$/)]);
    const error = await importAppFile(dir, join(dir, 'api/models/Broken.ts')).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(describeLoadError(error)).toBe('line 2, column 41: Expected "}" but found ";"');
  });
});
