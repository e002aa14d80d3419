/**
 * Every combination of `sails-rt new`'s choices compiles and runs: each app is generated, given
 * what `npm install` would give it (this checkout and its node_modules, nothing from a registry),
 * type-checked under its strict tsconfig, and made to pass its own generated tests.
 * CI runs the whole matrix; a local run takes the default combination only (CI=true for all).
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { cli, ROOT, tempDir } from './helpers.js';

interface Combination {
  name: string;
  flags: string[];
  /** generate model specs for an app that gets its models one by one. */
  model?: string[];
  /** Test files the app's own suite has: one per model, and say.test.ts with the example. */
  testFiles: number;
}

const MATRIX: Combination[] = [
  { name: 'defaults, then generate model', flags: [], model: ['User', 'name:string:required', 'email:string:isEmail', 'age:number'], testFiles: 2 },
  { name: '--no-example, then generate model', flags: ['--no-example'], model: ['Note', 'text:string:required', 'done:boolean'], testFiles: 1 },
  { name: '--models fixtures/shop.json', flags: ['--models', join(ROOT, 'fixtures', 'shop.json')], testFiles: 10 },
  { name: '--no-example --models fixtures/shop.yaml', flags: ['--no-example', '--models', join(ROOT, 'fixtures', 'shop.yaml')], testFiles: 9 },
  { name: '--no-example and no model at all', flags: ['--no-example'], testFiles: 0 },
];

const combinations = process.env['CI'] ? MATRIX : MATRIX.slice(0, 1);

describe.each(combinations)('sails-rt new with $name', ({ flags, model, testFiles }) => {
  it('type-checks strictly and passes its own tests', async () => {
    const work = tempDir();
    const app = join(work, 'app');
    const made = await cli(work, 'new', 'app', '--yes', '--skip-install', ...flags);
    expect(made.stderr).toBe('');
    if (model) expect((await cli(app, 'generate', 'model', ...model)).stderr).toBe('');
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(ROOT, join(app, 'node_modules', 'sails-rt'), 'dir');
    for (const name of ['typescript', 'vitest', 'socket.io-client', '@types', 'tsx']) {
      symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
    }

    const tsc = await execa(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.'], { cwd: app, reject: false });
    expect(tsc.stdout + tsc.stderr).toBe('');

    // The app's own `npm test` script, run with the same vitest it would install.
    const tests = await execa(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--passWithNoTests'], {
      cwd: app,
      reject: false,
      env: { NO_COLOR: '1', CI: 'true' },
    });
    expect(tests.exitCode, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).not.toMatch(/\bfailed\b/);
    const ran = /Test Files\s+(\d+) passed/.exec(tests.stdout);
    expect(ran ? Number(ran[1]) : 0).toBe(testFiles);
  }, 180_000);
});
