import { describe, expect, it } from 'vitest';
import { generatePolicy } from '../../src/generator/index.js';
import { newApp, run, summary, templates } from './fixtures.js';

describe('generatePolicy', () => {
  it('writes api/policies/<name>.ts: user-owned, from templates/policy, importing only sails-rt', async () => {
    const { changes, files, result } = run(newApp(), (tree) => generatePolicy(tree, { name: 'isLoggedIn', templates }));
    expect(summary(changes)).toEqual(['CREATE api/policies/isLoggedIn.ts']);
    expect(result).toEqual({ skipped: [], conflicts: [], policyName: 'isLoggedIn', policyFile: 'api/policies/isLoggedIn.ts' });
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

  it('names the file as config/policies.ts will map it: camelCase, through names()', () => {
    for (const [given, expected] of [
      ['isLoggedIn', 'isLoggedIn'],
      ['IsAdmin', 'isAdmin'],
      ['is-logged-in', 'isLoggedIn'],
      ['can_edit', 'canEdit'],
    ] as const) {
      const { changes, result } = run({}, (tree) => generatePolicy(tree, { name: given, templates }));
      expect(result.policyName, given).toBe(expected);
      expect(summary(changes), given).toEqual([`CREATE api/policies/${expected}.ts`]);
    }
  });

  it('refuses a name that is not one, in one sentence with the fix, before writing anything', () => {
    for (const name of ['../x', '1abc', '', 'is logged in', 'a/b', 'x.ts']) {
      const { result, changes } = run(newApp(), (tree) => {
        try {
          generatePolicy(tree, { name, templates });
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

  it('changes nothing when run again over its own output', () => {
    const first = run(newApp(), (tree) => generatePolicy(tree, { name: 'isLoggedIn', templates }));
    const again = run(first.files, (tree) => generatePolicy(tree, { name: 'isLoggedIn', templates }));
    expect(again.changes).toEqual([]);
    expect(again.result.skipped).toEqual(['api/policies/isLoggedIn.ts']);
    expect(again.result.conflicts).toEqual([]);
  });

  it('leaves a policy you changed alone as a conflict; with force keeps yours as .orig', () => {
    const mine = "// mine\nimport { definePolicy } from 'sails-rt';\nexport default definePolicy((req, res, proceed) => proceed());\n";
    const files = { ...newApp(), 'api/policies/isLoggedIn.ts': mine };
    const plain = run(files, (tree) => generatePolicy(tree, { name: 'isLoggedIn', templates }));
    expect(plain.changes).toEqual([]);
    expect(plain.result.conflicts).toEqual(['api/policies/isLoggedIn.ts']);

    const forced = run(files, (tree) => generatePolicy(tree, { name: 'isLoggedIn', force: true, templates }));
    expect(summary(forced.changes)).toEqual(['UPDATE api/policies/isLoggedIn.ts', 'CREATE api/policies/isLoggedIn.ts.orig']);
    expect(forced.files['api/policies/isLoggedIn.ts.orig']).toBe(mine);
    expect(forced.files['api/policies/isLoggedIn.ts']).toContain('E_FORBIDDEN');
  });
});
