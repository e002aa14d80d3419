import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALLOWED_INSTALL_SCRIPTS, appPackageName, databaseNameOf, generateApp, NODE_20_OVERRIDES, NODE_ENGINES, versions } from '../../src/generator/index.js';
import { APP_OPTIONS, newApp, run, summary } from './fixtures.js';

const LAYOUT = [
  '.env.example',
  '.gitignore',
  'README.md',
  'api/controllers/.gitkeep',
  'api/models/.gitkeep',
  'api/policies/.gitkeep',
  'app.ts',
  'assets/index.html',
  'assets/js/dependencies/sails.io.js',
  'config/blueprints.ts',
  'config/datastores.ts',
  'config/env/production.ts',
  'config/local.ts',
  'config/policies.ts',
  'config/routes.ts',
  'config/security.ts',
  'config/session.ts',
  'config/sockets.ts',
  'generated/client.ts',
  'generated/models-api.ts',
  'generated/models.ts',
  'generated/routes.ts',
  'package.json',
  'tsconfig.json',
  'vitest.config.ts',
];
const EXAMPLE = ['api/controllers/SayController.ts', 'test/say.test.ts'];

describe('generateApp', () => {
  it('writes the layout of docs/architecture.md, the example included by default', () => {
    const { changes, result } = run({}, (tree) => generateApp(tree, APP_OPTIONS));
    expect(summary(changes)).toEqual([...LAYOUT, ...EXAMPLE].sort().map((path) => `CREATE ${path}`));
    expect(result).toEqual({ skipped: [], conflicts: [] });
  });

  it('leaves the SayController, its route and its test out without the example', () => {
    const files = newApp({ example: false });
    expect(Object.keys(files).sort()).toEqual(LAYOUT);
    expect(files['config/routes.ts']).toContain('export const routes: RoutesConfig = {};');
    expect(files['assets/index.html']).not.toContain('/say/hello');
  });

  it.each([
    ['postgres', 'postgres://postgres@127.0.0.1:5432/myapp', 'PostgreSQL'],
    ['mysql', 'mysql://root@127.0.0.1:3306/myapp', 'MySQL or MariaDB'],
  ] as const)('with database %s writes its datastore, its DATABASE_URL in .env.example and its README section, and the same layout', (database, url, named) => {
    const files = newApp({ database });
    expect(Object.keys(files).sort()).toEqual([...LAYOUT, ...EXAMPLE].sort());
    expect(files['config/datastores.ts']).toContain(`adapter: '${database}'`);
    expect(files['config/datastores.ts']).toContain(`url: process.env['DATABASE_URL'] ?? '${url}'`);
    expect(files['.env.example']).toContain(`\nDATABASE_URL=${url}\n`);
    expect(files['README.md']).toContain(`The models are stored in ${named}`);
    expect(files['README.md']).toContain('npx sails-rt migrate');
  });

  it('without a database named, stores in SQLite and says so in the README; .env is git-ignored', () => {
    const files = newApp();
    expect(files['config/datastores.ts']).toContain("adapter: 'sqlite'");
    expect(files['.env.example']).not.toContain('DATABASE_URL');
    expect(files['README.md']).toContain('The models are stored in SQLite');
    expect(files['.gitignore']).toMatch(/^\.env$/m);
  });

  it('with redis writes session.store and the sockets adapter (websocket only), REDIS_URL in .env.example and a README section, and the same layout', async () => {
    const files = newApp({ redis: true });
    expect(Object.keys(files).sort()).toEqual([...LAYOUT, ...EXAMPLE].sort());
    await expect(files['config/session.ts']).toMatchFileSnapshot('__snapshots__/app-redis/config/session.ts');
    await expect(files['config/sockets.ts']).toMatchFileSnapshot('__snapshots__/app-redis/config/sockets.ts');
    expect(files['.env.example']).toContain('\nREDIS_URL=redis://127.0.0.1:6379\n\n# Signs the session cookies.');
    expect(files['.env.example']).not.toContain('DATABASE_URL');
    expect(files['README.md']).toContain('The models are stored in SQLite');
    expect(files['README.md']).toMatch(/\n\n## Redis: several instances\n[^]*websockets only[^]*same instance\.\n\n## The session secret\n/);
  });

  it('with database postgres and redis writes the production shape: DATABASE_URL, REDIS_URL and SESSION_SECRET in .env.example, both README sections', async () => {
    const files = newApp({ database: 'postgres', redis: true });
    expect(files['config/datastores.ts']).toContain("adapter: 'postgres'");
    expect(files['config/session.ts']).toContain("store: 'redis'");
    expect(files['config/sockets.ts']).toContain("adapter: 'redis',\n  transports: ['websocket'],");
    await expect(files['.env.example']).toMatchFileSnapshot('__snapshots__/app-redis/postgres.env.example');
    expect(files['README.md']).toContain('The models are stored in PostgreSQL');
    expect(files['README.md']).toContain('## Redis: several instances');
  });

  it('without redis mentions no Redis anywhere', () => {
    for (const database of ['sqlite', 'postgres', 'mysql'] as const) {
      for (const [path, content] of Object.entries(newApp({ database }))) {
        if (path !== 'assets/js/dependencies/sails.io.js') expect(content, path).not.toMatch(/redis/i);
      }
    }
  });

  it('names the database after the package, in characters every database takes unquoted', () => {
    expect(databaseNameOf('shop')).toBe('shop');
    expect(databaseNameOf('@acme/my-shop')).toBe('acme_my_shop');
    expect(databaseNameOf('2fast')).toBe('app_2fast');
  });

  it('routes GET /say/hello to the seed example, which is the Sails concept page in TypeScript', () => {
    const files = newApp();
    expect(files['config/routes.ts']).toContain(`export const routes: RoutesConfig = {\n  'GET /say/hello': 'SayController.hello',\n};`);
    expect(files['api/controllers/SayController.ts']).toContain(
      [
        "import { defineController, sails } from 'sails-rt';",
        '',
        '/**',
      ].join('\n'),
    );
    expect(files['api/controllers/SayController.ts']).toContain(
      [
        'export default defineController({',
        '  hello(req, res) {',
        '    if (!req.isSocket) return res.badRequest();',
        "    sails.sockets.join(req, 'funSockets');",
        "    sails.sockets.broadcast('funSockets', 'hello', { howdy: 'hi there!' }, req);",
        "    return res.json({ anyData: 'we want to send back' });",
        '  },',
        '});',
      ].join('\n'),
    );
    expect(files['assets/index.html']).toContain(`io.socket.get('/say/hello'`);
  });

  it('starts every file with one line saying what wrote it and whether it may be edited', () => {
    const files = newApp();
    for (const [path, content] of Object.entries(files)) {
      if (path === 'package.json' || path.endsWith('.gitkeep')) continue;
      const first = content.split('\n')[0];
      if (path.startsWith('generated/')) {
        expect(first, path).toBe('// generated by sails-rt from api/models — do not edit, run `sails-rt generate`');
      } else if (path === 'assets/js/dependencies/sails.io.js') {
        expect(first).toBe("// sails-rt browser client 0.1.0 (sails.io.js 1.2.1's io.socket API over socket.io-client 4), written by sails-rt new; replace it to upgrade");
      } else {
        expect(first, path).toMatch(/^(\/\/|#|<!--) written once by sails-rt new; yours to edit( -->)?$/);
      }
    }
    expect(files['assets/js/dependencies/sails.io.js']).toContain(APP_OPTIONS.browserClient.source);
  });

  it('writes the official sails.io.js instead when asked, saying so and its version in the first line', () => {
    const files = newApp({ browserClient: { kind: 'sails.io.js', version: '1.2.1', source: '/* sails.io.js */\n' } });
    expect(files['assets/js/dependencies/sails.io.js']).toBe(
      '// sails.io.js 1.2.1, the official Sails browser SDK, copied by sails-rt new from sails.io.js-dist; replace it to upgrade\n/* sails.io.js */\n',
    );
  });

  it('writes config/policies.ts open by default, with the Sails shape to copy commented out', async () => {
    const files = newApp();
    expect(files['config/policies.ts']).toContain(
      [
        'export const policies: PoliciesConfig = {',
        "  '*': true,",
        "  // UserController: { '*': 'isLoggedIn', find: true },",
      ].join('\n'),
    );
    expect(files['config/policies.ts']).toContain("import type { PoliciesConfig } from 'sails-rt';");
    await expect(files['config/policies.ts']).toMatchFileSnapshot('__snapshots__/app/config/policies.ts');
  });

  it('writes the secret it is given into config/local.ts, which .gitignore keeps out of git, and none into a committed file', () => {
    const secrets = ['0123456789abcdef'.repeat(4), 'f'.repeat(64)];
    const [first, second] = secrets.map((sessionSecret) => newApp({ sessionSecret }));
    expect(first?.['config/local.ts']).toContain(`export const session: SessionConfig = {\n  secret: '${secrets[0]}',\n};`);
    expect(second?.['config/local.ts']).toContain(`  secret: '${secrets[1]}',`);
    // Pure: the same options give the same file.
    expect(newApp({ sessionSecret: secrets[0] })['config/local.ts']).toBe(first?.['config/local.ts']);
    expect(first?.['.gitignore']?.split('\n')).toContain('config/local.ts');
    for (const [path, content] of Object.entries(first ?? {})) {
      if (path !== 'config/local.ts') expect(content, path).not.toContain(secrets[0]);
    }
    expect(first?.['config/session.ts']).toContain("export const session: SessionConfig = {\n  secret: process.env['SESSION_SECRET'],\n};");
    expect(first?.['config/session.ts']).toContain('production refuses to lift');
  });

  it('refuses a session secret that is not 64 hex characters, before writing anything', () => {
    for (const sessionSecret of ['', 'changeme', 'A'.repeat(64), "a'".repeat(32)]) {
      const { result, changes } = run({}, (tree) => {
        try {
          return generateApp(tree, { ...APP_OPTIONS, sessionSecret });
        } catch (error) {
          return (error as Error).message;
        }
      });
      expect(result, sessionSecret).toMatch(/^The session secret given to generateApp must be 64 hex characters/);
      expect(changes).toEqual([]);
    }
  });

  it('builds package.json as data, with the sailsRt marker and the versions map', async () => {
    const files = newApp({ runtimeSpec: 'file:/somewhere/sails-rt', sailsRtVersion: '9.8.7' });
    expect(JSON.parse(files['package.json'] ?? '')).toEqual({
      name: 'myapp',
      private: true,
      type: 'module',
      scripts: { lift: 'sails-rt lift', test: 'vitest run --passWithNoTests', typecheck: 'tsc --noEmit' },
      dependencies: { 'sails-rt': 'file:/somewhere/sails-rt' },
      devDependencies: {
        '@types/node': '^20.19.0',
        'socket.io-client': '^4.8.1',
        tsx: '^4.20.0',
        typescript: '~5.9.3',
        vitest: '^4.1.0',
      },
      engines: { node: '^20.19.0 || ^22.12.0 || >=24.0.0' },
      overrides: { 'light-my-request': '~6.6.0' },
      allowScripts: { 'better-sqlite3': true, esbuild: true },
      sailsRt: { version: '9.8.7' },
    });
    await expect(files['package.json']).toMatchFileSnapshot('__snapshots__/app/package.json');
  });

  it('writes a strict NodeNext tsconfig.json that includes the app folders', async () => {
    const files = newApp();
    const [header, ...json] = (files['tsconfig.json'] ?? '').split('\n');
    expect(header).toBe('// written once by sails-rt new; yours to edit');
    const tsconfig = JSON.parse(json.join('\n')) as { compilerOptions: Record<string, unknown>; include: string[] };
    expect(tsconfig.compilerOptions).toMatchObject({
      strict: true,
      noUncheckedIndexedAccess: true,
      noImplicitOverride: true,
      noImplicitReturns: true,
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      noEmit: true,
      types: ['node'],
    });
    expect(tsconfig.include).toEqual(['app.ts', 'vitest.config.ts', 'api', 'config', 'generated', 'migrations', 'test']);
    await expect(files['tsconfig.json']).toMatchFileSnapshot('__snapshots__/app/tsconfig.json');
  });

  it('keeps the versions map in step with the versions sails-rt itself is developed with', () => {
    const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const [name, range] of Object.entries(versions)) {
      expect(own.devDependencies[name] ?? own.dependencies[name], name).toBe(range);
    }
  });

  it('gives the app the engines, overrides and allowScripts sails-rt itself is installed with', () => {
    // npm reads overrides and allowScripts from the root package.json only: an app needs its own.
    const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    expect(own['engines']).toEqual({ node: NODE_ENGINES });
    expect(own['overrides']).toEqual(NODE_20_OVERRIDES);
    expect(own['allowScripts']).toEqual(ALLOWED_INSTALL_SCRIPTS);
  });

  it('changes nothing when run again over its own output', () => {
    const files = newApp();
    const again = run(files, (tree) => generateApp(tree, APP_OPTIONS));
    expect(again.changes).toEqual([]);
    expect(again.result.conflicts).toEqual([]);
    expect(again.result.skipped).toContain('package.json');
  });

  it('leaves a user-owned file that differs alone, and with force keeps it as .orig', () => {
    const files = { ...newApp(), 'app.ts': '// mine\n' };
    const plain = run(files, (tree) => generateApp(tree, APP_OPTIONS));
    expect(plain.changes).toEqual([]);
    expect(plain.result.conflicts).toEqual(['app.ts']);

    const forced = run(files, (tree) => generateApp(tree, { ...APP_OPTIONS, force: true }));
    expect(summary(forced.changes)).toEqual(['UPDATE app.ts', 'CREATE app.ts.orig']);
    expect(forced.files['app.ts.orig']).toBe('// mine\n');
    expect(forced.files['app.ts']).toContain("await lift();");
  });

  it('with force never overwrites a .orig an earlier --force kept: the next copy goes beside it', () => {
    const files = { ...newApp(), 'app.ts': '// mine, second version\n', 'app.ts.orig': '// mine, first version\n' };
    const forced = run(files, (tree) => generateApp(tree, { ...APP_OPTIONS, force: true }));
    expect(summary(forced.changes)).toEqual(['UPDATE app.ts', 'CREATE app.ts.orig.1']);
    expect(forced.files['app.ts.orig']).toBe('// mine, first version\n');
    expect(forced.files['app.ts.orig.1']).toBe('// mine, second version\n');

    // Forced again with the same edit: the copy is already kept, once.
    const again = run({ ...forced.files, 'app.ts': '// mine, second version\n' }, (tree) => generateApp(tree, { ...APP_OPTIONS, force: true }));
    expect(summary(again.changes)).toEqual(['UPDATE app.ts']);
  });
});

describe('appPackageName', () => {
  it('derives an npm name from the folder name', () => {
    expect(appPackageName('myapp')).toBe('myapp');
    expect(appPackageName('My Cool App')).toBe('my-cool-app');
    expect(appPackageName('.hidden_app')).toBe('hidden_app');
  });

  it('refuses a folder name with nothing usable in it', () => {
    expect(() => appPackageName('???')).toThrow(
      '"???" cannot be turned into an npm package name; name the app folder with letters and digits, e.g. myapp.',
    );
  });
});
