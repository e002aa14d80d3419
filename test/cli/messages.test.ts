/** The smaller things the CLI says: a cd that pastes, singular and plural, "did you mean", lift's help. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { counted, shellWord } from '../../src/cli/output.js';
import { cli, tempDir } from './helpers.js';

describe('counted and shellWord', () => {
  it.each([
    [0, '0 files'],
    [1, '1 file'],
    [2, '2 files'],
  ])('counted(%i, file) is %s', (count, text) => {
    expect(counted(count, 'file')).toBe(text);
  });

  it.each([
    ['myapp', 'myapp'],
    ['../apps/my-app', '../apps/my-app'],
    ['My App', "'My App'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
  ])('shellWord(%j) is %s', (word, quoted) => {
    expect(shellWord(word)).toBe(quoted);
  });
});

describe('what the CLI prints', () => {
  const work = tempDir();
  const app = join(work, 'myapp');

  beforeAll(async () => {
    expect((await cli(work, 'new', 'myapp', '--yes', '--skip-install')).exitCode).toBe(0);
  });

  it('new "My App" prints a cd that a shell reads back as the folder', async () => {
    const run = await cli(work, 'new', 'My App', '--yes', '--skip-install');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("Done. Next:\n  cd 'My App'\n");
  });

  it('a dry run of one file says "1 file"', async () => {
    const run = await cli(app, 'generate', 'policy', 'isLoggedIn', '--dry-run');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Dry run: nothing was written (1 file would change).');
  });

  it.each([
    [['generate', 'contoller', 'Say'], 'There is no generator "contoller" (did you mean controller?)'],
    [['generat'], "unknown command 'generat' (did you mean generate?)"],
    [['generate', 'model', 'Pet', 'a:bool'], 'unknown type "bool" (did you mean boolean?)'],
    [['generate', 'model', 'Pet', 'a:int'], 'unknown type "int" (did you mean number?)'],
    [['generate', 'model', 'Pet', 'a:string:requird'], 'unknown flag "requird" (did you mean required?)'],
    [['generate', 'policy', 'isX', '--onn', 'UserController'], "unknown option '--onn' (did you mean --on?)"],
  ])('%j says "did you mean"', async (args, text) => {
    const run = await cli(app, ...args);
    expect(run.stderr).toContain(text);
    expect(run.exitCode).toBe(1);
  });

  it('a --on controller the app lacks gets a "did you mean" among its controllers and models', async () => {
    expect((await cli(app, 'generate', 'model', 'User', 'name:string')).exitCode).toBe(0);
    const run = await cli(app, 'generate', 'policy', 'isX', '--on', 'UsrController', '--dry-run');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('so the mapping for UsrController guards nothing until you add one (did you mean UserController?).');
  });

  it('a type in a definitions file gets a "did you mean"', async () => {
    const file = join(work, 'models.yaml');
    writeFileSync(file, 'models:\n  Pet:\n    attributes:\n      vaccinated: { type: bool }\n');
    const run = await cli(work, 'new', 'pets', '--models', file, '--yes', '--dry-run');
    expect(run.stderr).toContain('has the unknown type "bool" (did you mean "boolean"?)');
    expect(run.exitCode).toBe(1);
  });

  it('lift --help documents --host, NODE_ENV and that PORT is not read', async () => {
    const run = await cli(work, 'lift', '--help');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('--host <h>');
    expect(run.stdout).toContain('Environment:');
    expect(run.stdout).toMatch(/NODE_ENV +production: config\/env\/production\.ts is merged over config\//);
    expect(run.stdout).toContain('lift reads no PORT or HOST variable');
    expect(run.stdout).toContain('-i, --instances <n>');
    expect(run.stdout).toContain('$ sails-rt lift --instances max');
  });
});
