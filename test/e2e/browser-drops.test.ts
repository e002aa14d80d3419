/**
 * The live page `sails-rt new` writes, with sails-rt's browser client, in Chromium, against the
 * links app (users with tags), while another client writes over HTTP: its connection dropped by
 * closing the transport under it and by taking the browser offline, the app restarted, and, on
 * two instances sharing Redis, the instance it is connected to restarted while the other writes.
 * After each, the page's table equals the server's records and a listener of `user` events in the
 * page heard every message the server sent, once and in order, or, where the server could not
 * recover the page, the page says it resynced.
 *
 * A restart by lower() is not recovered and the page does not come back by itself: lower() sends
 * each socket a DISCONNECT packet (src/runtime/lift/index.ts), see the restart tests.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverDatabase, serverProblem } from '../store/databases.js';
import { deleteKeys, redisProblem, TEST_REDIS_URL, uniquePrefix } from '../support/redis.js';
import { liftFixture, sleep, type Lifted } from '../runtime/helpers.js';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const BUNDLE = join(root, 'dist', 'browser', 'sails.io.js');
const LINKS_APP = join(root, 'test', 'runtime', 'links-app');
/** Debian's chromium, as .ci/run installs it; a machine without it skips these tests outside CI. */
const CHROMIUM = '/usr/bin/chromium';
const browserless = !existsSync(CHROMIUM) && !process.env['CI'];

/** A `user` message as the page's own listener wrote it down: verb and record id. */
type Heard = [verb: string, id: number];

/** The live page of a new app, with one more listener that writes down every `user` message. */
function livePage(): string {
  const template = readFileSync(join(root, 'templates', 'app', 'assets', 'index.html.hbs'), 'utf8');
  const html = Handlebars.compile(template, { strict: true, noEscape: true })({ name: 'links', example: false });
  const listener = `<script>
    window.heard = [];
    io.socket.on('user', function (message) { window.heard.push([message.verb, message.id]); });
  </script>`;
  return html.replace('</body>', `${listener}\n</body>`);
}

/** One client writing over HTTP to `url()` (which may change instance), and the messages its writes must cause. */
class Writer {
  readonly expected: Heard[] = [];
  /** How many writes were made while the page's socket was away from every instance. */
  whileAway = 0;
  private readonly live: number[] = [];
  private readonly tags = new Map<number, Set<number>>();
  private count = 0;

  constructor(
    private readonly url: () => string,
    private readonly tagIds: readonly number[],
    private readonly away: () => boolean,
  ) {}

  get writes(): number {
    return this.count;
  }

  /** `n` writes, `pause` ms apart: creates, updates, destroys and tag links, about 15 users alive. */
  async run(n: number, pause = 0): Promise<void> {
    for (let i = 0; i < n; i++) {
      const awayBefore = this.away();
      await this.one();
      if (awayBefore && this.away()) this.whileAway++;
      if (pause > 0) await sleep(pause);
    }
  }

  private async one(): Promise<void> {
    const step = this.count++;
    const pick = this.live[step % Math.max(this.live.length, 1)];
    const kind = this.live.length < 3 || pick === undefined ? 'create' : (['create', 'update', 'link', 'update', 'destroy', this.live.length < 15 ? 'create' : 'destroy'] as const)[step % 6];
    if (kind === 'create' || pick === undefined) {
      const user = (await this.send('POST', '/user', { name: `user ${step}`, age: step })) as { id: number };
      this.live.push(user.id);
      this.tags.set(user.id, new Set());
      this.expected.push(['created', user.id]);
    } else if (kind === 'update') {
      await this.send('PATCH', `/user/${pick}`, { age: step, name: `renamed ${step}` });
      this.expected.push(['updated', pick]);
    } else if (kind === 'destroy') {
      const oldest = this.live.shift() as number;
      await this.send('DELETE', `/user/${oldest}`);
      this.tags.delete(oldest);
      this.expected.push(['destroyed', oldest]);
    } else {
      const linked = this.tags.get(pick) ?? new Set<number>();
      const tag = this.tagIds[step % this.tagIds.length] as number;
      if (linked.has(tag)) {
        await this.send('DELETE', `/user/${pick}/tags/${tag}`);
        linked.delete(tag);
        this.expected.push(['removedFrom', pick]);
      } else {
        await this.send('PUT', `/user/${pick}/tags/${tag}`);
        linked.add(tag);
        this.expected.push(['addedTo', pick]);
      }
    }
  }

  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(this.url() + path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  }
}

/** name, age and tag ids of each user, by id, as a list the page and the server are compared by. */
type Row = { id: number; name: string; age: string; tags: number[] };

async function serverRows(url: string): Promise<Row[]> {
  const users = (await (await fetch(`${url}/user?limit=100`)).json()) as { id: number; name: string; age: number | null; tags: { id: number }[] }[];
  return users
    .map((user) => ({ id: user.id, name: user.name, age: user.age === null ? '—' : String(user.age), tags: user.tags.map((tag) => tag.id).sort((a, b) => a - b) }))
    .sort((a, b) => a.id - b.id);
}

/** The same, read from the page's table. */
async function pageRows(page: Page): Promise<Row[]> {
  const headers = await page.locator('#records thead th').allTextContents();
  const rows = await page.locator('#records tbody tr[data-id]').evaluateAll((rows) =>
    rows.map((row) => {
      const { dataset, children } = row as unknown as { dataset: { id: string }; children: ArrayLike<{ textContent: string | null }> };
      return { id: Number(dataset.id), cells: Array.from(children, (cell) => cell.textContent ?? '') };
    }),
  );
  const column = (cells: string[], name: string) => cells[headers.indexOf(name)] ?? '';
  return rows
    .map(({ id, cells }) => ({
      id,
      name: column(cells, 'name'),
      age: column(cells, 'age'),
      tags: [...column(cells, 'tags').matchAll(/#(\d+)/g)].map((match) => Number(match[1])).sort((a, b) => a - b),
    }))
    .sort((a, b) => a.id - b.id);
}

const heard = (page: Page) => page.evaluate(() => (globalThis as unknown as { heard: Heard[] }).heard.slice());

/** Waits until the page's status says `state` (connected, disconnected, recovered, resynced). */
async function state(page: Page, value: string, timeout = 10_000): Promise<void> {
  await page.locator(`#status[data-state="${value}"]`).waitFor({ timeout });
}

/** The client's back-off, fixed: it tries to reconnect `ms` after a drop, then every `ms`. */
async function reconnectAfter(page: Page, ms: number): Promise<void> {
  await page.evaluate((ms) => {
    const manager = io.socket._raw.io;
    manager.reconnectionDelay(ms);
    manager.reconnectionDelayMax(ms);
    manager.randomizationFactor(0);
  }, ms);
}

async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Opens the live page from `url`'s origin, watching users, once it has heard of a first user. */
async function openLivePage(context: BrowserContext, url: string, writer: Writer): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.route(`${url}/js/dependencies/sails.io.js`, (route) => route.fulfill({ contentType: 'application/javascript', body: readFileSync(BUNDLE, 'utf8') }));
  // A document the app answered, its content then replaced: Chromium lets a page reach 127.0.0.1 only from there.
  await page.goto(`${url}/tag`);
  await page.setContent(livePage());
  await state(page, 'connected');
  // Why each disconnect happened, as socket.io-client tells it.
  await page.evaluate(() => {
    (globalThis as unknown as { reasons: string[] }).reasons = [];
    io.socket._raw.on('disconnect', (reason: string) => (globalThis as unknown as { reasons: string[] }).reasons.push(reason));
  });
  await page.locator('#model option[value="user"]').waitFor({ state: 'attached', timeout: 5_000 });
  await page.selectOption('#model', 'user');
  // Subscribed once the first create shows: from then on the page hears every write.
  await writer.run(1);
  const [, first] = writer.expected[0] as Heard;
  await page.locator(`#records tr[data-id="${first}"]`).waitFor({ timeout: 5_000 });
  return { page, errors };
}

async function createTags(url: string): Promise<number[]> {
  const ids: number[] = [];
  for (const label of ['red', 'green', 'blue']) {
    const response = await fetch(`${url}/tag`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label }) });
    ids.push(((await response.json()) as { id: number }).id);
  }
  return ids;
}

/** Every message heard once, in order, and the page's table equal to the server's records. */
async function expectInStep(page: Page, writer: Writer, url: string): Promise<void> {
  await expect.poll(() => heard(page).then((list) => list.length), { timeout: 10_000 }).toBeGreaterThanOrEqual(writer.expected.length);
  // Anything heard twice would come after the last expected one.
  await sleep(300);
  expect(await heard(page)).toEqual(writer.expected);
  await expect.poll(() => pageRows(page), { timeout: 5_000 }).toEqual(await serverRows(url));
}

describe.skipIf(browserless)('the live page in Chromium across drops, one instance', () => {
  let browser: Browser;
  let context: BrowserContext;
  let lifted: Lifted;
  let dir = '';
  let port = 0;
  let page: Page;
  let errors: string[] = [];
  let writer: Writer;

  /** The app on `port` (0 for any), on the SQLite file that outlives a restart. */
  const liftApp = () => liftFixture({ datastores: { default: { adapter: 'sqlite', filename: join(dir, 'db.sqlite') } } }, { appPath: LINKS_APP, port });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sails-rt-drops-'));
    lifted = await liftApp();
    port = lifted.app.port;
    browser = await launch();
    context = await browser.newContext();
    const tags = await createTags(lifted.app.url);
    writer = new Writer(() => lifted.app.url, tags, () => lifted.app.io.of('/').sockets.size === 0);
    ({ page, errors } = await openLivePage(context, lifted.app.url, writer));
  });

  afterAll(async () => {
    await browser?.close();
    await lifted?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('three drops (the transport closed under it twice, the browser offline once) during 300 writes: recovered each time, every message once and in order', async () => {
    const gone = () => expect.poll(() => lifted.app.io.of('/').sockets.size, { timeout: 5_000 }).toBe(0);
    const back = async () => {
      await state(page, 'recovered');
      expect(await page.evaluate(() => io.socket._raw.recovered)).toBe(true);
    };
    await writer.run(39);

    // 1: the transport closed under the page, which comes back 3 s later.
    await reconnectAfter(page, 3_000);
    await page.evaluate(() => io.socket._raw.io.engine.close());
    await state(page, 'disconnected');
    await gone();
    await writer.run(60, 10);
    await back();
    await writer.run(40);

    // 2: the browser offline for 3 s. engine.io-client closes its transport on the window's
    // 'offline' event, so the page knows at once; it tries again every 500 ms until online.
    await reconnectAfter(page, 500);
    await context.setOffline(true);
    const offlineAt = Date.now();
    await state(page, 'disconnected', 2_000);
    await gone();
    await writer.run(60, 10);
    await sleep(Math.max(0, 3_000 - (Date.now() - offlineAt)));
    // Offline, its attempts to reconnect failed: it is still away.
    expect([lifted.app.io.of('/').sockets.size, await page.evaluate(() => io.socket.isConnected())]).toEqual([0, false]);
    await context.setOffline(false);
    await back();
    await writer.run(40);

    // 3: the transport closed again, for 1.5 s.
    await reconnectAfter(page, 1_500);
    await page.evaluate(() => io.socket._raw.io.engine.close());
    await state(page, 'disconnected');
    await gone();
    await writer.run(60, 5);
    await back();

    expect(writer.writes).toBe(300);
    await expectInStep(page, writer, lifted.app.url);
    console.log(`one instance: ${writer.writes} writes, ${writer.whileAway} while the page was away, ${writer.expected.length} user messages heard once each, in order`);
    expect(writer.whileAway).toBeGreaterThanOrEqual(150);
    expect(errors).toEqual([]);
  });

  it('a restart of the app: the page comes back by itself and resyncs (the app kept nothing for it in memory), ending equal to the server', async () => {
    // Long enough for the app to be back and take the writes below before the page tries again.
    await reconnectAfter(page, 3_000);
    const heardBefore = (await heard(page)).length;
    const expectedBefore = writer.expected.length;
    await lifted.close();
    await state(page, 'disconnected');
    // lower() closed the connection, not sent the socket away: the page tries again by itself.
    expect(await page.evaluate(() => (globalThis as unknown as { reasons: string[] }).reasons.at(-1))).toBe('transport close');
    lifted = await liftApp();
    expect(lifted.app.port).toBe(port);
    // Written while the page is away: the restarted app kept nothing for it, only a resync reads their result.
    await writer.run(20);
    await state(page, 'resynced');
    expect(await page.evaluate(() => io.socket._raw.recovered)).toBe(false);
    await expect.poll(() => pageRows(page), { timeout: 5_000 }).toEqual(await serverRows(lifted.app.url));
    expect((await heard(page)).length).toBe(heardBefore);
    // Subscribed again by the resync: the next writes are heard live.
    const afterResync = writer.expected.length;
    await writer.run(10);
    await expect.poll(() => heard(page).then((list) => list.slice(heardBefore)), { timeout: 5_000 }).toEqual(writer.expected.slice(afterResync));
    await expect.poll(() => pageRows(page), { timeout: 5_000 }).toEqual(await serverRows(lifted.app.url));
    console.log(`restart: ${afterResync - expectedBefore} writes while the app restarted, not replayed (resynced, by itself); ${writer.expected.length - afterResync} heard live after`);
    expect(errors).toEqual([]);
  });
});

/** The recovery sessions kept in Redis under `prefix` (redis-adapter.ts names them `<prefix>:session:<pid>`). */
async function sessionKeys(prefix: string): Promise<string[]> {
  const client = createClient({ url: TEST_REDIS_URL, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.keys(`${prefix}:session:*`);
  } finally {
    if (client.isOpen) client.destroy();
  }
}

const redisMissing = await redisProblem();
const postgresMissing = await serverProblem('postgres');
if (postgresMissing !== undefined && process.env['CI'] === 'true') throw new Error(postgresMissing);
const missing = redisMissing ?? postgresMissing;
if (missing !== undefined) console.warn(`skipping the live page across an instance restart on Redis: ${missing}`);

describe.skipIf(browserless || missing !== undefined)('the live page in Chromium, two instances on Redis', () => {
  it('connected to A while B takes writes: recovered through Redis after a drop, and across a graceful restart of A', async () => {
    const prefix = uniquePrefix();
    const database = await serverDatabase('postgres');
    const config = { sockets: { adapter: 'redis', url: TEST_REDIS_URL, keyPrefix: prefix }, datastores: { default: database.datastore } };
    const instances: Lifted[] = [];
    const browser = await launch();
    try {
      let a = await liftFixture(config, { appPath: LINKS_APP });
      instances.push(a);
      const b = await liftFixture(config, { appPath: LINKS_APP });
      instances.push(b);
      const tags = await createTags(b.app.url);
      let aDown = false;
      const writer = new Writer(() => b.app.url, tags, () => aDown || a.app.io.of('/').sockets.size === 0);
      const { page, errors } = await openLivePage(await browser.newContext(), a.app.url, writer);
      const gone = () => expect.poll(() => a.app.io.of('/').sockets.size, { timeout: 5_000 }).toBe(0);
      /** A's restart on its port, B writing `n` more while A is down. */
      const restartA = async (n: number) => {
        aDown = true;
        await a.close();
        await writer.run(n, 10);
        a = await liftFixture(config, { appPath: LINKS_APP, port: a.app.port });
        instances.push(a);
        aDown = false;
      };
      await writer.run(29);

      // 1: the transport closed under the page for 2 s: recovered by A from the Redis stream.
      await reconnectAfter(page, 2_000);
      await page.evaluate(() => io.socket._raw.io.engine.close());
      await state(page, 'disconnected');
      await gone();
      await writer.run(60, 10);
      await state(page, 'recovered');
      await writer.run(20);
      await expectInStep(page, writer, b.app.url);
      const recoveredAfterDrop = writer.whileAway;

      // 2: A lowered and lifted again on its port while B writes: lower() closes the page's
      // connection (not a DISCONNECT packet) and writes its socket's session to Redis first, so
      // the page comes back by itself to the new A, which recovers it from the stream.
      await reconnectAfter(page, 1_000);
      const heardBefore = (await heard(page)).length;
      const resumed = writer.expected.length;
      const awayBefore = writer.whileAway;
      await restartA(40);
      // B keeps writing while the page comes back to the new A.
      const during = writer.run(40, 20);
      await state(page, 'recovered', 10_000);
      expect(await page.evaluate(() => io.socket._raw.recovered)).toBe(true);
      await during;
      await writer.run(20);
      await expect.poll(() => heard(page).then((list) => list.length - heardBefore), { timeout: 10_000 }).toBeGreaterThanOrEqual(writer.expected.length - resumed);
      await sleep(300);
      expect((await heard(page)).slice(heardBefore)).toEqual(writer.expected.slice(resumed));
      await expect.poll(() => pageRows(page), { timeout: 5_000 }).toEqual(await serverRows(b.app.url));
      expect(await sessionKeys(prefix)).toEqual([]);
      console.log(
        `two instances: ${writer.writes} writes on B; after a drop, ${recoveredAfterDrop} written while away recovered through Redis; ` +
          `across a graceful restart of A, ${writer.whileAway - awayBefore} written while away recovered; ${(await heard(page)).length} user messages heard, each once, in order`,
      );
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      for (const instance of instances) await instance.close().catch(() => {});
      await database.drop();
      await deleteKeys(prefix).catch(() => {});
    }
  }, 60_000);
});

// The page's globals, as the bundle sets them.
// any: whatever the bundle and the page put there.
declare const io: any;
