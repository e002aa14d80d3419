/**
 * Why `lift --instances` refuses SQLite even as a shared file (`exclusive: false`, WAL): two
 * connections to one file, as two processes would hold, each write alone, but a transaction that
 * reads and then writes (a blueprint update or destroy does) fails at once with SQLITE_BUSY, so a
 * 503, when the other connection committed in between. docs/deploy.md, On one machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { normalizeModel } from '../../src/schema/index.js';
import { openSqliteStore } from '../../src/runtime/store/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'sailsrt-shared-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const counter = normalizeModel('Counter', { attributes: { n: { type: 'number' } } });

it('two connections to one SQLite file both write, but their overlapping read-then-write transactions fail', async () => {
  const filename = join(dir, 'db.sqlite');
  const first = openSqliteStore({ filename, models: [counter], exclusive: false });
  const second = openSqliteStore({ filename, models: [counter], exclusive: false });
  try {
    // Writes on their own: each waits for the other's lock (better-sqlite3's 5 s busy timeout).
    const a = await first.create(counter, { n: 0 });
    const b = await second.create(counter, { n: 0 });
    expect(await second.findOne(counter, a.id as number)).toMatchObject({ n: 0 });
    expect(await first.findOne(counter, b.id as number)).toMatchObject({ n: 0 });

    // The same record, incremented by both at once, each read-then-write in a transaction.
    const increment = (store: typeof first) =>
      store.transaction(async (tx) => {
        const current = (await tx.findOne(counter, a.id as number))!;
        await new Promise((resolve) => setImmediate(resolve));
        await tx.update(counter, a.id as number, { n: (current['n'] as number) + 1 });
      });
    const outcomes = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => increment(i % 2 === 0 ? first : second)));
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(failed.length).toBeGreaterThan(0);
    for (const outcome of failed) expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'E_DATASTORE_UNAVAILABLE' });
  } finally {
    await first.close();
    await second.close();
  }
});
