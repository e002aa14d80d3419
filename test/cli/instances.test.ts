/**
 * `sails-rt lift --instances N` against a real generated app on the real Redis (a key prefix of
 * this file's own) and a PostgreSQL database of its own: what it refuses before starting
 * anything, then two workers on one port that both answer and share socket messages, a SIGKILLed
 * worker replaced, SIGINT lowering them all, and a crash loop given up on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverDatabase, serverProblem } from '../store/databases.js';
import { deleteKeys, freePort, redisProblem, TEST_REDIS_URL, uniquePrefix } from '../support/redis.js';
import { alive, childrenOf, cli, ROOT, tempDir } from './helpers.js';

const BIN = join(ROOT, 'bin', 'sails-rt.js');

// With CI=true a Redis or PostgreSQL that does not answer fails the file; elsewhere it is skipped, saying why.
const problem = (await redisProblem()) ?? (await serverProblem('postgres'));
if (problem !== undefined && process.env['CI'] === 'true') throw new Error(problem);
if (problem !== undefined) console.warn(`test/cli/instances.test.ts skipped: ${problem}`);

/** Everything a process printed, and a way to wait for a line after a given point. */
class Output {
  text = '';

  add(chunk: Buffer): void {
    this.text += chunk.toString();
  }

  async waitFor(pattern: RegExp, from = 0, ms = 30_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = pattern.exec(this.text.slice(from));
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${ms} ms; output:\n${this.text}`);
      await sleep(100);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}



/** A JSON answer over a connection of its own (`Connection: close`), so the cluster may hand it to any worker. */
function fetchFresh(url: string, method = 'GET', body?: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, agent: false, headers: { connection: 'close', ...(payload ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) }));
    });
    req.once('error', reject);
    req.end(payload);
  });
}

/** A socket.io-client 4 socket, websocket only (socket.io-client's default starts with polling). */
async function connectSocket(url: string): Promise<Socket> {
  const socket = ioClient(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

function socketGet(socket: Socket, url: string): Promise<{ statusCode: number; body: unknown }> {
  return new Promise((resolve) => socket.emit('get', { method: 'get', headers: {}, data: {}, url }, resolve));
}

/** A running `lift --instances`, its output, and its exit. */
function startLift(dir: string, ...args: string[]) {
  const output = new Output();
  const child: ChildProcess = spawn(process.execPath, [BIN, 'lift', ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'development', NO_COLOR: '1' },
  });
  child.stdout!.on('data', (chunk: Buffer) => output.add(chunk));
  child.stderr!.on('data', (chunk: Buffer) => output.add(chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited, pid: child.pid! };
}

/** Kills a primary still running (and so its workers), by its pid. */
async function ensureStopped(run: ReturnType<typeof startLift> | undefined): Promise<void> {
  if (!run) return;
  const workers = childrenOf(run.pid, 'sails-rt.js');
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  await run.exited;
  for (const pid of workers) if (alive(pid)) process.kill(pid, 'SIGKILL');
}

describe.skipIf(problem !== undefined)('sails-rt lift --instances', () => {
  const dir = join(tempDir(), 'several');
  const prefix = uniquePrefix();
  let drop: () => Promise<void> = async () => {};
  let datastores = '';

  const sockets = (settings: Record<string, unknown> = { adapter: 'redis', url: TEST_REDIS_URL, keyPrefix: prefix }) =>
    writeFileSync(join(dir, 'config', 'sockets.ts'), `export const sockets = ${JSON.stringify(settings)};\n`);
  const sharedSessions = () =>
    writeFileSync(
      join(dir, 'config', 'session.ts'),
      `export const session = ${JSON.stringify({ secret: 'test-only-secret-for-lift-instances', store: 'redis', url: TEST_REDIS_URL, prefix: `${prefix}:sess:` })};\n`,
    );
  const memorySessions = () => writeFileSync(join(dir, 'config', 'session.ts'), "export const session = { secret: 'test-only-secret-for-lift-instances' };\n");
  const postgres = () => writeFileSync(join(dir, 'config', 'datastores.ts'), datastores);
  const sqlite = (settings: Record<string, unknown>) =>
    writeFileSync(join(dir, 'config', 'datastores.ts'), `export const datastores = { default: ${JSON.stringify({ adapter: 'sqlite', ...settings })} };\n`);
  const shareable = () => {
    sockets();
    sharedSessions();
    postgres();
  };

  beforeAll(async () => {
    expect((await cli(join(dir, '..'), 'new', dir, '--yes', '--skip-install')).exitCode).toBe(0);
    expect((await cli(dir, 'generate', 'model', 'User', 'name:string')).exitCode).toBe(0);
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(dir, 'node_modules', 'sails-rt'), 'dir');
    // Which worker answered: its pid.
    writeFileSync(
      join(dir, 'api', 'controllers', 'PidController.ts'),
      "import { defineController } from 'sails-rt';\n\nexport default defineController({\n  show: async (_req, res) => res.json({ pid: process.pid }),\n});\n",
    );
    writeFileSync(join(dir, 'config', 'routes.ts'), "export const routes = { 'GET /pid': 'PidController.show' };\n");
    const database = await serverDatabase('postgres');
    drop = database.drop;
    datastores = `export const datastores = { default: ${JSON.stringify(database.datastore)} };\n`;
  }, 60_000);

  afterAll(async () => {
    await drop();
    await deleteKeys(prefix);
  });

  describe('refuses, in one sentence and before starting anything', () => {
    async function expectRefusal(args: string[], message: RegExp): Promise<void> {
      const run = await cli(dir, 'lift', ...args);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/^Error: [^\n]+$/);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).not.toMatch(/lifted/);
    }

    it('an app without sockets.adapter', async () => {
      shareable();
      sockets({ transports: ['websocket'] });
      await expectRefusal(['--instances', '2', '--port', '0'], /lift --instances needs sockets.adapter: 'redis' in config\/sockets.ts, as without it a message one instance publishes reaches only that instance's sockets/);
    });

    it('sessions in memory', async () => {
      shareable();
      memorySessions();
      await expectRefusal(['--instances', '2', '--port', '0'], /lift --instances needs session.store in config\/session.ts, as without it each instance keeps its own sessions in memory/);
    });

    it("'polling', even with sockets.sticky: true", async () => {
      shareable();
      sockets({ adapter: 'redis', url: TEST_REDIS_URL, keyPrefix: prefix, transports: ['websocket', 'polling'], sticky: true });
      await expectRefusal(['--instances', '2', '--port', '0'], /cannot serve sockets.transports with 'polling'.*without sticky routing.*use \['websocket'\]/);
    });

    it.each([
      ['the default, exclusive SQLite file', { filename: '.tmp/db.sqlite' }, /the SQLite file .tmp\/db.sqlite, which the first instance locks for itself/],
      ['a shared SQLite file', { filename: '.tmp/db.sqlite', exclusive: false }, /the SQLite file .tmp\/db.sqlite, on which writes from several processes fail with SQLITE_BUSY/],
      ["SQLite ':memory:'", { filename: ':memory:' }, /SQLite in memory \(':memory:'\)/],
    ])('%s', async (_name, settings, message) => {
      shareable();
      sqlite(settings);
      await expectRefusal(['--instances', '2', '--port', '0'], new RegExp(`needs a database the instances share.*${message.source}.*use adapter 'postgres' or 'mysql'`));
    });

    it('--watch with --instances', async () => {
      shareable();
      await expectRefusal(['--instances', '2', '--watch'], /lift --watch runs one process of the app.*cannot be combined with --instances/);
    });

    it.each(['0', 'two', '1.5', '-1'])('--instances %s', async (value) => {
      await expectRefusal([`--instances=${value}`], /argument '.*' is invalid: use a whole number of instances, 1 or more \(1 is the plain lift\), or max for one per core; see `sails-rt lift --help`/);
    });
  });

  describe('two instances on one port', () => {
    let run: ReturnType<typeof startLift>;
    let url = '';

    beforeAll(async () => {
      shareable();
      const port = await freePort();
      run = startLift(dir, '--instances', '2', '--port', String(port));
      url = (await run.output.waitFor(/app lifted at (http:\/\/\S+) \(2 instances, sockets on \/socket\.io\)/))[1]!;
      expect(url).toBe(`http://127.0.0.1:${port}`);
    }, 60_000);

    afterAll(() => ensureStopped(run));

    /** The pids that answer GET /pid over `tries` fresh connections. */
    async function answering(tries = 8): Promise<Set<number>> {
      const pids = new Set<number>();
      for (let i = 0; i < tries; i++) {
        const answer = await fetchFresh(`${url}/pid`);
        expect(answer.status).toBe(200);
        pids.add((answer.body as { pid: number }).pid);
      }
      return pids;
    }

    it('says it lifted once, and both workers answer on the one port', async () => {
      expect(run.output.text.match(/app lifted at/g)).toHaveLength(1);
      const workers = childrenOf(run.pid, 'sails-rt.js');
      expect(workers).toHaveLength(2);
      expect([...(await answering())].sort()).toEqual([...workers].sort());
    });

    it('sockets on different workers both hear every write, whichever worker took it', async () => {
      // Two sockets on each worker: one watches, one writes (so its worker is the one that takes the write).
      const byPid = new Map<number, Socket[]>();
      const all: Socket[] = [];
      try {
        for (let tries = 0; byPid.size < 2 || [...byPid.values()].some((on) => on.length < 2); tries++) {
          if (tries === 30) throw new Error('30 sockets did not spread over the two workers');
          const socket = await connectSocket(url);
          all.push(socket);
          const pid = ((await socketGet(socket, '/pid')).body as { pid: number }).pid;
          const on = byPid.get(pid) ?? [];
          if (on.length < 2) on.push(socket);
          byPid.set(pid, on);
        }
        expect(byPid.size).toBe(2);
        const watchers = [...byPid.values()].map((on) => on[0]!);
        const writers = [...byPid.values()].map((on) => on[1]!);
        const heard = new Map<Socket, { verb: string; id: number }[]>();
        for (const socket of watchers) {
          heard.set(socket, []);
          socket.on('user', (message: { verb: string; id: number }) => heard.get(socket)!.push(message));
          // Watching: the blueprint find subscribes the socket to the model's creations.
          expect((await socketGet(socket, '/user')).statusCode).toBe(200);
        }

        const ids: number[] = [];
        const created = (body: unknown) => ids.push((body as { id: number }).id);
        // Over HTTP, each on a fresh connection, which the cluster hands to either worker.
        for (let i = 0; i < 4; i++) {
          const answer = await fetchFresh(`${url}/user`, 'POST', { name: `http ${i}` });
          expect(answer.status).toBe(200);
          created(answer.body);
        }
        // Over each worker's writer socket: each worker certainly takes writes.
        for (const writer of writers) {
          const answer = await new Promise<{ statusCode: number; body: unknown }>((resolve) =>
            writer.emit('post', { method: 'post', headers: {}, data: { name: 'socket' }, url: '/user' }, resolve),
          );
          expect(answer.statusCode).toBe(200);
          created(answer.body);
        }
        for (const id of ids) expect((await fetchFresh(`${url}/user/${id}`, 'PATCH', { name: `renamed ${id}` })).status).toBe(200);

        const expected = [...ids.map((id) => ({ verb: 'created', id })), ...ids.map((id) => ({ verb: 'updated', id }))];
        const deadline = Date.now() + 10_000;
        while ([...heard.values()].some((messages) => messages.length < expected.length) && Date.now() < deadline) await sleep(50);
        for (const socket of watchers) {
          const messages = heard.get(socket)!.map(({ verb, id }) => ({ verb, id }));
          expect(messages.sort((a, b) => a.verb.localeCompare(b.verb) || a.id - b.id)).toEqual(expected);
        }
      } finally {
        for (const socket of all) socket.close();
      }
    });

    it('reports a SIGKILLed worker in one line and replaces it, and the port keeps answering', async () => {
      const [victim, survivor] = childrenOf(run.pid, 'sails-rt.js') as [number, number];
      const from = run.output.text.length;
      process.kill(victim, 'SIGKILL');
      await run.output.waitFor(new RegExp(`sails-rt: instance \\d \\(pid ${victim}\\) exited unexpectedly \\(killed by SIGKILL; error above, if any\\); starting another\\.\\n`), from);
      const back = await run.output.waitFor(/sails-rt: instance \d \(pid (\d+)\) is back; 2 instances answer\./, from);
      const replacement = Number(back[1]);
      expect(alive(victim)).toBe(false);
      expect(childrenOf(run.pid, 'sails-rt.js').sort()).toEqual([survivor, replacement].sort());
      expect([...(await answering())].sort()).toEqual([survivor, replacement].sort());
    });

    it('lowers every worker at SIGINT and exits 0', async () => {
      const workers = childrenOf(run.pid, 'sails-rt.js');
      expect(workers).toHaveLength(2);
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect(run.output.text).toMatch(/SIGINT: lowering several \(2 instances\)\.\n/);
      for (const pid of workers) expect(alive(pid)).toBe(false);
      expect(run.output.text).not.toMatch(/Error/);
    });
  });

  it('stops, exit 1, when the first worker cannot lift, with its error and one sentence', async () => {
    shareable();
    const broken = join(dir, 'api', 'controllers', 'BrokenController.ts');
    writeFileSync(broken, "throw new Error('broken on purpose');\n");
    const run = startLift(dir, '--instances', '2', '--port', String(await freePort()));
    try {
      expect(await run.exited).toBe(1);
      expect(run.output.text).toMatch(/broken on purpose/);
      expect(run.output.text).toMatch(/Error: instance 1 \(pid \d+\) exited before it listened \(exit code 1; error above\), so lift --instances stopped the app\.\n/);
      expect(run.output.text).not.toMatch(/lifted/);
    } finally {
      rmSync(broken);
      await ensureStopped(run);
    }
  }, 60_000);

  it('gives up, exit 1, on a worker that keeps dying as it starts', async () => {
    shareable();
    const run = startLift(dir, '--instances', '2', '--port', String(await freePort()));
    try {
      await run.output.waitFor(/app lifted at/);
      // Every worker that comes back is killed at once: a crash loop, as far as the primary can tell.
      let from = run.output.text.length;
      process.kill(childrenOf(run.pid, 'sails-rt.js')[0]!, 'SIGKILL');
      for (let round = 0; round < 5; round++) {
        const next = await run.output.waitFor(/pid (\d+)\) is back|gave up/, from);
        if (next[1] === undefined) break;
        from = run.output.text.length;
        process.kill(Number(next[1]), 'SIGKILL');
      }
      expect(await run.exited).toBe(1);
      expect(run.output.text).toMatch(/Error: instance \d \(pid \d+\) exited within 5 s of starting 3 times in a row \(killed by SIGKILL; error above, if any\), so lift --instances gave up; fix the cause and lift again\.\n/);
      expect(childrenOf(run.pid, 'sails-rt.js')).toEqual([]);
    } finally {
      await ensureStopped(run);
    }
  }, 60_000);
});
