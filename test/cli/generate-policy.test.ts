import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { lift } from '../../src/runtime/index.js';
import { changeLines, cli, ROOT, snapshotDir, tempDir } from './helpers.js';

describe('sails-rt generate policy --on', () => {
  const work = tempDir();
  const app = join(work, 'myapp');
  const policiesFile = join(app, 'config/policies.ts');
  let template = '';

  beforeAll(async () => {
    expect((await cli(work, 'new', 'myapp', '--yes', '--skip-install')).exitCode).toBe(0);
    expect((await cli(app, 'generate', 'action', 'user/signup')).exitCode).toBe(0);
    template = readFileSync(policiesFile, 'utf8');
  });

  it('lists what it would change with --dry-run and writes nothing', async () => {
    const before = snapshotDir(app);
    const run = await cli(app, 'generate', 'policy', 'isLoggedIn', '--on', 'SayController.hello', '--dry-run');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(changeLines(run.stdout)).toEqual(['CREATE api/policies/isLoggedIn.ts', 'UPDATE config/policies.ts']);
    expect(run.stdout).toContain('Dry run: nothing was written (2 files would change).');
    expect(snapshotDir(app)).toEqual(before);
  });

  it('writes the policy and maps it, keeping the file as it was around the new entries; a second run changes nothing', async () => {
    const run = await cli(app, 'generate', 'policy', 'isLoggedIn', '--on', 'user/signup', '--on', 'SayController.hello');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'CREATE api/policies/isLoggedIn.ts',
      'UPDATE config/policies.ts',
      'config/policies.ts: user/signup now runs isLoggedIn.',
      'config/policies.ts: SayController.hello now runs isLoggedIn.',
      // test/say.test.ts, the example's test, says hello without a session.
      "Note: test/say.test.ts drives those actions without a logged-in session, so it is now refused (403). To go on testing the actions apart from isLoggedIn, add policies: { SayController: { hello: true } } to the config it passes to lift() (in the tests only: config/policies.ts keeps guarding the app); to test isLoggedIn itself, log a user in first (req.session.userId).",
    ]);
    expect(readFileSync(policiesFile, 'utf8')).toBe(
      template.replace("  // SayController: { hello: ['isLoggedIn', 'isAdmin'] },\n};", "  // SayController: { hello: ['isLoggedIn', 'isAdmin'] },\n  'user/signup': 'isLoggedIn',\n  SayController: { hello: 'isLoggedIn' },\n};"),
    );

    const before = snapshotDir(app);
    const again = await cli(app, 'generate', 'policy', 'isLoggedIn', '--on', 'user/signup', '--on', 'SayController.hello');
    expect(again.stderr).toBe('');
    expect(again.exitCode).toBe(0);
    expect(again.stdout.split('\n')).toEqual([
      'SKIP api/policies/isLoggedIn.ts (unchanged)',
      'Nothing to change: every file is up to date.',
      'config/policies.ts already maps user/signup to isLoggedIn; nothing to change.',
      'config/policies.ts already maps SayController.hello to isLoggedIn; nothing to change.',
    ]);
    expect(snapshotDir(app)).toEqual(before);
  });

  it('puts a second policy after the first, and notes a controller the app does not have yet', async () => {
    const run = await cli(app, 'generate', 'policy', 'isAdmin', '--on', 'SayController.hello', '--on', 'PetController');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'CREATE api/policies/isAdmin.ts',
      'UPDATE config/policies.ts',
      'config/policies.ts: SayController.hello now runs isLoggedIn, then isAdmin.',
      'config/policies.ts: every action of PetController now runs isAdmin.',
      'Note: there is no api/controllers/PetController.ts or api/models/Pet.ts yet, so the mapping for PetController guards nothing until you add one.',
      "Note: test/say.test.ts drives those actions without a logged-in session, so it is now refused (403). To go on testing the actions apart from isAdmin, add policies: { SayController: { hello: true } } to the config it passes to lift() (in the tests only: config/policies.ts keeps guarding the app); to test isAdmin itself, log a user in first (req.session.userId).",
    ]);
    expect(readFileSync(policiesFile, 'utf8')).toContain("  SayController: { hello: ['isLoggedIn', 'isAdmin'] },\n  PetController: { '*': 'isAdmin' },\n};");
  });

  it('without --on, says how to map it', async () => {
    const run = await cli(app, 'generate', 'policy', 'isOwner');
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'CREATE api/policies/isOwner.ts',
      "Note: lift runs it only where config/policies.ts maps it, e.g. UserController: { '*': 'isOwner', find: true }.",
      "Note: sails-rt generate policy isOwner --on UserController (or UserController.create, user/signup, 'user/*', '*') writes the mapping for you.",
    ]);
  });

  it('refuses, exit 1, in one sentence, writing neither the policy nor the mapping', async () => {
    // [config/policies.ts for the case (null: none; undefined: as new wrote it), arguments, the sentence]
    const cases: [policies: string | null | undefined, args: string[], message: string][] = [
      [undefined, ['isGuest', '--on', 'User..create'], `"User..create" is not a policy target: use '*' (every action), a controller (UserController or user), one of its actions (UserController.create), a standalone action (user/signup) or a folder of them (user/*).`],
      [undefined, ['isGuest', '--on', 'a b'], `"a b" is not a policy target: use '*' (every action), a controller (UserController or user), one of its actions (UserController.create), a standalone action (user/signup) or a folder of them (user/*).`],
      [undefined, ['is guest', '--on', 'UserController'], '"is guest" is not a valid policy name: use letters and digits, starting with a letter, in camelCase as Sails does (for example isLoggedIn).'],
      [
        "export const policies = { '*': true, UserController: { create: false } };\n",
        ['isGuest', '--on', 'UserController.create'],
        'config/policies.ts maps UserController.create to false, which already denies everyone, so nothing was written; remove that mapping first, or map isGuest there by hand.',
      ],
      [
        "export const policies = { '*': true, UserController: { create: guard } };\n",
        ['isGuest', '--on', 'UserController.create'],
        'config/policies.ts maps UserController.create to `guard`, which sails-rt cannot read as true, false or policy names, so nothing was written; add isGuest there by hand.',
      ],
      [
        "import { base } from './base.js';\nexport const policies = { ...base, '*': true };\n",
        ['isGuest', '--on', '*'],
        "config/policies.ts spreads `...base` into its policies, so sails-rt cannot tell what it maps and nothing was written; add '*': 'isGuest' there by hand.",
      ],
      [
        'export default { policies: {} };\n',
        ['isGuest', '--on', 'user/signup'],
        "config/policies.ts has no `export const policies = { … }` object to map isGuest in; restore it as `sails-rt new` writes it (export const policies: PoliciesConfig = { '*': true };), or add 'user/signup': 'isGuest' to your policies yourself.",
      ],
      [
        null,
        ['isGuest', '--on', 'UserController'],
        "config/policies.ts does not exist; restore it as `sails-rt new` writes it (export const policies: PoliciesConfig = { '*': true };), or add UserController: { '*': 'isGuest' } to your policies yourself.",
      ],
    ];
    const kept = readFileSync(policiesFile, 'utf8');
    onTestFinished(() => writeFileSync(policiesFile, kept));
    for (const [policies, args, message] of cases) {
      if (policies === null) rmSync(policiesFile);
      else writeFileSync(policiesFile, policies ?? kept);
      const before = snapshotDir(app);
      const run = await cli(app, 'generate', 'policy', ...args);
      expect(run.stderr, args.join(' ')).toBe(`Error: ${message}`);
      expect(run.exitCode, args.join(' ')).toBe(1);
      expect(changeLines(run.stdout), args.join(' ')).toEqual([]);
      expect(snapshotDir(app), args.join(' ')).toEqual(before);
    }
    expect(snapshotDir(app)['api/policies/isGuest.ts']).toBeUndefined();
  });

  it('refuses a policy you changed whole, the mapping included, naming the entry to add by hand', async () => {
    const file = join(app, 'api/policies/isMine.ts');
    mkdirSync(join(app, 'api/policies'), { recursive: true });
    writeFileSync(file, "import { definePolicy } from 'sails-rt';\nexport default definePolicy((req, res, proceed) => proceed());\n");
    const before = snapshotDir(app);
    const run = await cli(app, 'generate', 'policy', 'isMine', '--on', 'UserController', '--on', 'user/signup');
    expect(changeLines(run.stdout)).toEqual([
      'CONFLICT api/policies/isMine.ts (yours differs from what sails-rt would write; left as it is, --force overwrites it and keeps yours as api/policies/isMine.ts.orig)',
    ]);
    expect(run.stderr).toBe(
      "Error: api/policies/isMine.ts already exists and differs from what sails-rt would write, so nothing was written; to map yours, add UserController: { '*': 'isMine' }, 'user/signup': 'isMine' to config/policies.ts yourself, or pass --force to replace it (yours is kept as api/policies/isMine.ts.orig).",
    );
    expect(run.exitCode).toBe(1);
    expect(snapshotDir(app)).toEqual(before);
  });

  it('lists --on in --help, with an example of each form', async () => {
    const run = await cli(app, 'generate', 'policy', '--help');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('--on <target>');
    const examples = run.stdout.split('Examples:')[1] ?? '';
    for (const example of ['--on UserController ', '--on UserController.destroy --on user/signup', "--on '*'", '--dry-run', '--force']) expect(examples).toContain(example);
  });

  describe('once the app is lifted', () => {
    let url = '';

    beforeAll(async () => {
      // What npm install would give it: this checkout as sails-rt.
      mkdirSync(join(app, 'node_modules'), { recursive: true });
      symlinkSync(ROOT, join(app, 'node_modules', 'sails-rt'), 'dir');
      const lifted = await lift({ appPath: app, port: 0, log: () => {} });
      url = lifted.url;
      return () => lifted.lower();
    });

    it('the mapping guards the controller action', async () => {
      // SayController: { hello: ['isLoggedIn', 'isAdmin'] }: isLoggedIn answers first.
      const hello = await fetch(`${url}/say/hello`);
      expect(hello.status).toBe(403);
      expect(await hello.json()).toEqual({ code: 'E_FORBIDDEN', message: 'You must be logged in to do this; log in, then try again.' });
    });

    it("the mapping guards the standalone action ('user/signup': 'isLoggedIn')", async () => {
      const signup = await fetch(`${url}/user/signup`, { method: 'POST' });
      expect(signup.status).toBe(403);
    });
  });
});
