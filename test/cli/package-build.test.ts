/**
 * `npm run build` with nothing changed since the last build leaves dist/ alone (`npm run demo` and
 * `npm test` build first). `npm test` has just built, so a second build must find nothing to do.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

describe('npm run build', () => {
  it('does nothing when no input changed since the last build', () => {
    const stamp = join(ROOT, 'dist', '.build-stamp');
    const before = { stamp: readFileSync(stamp, 'utf8'), core: statSync(join(ROOT, 'dist', 'boot.js')).mtimeMs };
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('dist/ is up to date: nothing changed since the last build (npm run build -- --force builds anyway).\n');
    expect(readFileSync(stamp, 'utf8')).toBe(before.stamp);
    expect(statSync(join(ROOT, 'dist', 'boot.js')).mtimeMs).toBe(before.core);
  });
});
