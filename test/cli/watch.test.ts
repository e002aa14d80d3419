/**
 * `sails-rt lift --watch` against a real generated app: a model edit regenerates and restarts on
 * the same port, a broken model keeps the last good app answering, SIGTERM stops everything.
 * No timing is asserted here; `npm run bench` prints the restart time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT, tempDir } from './helpers.js';

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

describe('sails-rt lift --watch', () => {
  const dir = join(tempDir(), 'watched');
  const model = join(dir, 'api', 'models', 'User.ts');
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
    const from = output.text.length;
    writeFileSync(model, `${readFileSync(model, 'utf8')}\nexport const broken = (;\n`);
    await output.waitFor(/Error: api\/models\/User\.ts: could not be loaded: line \d+, column \d+/, from);
    await output.waitFor(/was not restarted and still runs the last good version/, from);
    const answer = await fetch(`${url}/user`);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { name: string }[]).map((user) => user.name)).toContain('Ada');
  });

  it('stops the app and exits 0 on SIGTERM', async () => {
    supervisor.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/user`)).rejects.toThrow();
  });
});
