import { describe, expect, it } from 'vitest';
import { applyChanges, generatePolicy, memoryReader, VirtualTree, type FileChange, type Tree } from '../../src/generator/index.js';
import { newApp, summary, templates, type Files } from './fixtures.js';

/** run() of fixtures.ts, for generators that are async because they may load ts-morph. */
async function run<T>(files: Files, generator: (tree: Tree) => Promise<T>): Promise<{ result: T; changes: FileChange[]; files: Files }> {
  const tree = new VirtualTree(memoryReader(files));
  const result = await generator(tree);
  const changes = tree.listChanges();
  return { result, changes, files: applyChanges(files, changes) };
}

describe('generatePolicy', () => {
  it('writes api/policies/<name>.ts: user-owned, from templates/policy, importing only sails-rt', async () => {
    const { changes, files, result } = await run(newApp(), (tree) => generatePolicy(tree, { name: 'isLoggedIn', templates }));
    expect(summary(changes)).toEqual(['CREATE api/policies/isLoggedIn.ts']);
    expect(result).toEqual({ skipped: [], conflicts: [], policyName: 'isLoggedIn', policyFile: 'api/policies/isLoggedIn.ts', mappings: [], notes: [] });
    const policy = files['api/policies/isLoggedIn.ts'] ?? '';
    expect(policy.split('\n')[0]).toBe('// written once by sails-rt generate policy; yours to edit');
    expect([...policy.matchAll(/from '([^']+)'/g)].map((match) => match[1])).toEqual(['sails-rt']);
    expect(policy).toContain(
      [
        'export default definePolicy((req, res, proceed) => {',
        '  if (req.session.userId === undefined) {',
        "    return res.forbidden({ code: 'E_FORBIDDEN', message: 'You must be logged in to do this; log in, then try again.' } satisfies ErrorBody);",
        '  }',
        '  return proceed();',
        '});',
      ].join('\n'),
    );
    expect(policy).toContain("UserController: { '*': 'isLoggedIn', find: true },");
    await expect(policy).toMatchFileSnapshot('__snapshots__/policy/isLoggedIn.ts');
  });

  it('names the file as config/policies.ts will map it: camelCase, through names()', async () => {
    for (const [given, expected] of [
      ['isLoggedIn', 'isLoggedIn'],
      ['IsAdmin', 'isAdmin'],
      ['is-logged-in', 'isLoggedIn'],
      ['can_edit', 'canEdit'],
    ] as const) {
      const { changes, result } = await run({}, (tree) => generatePolicy(tree, { name: given, templates }));
      expect(result.policyName, given).toBe(expected);
      expect(summary(changes), given).toEqual([`CREATE api/policies/${expected}.ts`]);
    }
  });

  it('refuses a name that is not one, in one sentence with the fix, before writing anything', async () => {
    for (const name of ['../x', '1abc', '', 'is logged in', 'a/b', 'x.ts']) {
      const { result, changes } = await run(newApp(), async (tree) => {
        try {
          await generatePolicy(tree, { name, on: ['UserController'], templates });
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      });
      expect(result, name).toBe(
        `"${name}" is not a valid policy name: use letters and digits, starting with a letter, in camelCase as Sails does (for example isLoggedIn).`,
      );
      expect(changes, name).toEqual([]);
    }
  });

  it('changes nothing when run again over its own output', async () => {
    const first = await run(newApp(), (tree) => generatePolicy(tree, { name: 'isLoggedIn', templates }));
    const again = await run(first.files, (tree) => generatePolicy(tree, { name: 'isLoggedIn', templates }));
    expect(again.changes).toEqual([]);
    expect(again.result.skipped).toEqual(['api/policies/isLoggedIn.ts']);
    expect(again.result.conflicts).toEqual([]);
  });

  it('leaves a policy you changed alone as a conflict; with force keeps yours as .orig', async () => {
    const mine = "// mine\nimport { definePolicy } from 'sails-rt';\nexport default definePolicy((req, res, proceed) => proceed());\n";
    const files = { ...newApp(), 'api/policies/isLoggedIn.ts': mine };
    const plain = await run(files, (tree) => generatePolicy(tree, { name: 'isLoggedIn', templates }));
    expect(plain.changes).toEqual([]);
    expect(plain.result.conflicts).toEqual(['api/policies/isLoggedIn.ts']);

    const forced = await run(files, (tree) => generatePolicy(tree, { name: 'isLoggedIn', force: true, templates }));
    expect(summary(forced.changes)).toEqual(['UPDATE api/policies/isLoggedIn.ts', 'CREATE api/policies/isLoggedIn.ts.orig']);
    expect(forced.files['api/policies/isLoggedIn.ts.orig']).toBe(mine);
    expect(forced.files['api/policies/isLoggedIn.ts']).toContain('E_FORBIDDEN');
  });
});

describe('generatePolicy with on: the policy file and its mapping, all or nothing', () => {
  const app = newApp();

  it('writes the policy and maps it in config/policies.ts, in one tree', async () => {
    const { changes, files, result } = await run(app, (tree) => generatePolicy(tree, { name: 'is-logged-in', on: ['SayController.hello', 'UserController'], templates }));
    expect(summary(changes)).toEqual(['CREATE api/policies/isLoggedIn.ts', 'UPDATE config/policies.ts']);
    expect(files['config/policies.ts']).toBe(
      (app['config/policies.ts'] ?? '').replace(
        '\n};',
        "\n  SayController: { hello: 'isLoggedIn' },\n  UserController: { '*': 'isLoggedIn' },\n};",
      ),
    );
    expect(result).toEqual({
      skipped: [],
      conflicts: [],
      policyName: 'isLoggedIn',
      policyFile: 'api/policies/isLoggedIn.ts',
      mappings: [
        { target: 'SayController.hello', outcome: 'added', message: 'config/policies.ts: SayController.hello now runs isLoggedIn.' },
        { target: 'UserController', outcome: 'added', message: 'config/policies.ts: every action of UserController now runs isLoggedIn.' },
      ],
      // The example app has SayController.hello, but no User yet.
      notes: [
        'there is no api/controllers/UserController.ts or api/models/User.ts yet, so the mapping for UserController guards nothing until you add one.',
        // The example's own test says hello without a session: named, with the edit that opens the mapping there.
        "test/say.test.ts drives those actions without a logged-in session, so it is now refused (403). To go on testing the actions apart from isLoggedIn, add policies: { SayController: { hello: true } } to the config it passes to lift() (in the tests only: config/policies.ts keeps guarding the app); to test isLoggedIn itself, log a user in first (req.session.userId).",
      ],
    });
  });

  it('changes nothing when run again: the policy is skipped, the mapping present', async () => {
    const first = await run(app, (tree) => generatePolicy(tree, { name: 'isLoggedIn', on: ['SayController.hello'], templates }));
    const again = await run(first.files, (tree) => generatePolicy(tree, { name: 'isLoggedIn', on: ['SayController.hello'], templates }));
    expect(again.changes).toEqual([]);
    expect(again.result).toMatchObject({
      skipped: ['api/policies/isLoggedIn.ts'],
      conflicts: [],
      mappings: [{ target: 'SayController.hello', outcome: 'present', message: 'config/policies.ts already maps SayController.hello to isLoggedIn; nothing to change.' }],
      notes: [],
    });
  });

  it('writes neither the policy nor any mapping when a target is refused', async () => {
    const denied = { ...app, 'config/policies.ts': "export const policies = { SayController: { hello: false } };\n" };
    const missing = Object.fromEntries(Object.entries(app).filter(([path]) => path !== 'config/policies.ts'));
    for (const [files, on, message] of [
      [app, ['SayController.hello', 'User..create'], `"User..create" is not a policy target: use '*' (every action), a controller (UserController or user), one of its actions (UserController.create), a standalone action (user/signup) or a folder of them (user/*).`],
      [denied, ['UserController', 'SayController.hello'], 'config/policies.ts maps SayController.hello to false, which already denies everyone, so nothing was written; remove that mapping first, or map isLoggedIn there by hand.'],
      [missing, ['*'], "config/policies.ts does not exist; restore it as `sails-rt new` writes it (export const policies: PoliciesConfig = { '*': true };), or add '*': 'isLoggedIn' to your policies yourself."],
    ] as const) {
      const { changes, result } = await run(files, async (tree) => {
        try {
          await generatePolicy(tree, { name: 'isLoggedIn', on, templates });
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      });
      expect(result, on.join(' ')).toBe(message);
      expect(changes, on.join(' ')).toEqual([]);
    }
  });

  it('still maps a policy you changed, leaving the file alone as a conflict', async () => {
    const mine = "import { definePolicy } from 'sails-rt';\nexport default definePolicy((req, res, proceed) => proceed());\n";
    const { changes, result } = await run({ ...app, 'api/policies/isLoggedIn.ts': mine }, (tree) =>
      generatePolicy(tree, { name: 'isLoggedIn', on: ['SayController'], templates }),
    );
    expect(summary(changes)).toEqual(['UPDATE config/policies.ts']);
    expect(result.conflicts).toEqual(['api/policies/isLoggedIn.ts']);
    expect(result.mappings.map((mapping) => mapping.outcome)).toEqual(['added']);
  });
});
