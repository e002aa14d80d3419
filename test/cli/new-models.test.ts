/** `sails-rt new <dir> --models <file>`, spawned: every model written, a bad file writes nothing, the app type-checks. */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { changeLines, cli, ROOT, snapshotDir, tempDir } from './helpers.js';

const CLASSES = ['Customer', 'Address', 'Supplier', 'Category', 'Tag', 'Product', 'Order', 'OrderLine', 'Review'];

describe('sails-rt new --models', () => {
  const work = tempDir();
  const app = join(work, 'shop');

  beforeAll(async () => {
    const run = await cli(work, 'new', 'shop', '--models', join(ROOT, 'fixtures/shop.json'), '--yes', '--skip-install');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
  }, 30_000);

  it('writes the model, controller and test of every model, and generated/ for all of them', () => {
    const files = snapshotDir(app);
    for (const name of CLASSES) {
      for (const path of [`api/models/${name}.ts`, `api/controllers/${name}Controller.ts`, `test/${name.toLowerCase()}.test.ts`]) {
        expect(files[path], path).toBeDefined();
      }
      expect(files['generated/models.ts']).toContain(`export interface ${name} {`);
      expect(files['generated/routes.ts']).toContain(`api/models/${name}.ts`);
    }
    expect(files['api/models/Product.ts']).toContain('  publishWrites: true,\n});\n');
  });

  it('reads YAML the same way', async () => {
    const run = await cli(work, 'new', 'shop-yaml', '--models', join(ROOT, 'fixtures/shop.yaml'), '--yes', '--skip-install', '--dry-run');
    expect(run.exitCode).toBe(0);
    const lines = changeLines(run.stdout);
    for (const name of CLASSES) expect(lines).toContain(`CREATE api/models/${name}.ts`);
    expect(existsSync(join(work, 'shop-yaml'))).toBe(false);
  });

  it.each([
    ['bad.yaml', 'models:\n  Pet:\n    attributes:\n      owner: { model: person }\n', 'Error: bad.yaml, model Pet, attribute "owner": links to the model "person", which the file does not define; add "Person" under "models" or fix the link (models: pet).'],
    ['bad.json', '{ "models": { "User": { "attributes": { "id": { "type": "string" } } } } }', 'Error: bad.json, model User, attribute "id": is the primary key, so it needs "required: true" (each create sends its value) or, for a number, "autoIncrement: true" (the store numbers records): sails-rt makes no other kind of key; declare it as { type: \'string\', required: true } or { type: \'number\', autoIncrement: true } (rules and metadata may be added).'],
    ['bad.json', '{ "models": {', "Error: bad.json:1:14: expected property name or '}'; fix the JSON syntax."],
    ['bad.txt', 'models: {}', 'Error: bad.txt: cannot tell the format of the file from its extension ".txt"; name it with .json, .yaml or .yml.'],
    ['missing.json', undefined, 'Error: The models file missing.json does not exist; pass --models the path of a .json or .yaml definitions file.'],
  ])('refuses %s with one sentence, exit 1, and writes nothing', async (file, text, sentence) => {
    const dir = join(work, 'bad');
    mkdirSync(dir, { recursive: true });
    if (text !== undefined) writeFileSync(join(dir, file), text);
    const run = await cli(dir, 'new', 'app', '--models', file, '--yes', '--skip-install');
    expect(run.stderr.trim()).toBe(sentence);
    expect(run.exitCode).toBe(1);
    expect(existsSync(join(dir, 'app'))).toBe(false);
  });

  it('type-checks under its strict tsconfig', async () => {
    // What npm install would give it, from this checkout and its node_modules: nothing from a registry.
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(ROOT, join(app, 'node_modules', 'sails-rt'), 'dir');
    for (const name of ['typescript', 'vitest', 'socket.io-client', '@types']) {
      symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
    }
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await execa(process.execPath, [tsc, '--noEmit', '-p', '.'], { cwd: app, reject: false });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  }, 60_000);
});
