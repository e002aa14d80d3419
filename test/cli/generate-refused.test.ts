/**
 * A refused generate command writes nothing: every file change is planned and checked first, so
 * that an exit 1 leaves the app as it was, routes and policies files included (`git status` of
 * the app stays clean).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

describe('a refused generate command leaves git status of the app clean', () => {
  const work = tempDir();
  const app = join(work, 'myapp');
  const git = (...args: string[]) => execa('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: app });
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(app, file)), { recursive: true });
    writeFileSync(join(app, file), text);
  };

  beforeAll(async () => {
    expect((await cli(work, 'new', 'myapp', '--yes', '--skip-install')).exitCode).toBe(0);
    for (const args of [
      ['model', 'User', 'name:string'],
      ['controller', 'Greet', 'hello'],
      ['action', 'user/signup'],
      ['policy', 'isLoggedIn'],
    ]) {
      expect((await cli(app, 'generate', ...args)).exitCode, args.join(' ')).toBe(0);
    }
    // Files the user changed since sails-rt wrote them: generating them again conflicts.
    write('api/models/Thing.ts', "import { defineModel } from 'sails-rt';\nexport default defineModel({ attributes: { label: { type: 'string' } } });\n");
    write('api/controllers/user/login.ts', "import type { Action } from 'sails-rt';\nconst action: Action = (req, res) => res.json({ ok: true });\nexport default action;\n");
    write('api/policies/isMine.ts', "import { definePolicy } from 'sails-rt';\nexport default definePolicy((req, res, proceed) => proceed());\n");
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-qm', 'the app as generated');
  });

  async function expectRefusedAndClean(args: string[], message: RegExp): Promise<void> {
    const run = await cli(app, 'generate', ...args);
    expect(run.stderr, args.join(' ')).toMatch(message);
    expect(run.exitCode, args.join(' ')).toBe(1);
    expect((await git('status', '--porcelain')).stdout, args.join(' ')).toBe('');
  }

  it.each([
    // The case: an action the existing controller lacks would be routed, and lift would fail.
    [['controller', 'Greet', 'hello', 'extra'], /GreetController\.ts already exists and differs .*, so nothing was written; to keep yours, add extra to it and 'GET \/greet\/extra': 'GreetController\.extra' to config\/routes\.ts yourself/],
    [['controller', 'Greet', 'not-one'], /"not-one" is not a valid action name/],
    [['action', 'user/login'], /user\/login\.ts already exists and differs .*, so nothing was written; to keep yours, add 'POST \/user\/login': 'user\/login'/],
    [['action', '../x'], /is not a valid action path/],
    [['policy', 'isMine', '--on', 'UserController'], /isMine\.ts already exists and differs .*, so nothing was written; to map yours, add UserController: \{ '\*': 'isMine' \}/],
    [['policy', 'isGuest', '--on', 'User..create'], /is not a policy target/],
    [['model', 'Thing', 'name:string'], /api\/models\/Thing\.ts already exists and differs from the model you asked for, so nothing was written/],
    [['model', 'Pet', 'name:bool'], /unknown type "bool" \(did you mean boolean\?\)/],
    [['api', 'Pet', 'owner:model'], /a model link needs the linked model/],
    [['modle', 'Pet'], /There is no generator "modle" \(did you mean model\?\)/],
  ])('generate %j', async (args, message) => {
    await expectRefusedAndClean(args, message);
  });

  it('generate with no noun, refused by a model it cannot read', async () => {
    write('api/models/Broken.ts', "import { defineModel } from 'sails-rt';\nexport default defineModel({ attributes: { flag: { type: 'bool' } } });\n");
    await git('add', '-A');
    await git('commit', '-qm', 'a broken model');
    await expectRefusedAndClean([], /unknown type "bool" \(did you mean "boolean"\?\)/);
  });
});
