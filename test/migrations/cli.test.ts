/**
 * `generate migration`, `migrate` and lift on a generated app, by spawning the built CLI: the
 * questions, the refusals, the SQLite lock across processes, and the "done when": an added
 * attribute stops a production lift until `generate migration` + `migrate`, and no row is lost.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { main } from '../../src/cli/index.js';
import { lift } from '../../src/runtime/lift/index.js';
import { cli, ROOT, snapshotDir, stubContext, tempDir } from '../cli/helpers.js';
import { freshDatabase } from './servers.js';

const PRODUCTION = {
  session: { secret: 'a-test-secret-that-is-not-a-placeholder' },
  sockets: { beforeConnect: () => true },
  blueprints: { allowUnguardedWrites: true },
};

const USER = (extra: string) => `import { defineModel } from 'sails-rt';

export default defineModel({
  attributes: {
    name: { type: 'string', required: true },
    email: { type: 'string', unique: true },
${extra}  },
});
`;

async function newApp(work: string, name: string): Promise<string> {
  const made = await cli(work, 'new', name, '--yes', '--skip-install');
  expect(made.exitCode).toBe(0);
  const app = join(work, name);
  writeFileSync(join(app, 'api/models/User.ts'), USER(''));
  return app;
}

/** `sails-rt lift --port 0` with NODE_ENV=production: its URL once it listens, or the error it exited with. */
async function liftProduction(app: string): Promise<{ url?: string; error?: string; stop: () => Promise<void> }> {
  const child = execa(process.execPath, [join(ROOT, 'bin', 'sails-rt.js'), 'lift', '--port', '0'], { cwd: app, reject: false, env: { NODE_ENV: 'production', NO_COLOR: '1' } });
  const stop = async () => {
    child.kill('SIGTERM');
    await child;
  };
  const url = await new Promise<string | undefined>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const found = /app lifted at (\S+)/.exec(chunk.toString());
      if (found) resolve(found[1]);
    });
    void child.then(() => resolve(undefined));
  });
  if (url !== undefined) return { url, stop };
  const result = await child;
  return { error: String(result.stderr).trim(), stop };
}

const migrationsOf = (app: string) => (existsSync(join(app, 'migrations')) ? readdirSync(join(app, 'migrations')).sort() : []);

describe('sails-rt generate migration', () => {
  const work = tempDir();
  let app: string;
  beforeAll(async () => {
    app = await newApp(work, 'shop');
  });

  it('writes the first migration and its snapshot, one line per change, then has nothing to change', async () => {
    const run = await cli(app, 'generate', 'migration', 'init');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const [json, ts] = migrationsOf(app);
    expect(ts).toMatch(/^\d{14}_init\.ts$/);
    expect(json).toBe(ts!.replace(/\.ts$/, '.json'));
    expect(run.stdout.split('\n').slice(0, 4)).toEqual(['+ table user', '+ unique index user_email_unique on user(email)', `CREATE migrations/${json}`, `CREATE migrations/${ts}`]);
    const again = await cli(app, 'generate', 'migration', 'again');
    expect(again).toMatchObject({ exitCode: 0, stdout: 'Nothing to change: the models match the schema of the last migration, so no migration was written.' });
    expect(migrationsOf(app)).toHaveLength(2);
  });

  it('refuses a drop or a required column without a terminal, writing nothing and naming the flags; --yes keeps and fills', async () => {
    writeFileSync(join(app, 'api/models/User.ts'), USER("    nick: { type: 'string', required: true },\n").replace("    email: { type: 'string', unique: true },\n", ''));
    const before = snapshotDir(app);
    const refused = await cli(app, 'generate', 'migration', 'nick');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      'Error: The models changed in ways generate migration does not decide alone, and there is no terminal to ask, so nothing was written: column user.email may have been renamed to nick (--rename user.email=user.nick); user.nick is required, has no defaultsTo, and its table may have rows (--fill user.nick=VALUE); no attribute uses column user.email (--drop user.email drops it and its values, --keep user.email keeps them). Pass those flags, or --yes to keep what would be dropped, rename nothing and fill new required columns with an empty value.',
    );
    expect(snapshotDir(app)).toEqual(before);
    const dry = await cli(app, 'generate', 'migration', 'nick', '--yes', '--fill', 'user.nick=anonymous', '--dry-run');
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain('+ column user.nick\n= column user.email (no attribute uses it; kept)\n');
    expect(snapshotDir(app)).toEqual(before);
    const kept = await cli(app, 'generate', 'migration', 'nick', '--yes', '--fill', 'user.nick=anonymous');
    expect(kept.exitCode).toBe(0);
    const file = migrationsOf(app).find((name) => name.endsWith('_nick.ts'))!;
    const source = readFileSync(join(app, 'migrations', file), 'utf8');
    expect(source).toContain("await db.updateTable('user').set({ 'nick': 'anonymous' }).execute();");
    expect(source).not.toContain('dropColumn(\'email\')');
  });

  it('asks at a terminal, and writes what was answered', async () => {
    writeFileSync(join(app, 'api/models/User.ts'), USER("    nickname: { type: 'string', required: true },\n"));
    const asked: string[] = [];
    const answers = [true];
    const { context, stdout } = stubContext(app, {
      interactive: true,
      ask: async (question) => {
        asked.push(question.message);
        return answers.shift() ?? false;
      },
    });
    expect(await main(['node', 'sails-rt', 'generate', 'migration', 'rename_nick'], context)).toBe(0);
    expect(asked).toEqual(['Was column user.nick renamed to nickname? (no: nickname is new)']);
    // user.email was kept before: the model takes it back, with its values.
    expect(stdout()).toContain('> column user.nick renamed to nickname\n= column user.email (kept earlier, used again)\n');
  });

  it('refuses a type change with --yes alone, naming --change-type', async () => {
    writeFileSync(join(app, 'api/models/User.ts'), USER("    nickname: { type: 'number' },\n"));
    const run = await cli(app, 'generate', 'migration', 'retype', '--yes');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('pass --change-type user.nickname to convert its values');
    const changed = await cli(app, 'generate', 'migration', 'retype', '--change-type', 'user.nickname');
    expect(changed.exitCode).toBe(0);
    expect(changed.stdout).toContain('~ column user.nickname (string -> number)');
  });
});

describe('sails-rt migrate and lift', () => {
  const work = tempDir();

  it('is refused in production once an attribute is added, until generate migration and migrate; no row is lost', async () => {
    const app = await newApp(work, 'store');
    // What a production lift needs besides the schema (docs/deploy.md).
    writeFileSync(join(app, 'config/env/production.ts'), "export const sockets = { onlyAllowOrigins: ['https://example.com'] };\nexport const blueprints = { allowUnguardedWrites: true };\nexport const session = { secret: 'a-test-secret-that-is-not-a-placeholder' };\n");
    expect((await cli(app, 'generate', 'migration', 'init')).exitCode).toBe(0);
    const migrated = await cli(app, 'migrate');
    expect(migrated.stdout).toMatch(/^applied \d{14}_init\nThe database \.tmp\/db\.sqlite is up to date \(1 migration applied\)\.$/);

    let lifted = await liftProduction(app);
    expect(lifted.error).toBeUndefined();
    const created = await fetch(`${lifted.url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada', email: 'ada@example.com' }) });
    expect(created.status).toBe(200);
    await lifted.stop();

    writeFileSync(join(app, 'api/models/User.ts'), USER("    age: { type: 'number' },\n"));
    lifted = await liftProduction(app);
    expect(lifted.error).toBe(
      `Error: The models differ from the schema migrations/${migrationsOf(app).find((f) => f.endsWith('_init.json'))} (+ column user.age), and lift never changes the schema of an app with migrations/; run \`sails-rt generate migration <name>\`, then \`sails-rt migrate\`.`,
    );
    expect((await cli(app, 'generate', 'migration', 'add_age')).exitCode).toBe(0);
    const pending = migrationsOf(app).find((f) => f.endsWith('_add_age.ts'))!.replace(/\.ts$/, '');
    lifted = await liftProduction(app);
    expect(lifted.error).toBe(
      `Error: The migration ${pending} is not applied to the database .tmp/db.sqlite, and in production lift never migrates by itself; run \`sails-rt migrate\`, then lift again.`,
    );
    const list = await cli(app, 'migrate', '--list');
    expect(list.stdout).toMatch(new RegExp(`^applied \\S+  \\d{14}_init\\npending {27}${pending}\\n1 migration applied, 1 pending, on the database \\.tmp/db\\.sqlite\\.$`));
    expect((await cli(app, 'migrate')).exitCode).toBe(0);

    lifted = await liftProduction(app);
    expect(lifted.error).toBeUndefined();
    try {
      expect(await (await fetch(`${lifted.url}/user`)).json()).toMatchObject([{ name: 'Ada', email: 'ada@example.com', age: 0 }]);
    } finally {
      await lifted.stop();
    }
  });

  it('applies pending migrations at a development lift, in one line; links work on the migrated tables', async () => {
    const app = await newApp(work, 'dev');
    // Links of both kinds: a to-one (Pet.owner), its one-to-many (User.pets), and a many-to-many (User.tags, Tag.users) with its join table.
    writeFileSync(join(app, 'api/models/User.ts'), USER("    pets: { collection: 'pet', via: 'owner' },\n    tags: { collection: 'tag', via: 'users' },\n"));
    writeFileSync(join(app, 'api/models/Pet.ts'), "import { defineModel } from 'sails-rt';\nexport default defineModel({ attributes: { name: { type: 'string' }, owner: { model: 'user' } } });\n");
    writeFileSync(join(app, 'api/models/Tag.ts'), "import { defineModel } from 'sails-rt';\nexport default defineModel({ attributes: { label: { type: 'string' }, users: { collection: 'user', via: 'tags' } } });\n");
    expect((await cli(app, 'generate', 'migration', 'init')).exitCode).toBe(0);
    const lines: string[] = [];
    const sails = await lift({ appPath: app, port: 0, environment: 'development', log: (line) => lines.push(line), logDestination: { write: () => true } as never });
    try {
      const [name] = migrationsOf(app).filter((f) => f.endsWith('.ts'));
      expect(lines[0]).toBe(`sails-rt: database .tmp/db.sqlite: applied the migration ${name!.replace(/\.ts$/, '')}.`);
      const { user, pet, tag } = sails.models as Record<string, NonNullable<(typeof sails.models)[string]>>;
      const ada = (await user!.create({ name: 'Ada', email: 'ada@example.com' }).fetch()) as { id: number };
      await pet!.create({ name: 'Rex', owner: ada.id });
      const vip = (await tag!.create({ label: 'vip' }).fetch()) as { id: number };
      await user!.addToCollection(ada.id, 'tags').members([vip.id]);
      expect(await user!.findOne({ id: ada.id }).populate('pets').populate('tags')).toMatchObject({ pets: [{ name: 'Rex' }], tags: [{ label: 'vip' }] });
    } finally {
      await sails.lower();
    }
  });

  it('adopts migrations on a database lift auto-synced: the hint, then migrate --baseline, keeping its rows', async () => {
    const app = await newApp(work, 'adopt');
    const quiet = { port: 0, environment: 'development', log: () => {}, logDestination: { write: () => true } as never };
    let sails = await lift({ appPath: app, ...quiet });
    await sails.models['user']!.create({ name: 'Ada', email: 'ada@example.com' });
    await sails.lower();
    expect((await cli(app, 'generate', 'migration', 'init')).exitCode).toBe(0);
    await expect(lift({ appPath: app, ...quiet })).rejects.toThrow(/already exists \(nothing was applied\); if that database got its tables from lift before the app had migrations\/ \(auto-sync\) and they match the migrations, run `sails-rt migrate --baseline`/);
    const baseline = await cli(app, 'migrate', '--baseline');
    expect(baseline.stdout).toMatch(/^recorded as applied \(not run\) \d{14}_init\n/);
    sails = await lift({ appPath: app, ...quiet });
    try {
      expect(await sails.models['user']!.find()).toMatchObject([{ name: 'Ada' }]);
    } finally {
      await sails.lower();
    }
  });

  it('refuses before the hand-over and without making a database file; migrate notes models that moved on', async () => {
    const app = await newApp(work, 'fresh');
    expect((await cli(app, 'generate', 'migration', 'init')).exitCode).toBe(0);
    const name = migrationsOf(app).find((f) => f.endsWith('.ts'))!.replace(/\.ts$/, '');
    await expect(lift({ appPath: app, port: 0, environment: 'production', log: () => {}, config: PRODUCTION })).rejects.toThrow(
      `The migration ${name} is not applied to the database .tmp/db.sqlite, and in production lift never migrates by itself; run \`sails-rt migrate\`, then lift again.`,
    );
    expect(existsSync(join(app, '.tmp/db.sqlite'))).toBe(false);
    // A model that differs is refused before beforeOpen: under lift --watch the running app keeps serving.
    const other = await newApp(work, 'watched');
    expect((await cli(other, 'generate', 'migration', 'init')).exitCode).toBe(0);
    writeFileSync(join(other, 'api/models/User.ts'), USER("    age: { type: 'number' },\n"));
    let handedOver = false;
    const beforeOpen = async () => {
      handedOver = true;
    };
    await expect(lift({ appPath: other, port: 0, log: () => {}, beforeOpen })).rejects.toThrow(/^The models differ from the schema migrations\//);
    expect(handedOver).toBe(false);
    writeFileSync(join(app, 'api/models/User.ts'), USER("    age: { type: 'number' },\n"));
    const migrated = await cli(app, 'migrate');
    expect(migrated.stdout).toContain(
      'Note: the models differ from the schema of the last migration (+ column user.age), so lift will refuse them; run `sails-rt generate migration <name>`, then migrate again.',
    );
  });

  it.for(['postgres', 'mysql'] as const)('migrates a %s database named by datastores.default.url, or by DATABASE_URL (the environment or .env)', async (adapter, context) => {
    const url = await freshDatabase(adapter);
    if (!url) return context.skip();
    const app = await newApp(work, `on-${adapter}`);
    expect((await cli(app, 'generate', 'migration', 'init')).exitCode).toBe(0);
    writeFileSync(join(app, 'config/datastores.ts'), `export const datastores = { default: { adapter: '${adapter}' } };\n`);
    const bin = join(ROOT, 'bin', 'sails-rt.js');
    const noUrl = await cli(app, 'migrate');
    // The config check (runtime/config) refuses it before a database is opened.
    const example = adapter === 'postgres' ? 'postgres://user:password@localhost:5432/app' : 'mysql://user:password@localhost:3306/app';
    expect(noUrl.stderr).toBe(
      `Error: The setting datastores.default.url (config/datastores.ts) is not set, and neither is DATABASE_URL, which the '${adapter}' adapter needs; set one of them to a URL such as '${example}'.`,
    );
    // From the environment (PostgreSQL here), or from the app's .env (MySQL here), as lift reads it.
    if (adapter === 'postgres') {
      const fromEnv = await execa(process.execPath, [bin, 'migrate'], { cwd: app, reject: false, env: { DATABASE_URL: url, NO_COLOR: '1' } });
      expect(fromEnv.stdout).toMatch(/^applied \d{14}_init\n/);
    } else {
      writeFileSync(join(app, '.env'), `DATABASE_URL=${url}\n`);
      const fromFile = await cli(app, 'migrate');
      expect(fromFile.stdout).toMatch(/^sails-rt: read DATABASE_URL from \.env\.\napplied \d{14}_init\n/);
      rmSync(join(app, '.env'));
    }
    writeFileSync(join(app, 'config/datastores.ts'), `export const datastores = { default: { adapter: '${adapter}', url: ${JSON.stringify(url)} } };\n`);
    const list = await cli(app, 'migrate', '--list');
    expect(list.stdout).toMatch(new RegExp(`^applied \\S+ {2}\\d{14}_init\\n1 migration applied, 0 pending, on the database ${url.replace(/[.?]/g, '\\$&')}\\.$`));
  });

  it('refuses auto-sync on PostgreSQL and MySQL in production, for an app without migrations/', async () => {
    const app = await newApp(work, 'nomig');
    for (const adapter of ['postgres', 'mysql']) {
      await expect(
        lift({ appPath: app, port: 0, environment: 'production', log: () => {}, config: { ...PRODUCTION, datastores: { default: { adapter, url: `${adapter}://nowhere.invalid/x` } } } }),
      ).rejects.toThrow(
        `This app has no migrations/ folder, and in production lift never changes a ${adapter === 'postgres' ? 'PostgreSQL' : 'MySQL'} schema by itself; run \`sails-rt generate migration init\`, review the file, then \`sails-rt migrate\` before lifting.`,
      );
    }
  });

  it('applies a migration once when two processes migrate one SQLite file at once', async () => {
    const app = await newApp(work, 'twice');
    const dir = join(app, 'migrations');
    mkdirSync(dir);
    writeFileSync(
      join(dir, '20260101000000_slow.ts'),
      `import { sql, type Kysely } from 'sails-rt/migrations';
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('once').addColumn('n', sql.raw('integer')).execute();
  await new Promise((resolve) => setTimeout(resolve, 500));
  await db.insertInto('once').values({ n: 1 }).execute();
}
`,
    );
    // Compiled once ahead, so that both processes start migrating at about the same time.
    await cli(app, 'build');
    const runs = await Promise.all([cli(app, 'migrate'), cli(app, 'migrate')]);
    expect(runs.map((run) => run.exitCode)).toEqual([0, 0]);
    expect(runs.map((run) => run.stdout.split('\n')[0]).sort()).toEqual(['Nothing to apply: the database .tmp/db.sqlite has every migration.', 'applied 20260101000000_slow']);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(app, '.tmp/db.sqlite'), { readonly: true });
    try {
      expect(db.prepare('select n from once').all()).toEqual([{ n: 1 }]);
    } finally {
      db.close();
    }
  });
});
