/**
 * `sails-rt lift --watch` against a real generated app: a model edit regenerates and restarts on
 * the same port, a broken model keeps the last good app answering, SIGTERM stops everything.
 * No timing is asserted here; `npm run bench` prints the restart time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, childrenOf, cli, ROOT, tempDir } from './helpers.js';

const BIN = join(ROOT, 'bin', 'sails-rt.js');

/** Everything a process printed, and a way to wait for a line after a given point. */
class Output {
  text = '';
  private waiters: (() => void)[] = [];

  add(chunk: Buffer): void {
    this.text += chunk.toString();
    for (const wake of this.waiters.splice(0)) wake();
  }

  async waitFor(pattern: RegExp, from: number, ms = 20_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = pattern.exec(this.text.slice(from));
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${ms} ms; output:\n${this.text}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
}


/** The supervisor's children, oldest first: the app, then the spare started after it lifted. */
function byAge(pids: number[]): number[] {
  const started = (pid: number) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  };
  return [...pids].sort((a, b) => started(a) - started(b) || a - b);
}



describe('sails-rt lift --watch', () => {
  const dir = join(tempDir(), 'watched');
  const model = join(dir, 'api', 'models', 'User.ts');
  const controller = join(dir, 'api', 'controllers', 'SayController.ts');
  const routes = join(dir, 'config', 'routes.ts');
  const output = new Output();
  let supervisor: ChildProcess;
  let exited: Promise<number | null>;
  let url: string;

  beforeAll(async () => {
    expect((await cli(join(dir, '..'), 'new', dir, '--yes', '--skip-install')).exitCode).toBe(0);
    expect((await cli(dir, 'generate', 'model', 'User', 'name:string')).exitCode).toBe(0);
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(dir, 'node_modules', 'sails-rt'), 'dir');
    supervisor = spawn(process.execPath, [BIN, 'lift', '--watch', '--port', '0'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'development', NO_COLOR: '1' },
    });
    supervisor.stdout!.on('data', (chunk: Buffer) => output.add(chunk));
    supervisor.stderr!.on('data', (chunk: Buffer) => output.add(chunk));
    exited = new Promise((resolve) => supervisor.once('exit', (code) => resolve(code)));
    url = (await output.waitFor(/app lifted at (http:\/\/\S+)/, 0))[1]!;
    await output.waitFor(/watching api\//, 0);
  });

  afterAll(() => {
    if (supervisor.exitCode === null) supervisor.kill('SIGKILL');
  });

  async function until(done: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`no ${what} within 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function expectUsers(names: string[]): Promise<void> {
    const answer = await fetch(`${url}/user`);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { name: string }[]).map((user) => user.name)).toEqual(names);
  }

  it('regenerates and restarts on the same URL when a model gains an attribute', async () => {
    const from = output.text.length;
    const source = readFileSync(model, 'utf8');
    writeFileSync(model, source.replace("name: { type: 'string' },", "name: { type: 'string' },\n    age: { type: 'number' },"));
    await output.waitFor(/api\/models\/User\.ts changed; regenerated and restarted in \d+ ms/, from);
    expect(readFileSync(join(dir, 'generated', 'models.ts'), 'utf8')).toMatch(/age/);
    expect(output.text.slice(from)).toContain(`app lifted at ${url} `);

    const created = await fetch(`${url}/user`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ada', age: 36 }),
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: number };
    const found = (await (await fetch(`${url}/user/${id}`)).json()) as { name: string; age: number };
    expect(found).toMatchObject({ name: 'Ada', age: 36 });
  });

  it('prints the located error of a broken model and keeps the last good app answering', async () => {
    const good = readFileSync(model, 'utf8');
    let from = output.text.length;
    writeFileSync(model, `${good}\nexport const broken = (;\n`);
    await output.waitFor(/Error: api\/models\/User\.ts: could not be loaded: line \d+, column \d+/, from);
    await output.waitFor(/was not restarted and still runs the last good version/, from);
    await expectUsers(['Ada']);

    from = output.text.length;
    writeFileSync(model, good);
    await output.waitFor(/api\/models\/User\.ts changed; regenerated and restarted/, from);
  });

  it('keeps the last good app answering when a controller does not load, and takes the fixed one', async () => {
    const good = readFileSync(controller, 'utf8');
    let from = output.text.length;
    writeFileSync(controller, `${good}\nexport const broken = (;\n`);
    await output.waitFor(/api\/controllers\/SayController\.ts could not be loaded \(line \d+, column \d+/, from);
    await output.waitFor(/SayController\.ts changed; the new version did not load \(error above\), so the app was not restarted and still runs the last good version/, from);
    await expectUsers(['Ada']);
    // A new spare waits beside the app again, for the fix.
    await until(() => childrenOf(supervisor.pid!).length === 2, 'the app and a spare child');

    from = output.text.length;
    writeFileSync(controller, good);
    await output.waitFor(/SayController\.ts changed; restarted in \d+ ms/, from);
    await expectUsers(['Ada']);
  });

  it('keeps the last good app answering when a route points nowhere', async () => {
    const good = readFileSync(routes, 'utf8');
    let from = output.text.length;
    writeFileSync(routes, good.replace(/^(\s*)'GET \/say\/hello'/m, "$1'GET /nowhere': 'NoController.none',\n$1'GET /say/hello'"));
    expect(readFileSync(routes, 'utf8')).toContain('NoController.none');
    await output.waitFor(/the route "GET \/nowhere" points to the action no\/none, which does not exist/, from);
    await output.waitFor(/config\/routes\.ts changed; the new version did not load/, from);
    await expectUsers(['Ada']);

    from = output.text.length;
    writeFileSync(routes, good);
    await output.waitFor(/config\/routes\.ts changed; restarted/, from);
  });

  it("does not count an editor's swap, backup and lock files as changes", async () => {
    const from = output.text.length;
    const folder = join(dir, 'api', 'controllers');
    writeFileSync(join(folder, '.SayController.ts.swp'), 'swap');
    writeFileSync(join(folder, 'SayController.ts~'), 'backup');
    writeFileSync(join(folder, '4913'), '');
    writeFileSync(join(folder, '.#SayController.ts'), 'lock');
    writeFileSync(controller, `${readFileSync(controller, 'utf8')}\n// edited\n`);
    // One change, named alone: the four other files were not counted.
    await output.waitFor(/sails-rt: api\/controllers\/SayController\.ts changed; restarted/, from);
    expect(output.text.slice(from)).not.toMatch(/and \d+ more changed/);
  });

  /** Appends a line to the controller and waits for the restart it causes. */
  async function saveAndRestart(line: string): Promise<string> {
    const from = output.text.length;
    writeFileSync(controller, `${readFileSync(controller, 'utf8')}\n${line}\n`);
    await output.waitFor(/SayController\.ts changed; restarted in \d+ ms/, from);
    return output.text.slice(from);
  }

  it('sees every save of a file an editor replaces by renaming a temp file over it, and a new folder', async () => {
    let from = output.text.length;
    const temp = join(dir, 'api', 'controllers', '.SayController.ts.tmp');
    writeFileSync(temp, `${readFileSync(controller, 'utf8')}\n// saved by rename\n`);
    renameSync(temp, controller);
    await output.waitFor(/SayController\.ts changed; restarted in \d+ ms/, from);
    // The file is a new one now: a save in place must still be seen.
    await saveAndRestart('// saved in place, after the rename');
    from = output.text.length;
    mkdirSync(join(dir, 'api', 'controllers', 'admin'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(join(dir, 'api', 'controllers', 'admin', 'ping.ts'), "export default (req, res) => res.json({ pong: true });\n");
    await output.waitFor(/api\/controllers\/admin(?:\/ping\.ts)? (?:and \d+ more )?changed; restarted in \d+ ms/, from);
  });

  it('replaces a spare that died, and the save still restarts the app', async () => {
    await until(() => childrenOf(supervisor.pid!).length === 2, 'the app and a spare child');
    const [, spare] = byAge(childrenOf(supervisor.pid!));
    process.kill(spare!, 'SIGKILL');
    await until(() => !alive(spare!), 'end of the killed spare');
    expect(await saveAndRestart('// after the spare died')).not.toMatch(/did not load/);
    await expectUsers(['Ada']);
  });

  it('says when the app dies on its own, and starts it again at the next save', async () => {
    await until(() => childrenOf(supervisor.pid!).length === 2, 'the app and a spare child');
    const [app] = byAge(childrenOf(supervisor.pid!));
    const from = output.text.length;
    process.kill(app!, 'SIGKILL');
    await output.waitFor(/sails-rt: the app exited \(killed by SIGKILL; error above, if any\); save a change to start it again\./, from);
    await saveAndRestart('// after the app died');
    await expectUsers(['Ada']);
  });

  it('drops a version still loading when a newer save comes (a load that never ends cannot wedge it)', async () => {
    const good = readFileSync(controller, 'utf8');
    const from = output.text.length;
    // A timer keeps the loading process alive: the await never settles, and the process never ends.
    writeFileSync(controller, `${good}\nawait new Promise(() => setInterval(() => {}, 1000));\n`);
    // The hung version is loading now; the fix is saved while it still is.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    writeFileSync(controller, `${good}\n// fixed\n`);
    await output.waitFor(/SayController\.ts changed; restarted in \d+ ms/, from);
    expect(output.text.slice(from), output.text.slice(from)).not.toMatch(/did not load/);
    await expectUsers(['Ada']);
  });

  it('kills an old app that does not stop within 3 s of SIGTERM, rather than wait for it forever', async () => {
    await saveAndRestart("export const spin = () => { const end = Date.now() + 60_000; while (Date.now() < end); };");
    await until(() => childrenOf(supervisor.pid!).length === 2, 'the app and a spare child');
    const [app] = byAge(childrenOf(supervisor.pid!));
    // The app's event loop is now stuck for a minute: it cannot act on SIGTERM.
    writeFileSync(join(dir, 'api', 'controllers', 'spin.ts'), "export default () => { const end = Date.now() + 60_000; while (Date.now() < end); };\n");
    writeFileSync(routes, readFileSync(routes, 'utf8').replace("'GET /say/hello'", "'GET /spin': 'spin',\n  'GET /say/hello'"));
    let from = output.text.length;
    await output.waitFor(/changed; restarted in \d+ ms/, from);
    const [stuck] = byAge(childrenOf(supervisor.pid!));
    expect(stuck).not.toBe(app);
    void fetch(`${url}/spin`).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    from = output.text.length;
    writeFileSync(controller, `${readFileSync(controller, 'utf8')}\n// one more\n`);
    await output.waitFor(/the app did not stop within 3 s of SIGTERM \(something in it keeps the process alive\), so it was killed\./, from);
    await output.waitFor(/SayController\.ts changed; restarted in \d+ ms/, from);
    expect(alive(stuck!)).toBe(false);
    await expectUsers(['Ada']);
  });

  it('stops the app and exits 0 on SIGTERM', async () => {
    supervisor.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/user`)).rejects.toThrow();
  });
});

describe('sails-rt lift --watch, its supervisor killed', () => {
  const dir = join(tempDir(), 'orphaned');

  it('leaves no app running behind it, even after SIGKILL', async () => {
    expect((await cli(join(dir, '..'), 'new', dir, '--yes', '--skip-install', '--no-example')).exitCode).toBe(0);
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(dir, 'node_modules', 'sails-rt'), 'dir');
    const output = new Output();
    const supervisor = spawn(process.execPath, [BIN, 'lift', '--watch', '--port', '0'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'development', NO_COLOR: '1' },
    });
    supervisor.stdout!.on('data', (chunk: Buffer) => output.add(chunk));
    supervisor.stderr!.on('data', (chunk: Buffer) => output.add(chunk));
    try {
      const url = (await output.waitFor(/app lifted at (http:\/\/\S+)/, 0))[1]!;
      // The app, and the spare that waits to load the next version.
      const children = childrenOf(supervisor.pid!);
      expect(children.length).toBeGreaterThanOrEqual(1);
      expect((await fetch(`${url}/__getcookie`)).status).toBe(200);

      supervisor.kill('SIGKILL');
      const deadline = Date.now() + 15_000;
      while (children.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(children.filter(alive), 'children that outlived their supervisor').toEqual([]);
      await expect(fetch(`${url}/__getcookie`)).rejects.toThrow();
    } finally {
      if (supervisor.exitCode === null) supervisor.kill('SIGKILL');
      for (const pid of childrenOf(supervisor.pid!)) process.kill(pid, 'SIGKILL');
    }
  });
});
