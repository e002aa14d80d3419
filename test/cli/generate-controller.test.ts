import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { lift } from '../../src/runtime/index.js';
import { changeLines, cli, ROOT, snapshotDir, tempDir } from './helpers.js';

describe('sails-rt generate controller, action and api', () => {
  const work = tempDir();
  const app = join(work, 'myapp');

  beforeAll(async () => {
    expect((await cli(work, 'new', 'myapp', '--yes', '--skip-install')).exitCode).toBe(0);
  });

  it('lists what a controller would change with --dry-run and writes nothing', async () => {
    const before = snapshotDir(app);
    const run = await cli(app, 'generate', 'controller', 'Greet', 'hello', 'goodbye', '--dry-run');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(changeLines(run.stdout)).toEqual(['CREATE api/controllers/GreetController.ts', 'UPDATE config/routes.ts']);
    expect(run.stdout).toContain('Dry run: nothing was written (2 files would change).');
    expect(snapshotDir(app)).toEqual(before);
  });

  it('writes the controller and a GET route per action; a second run changes nothing', async () => {
    const run = await cli(app, 'generate', 'controller', 'Greet', 'hello', 'goodbye');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(changeLines(run.stdout)).toEqual(['CREATE api/controllers/GreetController.ts', 'UPDATE config/routes.ts']);
    const routes = readFileSync(join(app, 'config/routes.ts'), 'utf8');
    expect(routes).toContain("  'GET /greet/hello': 'GreetController.hello',\n  'GET /greet/goodbye': 'GreetController.goodbye',\n};");

    const before = snapshotDir(app);
    const again = await cli(app, 'generate', 'controller', 'Greet', 'hello', 'goodbye');
    expect(again.stderr).toBe('');
    expect(again.exitCode).toBe(0);
    expect(changeLines(again.stdout)).toEqual(['SKIP api/controllers/GreetController.ts (unchanged)']);
    expect(snapshotDir(app)).toEqual(before);
  });

  it('writes a standalone action and its POST route; a second run changes nothing', async () => {
    const run = await cli(app, 'generate', 'action', 'user/signup');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(changeLines(run.stdout)).toEqual(['CREATE api/controllers/user/signup.ts', 'UPDATE config/routes.ts']);
    expect(readFileSync(join(app, 'config/routes.ts'), 'utf8')).toContain("  'POST /user/signup': 'user/signup',\n};");
    const before = snapshotDir(app);
    const again = await cli(app, 'generate', 'action', 'user/signup');
    expect(again.exitCode).toBe(0);
    expect(changeLines(again.stdout)).toEqual(['SKIP api/controllers/user/signup.ts (unchanged)']);
    expect(snapshotDir(app)).toEqual(before);
  });

  it('refuses a controller you changed whole, routes included, naming what to add by hand; --force keeps yours as .orig', async () => {
    const file = join(app, 'api/controllers/ByeController.ts');
    mkdirSync(join(app, 'api/controllers'), { recursive: true });
    writeFileSync(file, "import { defineController } from 'sails-rt';\nexport default defineController({});\n");
    const before = snapshotDir(app);
    const run = await cli(app, 'generate', 'controller', 'Bye', 'now', 'later');
    expect(changeLines(run.stdout)).toEqual([
      'CONFLICT api/controllers/ByeController.ts (yours differs from what sails-rt would write; left as it is, --force overwrites it and keeps yours as api/controllers/ByeController.ts.orig)',
    ]);
    expect(run.stderr).toBe(
      "Error: api/controllers/ByeController.ts already exists and differs from what sails-rt would write, so nothing was written; to keep yours, add now, later to it and 'GET /bye/now': 'ByeController.now', 'GET /bye/later': 'ByeController.later' to config/routes.ts yourself, or pass --force to replace it (yours is kept as api/controllers/ByeController.ts.orig).",
    );
    expect(run.exitCode).toBe(1);
    expect(snapshotDir(app)).toEqual(before);
    const forced = await cli(app, 'generate', 'controller', 'Bye', 'now', 'later', '--force');
    expect(forced.exitCode).toBe(0);
    expect(changeLines(forced.stdout)).toEqual(['UPDATE api/controllers/ByeController.ts', 'CREATE api/controllers/ByeController.ts.orig', 'UPDATE config/routes.ts']);
  });

  it('refuses a standalone action you changed whole, its route included', async () => {
    const file = join(app, 'api/controllers/user/logout.ts');
    mkdirSync(join(app, 'api/controllers/user'), { recursive: true });
    writeFileSync(file, "import type { Action } from 'sails-rt';\nconst action: Action = (req, res) => res.json({ ok: true });\nexport default action;\n");
    const before = snapshotDir(app);
    const run = await cli(app, 'generate', 'action', 'user/logout');
    expect(run.stderr).toBe(
      "Error: api/controllers/user/logout.ts already exists and differs from what sails-rt would write, so nothing was written; to keep yours, add 'POST /user/logout': 'user/logout' to config/routes.ts yourself, or pass --force to replace it (yours is kept as api/controllers/user/logout.ts.orig).",
    );
    expect(run.exitCode).toBe(1);
    expect(snapshotDir(app)).toEqual(before);
  });

  it('refuses bad names in one sentence, exit 1, writing nothing', async () => {
    const before = snapshotDir(app);
    for (const [args, message] of [
      [['controller', '../x'], '"../x" is not a valid controller name: use letters and digits, starting with a letter (for example Say, which writes api/controllers/SayController.ts).'],
      [['controller', 'Say', 'not-one'], '"not-one" is not a valid action name: use letters and digits, starting with a letter (for example hello or sayHi).'],
      [['action', '../x'], '"../x" is not a valid action path: use folder and action names of letters, digits and dashes, starting with a letter, joined by / (for example user/signup).'],
    ] as const) {
      const run = await cli(app, 'generate', ...args);
      expect(run.stderr, args.join(' ')).toBe(`Error: ${message}`);
      expect(run.exitCode).toBe(1);
    }
    expect(snapshotDir(app)).toEqual(before);
  });

  it('names the routes file and its missing anchor, exit 1, writing nothing', async () => {
    const routes = join(app, 'config/routes.ts');
    const kept = readFileSync(routes, 'utf8');
    writeFileSync(routes, 'export default {};\n');
    onTestFinished(() => writeFileSync(routes, kept));
    const run = await cli(app, 'generate', 'action', 'user/login');
    expect(run.stderr).toBe(
      "Error: config/routes.ts has no `export const routes = { … }` object to add routes to; restore it as `sails-rt new` writes it (export const routes: RoutesConfig = {};), or add 'POST /user/login': 'user/login' to your routes yourself.",
    );
    expect(run.exitCode).toBe(1);
    expect(snapshotDir(app)['api/controllers/user/login.ts']).toBeUndefined();
  });

  it('generate api writes the model and its controller, and routes nothing', async () => {
    const routes = readFileSync(join(app, 'config/routes.ts'), 'utf8');
    const run = await cli(app, 'generate', 'api', 'Pet', 'name:string');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(changeLines(run.stdout)).toContain('CREATE api/models/Pet.ts');
    expect(changeLines(run.stdout)).toContain('CREATE api/controllers/PetController.ts');
    expect(readFileSync(join(app, 'config/routes.ts'), 'utf8')).toBe(routes);
  });

  it('lists each noun with an example in --help, and each noun its flags', async () => {
    const help = await cli(app, 'generate', '--help');
    for (const example of ['generate api Pet', 'generate controller Say hello goodbye', 'generate action user/signup']) {
      expect(help.stdout.split('Examples:')[1]).toContain(example);
    }
    for (const noun of ['controller', 'action', 'api']) {
      const run = await cli(app, 'generate', noun, '--help');
      expect(run.exitCode).toBe(0);
      for (const flag of ['--force', '--dry-run']) expect(run.stdout.split('Examples:')[1], noun).toContain(flag);
    }
    expect((await cli(app, 'generate', 'action', '--help')).stdout).toContain('Unlike Sails');
  });

  it('the generated routes answer once the app is lifted', async () => {
    // What npm install would give it: this checkout as sails-rt.
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(app, 'node_modules', 'sails-rt'), 'dir');
    const lifted = await lift({ appPath: app, port: 0, log: () => {} });
    onTestFinished(() => lifted.lower());
    const hello = await fetch(`${lifted.url}/greet/hello`);
    expect(hello.status).toBe(200);
    expect(await hello.json()).toEqual({ action: 'GreetController.hello', todo: 'Write this action in api/controllers/GreetController.ts.' });
    const signup = await fetch(`${lifted.url}/user/signup`, { method: 'POST' });
    expect(signup.status).toBe(200);
    expect(await signup.json()).toEqual({ action: 'user/signup', todo: 'Write this action in api/controllers/user/signup.ts.' });
  }, 30_000);
});
