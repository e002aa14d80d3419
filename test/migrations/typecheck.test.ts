/** Generated migration files type-check under a new app's strict tsconfig, with noUnusedLocals on top. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { migrationSource, TSCONFIG } from '../../src/generator/index.js';
import { diffSchemas, noDecisions, normalizeModels, snapshotOf, tablesOf, type Decisions } from '../../src/schema/index.js';
import { ROOT } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sails-rt-migration-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schemaOf = (definitions: Record<string, unknown>) => tablesOf(normalizeModels(Object.entries(definitions).map(([className, definition]) => ({ className, definition }))));

const USER = { attributes: { name: { type: 'string', required: true }, email: { type: 'string', unique: true }, age: { type: 'number' }, tags: { collection: 'tag', via: 'users' } } };
const TAG = { primaryKey: 'label', attributes: { label: { type: 'string', required: true }, users: { collection: 'user', via: 'tags' } } };

it('type-checks every kind of migration', async () => {
  const v1 = snapshotOf(schemaOf({ User: USER, Tag: TAG }));
  const cases: [string, Record<string, unknown>, Partial<Decisions>, typeof v1][] = [
    ['init', { User: USER, Tag: TAG }, {}, { tables: [] }],
    ['keep', { User: { attributes: { name: { type: 'string', required: true } } } }, { keeps: new Set(['user.email', 'user.age', 'tag', 'tag_users__user_tags']) }, v1],
    ['drop', { User: { attributes: { name: { type: 'string', required: true } } } }, { drops: new Set(['user.email', 'user.age', 'tag', 'tag_users__user_tags']) }, v1],
    [
      'change',
      { User: { attributes: { ...USER.attributes, age: { type: 'string' }, nick: { type: 'json', required: true } } }, Tag: TAG },
      { typeChanges: new Set(['user.age']), fills: new Map([['user.nick', { a: 1 }]]) },
      v1,
    ],
  ];
  mkdirSync(join(dir, 'migrations'));
  for (const [name, definitions, decisions, before] of cases) {
    const diff = diffSchemas(before, schemaOf(definitions), { ...noDecisions(), ...decisions });
    expect(diff.questions).toEqual([]);
    writeFileSync(join(dir, 'migrations', `${name}.ts`), migrationSource({ changes: diff.changes, version: 'test' }, `${name}.json`));
  }
  const tsconfig = {
    compilerOptions: { ...TSCONFIG.compilerOptions, types: [], noUnusedLocals: true, paths: { 'sails-rt/migrations': [join(ROOT, 'src/runtime/migrations/entry.ts')] } },
    include: ['migrations'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const run = await execa(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { reject: false });
  expect(run.stdout).toBe('');
  expect(run.exitCode).toBe(0);
});
