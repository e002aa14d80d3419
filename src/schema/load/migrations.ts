/**
 * The files of an app's migrations/ folder: the migrations and their schema snapshots, that is,
 * the schema the migrations produce. No database and no Kysely here: `generate migration` diffs
 * from this alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DatabaseSchema, TableSchema } from '../tables.js';
import { listSourceFiles } from './index.js';

/** Where an app keeps its migrations, relative to the app. */
export const MIGRATIONS_DIR = 'migrations';

/** Whether the app keeps its schema in migrations/ (then lift never alters it). */
export function hasMigrations(appPath: string): boolean {
  return existsSync(join(appPath, MIGRATIONS_DIR));
}

/** The migration files of the app, by name (the file name without its extension), in the order they apply. */
export async function migrationFiles(appPath: string): Promise<{ name: string; file: string }[]> {
  const files = await listSourceFiles(join(appPath, MIGRATIONS_DIR));
  return files.map((file) => ({ name: basename(file).replace(/\.[^.]+$/, ''), file })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The schema the app's migrations produce: the snapshot next to the last migration that has one
 * (`migrations/<name>.json`); no tables when there is none.
 */
export async function lastSnapshot(appPath: string): Promise<{ schema: DatabaseSchema; file?: string }> {
  const files = await migrationFiles(appPath);
  for (const { name } of [...files].reverse()) {
    const file = join(MIGRATIONS_DIR, `${name}.json`);
    let text: string;
    try {
      text = readFileSync(join(appPath, file), 'utf8');
    } catch {
      // A migration written by hand (data only) has no snapshot: the one before it still holds.
      continue;
    }
    return { schema: parseSnapshot(text, file), file };
  }
  return { schema: { tables: [] } };
}

export function parseSnapshot(text: string, file: string): DatabaseSchema {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}); restore it from version control.`);
  }
  const tables = (data as { tables?: unknown }).tables;
  if (!Array.isArray(tables)) throw new Error(`${file} has no "tables" list, so it is not a sails-rt schema snapshot; restore it from version control.`);
  // A snapshot written before links were described has none: the next migration adds them.
  return { tables: (tables as TableSchema[]).map((table) => ({ ...table, links: Array.isArray(table.links) ? table.links : [] })) };
}

