/**
 * sails-rt's browser client (src/browser/sails.io.ts, built into dist/browser/sails.io.js by
 * `npm run build`) in Chromium, against the fixture app: its size, the sails.io.js 1.2.1 API a
 * front end written for Sails uses, reconnecting on its own, the resync after a reconnect the
 * server did not recover, timeouts, and the live page `sails-rt new` writes, across drops.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import Handlebars from 'handlebars';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liftFixture, type Lifted } from '../runtime/helpers.js';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const BUNDLE = join(root, 'dist', 'browser', 'sails.io.js');
/** Debian's chromium, as .ci/run installs it; a machine without it skips the browser tests outside CI. */
const CHROMIUM = '/usr/bin/chromium';
const browserless = !existsSync(CHROMIUM) && !process.env['CI'];

/** Past this, gzipped, the client is too big: 1.15 times socket.io-client 4's own minified file. */
const BUDGET = 1.15;

describe('the browser client bundle', () => {
  it(`is at most ${BUDGET}x socket.io-client 4's minified file, both gzipped at level 9`, () => {
    const gzipped = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;
    const ours = gzipped(BUNDLE);
    const theirs = gzipped(join(root, 'node_modules', 'socket.io-client', 'dist', 'socket.io.min.js'));
    console.log(`dist/browser/sails.io.js ${ours} B gzipped; socket.io-client's socket.io.min.js ${theirs} B; ratio ${(ours / theirs).toFixed(3)}`);
    expect(ours / theirs).toBeLessThanOrEqual(BUDGET);
  });

  it('starts with one line saying what it is and its version', () => {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    expect(readFileSync(BUNDLE, 'utf8').split('\n')[0]).toContain(`sails-rt browser client ${version}`);
  });
});

describe.skipIf(browserless)('the browser client in Chromium', () => {
  let lifted: Lifted;
  let url = '';
  let browser: Browser;

  beforeAll(async () => {
    lifted = await liftFixture();
    url = lifted.app.url;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  afterAll(async () => {
    await browser?.close();
    await lifted?.close();
  });

  /**
   * A page of the app's origin whose HTML is `html`, with the bundle served at the path the
   * generated app serves it from. The document is one the app answered (Chromium lets a page
   * reach 127.0.0.1 only when it came from there itself), its content then replaced.
   */
  async function open(html: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.route(`${url}/js/dependencies/sails.io.js`, (route) => route.fulfill({ contentType: 'application/javascript', body: readFileSync(BUNDLE, 'utf8') }));
    await page.goto(`${url}/echo/text`);
    await page.setContent(html);
    return { page, errors };
  }

  async function create(name: string): Promise<number> {
    const response = await fetch(`${url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
    expect(response.status).toBe(200);
    return ((await response.json()) as { id: number }).id;
  }

  it('answers a request made before it connected, and runs a front end written for sails.io.js unchanged', async () => {
    const { page, errors } = await open(`<!doctype html><script src="/js/dependencies/sails.io.js"></script>
<script>
  window.seen = { connectedAtFirst: io.socket.isConnected(), heard: [] };
  // As the Sails docs write it.
  io.socket.get('/user', function (body, jwr) { window.seen.list = { body: body, statusCode: jwr.statusCode, pojo: jwr.toPOJO() }; });
  io.socket.on('user', function (message) { window.seen.heard.push(message); });
</script>`);
    await page.waitForFunction(() => (globalThis as unknown as { seen: { list?: unknown } }).seen.list !== undefined, undefined, { timeout: 10_000 });
    const seen = (await page.evaluate(() => (globalThis as unknown as { seen: unknown }).seen)) as { connectedAtFirst: boolean; list: { statusCode: number; body: unknown[] } };
    expect(seen.connectedAtFirst).toBe(false);
    expect(seen.list.statusCode).toBe(200);
    expect(Array.isArray(seen.list.body)).toBe(true);
    expect(await page.evaluate(() => [io.socket.isConnected(), io.socket.isConnecting(), io.sails.transports, io.sails.reconnection])).toEqual([true, false, ['websocket'], true]);

    const id = await create('heard-by-the-page');
    await page.waitForFunction(() => (globalThis as unknown as { seen: { heard: unknown[] } }).seen.heard.length > 0, undefined, { timeout: 5_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { seen: { heard: unknown[] } }).seen.heard)).toEqual([
      expect.objectContaining({ verb: 'created', id, data: expect.objectContaining({ name: 'heard-by-the-page' }) }),
    ]);

    // post, patch and delete with (body, jwr), and io.sails.connect() for one more socket.
    const answers = await page.evaluate(async () => {
      const ask = (socket: typeof io.socket, verb: 'post' | 'patch' | 'delete', path: string, data?: unknown) =>
        new Promise<[unknown, number]>((resolve) => socket[verb](path, data, (body: unknown, jwr: { statusCode: number }) => resolve([body, jwr.statusCode])));
      const other = io.sails.connect();
      const [made, madeStatus] = await ask(other, 'post', '/user', { name: 'from-a-second-socket' });
      const madeId = (made as { id: number }).id;
      const [, patched] = await ask(io.socket, 'patch', `/user/${madeId}`, { age: 3 });
      const [, removed] = await ask(io.socket, 'delete', `/user/${madeId}`);
      other.disconnect();
      return [madeStatus, patched, removed, other.isConnected()];
    });
    expect(answers).toEqual([200, 200, 200, false]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('answers a request that takes too long with the timeout JWR, and one cut by a disconnect with status 0', async () => {
    const { page, errors } = await open('<!doctype html><script src="/js/dependencies/sails.io.js"></script>');
    const answer = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const started = Date.now();
          io.socket.request({ method: 'get', url: '/echo/slow?ms=3000', timeout: 300 }, (body: unknown, jwr: { statusCode: number; error?: Error; headers: unknown }) =>
            resolve({ body, statusCode: jwr.statusCode, headers: jwr.headers, error: jwr.error?.message, ms: Date.now() - started }),
          );
        }),
    );
    expect(answer).toMatchObject({
      statusCode: 0,
      headers: {},
      body: { code: 'E_TIMEOUT', message: 'No answer to GET /echo/slow?ms=3000 within 300 ms.' },
      error: 'No answer to GET /echo/slow?ms=3000 within 300 ms.',
    });
    // The late answer is dropped: the callback ran once.
    expect((answer as { ms: number }).ms).toBeLessThan(3000);

    // A request in flight when the socket is disconnected is answered at once, as sails.io.js 1.2.1
    // does, even after the page removed all its listeners; reconnect() brings the socket back.
    const cut = await page.evaluate(
      () =>
        new Promise((resolve) => {
          io.socket.removeAllListeners();
          io.socket.get('/echo/slow?ms=2000', (body: unknown, jwr: { statusCode: number }) => resolve([body instanceof Error ? body.message : body, jwr.statusCode, io.socket.isConnected()]));
          setTimeout(() => io.socket.disconnect(), 200);
        }),
    );
    expect(cut).toEqual(['The socket disconnected before the request completed.', 0, false]);
    await page.evaluate(() => io.socket.reconnect());
    await page.waitForFunction(() => io.socket.isConnected(), undefined, { timeout: 5_000 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("connects from a page of another origin after loading the app's /__getcookie, as sails.io.js does", async () => {
    const page = `<!doctype html><script src="/sails.io.js"></script>
<script>
  io.sails.url = ${JSON.stringify(url)};
  window.answer = null;
  io.socket.get('/user', function (body, jwr) { window.answer = jwr.statusCode; });
</script>`;
    const other = createServer((request, response) => {
      const script = request.url === '/sails.io.js';
      response.setHeader('content-type', script ? 'application/javascript' : 'text/html');
      response.end(script ? readFileSync(BUNDLE) : page);
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const tab = await browser.newPage();
      const cookieRequests: string[] = [];
      tab.on('request', (request) => request.url().includes('/__getcookie') && cookieRequests.push(request.url()));
      await tab.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      await tab.waitForFunction(() => (globalThis as unknown as { answer: number | null }).answer !== null, undefined, { timeout: 10_000 });
      expect(await tab.evaluate(() => (globalThis as unknown as { answer: number }).answer)).toBe(200);
      expect(cookieRequests).toEqual([`${url}/__getcookie`]);
      await tab.close();
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('keeps the live page right across drops: it reconnects by itself, says whether it recovered or resynced, and its table equals the server', async () => {
    const template = readFileSync(join(root, 'templates', 'app', 'assets', 'index.html.hbs'), 'utf8');
    const html = Handlebars.compile(template, { strict: true, noEscape: true })({ name: 'fixture', example: true });
    const { page, errors } = await open(html);
    await page.locator('#status[data-state="connected"]', { hasText: /^connected$/ }).waitFor({ timeout: 10_000 });
    await page.locator('#model option[value="user"]').waitFor({ state: 'attached', timeout: 5_000 });
    await page.selectOption('#model', 'user');
    const kept = await create('kept');
    const gone = await create('gone');
    await page.locator(`#records tr[data-id="${gone}"]`).waitFor({ timeout: 5_000 });
    await page.locator('#say-state', { hasText: 'this tab is in funSockets' }).waitFor({ timeout: 5_000 });

    /** The ids the server lists as the page asks: the 30 newest. */
    const serverIds = async () => ((await (await fetch(`${url}/user?sort=createdAt%20DESC&limit=30`)).json()) as { id: number }[]).map((user) => user.id).sort();
    const pageIds = async () => (await page.locator('#records tbody tr[data-id]').evaluateAll((rows) => rows.map((row) => Number((row as unknown as { dataset: { id: string } }).dataset.id)))).sort();

    for (const drop of ['as it comes', 'forced to resync'] as const) {
      // The transport closed under the page, and kept closed 2 s by the client's own back-off, while another client writes.
      await page.evaluate((forget) => {
        const raw = io.socket._raw;
        raw.io.reconnectionDelay(2000);
        raw.io.randomizationFactor(0);
        // Without its session id the server cannot recover the socket.
        if (forget) raw._pid = undefined;
        raw.io.engine.close();
      }, drop === 'forced to resync');
      await page.locator('#status[data-state="disconnected"]').waitFor({ timeout: 2_000 });
      const added = await create(`added while dropped (${drop})`);
      const destroyed = await fetch(`${url}/user/${drop === 'as it comes' ? gone : added}`, { method: 'DELETE' });
      expect(destroyed.status).toBe(200);

      await page.waitForFunction(() => io.socket.isConnected(), undefined, { timeout: 10_000 });
      const recovered = await page.evaluate(() => io.socket._raw.recovered === true);
      if (drop === 'forced to resync') expect(recovered).toBe(false);
      const state = recovered ? 'recovered' : 'resynced';
      await page.locator(`#status[data-state="${state}"]`, { hasText: `connected (${state})` }).waitFor({ timeout: 5_000 });
      await expect.poll(pageIds, { timeout: 5_000 }).toEqual(await serverIds());
      expect(await pageIds()).toContain(kept);
      // Still subscribed: a create now shows up live, and the tab is in funSockets again.
      const after = await create(`created after the reconnect (${drop})`);
      await page.locator(`#records tr[data-id="${after}"]`).waitFor({ timeout: 5_000 });
      await page.locator('#say-state', { hasText: 'this tab is in funSockets' }).waitFor({ timeout: 5_000 });
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});

/**
 * The recovered path, which the fixture app cannot show while sails-rt's server has no
 * connection-state recovery: a bare socket.io 4 server that has it, answering `get` as Sails does.
 */
describe.skipIf(browserless)('the browser client against a server that recovers connections', () => {
  let http: HttpServer;
  let server: Server;
  let gets = 0;
  let asked: string[] = [];
  let browser: Browser;

  beforeAll(async () => {
    const page = `<!doctype html><script src="/sails.io.js"></script>
<script>
  window.log = [];
  io.socket.get('/thing', function (body, jwr) { log.push(['answer', body.n, jwr.resync === true]); });
  io.socket.on('news', function (n) { log.push(['news', n]); });
  io.socket.on('recovered', function () { log.push(['recovered']); });
  io.socket.on('resync', function (info) { log.push(['resync', info.requests]); });
</script>`;
    // Which requests a resync repeats: every kind of URL, asked once each.
    const rules = `<!doctype html><script src="/sails.io.js"></script>
<script>
  window.answered = 0;
  const count = function () { answered++; };
  ['/user', '/user/5', '/user/5/pets', '/user/0f8fad5b-d9cb-469f-a165-70867728950e', '/say/hello', '/__sails-rt/models', '/user/abc'].forEach(function (url) { io.socket.get(url, count); });
  io.socket.get('/user?sort=id%20DESC', { limit: 3 }, count);
  io.socket.request({ method: 'get', url: '/pet', resync: false }, count);
  io.socket.request({ method: 'get', url: '/product/sku-1', resync: true }, count);
  io.socket.post('/user', { name: 'x' }, count);
  io.socket.get('/user', count); // the same again: remembered once
</script>`;
    http = createServer((request, response) => {
      const script = request.url === '/sails.io.js';
      response.setHeader('content-type', script ? 'application/javascript' : 'text/html');
      response.end(script ? readFileSync(BUNDLE) : request.url === '/rules' ? rules : page);
    });
    server = new Server(http, { connectionStateRecovery: { maxDisconnectionDuration: 60_000 }, transports: ['websocket'] });
    server.on('connection', (socket) => {
      for (const verb of ['get', 'post']) {
        socket.on(verb, (envelope: { url: string }, ack: (jwr: unknown) => void) => {
          asked.push(`${verb} ${envelope.url}`);
          if (envelope.url === '/thing') void socket.join('watchers');
          ack({ body: { n: envelope.url === '/thing' ? ++gets : 0 }, headers: {}, statusCode: 200 });
        });
      }
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it("emits 'recovered' and repeats nothing when the server recovered the socket; emits 'resync' after repeating the GET when it did not", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
    const log = () => page.evaluate(() => (globalThis as unknown as { log: unknown[] }).log);
    await expect.poll(log, { timeout: 10_000 }).toEqual([['answer', 1, false]]);
    // socket.io 4 recovers only a socket that has heard an event (its offset is the last one's).
    server.to('watchers').emit('news', 0);
    await expect.poll(log, { timeout: 5_000 }).toEqual([['answer', 1, false], ['news', 0]]);

    /** Closes the transport under the page, and emits `news` to the room while the page is away. */
    const drop = async (forget: boolean, news: number) => {
      await page.evaluate((forget) => {
        const raw = io.socket._raw;
        raw.io.reconnectionDelay(1000);
        raw.io.randomizationFactor(0);
        if (forget) raw._pid = undefined;
        raw.io.engine.close();
      }, forget);
      await expect.poll(() => server.of('/').sockets.size, { timeout: 5_000 }).toBe(0);
      server.to('watchers').emit('news', news);
    };

    await drop(false, 1);
    await expect.poll(log, { timeout: 10_000 }).toEqual([['answer', 1, false], ['news', 0], ['news', 1], ['recovered']]);
    expect(gets).toBe(1);

    await drop(true, 2);
    // The server forgot the socket, and with it the room and the news: the GET is asked again.
    await expect.poll(log, { timeout: 10_000 }).toEqual([['answer', 1, false], ['news', 0], ['news', 1], ['recovered'], ['answer', 2, true], ['resync', 1]]);
    expect(gets).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('repeats the GETs of blueprint shapes and the requests marked resync: true, each once, and nothing else', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/rules`);
    await page.waitForFunction(() => (globalThis as unknown as { answered: number }).answered === 12, undefined, { timeout: 10_000 });
    asked = [];
    const resynced = page.evaluate(() => new Promise((resolve) => io.socket.on('resync', resolve)));
    await page.evaluate(() => {
      io.socket._raw._pid = undefined;
      io.socket._raw.io.engine.close();
    });
    expect(await resynced).toEqual({ requests: 6 });
    expect(asked.sort()).toEqual(
      ['/product/sku-1', '/user', '/user/0f8fad5b-d9cb-469f-a165-70867728950e', '/user/5', '/user/5/pets', '/user?sort=id%20DESC'].map((url) => `get ${url}`),
    );
    await page.close();
  });
});

// The page's globals, as the bundle sets them.
// any: whatever the bundle and the page put there.
declare const io: any;
