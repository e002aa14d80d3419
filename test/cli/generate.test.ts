import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { changeLines, cli, snapshotDir, tempDir } from './helpers.js';

describe('sails-rt generate', () => {
  const work = tempDir();
  const app = join(work, 'myapp');

  beforeAll(async () => {
    const made = await cli(work, 'new', 'myapp', '--yes', '--skip-install');
    expect(made.exitCode).toBe(0);
  });

  it('adds a model, its controller and test, and re-derives generated/', async () => {
    const run = await cli(app, 'generate', 'model', 'User', 'name:string:required', 'email:string', 'age:number');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(changeLines(run.stdout)).toEqual([
      'CREATE api/controllers/UserController.ts',
      'CREATE api/models/User.ts',
      'UPDATE generated/client.ts',
      'UPDATE generated/models-api.ts',
      'UPDATE generated/models.ts',
      'UPDATE generated/routes.ts',
      'CREATE test/user.test.ts',
    ]);
    expect(readFileSync(join(app, 'api/models/User.ts'), 'utf8')).toContain(
      "  attributes: {\n    name: { type: 'string', required: true },\n    email: { type: 'string' },\n    age: { type: 'number' },\n  },\n",
    );
    expect(readFileSync(join(app, 'generated/models.ts'), 'utf8')).toContain('export interface UserCreate {\n  name: string;\n');
  });

  it('changes nothing when the same generate runs again', async () => {
    const before = snapshotDir(app);
    const run = await cli(app, 'generate', 'model', 'User', 'name:string:required', 'email:string', 'age:number');
    expect(run.exitCode).toBe(0);
    expect(changeLines(run.stdout)).toEqual([
      'SKIP api/models/User.ts (unchanged)',
      'SKIP api/controllers/UserController.ts (unchanged)',
      'SKIP test/user.test.ts (unchanged)',
    ]);
    expect(run.stdout).toContain('Nothing to change: every file is up to date.');
    expect(snapshotDir(app)).toEqual(before);
  });

  it('re-derives generated/ from api/models with no noun, and only when a model changed', async () => {
    const unchanged = await cli(app, 'generate');
    expect(unchanged).toEqual({ exitCode: 0, stdout: 'Nothing to change: every file is up to date.', stderr: '' });

    const model = join(app, 'api/models/User.ts');
    writeFileSync(model, readFileSync(model, 'utf8').replace("age: { type: 'number' },", "age: { type: 'number', allowNull: true },"));
    const changed = await cli(app, 'generate');
    expect(changed.exitCode).toBe(0);
    expect(changeLines(changed.stdout)).toEqual(['UPDATE generated/models.ts']);
    expect(readFileSync(join(app, 'generated/models.ts'), 'utf8')).toContain('  age: number | null;\n');
  });

  it('names a model file you changed as a conflict, writes nothing and exits 1; --force keeps yours as .orig', async () => {
    const before = snapshotDir(app);
    const run = await cli(app, 'generate', 'model', 'User', 'name:string');
    expect(run.exitCode).toBe(1);
    expect(changeLines(run.stdout)).toEqual([
      'SKIP api/controllers/UserController.ts (unchanged)',
      'CONFLICT api/models/User.ts (yours differs from what sails-rt would write; left as it is, --force overwrites it and keeps yours as api/models/User.ts.orig)',
      'CONFLICT test/user.test.ts (yours differs from what sails-rt would write; left as it is, --force overwrites it and keeps yours as test/user.test.ts.orig)',
    ]);
    expect(run.stderr).toBe(
      'Error: api/models/User.ts already exists and differs from the model you asked for, so nothing was written; edit it and run `sails-rt generate`, or pass --force to replace it (yours is kept as api/models/User.ts.orig).',
    );
    expect(snapshotDir(app)).toEqual(before);

    const forced = await cli(app, 'generate', 'model', 'User', 'name:string', '--force');
    expect(forced.exitCode).toBe(0);
    expect(changeLines(forced.stdout)).toContain('CREATE api/models/User.ts.orig');
    expect(readFileSync(join(app, 'api/models/User.ts.orig'), 'utf8')).toBe(before['api/models/User.ts']);
    expect(readFileSync(join(app, 'generated/models.ts'), 'utf8')).not.toContain('age');
  });

  it('refuses a bad attribute spec in one sentence and writes nothing', async () => {
    const before = snapshotDir(app);
    const run = await cli(app, 'generate', 'model', 'Pet', 'age:nmber');
    expect(run).toEqual({
      exitCode: 1,
      stdout: '',
      stderr:
        'Error: attribute spec "age:nmber": unknown type "nmber" (did you mean number?); types: string, number, boolean, json, model, collection (form: name:type[:required][:unique], e.g. email:string:required; links: owner:model:user, pets:collection:pet:owner).',
    });
    expect(snapshotDir(app)).toEqual(before);
  });

  it('accepts a link to a model not generated yet, with a note that lift needs it', async () => {
    const run = await cli(app, 'generate', 'model', 'Pet', 'name:string', 'owner:model:veterinarian', '--dry-run');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(
      'Note: Pet.owner links to the model "veterinarian", which does not exist yet; generate it before lifting the app.',
    );
  });

  it('refuses a model that breaks the schema, naming the file, model and attribute', async () => {
    const model = join(app, 'api/models/User.ts');
    const good = readFileSync(model, 'utf8');
    writeFileSync(model, good.replace("name: { type: 'string' }", "name: { type: 'strin' }"));
    try {
      const before = snapshotDir(app);
      const run = await cli(app, 'generate');
      expect(run).toEqual({
        exitCode: 1,
        stdout: '',
        stderr: 'Error: api/models/User.ts, model User, attribute "name": has the unknown type "strin" (did you mean "string"?); types: string, number, boolean, json.',
      });
      expect(snapshotDir(app)).toEqual(before);
    } finally {
      writeFileSync(model, good);
    }
  });

  it('refuses a model file with a syntax error, naming the file, line and column', async () => {
    const broken = join(app, 'api/models/Broken.ts');
    writeFileSync(broken, "import { defineModel } from 'sails-rt';\nexport default defineModel({ attributes: { a: { type: 'string' } } ;\n");
    try {
      const before = snapshotDir(app);
      const run = await cli(app, 'generate');
      expect(run).toEqual({
        exitCode: 1,
        stdout: '',
        stderr: 'Error: api/models/Broken.ts: could not be loaded: line 2, column 68: Expected "}" but found ";"; fix the error in that file.',
      });
      expect(snapshotDir(app)).toEqual(before);
    } finally {
      rmSync(broken);
    }
  });

  it('writes nothing at all when one of the files cannot be written, and says so in one sentence', async () => {
    // test/ made a file: the model and controller could be written, the test cannot.
    const other = join(work, 'blocked');
    expect((await cli(work, 'new', 'blocked', '--yes', '--skip-install', '--no-example')).exitCode).toBe(0);
    rmSync(join(other, 'test'), { recursive: true, force: true });
    writeFileSync(join(other, 'test'), 'a file where the test folder goes\n');
    const before = snapshotDir(other);
    const run = await cli(other, 'generate', 'model', 'Pet', 'name:string');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^Error: Could not write test/pet\\.test\\.ts in ${other} \\((ENOTDIR|EEXIST): [^)]*\\); nothing was written\\.$`));
    expect(snapshotDir(other)).toEqual(before);
  });

  it('lists what would change with --dry-run and writes nothing', async () => {
    const before = snapshotDir(app);
    const run = await cli(app, 'generate', 'model', 'Pet', 'name:string', '--dry-run');
    expect(run.exitCode).toBe(0);
    expect(changeLines(run.stdout)).toContain('CREATE api/models/Pet.ts');
    expect(run.stdout).toContain('Dry run: nothing was written (7 files would change).');
    expect(snapshotDir(app)).toEqual(before);
  });

  it('refuses to run outside an app, saying where it looked', async () => {
    const run = await cli(work, 'generate', 'model', 'User', 'name:string');
    expect(run).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: `Error: No sails-rt app here: ${join(work, 'package.json')} does not exist; run \`sails-rt generate model\` inside a folder made by \`sails-rt new\`.`,
    });
    writeFileSync(join(work, 'package.json'), '{ "name": "other" }');
    const other = await cli(work, 'generate');
    expect(other.stderr).toBe(
      `Error: No sails-rt app here: ${join(work, 'package.json')} has no "sailsRt" key; run \`sails-rt generate\` inside a folder made by \`sails-rt new\`.`,
    );
    expect(other.exitCode).toBe(1);
  });

  it('names the generators there are when given another noun', async () => {
    const run = await cli(app, 'generate', 'service', 'Foo');
    expect(run.stderr).toBe(
      'Error: There is no generator "service"; use `sails-rt generate model|api <Name> [attributes...]`, `sails-rt generate controller <Name> [actions...]`, `sails-rt generate action <path>`, `sails-rt generate policy <name>`, or no noun to re-derive generated/.',
    );
    expect(run.exitCode).toBe(1);
  });

  it('lists every flag of generate model, with examples, in --help', async () => {
    const run = await cli(app, 'generate', 'model', '--help');
    expect(run.exitCode).toBe(0);
    for (const flag of ['--force', '--dry-run']) {
      expect(run.stdout).toContain(flag);
      expect(run.stdout.split('Examples:')[1]).toContain(flag);
    }
  });
});

describe('sails-rt generate policy', () => {
  const work = tempDir();
  const app = join(work, 'myapp');
  const policy = join(app, 'api/policies/isLoggedIn.ts');

  beforeAll(async () => {
    expect((await cli(work, 'new', 'myapp', '--yes', '--skip-install')).exitCode).toBe(0);
  });

  it('lists what it would write with --dry-run and writes nothing', async () => {
    const before = snapshotDir(app);
    for (const args of [['policy', 'isLoggedIn', '--dry-run'], ['--dry-run', 'policy', 'isLoggedIn']]) {
      const run = await cli(app, 'generate', ...args);
      expect(run.exitCode, args.join(' ')).toBe(0);
      expect(changeLines(run.stdout)).toEqual(['CREATE api/policies/isLoggedIn.ts']);
      expect(run.stdout).toContain('Dry run: nothing was written (1 file would change).');
    }
    expect(snapshotDir(app)).toEqual(before);
  });

  it('writes api/policies/<name>.ts and says how to map it', async () => {
    const run = await cli(app, 'generate', 'policy', 'isLoggedIn');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(changeLines(run.stdout)).toEqual(['CREATE api/policies/isLoggedIn.ts']);
    expect(run.stdout).toContain("Note: lift runs it only where config/policies.ts maps it, e.g. UserController: { '*': 'isLoggedIn', find: true }.");
    expect(readFileSync(policy, 'utf8')).toMatch(/^\/\/ written once by sails-rt generate policy; yours to edit\n/);
  });

  it('changes nothing when run again', async () => {
    const before = snapshotDir(app);
    const run = await cli(app, 'generate', 'policy', 'isLoggedIn');
    expect(run.exitCode).toBe(0);
    expect(changeLines(run.stdout)).toEqual(['SKIP api/policies/isLoggedIn.ts (unchanged)']);
    expect(run.stdout).toContain('Nothing to change: every file is up to date.');
    expect(snapshotDir(app)).toEqual(before);
  });

  it('leaves a policy you changed alone and exits 1; --force keeps yours as .orig', async () => {
    const mine = readFileSync(policy, 'utf8').replace("'E_FORBIDDEN'", "'E_FORBIDDEN', mine: true");
    writeFileSync(policy, mine);
    const before = snapshotDir(app);
    const run = await cli(app, 'generate', 'policy', 'isLoggedIn');
    expect(run.exitCode).toBe(1);
    expect(changeLines(run.stdout)).toEqual([
      'CONFLICT api/policies/isLoggedIn.ts (yours differs from what sails-rt would write; left as it is, --force overwrites it and keeps yours as api/policies/isLoggedIn.ts.orig)',
    ]);
    expect(run.stderr).toBe(
      'Error: api/policies/isLoggedIn.ts already exists and differs from what sails-rt would write, so nothing was written; keep yours, or pass --force to replace it (yours is kept as api/policies/isLoggedIn.ts.orig).',
    );
    expect(snapshotDir(app)).toEqual(before);

    const forced = await cli(app, 'generate', 'policy', 'isLoggedIn', '--force');
    expect(forced.exitCode).toBe(0);
    expect(changeLines(forced.stdout)).toEqual(['UPDATE api/policies/isLoggedIn.ts', 'CREATE api/policies/isLoggedIn.ts.orig']);
    expect(readFileSync(`${policy}.orig`, 'utf8')).toBe(mine);
    expect(readFileSync(policy, 'utf8')).not.toContain('mine: true');
  });

  it('refuses a bad name in one sentence with the fix, exit 1, writing nothing', async () => {
    const before = snapshotDir(app);
    for (const name of ['../x', '1abc', '']) {
      const run = await cli(app, 'generate', 'policy', name);
      expect(run, name).toEqual({
        exitCode: 1,
        stdout: '',
        stderr: `Error: "${name}" is not a valid policy name: use letters and digits, starting with a letter, in camelCase as Sails does (for example isLoggedIn).`,
      });
    }
    expect(snapshotDir(app)).toEqual(before);
  });

  it('refuses to run outside an app, saying where it looked', async () => {
    const run = await cli(work, 'generate', 'policy', 'isLoggedIn');
    expect(run).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: `Error: No sails-rt app here: ${join(work, 'package.json')} does not exist; run \`sails-rt generate policy\` inside a folder made by \`sails-rt new\`.`,
    });
    expect(snapshotDir(work)['api/policies/isLoggedIn.ts']).toBeUndefined();
  });

  it('lists its flags, with examples, in --help', async () => {
    const run = await cli(app, 'generate', 'policy', '--help');
    expect(run.exitCode).toBe(0);
    for (const flag of ['--force', '--dry-run']) expect(run.stdout.split('Examples:')[1]).toContain(flag);
    expect(run.stdout).toContain('$ sails-rt generate policy isLoggedIn');
    expect((await cli(app, 'generate', '--help')).stdout).toContain('$ sails-rt generate policy isLoggedIn');
  });
});

describe('sails-rt lift', () => {
  const work = tempDir();

  it('refuses to run outside an app, saying where it looked', async () => {
    const run = await cli(work, 'lift');
    expect(run).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: `Error: No sails-rt app here: ${join(work, 'package.json')} does not exist; run \`sails-rt lift\` inside a folder made by \`sails-rt new\`.`,
    });
  });

  it('refuses a port that is not one', async () => {
    const run = await cli(work, 'lift', '--port', 'http');
    expect(run.stderr).toBe(
      "Error: option '-p, --port <n>' argument 'http' is invalid: a port is a whole number from 0 to 65535 (0 picks a free port); see `sails-rt lift --help` for the usage.",
    );
    expect(run.exitCode).toBe(1);
  });
});
