/**
 * A test database whose tables come from migrations, as an app with migrations/ gets them: the
 * first open writes the init migration of the models it is given (what `generate migration init`
 * writes), applies it (what `sails-rt migrate` does), then opens the store with autoSync: false.
 * For the conformance suite's `database` hook: the same tests, on migrated tables.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { applyMigrations, createKysely } from '../../src/runtime/migrations/index.js';
import { writeModelsMigration } from '../migrations/helpers.js';
import { testDatabase, type StoreKind, type TestDatabase } from './databases.js';

export async function migratedDatabase(kind: StoreKind): Promise<TestDatabase> {
  const database = await testDatabase(kind);
  const appPath = mkdtempSync(join(tmpdir(), 'sailsrt-migrated-'));
  onTestFinished(() => rmSync(appPath, { recursive: true, force: true }));
  let migrated = false;
  return {
    ...database,
    async open(models) {
      if (!migrated) {
        mkdirSync(join(appPath, 'migrations'), { recursive: true });
        await writeModelsMigration(appPath, 'init', models);
        const kysely = await createKysely(database.datastore, appPath);
        try {
          await applyMigrations(kysely, appPath);
        } finally {
          await kysely.db.destroy();
        }
        migrated = true;
      }
      return database.open(models, { autoSync: false });
    },
  };
}
