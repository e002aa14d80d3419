/**
 * Issue 4's bad input "a read-only target folder": each refusal is one sentence naming the path
 * and the fix, and leaves no file, folder or temp file behind.
 *
 * A normal user is refused by chmod 0555; root is not, so as root the folder is made immutable
 * (chattr +i), which refuses root too. Where neither refuses, the tests skip and say why.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli, snapshotDir, tempDir } from './helpers.js';

/** Whatever was locked, unlocked after each test, so that the temp folders can be removed. */
const locked: string[] = [];
afterEach(() => {
  for (const path of locked.splice(0).reverse()) unlock(path);
});

function chattr(flag: '+i' | '-i', path: string): boolean {
  try {
    execFileSync('chattr', [flag, path], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function unlock(path: string): void {
  chattr('-i', path);
  if (existsSync(path)) chmodSync(path, 0o755);
}

/** Whether creating a file in `dir` is refused. */
function refusesWrites(dir: string): boolean {
  const probe = join(dir, '.probe');
  try {
    writeFileSync(probe, '');
  } catch {
    return true;
  }
  rmSync(probe);
  return false;
}

/** Makes the folder `dir` refuse writes; the reason it cannot be done, or undefined when it is done. */
function lockFolder(dir: string): string | undefined {
  locked.push(dir);
  chmodSync(dir, 0o555);
  if (refusesWrites(dir)) return undefined;
  if (chattr('+i', dir) && refusesWrites(dir)) return undefined;
  return 'neither chmod 0555 nor chattr +i makes a folder refuse writes here (root on a file system without the immutable flag?)';
}

/** Makes the file `file` refuse being replaced (chattr +i; chmod does not stop a rename over a file). */
function lockFile(file: string): string | undefined {
  const scratch = join(file, '..', '.scratch');
  writeFileSync(scratch, '');
  let refused = false;
  if (chattr('+i', scratch)) {
    writeFileSync(`${scratch}2`, '');
    try {
      renameSync(`${scratch}2`, scratch);
    } catch {
      refused = true;
    }
    chattr('-i', scratch);
  }
  rmSync(`${scratch}2`, { force: true });
  rmSync(scratch);
  if (!refused) return 'only an immutable file (chattr +i, as root) refuses a rename over it, and chattr is not available to this user';
  locked.push(file);
  chattr('+i', file);
  return undefined;
}

/** Every entry under `dir`, folders with a trailing slash, hidden temp files included. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/') + (entry.isDirectory() ? '/' : ''))
    .sort();
}

const deniedFolder = (path: string, fix: 'elsewhere' | 'in place'): string =>
  `Error: The folder ${path} cannot be written (permission denied), so nothing was written; ${
    fix === 'elsewhere' ? 'choose a folder you can write to, or fix its permissions' : 'fix its permissions, then run the command again'
  }.`;

describe('sails-rt new into a folder that cannot be written', () => {
  const work = tempDir();

  it('refuses <ro>/myapp, naming <ro>, and creates nothing', async (ctx) => {
    const ro = join(work, 'parent');
    mkdirSync(ro);
    const why = lockFolder(ro);
    if (why) ctx.skip(why);
    const run = await cli(work, 'new', join(ro, 'myapp'), '--yes', '--skip-install');
    expect(run.stderr).toBe(deniedFolder(ro, 'elsewhere'));
    expect(run.exitCode).toBe(1);
    expect(listing(ro)).toEqual([]);
  });

  it('refuses the read-only, non-empty folder itself with --force, and changes nothing in it', async (ctx) => {
    const ro = join(work, 'existing');
    mkdirSync(ro);
    writeFileSync(join(ro, 'keep.txt'), 'mine');
    const before = snapshotDir(ro);
    const why = lockFolder(ro);
    if (why) ctx.skip(why);
    const run = await cli(work, 'new', ro, '--yes', '--force', '--skip-install');
    expect(run.stderr).toBe(deniedFolder(ro, 'elsewhere'));
    expect(run.exitCode).toBe(1);
    expect(listing(ro)).toEqual(['keep.txt']);
    expect(snapshotDir(ro)).toEqual(before);
  });
});

describe('sails-rt generate model in an app with a folder that cannot be written', () => {
  const work = tempDir();
  const app = join(work, 'myapp');

  beforeAll(async () => {
    const made = await cli(work, 'new', 'myapp', '--yes', '--skip-install');
    expect(made.exitCode).toBe(0);
  });

  // generate model Pet writes api/controllers, api/models and test/ (new files, renamed into
  // place first) and updates generated/: a refusal anywhere must undo the rest.
  it.for(['api/models', 'generated'])('refuses when %s cannot be written, and changes no file anywhere in the app', async (folder, ctx) => {
    const before = { files: snapshotDir(app), entries: listing(app) };
    const why = lockFolder(join(app, folder));
    if (why) ctx.skip(why);
    const run = await cli(app, 'generate', 'model', 'Pet', 'name:string');
    expect(run.stderr).toBe(deniedFolder(join(app, folder), 'in place'));
    expect(run.exitCode).toBe(1);
    unlock(join(app, folder));
    expect(listing(app)).toEqual(before.entries);
    expect(snapshotDir(app)).toEqual(before.files);
  });

  it('refuses when generated/models.ts cannot be replaced, and puts back the files already placed in other folders', async (ctx) => {
    const before = { files: snapshotDir(app), entries: listing(app) };
    const file = join(app, 'generated', 'models.ts');
    const why = lockFile(file);
    if (why) ctx.skip(why);
    const run = await cli(app, 'generate', 'model', 'Pet', 'name:string');
    expect(run.stderr).toBe(`Error: The file ${file} cannot be replaced (permission denied), so nothing was written; fix its permissions, then run the command again.`);
    expect(run.exitCode).toBe(1);
    unlock(file);
    expect(listing(app)).toEqual(before.entries);
    expect(snapshotDir(app)).toEqual(before.files);

    // Nothing stale is left in the way: once the file may be replaced, the same command works.
    const again = await cli(app, 'generate', 'model', 'Pet', 'name:string');
    expect(again.stderr).toBe('');
    expect(again.exitCode).toBe(0);
    expect(listing(app).filter((entry) => entry.endsWith('.sails-rt.tmp'))).toEqual([]);
  });
});
