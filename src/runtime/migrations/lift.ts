/**
 * What lift does about the schema, before it opens the store. An app with `migrations/` has its
 * schema changed only by them: lift checks the models against the last snapshot, and applies
 * pending migrations in development or refuses them in production. An app without keeps the
 * store's additive auto-sync (the prototyping mode), except in production on PostgreSQL or
 * MySQL, where a schema is never changed unasked.
 */
import { existsSync } from 'node:fs';
import type { NormalizedModel } from '../../schema/model.js';
import { schemaDifferences, tablesOf } from '../../schema/tables.js';
import type { DatastoreConfig } from '../config/index.js';
import { LiftError } from '../errors.js';
import { adapterOf, applyMigrations, createKysely, hasMigrations, lastSnapshot, migrationFiles, MIGRATIONS_DIR, migrationStatus, sqliteFile } from './index.js';

export interface SchemaAtLift {
  appPath: string;
  datastore: DatastoreConfig | undefined;
  models: readonly NormalizedModel[];
  production: boolean;
  log: (line: string) => void;
}

const NAMES = { postgres: 'PostgreSQL', mysql: 'MySQL', sqlite: 'SQLite' } as const;

/** What lift does about the schema once it may open the database (after `beforeOpen`). */
export interface SchemaPlan {
  /** Applies or refuses pending migrations; resolves with whether the store may create missing tables and columns itself. */
  prepare(): Promise<{ autoSync: boolean }>;
}

const AUTO_SYNC: SchemaPlan = { prepare: async () => ({ autoSync: true }) };

/**
 * The checks that need no database (run before `beforeOpen`, so that `lift --watch` keeps the
 * running app when they fail); rejects with a LiftError naming the command that fixes what it refuses.
 */
export async function checkSchema(options: SchemaAtLift): Promise<SchemaPlan> {
  const { appPath, datastore, models, production } = options;
  const adapter = adapterOf(datastore);
  if (!hasMigrations(appPath)) {
    if (production && adapter !== 'sqlite') {
      throw new LiftError(
        `This app has no ${MIGRATIONS_DIR}/ folder, and in production lift never changes a ${NAMES[adapter]} schema by itself; run \`sails-rt generate migration init\`, review the file, then \`sails-rt migrate\` before lifting.`,
      );
    }
    return AUTO_SYNC;
  }
  const { schema, file } = await lastSnapshot(appPath).catch((error: unknown) => {
    throw new LiftError(`${(error as Error).message}`, { cause: error });
  });
  const differences = schemaDifferences(schema, tablesOf(models));
  if (differences.length > 0) {
    const shown = differences.length > 6 ? [...differences.slice(0, 6), `and ${differences.length - 6} more`] : differences;
    throw new LiftError(
      `The models differ from the schema ${file ?? `of ${MIGRATIONS_DIR}/ (no migration yet)`} (${shown.join(', ')}), and lift never changes the schema of an app with ${MIGRATIONS_DIR}/; run \`sails-rt generate migration <name>\`, then \`sails-rt migrate\`${production ? '' : ' (or lift again: in development it applies pending migrations)'}.`,
    );
  }
  // An in-memory database is new at each lift: its tables are the models' (just checked to be the migrations').
  if (adapter === 'sqlite' && datastore?.filename === ':memory:') return AUTO_SYNC;
  return { prepare: () => applyOrRefuse(options) };
}

async function applyOrRefuse(options: SchemaAtLift): Promise<{ autoSync: boolean }> {
  const { appPath, datastore, production, log } = options;
  const adapter = adapterOf(datastore);

  // A production lift opens no SQLite file that is not there: it would be made empty, with every migration pending.
  if (production && adapter === 'sqlite' && !existsSync(sqliteFile(datastore, appPath))) {
    const names = (await migrationFiles(appPath)).map((file) => file.name);
    if (names.length > 0) throw pendingError(names, datastore?.filename ?? '.tmp/db.sqlite');
  }
  let database;
  try {
    database = await createKysely(datastore, appPath);
  } catch (error) {
    throw new LiftError(`Could not open the database to check its migrations: ${(error as Error).message}`, { cause: error });
  }
  try {
    const states = await migrationStatus(database, appPath);
    const pending = states.filter((state) => state.appliedAt === undefined).map((state) => state.name);
    if (pending.length === 0) return { autoSync: false };
    if (production) throw pendingError(pending, database.label);
    const applied = await applyMigrations(database, appPath);
    log(`sails-rt: database ${database.label}: applied ${applied.length === 1 ? 'the migration' : `${applied.length} migrations`} ${applied.join(', ')}.`);
    return { autoSync: false };
  } catch (error) {
    if (error instanceof LiftError) throw error;
    throw new LiftError((error as Error).message, { cause: error });
  } finally {
    await database.db.destroy();
  }
}

function pendingError(pending: readonly string[], label: string): LiftError {
  return new LiftError(
    `${pending.length === 1 ? `The migration ${pending[0]} is` : `${pending.length} migrations are`} not applied to the database ${label}${pending.length === 1 ? '' : ` (${pending.join(', ')})`}, and in production lift never migrates by itself; run \`sails-rt migrate\`, then lift again.`,
  );
}
