/**
 * The whole path of an app that keeps its schema in migrations, by spawning the built CLI as a
 * user would: `new --database <server>`, two models linked both ways (`generate model`),
 * `generate migration init`, `migrate` on the test's own database (DATABASE_URL), then `lift` as a
 * child process, driven over HTTP and socket.io-client 4: a create with a link, populate both ways,
 * a watcher socket told `created`, a subscribed socket told `updated`. The tables are the
 * migration's (lift does not auto-sync an app with migrations/), so this checks that the migrated
 * schema is one the store works on.
 */
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { Socket } from 'socket.io-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cli, ROOT, tempDir } from '../cli/helpers.js';
import { connectSocketIo4, nextMessage, socketRequest } from '../support/clients.js';
import { freshDatabase } from './servers.js';

/** Runs the CLI in `cwd` with DATABASE_URL set, failing the test with its output unless it exits 0. */
async function run(cwd: string, url: string, ...args: string[]): Promise<string> {
  const result = await execa(process.execPath, [join(ROOT, 'bin', 'sails-rt.js'), ...args], { cwd, reject: false, stdin: 'pipe', timeout: 60_000, env: { DATABASE_URL: url, NO_COLOR: '1' } });
  if (result.exitCode !== 0) throw new Error(`sails-rt ${args.join(' ')} exited ${result.exitCode}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** `sails-rt lift --port 0` as a child: its URL once it listens; stopped by its PID when the test finishes. */
async function liftChild(app: string, url: string): Promise<{ base: string; output: () => string }> {
  const child: ResultPromise = execa(process.execPath, [join(ROOT, 'bin', 'sails-rt.js'), 'lift', '--port', '0'], { cwd: app, reject: false, env: { DATABASE_URL: url, NO_COLOR: '1' } });
  let output = '';
  onTestFinished(async () => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    await child;
  });
  const base = await new Promise<string | undefined>((resolve) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /app lifted at (\S+)/.exec(output);
      if (found) resolve(found[1]);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    void child.then(() => resolve(undefined));
  });
  if (base === undefined) throw new Error(`lift exited before listening:\n${output}`);
  return { base, output: () => output };
}

async function http(method: string, url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('an app on migrations, from sails-rt new to a lifted app', () => {
  const work = tempDir();

  it.for(['postgres', 'mysql'] as const)('on %s: new, generate model, generate migration, migrate, lift; links, populate and socket events work', { timeout: 180_000 }, async (server, context) => {
    const url = await freshDatabase(server);
    if (!url) return context.skip();
    const made = await cli(work, 'new', `shop-${server}`, '--database', server, '--yes', '--skip-install');
    expect(made.exitCode, made.stderr).toBe(0);
    const app = join(work, `shop-${server}`);
    await run(app, url, 'generate', 'model', 'Customer', 'name:string:required', 'email:string:unique', 'orders:collection:order:customer');
    await run(app, url, 'generate', 'model', 'Order', 'total:number', 'note:string', 'customer:model:customer');
    const generated = await run(app, url, 'generate', 'migration', 'init');
    expect(generated).toContain('+ link order.customer -> customer.id (index and foreign key)');
    expect(await run(app, url, 'migrate')).toMatch(/^applied \d{14}_init\n/);

    const { base, output } = await liftChild(app, url);
    // Lift found the migration applied and made no table itself.
    expect(output()).not.toMatch(/created tables|added columns/);

    const sockets: Socket[] = [];
    onTestFinished(() => sockets.forEach((socket) => socket.disconnect()));
    const watcher = await connectSocketIo4(base);
    const subscriber = await connectSocketIo4(base);
    sockets.push(watcher, subscriber);
    // A socket GET of a list watches the model (told of creates); of a record, subscribes to it.
    expect((await socketRequest(watcher, 'get', '/order')).statusCode).toBe(200);

    const customer = await http('POST', `${base}/customer`, { name: 'Ada', email: 'ada@example.com' });
    expect(customer.status).toBe(200);
    const created = nextMessage<{ verb: string; data: Record<string, unknown> }>(watcher, 'order');
    const order = await http('POST', `${base}/order`, { total: 12.5, note: 'first', customer: customer.body['id'] });
    expect(order.status).toBe(200);
    expect(await created).toMatchObject({ verb: 'created', data: { total: 12.5, note: 'first' } });

    const populated = await http('GET', `${base}/customer/${String(customer.body['id'])}?populate=orders`);
    expect(populated.body['orders']).toMatchObject([{ id: order.body['id'], total: 12.5, note: 'first' }]);
    const back = await http('GET', `${base}/order/${String(order.body['id'])}`);
    expect(back.body['customer']).toMatchObject({ id: customer.body['id'], name: 'Ada' });
    // Text compares byte by byte on the migrated tables, as on auto-synced ones: no case-insensitive match.
    expect((await http('GET', `${base}/customer?where=${encodeURIComponent(JSON.stringify({ name: { contains: 'ADA' } }))}`)).body).toEqual([]);

    expect((await socketRequest(subscriber, 'get', `/order/${String(order.body['id'])}`)).statusCode).toBe(200);
    const updated = nextMessage<{ verb: string; id: unknown; data: Record<string, unknown> }>(subscriber, 'order');
    expect((await http('PATCH', `${base}/order/${String(order.body['id'])}`, { note: 'changed' })).status).toBe(200);
    expect(await updated).toMatchObject({ verb: 'updated', id: order.body['id'], data: { note: 'changed' } });

    // Deleting the customer leaves the order without one (the runtime and the foreign key, ON DELETE SET NULL, agree).
    expect((await http('DELETE', `${base}/customer/${String(customer.body['id'])}`)).status).toBe(200);
    expect((await http('GET', `${base}/order/${String(order.body['id'])}`)).body['customer']).toBeNull();
  });
});
