/**
 * Part of `npm run bench`: what populating links costs a large page. The links test app (users
 * with pets and tags) gets 10,000 users with 2 pets and 2 tags each, written straight into its
 * SQLite file; then `GET /user?limit=10000` is timed with every link populated, next to the same
 * page with `populate=false` (the peer: the same rows without their links), in one process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const USERS = 10_000;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);

export async function measurePopulate(root: string): Promise<void> {
  const { lift } = (await import(join(root, 'dist', 'runtime', 'index.js'))) as typeof import('../src/runtime/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'sails-rt-bench-populate-'));
  const filename = join(dir, 'db.sqlite');
  const options = { appPath: join(root, 'test', 'runtime', 'links-app'), port: 0, environment: 'development', log: () => {}, config: { log: { level: 'warn' }, datastores: { default: { filename } } } };
  try {
    // One lift creates the tables; the rows go in directly, which takes a second instead of a minute of requests.
    await (await lift(options)).lower();
    seed(filename);
    const app = await lift(options);
    try {
      const populated = await time(`${app.url}/user?limit=${USERS}`);
      const bare = await time(`${app.url}/user?limit=${USERS}&populate=false`);
      console.log(
        `populate: GET /user?limit=${USERS} (2 pets, 2 tags each) median ${populated.median} ms (min ${populated.min}, max ${populated.max}, ${(populated.bytes / 1e6).toFixed(1)} MB) ` +
          `vs ${bare.median} ms with populate=false (${(bare.bytes / 1e6).toFixed(1)} MB): ratio ${(populated.median / bare.median).toFixed(1)}, ${RUNS} runs each`,
      );
    } finally {
      await app.lower();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function seed(filename: string): void {
  const db = new Database(filename);
  try {
    const tables = (db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((row) => row.name);
    const junction = tables.find((name) => name.includes('__'));
    if (junction === undefined) throw new Error('The links app has no join table; bench/populate.ts expects user.tags and tag.users.');
    const columns = (db.prepare(`pragma table_info("${junction}")`).all() as { name: string }[]).map((column) => column.name);
    const userColumn = columns.find((name) => name.startsWith('user_'));
    const tagColumn = columns.find((name) => name.startsWith('tag_'));
    const now = Date.now();
    const user = db.prepare('insert into user (createdAt, updatedAt, name, age) values (?, ?, ?, ?)');
    const pet = db.prepare('insert into pet (createdAt, updatedAt, name, owner) values (?, ?, ?, ?)');
    const tag = db.prepare('insert into tag (createdAt, updatedAt, label) values (?, ?, ?)');
    const link = db.prepare(`insert into "${junction}" ("${userColumn}", "${tagColumn}") values (?, ?)`);
    db.transaction(() => {
      for (let i = 1; i <= 20; i++) tag.run(now, now, `tag${i}`);
      for (let i = 1; i <= USERS; i++) {
        user.run(now, now, `user${i}`, i % 90);
        pet.run(now, now, `pet${i}a`, i);
        pet.run(now, now, `pet${i}b`, i);
        link.run(i, (i % 20) + 1);
        link.run(i, ((i + 7) % 20) + 1);
      }
    })();
  } finally {
    db.close();
  }
}

async function time(url: string): Promise<{ median: number; min: number; max: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const response = await fetch(url);
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 200)}`);
    times.push(performance.now() - started);
    bytes = text.length;
  }
  times.sort((a, b) => a - b);
  const round = (ms: number | undefined): number => Math.round(ms ?? 0);
  return { median: round(times[times.length >> 1]), min: round(times[0]), max: round(times.at(-1)), bytes };
}
