import type { Command } from 'commander';
import { findApp } from '../app-folder.js';
import type { CliContext } from '../context.js';
import { readAppEnvFile } from '../env-file.js';
import { CliError } from '../errors.js';
import { counted } from '../output.js';

interface MigrateFlags {
  list?: boolean;
  baseline?: boolean;
}

/**
 * `sails-rt migrate`: applies the app's pending migrations to its datastore (config/datastores.ts,
 * merged for NODE_ENV like lift's), under Kysely's lock; `--list` shows which are applied.
 */
export function registerMigrate(program: Command, context: CliContext): void {
  program
    .command('migrate')
    .description("Apply the pending migrations in migrations/ to the app's database (config/datastores.ts), one process at a time.")
    .option('-l, --list', 'list each migration as applied (with when) or pending, and apply nothing')
    .option('--baseline', "record the pending migrations as applied without running them, for a database that already has their tables (made by lift's auto-sync before the app had migrations/)")
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt migrate                                   applies what is pending
  $ sails-rt migrate --list                            applied and pending migrations
  $ DATABASE_URL=postgres://app@db/shop sails-rt migrate
  $ NODE_ENV=production sails-rt migrate               with config/env/production.ts merged in
  $ sails-rt migrate --baseline                        adopt migrations on a database lift auto-synced

Two processes migrating at once apply each migration once: the second waits for the first
(PostgreSQL's advisory lock, MySQL's GET_LOCK, SQLite's write lock). On PostgreSQL and SQLite the
pending migrations run in one transaction, so a failure applies none; MySQL cannot undo schema
changes, so there the ones before a failure stay applied. Write migrations with
\`sails-rt generate migration <name>\`.`,
    )
    .action(async (flags: MigrateFlags) => {
      await runMigrate(context, flags);
    });
}

async function runMigrate(context: CliContext, flags: MigrateFlags): Promise<void> {
  const app = await findApp(context.cwd, 'migrate');
  const [{ loadConfig }, migrations] = await Promise.all([import('../../runtime/config/index.js'), import('../../runtime/migrations/index.js')]);
  if (!migrations.hasMigrations(app.path)) {
    throw new CliError(`This app has no ${migrations.MIGRATIONS_DIR}/ folder, so there is nothing to migrate; run \`sails-rt generate migration init\` to write the first migration.`);
  }
  // DATABASE_URL may come from the app's .env, as for lift; the environment wins.
  readAppEnvFile(app.path, context.stdout);
  const config = await loadConfig(app.path, process.env['NODE_ENV'] ?? 'development');
  let database;
  try {
    database = await migrations.createKysely(config.datastores.default, app.path);
  } catch (error) {
    throw new CliError(`Could not open the database: ${(error as Error).message}`, 1, { cause: error });
  }
  try {
    if (flags.list) {
      const states = await migrations.migrationStatus(database, app.path).catch((error: unknown) => {
        throw new CliError(`Could not read the migrations of the database ${database.label}: ${(error as Error).message}`, 1, { cause: error });
      });
      for (const state of states) {
        context.stdout(`${(state.appliedAt ? `applied ${state.appliedAt.toISOString()}` : 'pending').padEnd(32)}  ${state.name}\n`);
      }
      const pending = states.filter((state) => !state.appliedAt).length;
      context.stdout(`${counted(states.length - pending, 'migration')} applied, ${pending} pending, on the database ${database.label}.\n`);
      return;
    }
    let applied: string[];
    try {
      applied = await migrations.applyMigrations(database, app.path, { baseline: flags.baseline === true });
    } catch (error) {
      throw new CliError((error as Error).message, 1, { cause: error });
    }
    if (applied.length === 0) context.stdout(`Nothing to apply: the database ${database.label} has every migration.\n`);
    for (const name of applied) context.stdout(`${flags.baseline ? 'recorded as applied (not run)' : 'applied'} ${name}\n`);
    if (applied.length > 0) context.stdout(`The database ${database.label} is up to date (${counted(applied.length, 'migration')} applied).\n`);
    await noteModelChanges(context, app.path);
  } finally {
    await database.db.destroy();
  }
}

/** Models changed since the last migration: lift will refuse them, so say it now. A model that does not load is lift's to report. */
async function noteModelChanges(context: CliContext, appPath: string): Promise<void> {
  const [{ loadModels }, { lastSnapshot }, { schemaDifferences, tablesOf }] = await Promise.all([
    import('../../schema/load/index.js'),
    import('../../schema/load/migrations.js'),
    import('../../schema/index.js'),
  ]);
  let differences: string[];
  try {
    differences = schemaDifferences((await lastSnapshot(appPath)).schema, tablesOf(await loadModels(appPath)));
  } catch {
    return;
  }
  if (differences.length > 0) {
    context.stdout(`Note: the models differ from the schema of the last migration (${differences.join(', ')}), so lift will refuse them; run \`sails-rt generate migration <name>\`, then migrate again.\n`);
  }
}
