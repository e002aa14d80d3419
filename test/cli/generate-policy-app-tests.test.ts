/**
 * `generate policy --on` on an app with a model: it says what it now guards and which of the
 * app's own tests it refuses, and the edit it prints makes those tests pass again, while the
 * app itself stays guarded.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { lift } from '../../src/runtime/index.js';
import { cli, ROOT, tempDir } from './helpers.js';

/** The app's own `npm test`, as its author runs it. */
async function appTests(app: string): Promise<{ passed: boolean; output: string }> {
  const run = await execa('npm', ['test'], { cwd: app, reject: false, all: true, env: { CI: 'true', NO_COLOR: '1' }, timeout: 120_000 });
  return { passed: run.exitCode === 0, output: stripVTControlCharacters(String(run.all)) };
}

describe("generate policy --on, and the app's own tests", () => {
  const work = tempDir();
  const app = join(work, 'myapp');
  let stdout = '';

  beforeAll(async () => {
    expect((await cli(work, 'new', 'myapp', '--yes', '--skip-install')).exitCode).toBe(0);
    // What npm install would give it, without the network: this checkout's packages, and this checkout as sails-rt.
    mkdirSync(join(app, 'node_modules'));
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules', entry), join(app, 'node_modules', entry));
    symlinkSync(ROOT, join(app, 'node_modules', 'sails-rt'), 'dir');
    expect((await cli(app, 'generate', 'model', 'User', 'name:string:required')).exitCode).toBe(0);
    expect((await cli(app, 'generate', 'action', 'user/signup')).exitCode).toBe(0);
    const run = await cli(app, 'generate', 'policy', 'isLoggedIn', '--on', 'UserController');
    expect(run.exitCode).toBe(0);
    stdout = run.stdout;
  }, 60_000);

  it('says what it now guards: the blueprints, the controller and the standalone actions of the folder', () => {
    expect(stdout).toContain(
      'Note: isLoggedIn now runs before the blueprints of the model User (find, create, update, destroy and the rest), every action of api/controllers/UserController.ts, and every standalone action in api/controllers/user/ (such as user/signup).',
    );
  });

  it("names the app's tests it refuses and the edit that lets them test the actions apart from the policy", () => {
    expect(stdout).toContain(
      "Note: test/user.test.ts drives those actions without a logged-in session, so it is now refused (403). To go on testing the actions apart from isLoggedIn, add policies: { UserController: { '*': true } } to the config it passes to lift() (in the tests only: config/policies.ts keeps guarding the app); to test isLoggedIn itself, log a user in first (req.session.userId).",
    );
  });

  it("the app's tests fail as said, and pass once the printed edit is made; the lifted app stays guarded", async () => {
    const refused = await appTests(app);
    expect(refused.passed, refused.output).toBe(false);
    expect(refused.output).toMatch(/test\/user\.test\.ts/);

    // The edit, exactly as printed.
    const [, file = '', override = ''] = /Note: (test\/\S+) drives .* add (policies: \{ .* \}) to the config it passes to lift\(\)/.exec(stdout) ?? [];
    const test = join(app, file);
    const source = readFileSync(test, 'utf8');
    expect(source).toContain('config: { log:');
    writeFileSync(test, source.replace('config: { log:', `config: { ${override}, log:`));
    const passing = await appTests(app);
    expect(passing.passed, passing.output).toBe(true);

    const lifted = await lift({ appPath: app, port: 0, log: () => {} });
    onTestFinished(() => lifted.lower());
    expect((await fetch(`${lifted.url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"ann"}' })).status).toBe(403);
    expect((await fetch(`${lifted.url}/user/signup`, { method: 'POST' })).status).toBe(403);
  }, 240_000);
});
