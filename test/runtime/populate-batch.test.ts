/**
 * Populate reads each link for a whole page at once (store.findLinked), so a page costs the same
 * number of statements whatever its number of records, and per-parent criteria (where, sort,
 * skip, limit) still apply to each parent's list on its own. On test/runtime/links-app:
 * user{name, age, pets:[pet via owner], tags:[tag via users]}, pet{name, owner}, tag{label, users}.
 */
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ModelApi } from '../../src/runtime/index.js';
import { liftFixture, type Lifted, TEST_STORE } from './helpers.js';

const LINKS_APP = fileURLToPath(new URL('./links-app', import.meta.url));

type Rec = Record<string, unknown> & { id: number };

let lifted: Lifted | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await lifted?.close();
  lifted = undefined;
});

function api(identity: string): ModelApi {
  const model = lifted?.app.models[identity];
  if (!model) throw new Error(`no model ${identity}`);
  return model;
}

/**
 * Counts the statements better-sqlite3 runs while `run` does, by spying on its Statement
 * prototype: the store prepares each statement once, so counting prepare would miss re-runs.
 */
async function statementsDuring(run: () => PromiseLike<unknown>): Promise<number> {
  const db = new Database(':memory:');
  const proto = Object.getPrototypeOf(db.prepare('select 1')) as object;
  db.close();
  const spies = (['all', 'get', 'iterate', 'run'] as const).map((name) => vi.spyOn(proto as Record<typeof name, () => unknown>, name));
  try {
    await run();
    return spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** Users with 0, 1, 3, 5, 8 and 35 pets (names repeat, so sorts have ties) and different tag sets. */
async function seed(config: Record<string, unknown> = {}): Promise<{ users: Rec[]; pets: Rec[]; tags: Rec[] }> {
  lifted = await liftFixture(config, { appPath: LINKS_APP });
  const tags: Rec[] = [];
  for (const label of ['t0', 't1', 't2', 't3', 't4']) tags.push((await api('tag').create({ label }).fetch()) as Rec);
  const tagIds = tags.map((t) => t.id);
  const tagSets = [[], [tagIds[0]], [tagIds[4], tagIds[1], tagIds[2]], tagIds, [tagIds[3], tagIds[2]], [tagIds[1], tagIds[3], tagIds[0], tagIds[4]]];
  const users: Rec[] = [];
  const pets: Rec[] = [];
  for (const [i, count] of [0, 1, 3, 5, 8, 35].entries()) {
    const user = (await api('user').create({ name: `u${i}`, age: i, tags: tagSets[i] }).fetch()) as Rec;
    users.push(user);
    for (let j = 0; j < count; j++) pets.push((await api('pet').create({ name: `p${(j * 7 + i) % 4}`, owner: user.id }).fetch()) as Rec);
  }
  return { users, pets, tags };
}

function byNameThenId(direction: 1 | -1): (a: Rec, b: Rec) => number {
  return (a, b) => (a['name'] === b['name'] ? a.id - b.id : String(a['name']) < String(b['name']) ? -direction : direction);
}

describe('populate reads each link for the whole page', () => {
  // Counts better-sqlite3's statements; on a server store the same builder makes the same statements.
  it.skipIf(TEST_STORE !== 'sqlite')('a blueprint find runs as many statements for a page of 40 records as for a page of 2', async () => {
    lifted = await liftFixture({}, { appPath: LINKS_APP });
    const tag = (await api('tag').create({ label: 'red' }).fetch()) as Rec;
    for (let i = 0; i < 40; i++) {
      const user = (await api('user').create({ name: `u${i}`, tags: [tag.id] }).fetch()) as Rec;
      await api('pet').create({ name: `a${i}`, owner: user.id });
      await api('pet').create({ name: `b${i}`, owner: user.id });
    }
    const url = lifted.app.url;
    let small: Rec[] = [];
    let large: Rec[] = [];
    const few = await statementsDuring(async () => (small = (await (await fetch(`${url}/user?limit=2`)).json()) as Rec[]));
    const many = await statementsDuring(async () => (large = (await (await fetch(`${url}/user?limit=40`)).json()) as Rec[]));
    expect(small).toHaveLength(2);
    expect(large).toHaveLength(40);
    expect(large.every((user) => (user['pets'] as Rec[]).length === 2 && (user['tags'] as Rec[]).length === 1)).toBe(true);
    expect(few).toBeGreaterThan(0);
    expect(many).toBe(few);

    // The pets' to-one link too: one read of the distinct owners, not one per pet.
    const fewPets = await statementsDuring(() => fetch(`${url}/pet?limit=2`).then((r) => r.json()));
    const manyPets = await statementsDuring(() => fetch(`${url}/pet?limit=80`).then((r) => r.json()));
    expect(manyPets).toBe(fewPets);

    // And the model API, with criteria on the populated list.
    const modelFew = await statementsDuring(() => api('user').find({ limit: 2 }).populate('pets', { sort: 'name DESC', limit: 1 }).populate('tags'));
    const modelMany = await statementsDuring(() => api('user').find().populate('pets', { sort: 'name DESC', limit: 1 }).populate('tags'));
    expect(modelMany).toBe(modelFew);
  });

  it('per-parent where, sort, skip and limit give each parent the list it would get alone', async () => {
    const { users, pets, tags } = await seed();
    const petsOf = (user: Rec): Rec[] => pets.filter((pet) => pet['owner'] === user.id);

    const found = (await api('user').find({ sort: 'id ASC' }).populate('pets', { where: { name: { '!=': 'p1' } }, sort: 'name DESC', skip: 1, limit: 3 })) as Rec[];
    const expected = users.map((user) => petsOf(user).filter((pet) => pet['name'] !== 'p1').sort(byNameThenId(-1)).slice(1, 4).map((pet) => pet.id));
    expect(found.map((user) => (user['pets'] as Rec[]).map((pet) => pet.id))).toStrictEqual(expected);
    // Some lists are cut by the limit, some by the skip, some are empty: the case is not trivial.
    expect(expected.map((list) => list.length)).toStrictEqual([0, 0, 1, 3, 3, 3]);

    // Many-to-many: the same, through the join table (the users hold [], [t0], [t4, t1, t2], all five, [t3, t2], [t1, t3, t0, t4]).
    const withTags = (await api('user').find({ sort: 'id ASC' }).populate('tags', { where: { label: { '!=': 't2' } }, sort: 'label DESC', skip: 1, limit: 2 })) as Rec[];
    expect(withTags.map((user) => (user['tags'] as Rec[]).map((tag) => tag['label']))).toStrictEqual([[], [], ['t1'], ['t3', 't1'], [], ['t3', 't1']]);
    expect(tags).toHaveLength(5);

    // The blueprints: each list oldest first, capped at 30 per record, as before.
    const page = (await (await fetch(`${lifted?.app.url}/user?sort=id%20ASC`)).json()) as Rec[];
    expect(page.map((user) => (user['pets'] as Rec[]).map((pet) => pet.id))).toStrictEqual(users.map((user) => petsOf(user).map((pet) => pet.id).slice(0, 30)));
    expect(Object.keys(page[0] ?? {}).slice(0, 2)).toStrictEqual(['pets', 'tags']);
  });

  it('a page past the byte budget names the same number of records that fit', async () => {
    // The model API has no budget, so the seed is written whole; the blueprints read under 2 KiB.
    await seed({ blueprints: { maxPageBytes: 2048 } });
    const url = lifted?.app.url ?? '';
    const jwr = await fetch(`${url}/user?sort=id%20ASC&limit=6`);
    expect(jwr.status).toBe(400);
    const message = ((await jwr.json()) as { message: string }).message;
    // Each user row is 42 bytes by the store's estimate, a pet 42, a tag 34: the page (252) and
    // the first five users' pets and tags (1,088) fit in 2,048; the sixth user's 30 pets (1,260) do not.
    expect(message).toBe('The page of 6 user records would exceed 2,048 bytes (blueprints.maxPageBytes); 5 fit: send limit=5 or less and page with skip.');
    expect((await fetch(`${url}/user?sort=id%20ASC&limit=5`)).status).toBe(200);
  });
});
