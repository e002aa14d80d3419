/** The schema the models imply, and the diff from a snapshot: pure, in memory. */
import { describe, expect, it } from 'vitest';
import { migrationName, migrationSource } from '../../src/generator/migration.js';
import { withoutPassword } from '../../src/runtime/migrations/index.js';
import {
  describeChange,
  diffSchemas,
  noDecisions,
  normalizeModels,
  schemaDifferences,
  snapshotOf,
  tablesOf,
  type DatabaseSchema,
  type Decisions,
} from '../../src/schema/index.js';

const models = (definitions: Record<string, unknown>) =>
  normalizeModels(Object.entries(definitions).map(([className, definition]) => ({ className, definition })));

const USER = { attributes: { name: { type: 'string', required: true }, email: { type: 'string', unique: true }, age: { type: 'number' } } };

function diff(before: DatabaseSchema, definitions: Record<string, unknown>, decisions: Partial<Decisions> = {}) {
  const result = diffSchemas(before, tablesOf(models(definitions)), { ...noDecisions(), ...decisions });
  return { ...result, lines: result.changes.map(describeChange), asked: result.questions.map((q) => `${q.kind} ${q.id}`) };
}

const snapshot = (definitions: Record<string, unknown>) => snapshotOf(tablesOf(models(definitions)));

describe('tablesOf', () => {
  it('gives each model its table, as the SQLite store makes it: key, timestamps, attributes, unique indexes', () => {
    const [user] = tablesOf(models({ User: USER })).tables;
    expect(user?.name).toBe('user');
    expect(user?.columns.map((c) => [c.name, c.kind])).toEqual([
      ['id', 'integer'],
      ['createdAt', 'number'],
      ['updatedAt', 'number'],
      ['name', 'string'],
      ['email', 'key'],
      ['age', 'number'],
    ]);
    expect(user?.columns[0]).toMatchObject({ primaryKey: true, autoIncrement: true, notNull: true });
    expect(user?.indexes).toEqual([{ name: 'user_email_unique', columns: ['email'] }]);
  });

  it('gives a many-to-many link one join table, with a unique pair, and a to-one link the key type of its target', () => {
    const { tables } = tablesOf(
      models({
        User: { attributes: { tags: { collection: 'tag', via: 'users' } } },
        Tag: { primaryKey: 'label', attributes: { label: { type: 'string', required: true }, users: { collection: 'user', via: 'tags' }, owner: { model: 'user' } } },
      }),
    );
    expect(tables.map((t) => t.name)).toEqual(['user', 'tag', 'tag_users__user_tags']);
    const junction = tables[2]!;
    expect(junction.columns.map((c) => [c.name, c.kind, Boolean(c.notNull)])).toEqual([
      ['id', 'integer', true],
      ['tag_users', 'key', true],
      ['user_tags', 'integer', true],
    ]);
    expect(junction.indexes).toEqual([{ name: 'tag_users__user_tags_pair', columns: ['tag_users', 'user_tags'] }]);
    expect(tables[1]!.columns.find((c) => c.name === 'owner')?.kind).toBe('integer');
    expect(tables[1]!.columns.find((c) => c.name === 'label')).toMatchObject({ kind: 'key', primaryKey: true });
    // Links: a to-one is set to NULL with its record, a join row goes with either side.
    expect(tables[1]!.links).toEqual([{ column: 'owner', index: 'tag_owner_idx', foreignKey: 'tag_owner_fk', references: { table: 'user', column: 'id' }, onDelete: 'set null' }]);
    expect(junction.links.map((l) => [l.column, l.references.table, l.references.column, l.onDelete])).toEqual([
      ['tag_users', 'tag', 'label', 'cascade'],
      ['user_tags', 'user', 'id', 'cascade'],
    ]);
  });

  it('makes an encrypted attribute one kind whatever its type (ciphertext, or a base value in clear), indexed text when unique', () => {
    const [secret] = tablesOf(models({ Secret: { attributes: { pin: { type: 'number', encrypt: true }, code: { type: 'string', encrypt: true, unique: true }, on: { type: 'boolean', encrypt: true } } } })).tables;
    expect(secret?.columns.slice(3).map((c) => [c.name, c.kind])).toEqual([
      ['pin', 'encrypted'],
      ['code', 'key'],
      ['on', 'encrypted'],
    ]);
  });

  it('cuts a long index or foreign key name to what PostgreSQL and MySQL take, keeping it unique', () => {
    const long = 'a'.repeat(50);
    const { tables } = tablesOf(models({ User: { attributes: {} }, Pet: { tableName: long, attributes: { [`${long}Owner`]: { model: 'user' } } } }));
    const link = tables[1]!.links[0]!;
    expect(link.index.length).toBeLessThanOrEqual(60);
    expect(link.foreignKey.length).toBeLessThanOrEqual(60);
    expect(link.index).not.toBe(link.foreignKey);
  });
});

describe('diffSchemas', () => {
  it('creates every table from nothing, and has nothing to do once the snapshot matches', () => {
    const first = diff({ tables: [] }, { User: USER });
    expect(first.lines).toEqual(['+ table user', '+ unique index user_email_unique on user(email)']);
    expect(first.questions).toEqual([]);
    const again = diff(first.next, { User: USER });
    expect(again.changes).toEqual([]);
    expect(schemaDifferences(first.next, tablesOf(models({ User: USER })))).toEqual([]);
  });

  it('adds a column with the value a new record gets for existing rows, and asks about a required one without default', () => {
    const before = snapshot({ User: USER });
    const added = diff(before, { User: { attributes: { ...USER.attributes, active: { type: 'boolean', defaultsTo: true }, nick: { type: 'string', required: true } } } });
    expect(added.lines).toEqual(['+ column user.active', '+ column user.nick']);
    expect(added.changes[0]).toMatchObject({ op: 'addColumn', fill: true });
    expect(added.asked).toEqual(['fill user.nick']);
    // Unanswered, the safe answer: the empty value of the type.
    expect(added.changes[1]).toMatchObject({ op: 'addColumn', fill: '' });
    const filled = diff(before, { User: { attributes: { ...USER.attributes, nick: { type: 'string', required: true } } } }, { fills: new Map([['user.nick', 'anonymous']]) });
    expect(filled.questions).toEqual([]);
    expect(filled.changes[0]).toMatchObject({ op: 'addColumn', fill: 'anonymous' });
  });

  it('never drops unasked: a removed attribute is a question, kept (retained) until answered', () => {
    const before = snapshot({ User: USER });
    const { age: _age, ...rest } = USER.attributes;
    const kept = diff(before, { User: { attributes: rest } });
    expect(kept.asked).toEqual(['dropColumn user.age']);
    expect(kept.lines).toEqual(['= column user.age (no attribute uses it; kept)']);
    expect(kept.next.tables[0]?.columns.find((c) => c.name === 'age')).toMatchObject({ retained: true });
    // Kept once, it is not asked again, and lift sees no difference.
    expect(diff(kept.next, { User: { attributes: rest } }).changes).toEqual([]);
    expect(schemaDifferences(kept.next, tablesOf(models({ User: { attributes: rest } })))).toEqual([]);
    const dropped = diff(before, { User: { attributes: rest } }, { drops: new Set(['user.age']) });
    expect(dropped.lines).toEqual(['- column user.age (dropped, with its values)']);
    expect(dropped.questions).toEqual([]);
  });

  it('asks whether a column that went and one that came of the same kind are a rename, and renames when told', () => {
    const before = snapshot({ User: USER });
    const { name: _name, ...rest } = USER.attributes;
    const renamedModels = { User: { attributes: { ...rest, fullName: { type: 'string', required: true } } } };
    const asked = diff(before, renamedModels);
    expect(asked.asked).toEqual(['renameColumn user.name>user.fullName', 'fill user.fullName', 'dropColumn user.name']);
    const renamed = diff(before, renamedModels, { renames: new Map([['user.name', 'user.fullName']]) });
    expect(renamed.lines).toEqual(['> column user.name renamed to fullName']);
    expect(renamed.questions).toEqual([]);
    expect(renamed.next).toEqual(snapshot(renamedModels));
  });

  it('asks about a table no model uses, and a table rename', () => {
    const before = snapshot({ User: USER, Pet: { attributes: { name: { type: 'string' } } } });
    const asked = diff(before, { User: USER, Animal: { attributes: { name: { type: 'string' } } } });
    expect(asked.asked).toEqual(['renameTable pet>animal', 'dropTable pet']);
    const renamed = diff(before, { User: USER, Animal: { attributes: { name: { type: 'string' } } } }, { renames: new Map([['pet', 'animal']]) });
    expect(renamed.lines).toEqual(['> table pet renamed to animal']);
    expect(renamed.questions).toEqual([]);
  });

  it('blocks a type change until it is decided, and replaces the column (and its index) when it is', () => {
    const before = snapshot({ User: USER });
    const changed = { User: { attributes: { ...USER.attributes, age: { type: 'string' } } } };
    const blocked = diff(before, changed);
    expect(blocked.asked).toEqual(['changeType user.age']);
    expect(blocked.changes).toEqual([]);
    const decided = diff(before, changed, { typeChanges: new Set(['user.age']) });
    expect(decided.lines).toEqual(['~ column user.age (number -> string)']);
    const unique = diff(before, { User: { attributes: { ...USER.attributes, email: { type: 'number', unique: true } } } }, { typeChanges: new Set(['user.email']) });
    expect(unique.lines).toEqual(['- unique index user_email_unique', '~ column user.email (key -> number)', '+ unique index user_email_unique on user(email)']);
  });

  it('turns text into indexed text with no question (it differs on MySQL only)', () => {
    const before = snapshot({ User: USER });
    const result = diff(before, { User: { attributes: { ...USER.attributes, name: { type: 'string', unique: true } } } });
    expect(result.lines).toEqual(['~ column user.name (string -> key)', '+ unique index user_name_unique on user(name)']);
    expect(result.questions).toEqual([]);
  });

  it('adds a link after the tables it joins, drops one before the column it is on, and reads an old snapshot as one without links', () => {
    const PET = { attributes: { name: { type: 'string' } } };
    const before = snapshot({ User: USER, Pet: PET });
    const added = diff(before, { User: USER, Pet: { attributes: { ...PET.attributes, owner: { model: 'user' } } } });
    expect(added.lines).toEqual(['+ column pet.owner', '+ link pet.owner -> user.id (index and foreign key)']);
    const dropped = diff(snapshotOf(added.next), { User: USER, Pet: PET }, { drops: new Set(['pet.owner']) });
    expect(dropped.lines).toEqual(['- link pet.owner (index and foreign key)', '- column pet.owner (dropped, with its values)']);
    const linked = { User: USER, Pet: { attributes: { owner: { model: 'user' } } } };
    const old = { tables: snapshot(linked).tables.map((table) => ({ ...table, links: [] })) };
    expect(schemaDifferences(old, tablesOf(models(linked)))).toEqual(['+ link pet.owner']);
  });

  it('drops the link a kept table has to a table dropped now, before the drop', () => {
    const before = snapshot({ User: USER, Pet: { attributes: { owner: { model: 'user' } } }, Note: { attributes: { text: { type: 'string' } } } });
    const result = diff(before, { Note: { attributes: { text: { type: 'string' } } } }, { drops: new Set(['user']), keeps: new Set(['pet']) });
    expect(result.lines).toEqual(['- link pet.owner (index and foreign key)', '- table user (dropped, with its rows)', '= table pet (no model uses it; kept)']);
    expect(result.next.tables.find((t) => t.name === 'pet')).toMatchObject({ retained: true, links: [] });
  });

  it('refuses to change a primary key', () => {
    const before = snapshot({ User: USER });
    const result = diff(before, { User: { primaryKey: 'email', attributes: { ...USER.attributes, email: { type: 'string', required: true } } } });
    expect(result.unsupported[0]).toMatch(/^The primary key of table "user"/);
  });
});

describe('migrationSource', () => {
  it('writes up and down with the frozen type map, down undoing up in reverse', () => {
    const result = diff({ tables: [] }, { User: USER });
    const source = migrationSource({ changes: result.changes, version: '0.1.0' }, 'x.json');
    expect(source).toContain("import { dialectOf, tableOptions, sql, type Kysely, type MigrationDialect } from 'sails-rt/migrations';");
    // MySQL's charset and binary collation, found on the server when the migration runs.
    expect(source).toContain('  const options = await tableOptions(db);\n');
    expect(source).toContain('  .modifyEnd(options)\n');
    expect(source).toContain(".addColumn('id', type(dialect, 'integer'), (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))");
    const down = source.slice(source.indexOf('export async function down'));
    expect(down.indexOf("dropIndex('user_email_unique')")).toBeLessThan(down.indexOf("dropTable('user')"));
  });
});

describe('names and URLs', () => {
  it('turns a migration name into a file name, and refuses one with nothing left', () => {
    expect(migrationName('Add age')).toBe('add_age');
    expect(migrationName('addAge')).toBe('add_age');
    expect(() => migrationName('!!!')).toThrow('"!!!" cannot name a migration; use a few words of letters and digits, e.g. add_age or init.');
  });

  it('never shows a password in a database label', () => {
    expect(withoutPassword('postgres://app:s3cret@db.example.com:5432/shop')).toBe('postgres://app@db.example.com:5432/shop');
    expect(withoutPassword('mysql://root@127.0.0.1:3306/test')).toBe('mysql://root@127.0.0.1:3306/test');
    expect(withoutPassword('postgres://app:p%40ss@db/shop?sslmode=require')).toBe('postgres://app@db/shop?sslmode=require');
  });
});
