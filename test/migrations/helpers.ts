/** Helpers for the migration tests: what `generate migration` writes, done in process. */
import { expect } from 'vitest';
import { diskReader, flushChanges, generateMigration, VirtualTree } from '../../src/generator/index.js';
import { lastSnapshot, migrationFiles } from '../../src/schema/load/migrations.js';
import { diffSchemas, noDecisions, normalizeModels, snapshotOf, tablesOf, type Decisions, type ModelDefinition, type ModelSource, type NormalizedModel } from '../../src/schema/index.js';

export const modelsOf = (definitions: Record<string, unknown>) =>
  normalizeModels(Object.entries(definitions).map(([className, definition]): ModelSource => ({ className, definition })));

/**
 * Writes the next migration of the app at `appPath` for `definitions`, every question answered by
 * `decisions`, named `2026010100000<n>_<name>` (n: its place), as `generate migration` would.
 */
export async function writeMigration(appPath: string, name: string, definitions: Record<string, unknown>, decisions: Partial<Decisions> = {}): Promise<void> {
  await writeModelsMigration(appPath, name, modelsOf(definitions), decisions);
}

/** writeMigration, for models already normalized. */
export async function writeModelsMigration(appPath: string, name: string, models: readonly NormalizedModel[], decisions: Partial<Decisions> = {}): Promise<void> {
  const { schema } = await lastSnapshot(appPath);
  const diff = diffSchemas(schema, tablesOf(models), { ...noDecisions(), ...decisions });
  expect(diff.questions.map((q) => q.id)).toEqual([]);
  const tree = new VirtualTree(diskReader(appPath));
  const count = (await migrationFiles(appPath)).length;
  generateMigration(tree, { name, stamp: `2026010100${String(count + 1).padStart(4, '0')}`, changes: diff.changes, next: snapshotOf(diff.next), version: 'test' });
  await flushChanges(appPath, tree.listChanges());
}

/** What the fixtures lack: encrypted attributes of every type, a string primary key linked both ways, names long enough to be cut. */
export const EDGE_MODELS: [string, ModelDefinition][] = [
  [
    'Vault',
    {
      primaryKey: 'code',
      attributes: {
        code: { type: 'string', required: true },
        pin: { type: 'number', encrypt: true },
        secret: { type: 'string', encrypt: true, unique: true },
        flags: { type: 'json', encrypt: true },
        open: { type: 'boolean', encrypt: true },
        keepers: { collection: 'keeperOfTheVeryLongNamedThings', via: 'vaults' },
      },
    },
  ],
  [
    'KeeperOfTheVeryLongNamedThings',
    { attributes: { vaultWithAnExtremelyLongAttributeName: { model: 'vault' }, vaults: { collection: 'vault', via: 'keepers' }, meta: { type: 'json' } } },
  ],
];

/** Models before and after a change: attributes with defaults, a unique one, a to-one and a many-to-many link. */
export const GROWN = {
  before: { User: { attributes: { name: { type: 'string' } } }, Pet: { attributes: { name: { type: 'string' } } } },
  after: {
    User: {
      attributes: {
        name: { type: 'string' },
        email: { type: 'string', unique: true, allowNull: true },
        age: { type: 'number', defaultsTo: 5 },
        on: { type: 'boolean', defaultsTo: true },
        meta: { type: 'json', defaultsTo: { a: [1] } },
        tags: { collection: 'tag', via: 'users' },
      },
    },
    Pet: { attributes: { name: { type: 'string' }, owner: { model: 'user' } } },
    Tag: { attributes: { label: { type: 'string' }, users: { collection: 'user', via: 'tags' } } },
  },
};
