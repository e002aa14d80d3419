/**
 * The generated app for real: `sails-rt new` into a temp folder with
 * sails-rt linked to this checkout, `generate model`, a strict type-check, the app's own
 * tests, then `sails-rt lift` driven over HTTP, sails.io.js 1.2.1 and socket.io-client 4.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify, stripVTControlCharacters } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collect,
  connectSailsIo,
  connectSocketIo4,
  nextMessage,
  sailsRequest,
  socketRequest,
  type SailsSocket,
} from '../support/clients.js';
import type { Socket } from 'socket.io-client';
import { MYSQL_URL, POSTGRES_URL, serverProblem } from '../store/databases.js';

const run = promisify(execFile);
const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const work = mkdtempSync(join(tmpdir(), 'sails-rt-e2e-'));
const app = join(work, 'myapp');
const bin = join(app, 'node_modules', '.bin', 'sails-rt');

beforeAll(async () => {
  // Linked to this checkout, as while developing sails-rt: the default, a vendored tarball, would
  // install (and compile) every dependency again; test/cli/new-portable.test.ts covers that path.
  await run(process.execPath, [join(root, 'bin', 'sails-rt.js'), 'new', app, '--yes', '--runtime', `file:${root}`], { maxBuffer: 1 << 26 });
  await run(bin, ['generate', 'model', 'User', 'name:string:required', 'email:string', 'age:number'], { cwd: app });
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('a generated app', () => {
  it('references sails-rt from this checkout, not a registry', () => {
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      sailsRt: { version: string };
    };
    expect(manifest.dependencies['sails-rt']).toBe(`file:${root}`);
    expect(manifest.sailsRt.version).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('type-checks under strict TypeScript', async () => {
    const { stdout } = await run(join(app, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', app], { cwd: app });
    expect(stdout).toBe('');
  });

  it('passes its own generated tests', async () => {
    const { stdout } = await run('npm', ['test'], { cwd: app, env: { ...process.env, CI: 'true', NO_COLOR: '1' } });
    const plain = stripVTControlCharacters(stdout);
    expect(plain).toMatch(/Tests\s+\d+ passed/);
    expect(plain).not.toMatch(/failed/);
  }, 180_000);
});

describe('sails-rt lift on the generated app', () => {
  let server: ChildProcess;
  let url = '';
  let output = '';
  const sockets: { disconnect?: () => void; close?: () => void }[] = [];

  beforeAll(async () => {
    server = spawn(bin, ['lift', '--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    url = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /http:\/\/127\.0\.0\.1:\d+/.exec(output);
        if (match) resolve(match[0]);
      });
      server.once('exit', (code) => reject(new Error(`lift exited with ${code}:\n${output}`)));
    });
  });

  afterAll(() => {
    for (const socket of sockets) {
      // The server stopped in the last test: sails.io.js throws on a second disconnect.
      try {
        (socket.disconnect ?? socket.close)?.call(socket);
      } catch {}
    }
    if (server.exitCode === null) server.kill('SIGKILL');
  });

  async function sailsIo(): Promise<SailsSocket> {
    const socket = await connectSailsIo(url);
    sockets.push(socket);
    return socket;
  }

  async function socketIo4(): Promise<Socket> {
    const socket = await connectSocketIo4(url);
    sockets.push(socket);
    return socket;
  }

  it('says where it listens in one line', () => {
    expect(output.trim().split('\n').filter((line) => line.includes(url))).toHaveLength(1);
  });

  it('serves the blueprint REST routes over HTTP', async () => {
    const created = await fetch(`${url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ann', age: 30 }) });
    expect(created.status).toBe(200);
    const ann = (await created.json()) as { id: number; name: string; age: number; email: string };
    expect(ann).toMatchObject({ name: 'ann', age: 30, email: '' });
    const found = (await (await fetch(`${url}/user?where=${encodeURIComponent('{"age":{">=":30}}')}`)).json()) as { id: number }[];
    expect(found.map((u) => u.id)).toContain(ann.id);
    const patched = await fetch(`${url}/user/${ann.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ age: 31 }) });
    expect(((await patched.json()) as { age: number }).age).toBe(31);
    expect((await fetch(`${url}/user/${ann.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${url}/user/${ann.id}`)).status).toBe(404);
  });

  it('answers a bad where with a 400 that says what is wrong', async () => {
    const response = await fetch(`${url}/user?where=${encodeURIComponent('{"age":')}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('E_INVALID_CRITERIA');
  });

  it("runs the seed's browser snippet: a socket that fetched /user hears about new users (sails.io.js 1.2.1)", async () => {
    const watcher = await sailsIo();
    const creator = await socketIo4();
    const own = collect(creator, 'user');
    const listing = await sailsRequest(watcher, 'get', '/user');
    expect(listing.statusCode).toBe(200);
    const heard = nextMessage<{ verb: string; id: number; data: { name: string } }>(watcher, 'user');
    const reply = await socketRequest(creator, 'post', '/user', { name: 'bob', email: 'bob@example.com' });
    expect(reply.statusCode).toBe(200);
    const record = reply.body as { id: number };
    const message = await heard;
    expect(message).toEqual({ verb: 'created', id: record.id, data: reply.body });
    expect(own).toEqual([]);
  });

  it('publishes updated with previous and destroyed to subscribers, leaving the requester out', async () => {
    const subscriber = await socketIo4();
    const writer = await sailsIo();
    const made = await sailsRequest(writer, 'post', '/user', { name: 'cy', age: 5 });
    const cy = made.body as { id: number; updatedAt: number };
    expect((await socketRequest(subscriber, 'get', `/user/${cy.id}`)).statusCode).toBe(200);
    const writerHeard = collect(writer as never, 'user');

    const updated = nextMessage<Record<string, unknown>>(subscriber, 'user');
    expect((await sailsRequest(writer, 'patch', `/user/${cy.id}`, { age: 6 })).statusCode).toBe(200);
    const update = await updated;
    expect(update).toMatchObject({ verb: 'updated', id: cy.id, data: { age: 6, id: cy.id }, previous: { ...made.body as object } });

    const destroyed = nextMessage<Record<string, unknown>>(subscriber, 'user');
    expect((await sailsRequest(writer, 'delete', `/user/${cy.id}`)).statusCode).toBe(200);
    expect(await destroyed).toMatchObject({ verb: 'destroyed', id: cy.id, previous: { id: cy.id, age: 6 } });
    expect(writerHeard).toEqual([]);
  });

  it("runs the seed's SayController.hello: over a socket it broadcasts to the others, over HTTP it is a 400", async () => {
    const first = await sailsIo();
    const second = await socketIo4();
    expect((await sailsRequest(first, 'get', '/say/hello')).body).toEqual({ anyData: 'we want to send back' });
    const secondHeard = collect(second, 'hello');
    const greeting = nextMessage(first, 'hello');
    const reply = await socketRequest(second, 'get', '/say/hello');
    expect(reply).toMatchObject({ statusCode: 200, body: { anyData: 'we want to send back' } });
    expect(await greeting).toEqual({ howdy: 'hi there!' });
    expect(secondHeard).toEqual([]);
    expect((await fetch(`${url}/say/hello`)).status).toBe(400);
  });

  it('answers a malformed envelope with a 400 JWR', async () => {
    const socket = await socketIo4();
    const noUrl = await new Promise<{ statusCode: number }>((resolve) => socket.emit('get', { method: 'get', headers: {}, data: {} }, resolve));
    expect(noUrl.statusCode).toBe(400);
    expect((await socketRequest(socket, 'get', 42)).statusCode).toBe(400);
  });

  // Debian's chromium, as .ci/run installs it; a machine without it skips this one test outside CI.
  const chromiumPath = '/usr/bin/chromium';
  it.skipIf(!existsSync(chromiumPath) && !process.env['CI'])(
    'serves a live page that watches the models, creates from a form and updates every tab live, and says hello as it describes',
    async () => {
      const browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      try {
        const [creator, watcher] = [await browser.newPage(), await browser.newPage()];
        const errors: string[] = [];
        for (const page of [creator, watcher]) {
          page.on('pageerror', (error) => errors.push(error.message));
          await page.goto(url);
          await page.locator('#status[data-state="connected"]', { hasText: /^connected$/ }).waitFor({ timeout: 10_000 });
          // The page runs on the client `new` wrote: sails-rt's, on Engine.IO 4.
          expect(await page.evaluate('[io.sails.sdk.client, io.socket._raw.io.engine.constructor.protocol]')).toEqual([expect.stringMatching(/^sails-rt \d/), 4]);
        }
        const rows = (page: Page, text: string) => page.locator('#records tbody tr', { hasText: text });

        // The models are listed and the first is watched, with nothing typed.
        for (const page of [creator, watcher]) {
          expect(await page.locator('#model option').evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value))).toEqual(['user']);
          expect(await page.locator('#model').inputValue()).toBe('user');
          await page.locator('#records tbody tr[data-id]').first().waitFor({ timeout: 5_000 });
        }
        expect(await creator.locator('#create label').allTextContents()).toEqual(['name *', 'email', 'age']);

        // The server's 400 is shown as its sentence.
        await creator.click('#create button[type="submit"]');
        await creator.locator('#create-result.error', { hasText: '"name" is required' }).waitFor({ timeout: 5_000 });

        // Created in one tab: the row is in both, once, with readable dates; the markup in the name stays text.
        const name = `<b>browser-${Date.now()}</b>`;
        await creator.fill('#field-name', name);
        await creator.fill('#field-age', '7');
        await creator.click('#create button[type="submit"]');
        await creator.locator('#create-result.ok').waitFor({ timeout: 5_000 });
        for (const page of [creator, watcher]) await rows(page, name).waitFor({ timeout: 5_000 });
        const id = Number(await rows(creator, name).getAttribute('data-id'));

        // Updated over HTTP: both tabs hear it, which also means any duplicate create would have arrived by now.
        await fetch(`${url}/user/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ age: 8 }) });
        for (const page of [creator, watcher]) {
          await page.locator(`#records tr[data-id="${id}"] td:nth-child(4)`, { hasText: /^8$/ }).waitFor({ timeout: 5_000 });
          expect(await rows(page, name).count()).toBe(1);
          expect(await page.locator('#records b').count()).toBe(0);
          // createdAt and updatedAt are shown as dates, not as ms since 1970.
          for (const text of await rows(page, name).locator('td:nth-child(5), td:nth-child(6)').allTextContents()) {
            expect(text).not.toMatch(/\d{12}/);
            expect(text).toMatch(/\d:\d\d/);
          }
          const created = await rows(page, name).locator('td:nth-child(5) time').getAttribute('datetime');
          expect(Math.abs(Date.parse(created ?? '') - Date.now())).toBeLessThan(60_000);
        }
        expect(await watcher.locator('#activity').textContent()).toContain(`user #${id} was created by another socket.`);

        // Deleted in the other tab: gone from both.
        await watcher.locator(`#records tr[data-id="${id}"] button`, { hasText: 'Delete' }).click();
        for (const page of [creator, watcher]) await rows(page, name).waitFor({ state: 'detached', timeout: 5_000 });

        // Say hello: each tab joined funSockets on connecting, so a press in one is heard in the other only.
        for (const page of [creator, watcher]) await page.locator('#say-state', { hasText: 'this tab is in funSockets' }).waitFor({ timeout: 5_000 });
        const heard = (page: Page) => page.locator('#hellos li', { hasText: 'Heard hello from another tab (howdy: hi there!).' });
        // The watcher's joining hello to the creator may still be on its way: let it land before counting.
        await creator.waitForTimeout(300);
        const [creatorHeard, watcherHeard] = [await heard(creator).count(), await heard(watcher).count()];
        await creator.click('#say');
        await creator.locator('#hellos li', { hasText: 'You said hello; the server answered anyData: we want to send back.' }).waitFor({ timeout: 5_000 });
        await heard(watcher).nth(watcherHeard).waitFor({ timeout: 5_000 });
        expect(await heard(creator).count()).toBe(creatorHeard);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/user`)).rejects.toThrow();
  });
});

// The same app on PostgreSQL and on MySQL: its own tests run on a database of their own on that
// server (lift({ temporaryDatabase: true })), through the migrations the app generated.
describe.each(['postgres', 'mysql'] as const)('a generated app made with --database %s', (database) => {
  const shop = join(work, `shop-${database}`);
  const shopBin = (args: string[]) => run(process.execPath, [join(root, 'bin', 'sails-rt.js'), ...args], { cwd: shop, maxBuffer: 1 << 26 });

  it('passes its own generated tests on that server, through its migrations', async (context) => {
    const problem = await serverProblem(database);
    if (problem !== undefined) {
      if (process.env['CI'] === 'true') throw new Error(problem);
      return context.skip(problem);
    }
    await run(process.execPath, [join(root, 'bin', 'sails-rt.js'), 'new', shop, '--yes', '--skip-install', '--database', database, '--runtime', `file:${root}`]);
    // The first app's install serves this one too: the same dependencies, sails-rt linked to this checkout.
    symlinkSync(join(app, 'node_modules'), join(shop, 'node_modules'), 'dir');
    await shopBin(['generate', 'model', 'Owner', 'name:string:required', 'pets:collection:pet:owner']);
    await shopBin(['generate', 'model', 'Pet', 'name:string:required', 'owner:model:owner']);
    const migration = await shopBin(['generate', 'migration', 'init']);
    expect(migration.stdout).toContain('+ table owner');
    const { stdout: typeErrors } = await run(join(app, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', shop], { cwd: shop });
    expect(typeErrors).toBe('');
    const url = database === 'postgres' ? POSTGRES_URL : MYSQL_URL;
    const { stdout } = await run('npm', ['test'], { cwd: shop, env: { ...process.env, CI: 'true', NO_COLOR: '1', DATABASE_URL: url } });
    const plain = stripVTControlCharacters(stdout);
    expect(plain).toMatch(/Tests\s+\d+ passed/);
    expect(plain).not.toMatch(/failed/);
  }, 240_000);
});
