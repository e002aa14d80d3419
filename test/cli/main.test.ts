/** main() in process, with the outside world stubbed: install, questions, terminal, colours. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CliError, main, type CliContext } from '../../src/cli/index.js';
import { defaultRuntime } from '../../src/cli/package-info.js';
import { stubContext, tempDir } from './helpers.js';

/** stubContext, with every question answered by its default. */
function context(cwd: string, overrides: Partial<CliContext> = {}) {
  const ask = vi.fn<CliContext['ask']>(async (question) => question.initial);
  const stub = stubContext(cwd, { ask, ...overrides });
  return { ...stub, ctx: stub.context, ask };
}

const argv = (...args: string[]) => ['node', 'sails-rt', ...args];

describe('main', () => {
  const work = tempDir();

  it('runs npm install in the new app through the one injected exec, with visible progress', async () => {
    const { ctx, exec, stdout } = context(work);
    expect(await main(argv('new', 'installed', '--yes'), ctx)).toBe(0);
    expect(exec).toHaveBeenCalledTimes(1);
    expect(exec).toHaveBeenCalledWith('npm', ['install'], { cwd: join(work, 'installed'), signal: expect.any(AbortSignal) });
    expect(stdout()).toContain(`Installing dependencies with npm install in ${join(work, 'installed')}...`);
    expect(stdout()).toContain('Next:\n  cd installed\n  npx sails-rt lift\n  npm test\n');
  });

  it('reports a failed install in one sentence, after writing the app', async () => {
    const { ctx, stderr } = context(work, { exec: async () => Promise.reject(new Error('Command failed with exit code 1: npm install')) });
    expect(await main(argv('new', 'offline', '--yes'), ctx)).toBe(1);
    expect(stderr()).toBe(
      `Error: npm install failed in ${join(work, 'offline')} (Command failed with exit code 1: npm install); the app is written, so run npm install there once the problem is fixed.\n`,
    );
    expect(existsSync(join(work, 'offline', 'package.json'))).toBe(true);
  });

  it('stops at Ctrl-C while writing: exit 130, nothing written, no temp file, the trap released', async () => {
    const { ctx, interrupt, release, stderr } = context(work);
    interrupt();
    expect(await main(argv('new', 'interrupted', '--yes'), ctx)).toBe(130);
    expect(stderr()).toBe(`Error: Interrupted before ${join(work, 'interrupted')} was changed; nothing was written.\n`);
    expect(existsSync(join(work, 'interrupted'))).toBe(false);
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('stops at Ctrl-C during npm install: exit 130, the app kept, the way on named', async () => {
    const run = context(work);
    run.exec.mockImplementation(async (_command, _args, { signal }) => {
      run.interrupt();
      expect(signal?.aborted).toBe(true);
      throw new Error('Command was canceled: npm install');
    });
    expect(await main(argv('new', 'cut', '--yes'), run.ctx)).toBe(130);
    expect(run.stderr()).toBe(`Error: Interrupted during npm install; the app is written, so run npm install in ${join(work, 'cut')}.\n`);
    expect(existsSync(join(work, 'cut', 'package.json'))).toBe(true);
    expect(run.stdout()).not.toContain('Done.');
  });

  it('asks about the example only with a terminal and no answer yet', async () => {
    const asked = context(work, { interactive: true });
    asked.ask.mockImplementation(async (question) => (question.kind === 'confirm' ? false : question.initial));
    expect(await main(argv('new', 'asked', '--skip-install'), asked.ctx)).toBe(0);
    expect(asked.ask).toHaveBeenCalledWith({ kind: 'confirm', message: 'Include the SayController realtime example?', initial: true });
    expect(existsSync(join(work, 'asked', 'api', 'controllers', 'SayController.ts'))).toBe(false);

    for (const flag of ['--yes', '--no-example']) {
      const told = context(work, { interactive: true });
      expect(await main(argv('new', `told${flag}`, '--skip-install', flag), told.ctx)).toBe(0);
      expect(told.ask).not.toHaveBeenCalledWith(expect.objectContaining({ message: 'Include the SayController realtime example?' }));
    }
    const headless = context(work, { interactive: false });
    expect(await main(argv('new', 'headless', '--skip-install'), headless.ctx)).toBe(0);
    expect(headless.ask).not.toHaveBeenCalled();
  });

  it('says so and writes nothing when a question is cancelled', async () => {
    const { ctx, stderr } = context(work, {
      interactive: true,
      ask: async () => Promise.reject(new CliError('Cancelled at a question; nothing was written.')),
    });
    expect(await main(argv('new', 'cancelled'), ctx)).toBe(1);
    expect(stderr()).toBe('Error: Cancelled at a question; nothing was written.\n');
    expect(existsSync(join(work, 'cancelled'))).toBe(false);
  });

  it('prints the stack of an error only with --verbose', async () => {
    const quiet = context(work);
    expect(await main(argv('generate'), quiet.ctx)).toBe(1);
    expect(quiet.stderr().trim().split('\n')).toHaveLength(1);
    const loud = context(work);
    expect(await main(argv('generate', '--verbose'), loud.ctx)).toBe(1);
    expect(loud.stderr()).toMatch(/^Error: No sails-rt app here: .*\nCliError: No sails-rt app here: .*\n\s+at /);
  });

  it('lists every flag of every command, each with an example, in --help', async () => {
    for (const command of [[], ['new'], ['generate'], ['generate', 'model'], ['generate', 'policy'], ['lift']]) {
      const { ctx, stdout } = context(work);
      expect(await main(argv(...command, '--help'), ctx)).toBe(0);
      const [usage = '', examples = ''] = stdout().split('Examples:');
      const flags = [...usage.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((match) => match[1] ?? '').filter((flag) => flag !== '--help');
      expect(flags.length, command.join(' ')).toBeGreaterThan(0);
      for (const flag of flags) expect(examples, `${command.join(' ')} ${flag}`).toContain(flag);
    }
  });

  it('colours its labels only when told the output is a terminal', async () => {
    const plain = context(work);
    await main(argv('new', 'plain', '--yes', '--dry-run'), plain.ctx);
    expect(plain.stdout()).not.toContain('\u001b[');
    const coloured = context(work, { color: true });
    await main(argv('new', 'coloured', '--yes', '--dry-run'), coloured.ctx);
    expect(coloured.stdout()).toContain('\u001b[32mCREATE\u001b[39m app.ts');
  });
});

describe('defaultRuntime', () => {
  const work = tempDir();

  /** A copy of sails-rt at `<work>/<top>/node_modules/sails-rt`, with npm's hidden lockfile saying where it came from. */
  function installed(top: string, locked: Record<string, unknown> | undefined, lockfile = '.package-lock.json'): string {
    const root = join(work, top, 'node_modules', 'sails-rt');
    mkdirSync(root, { recursive: true });
    const entry = locked === undefined ? {} : { 'node_modules/sails-rt': { version: '1.2.3', ...locked } };
    const file = lockfile === '.package-lock.json' ? join(work, top, 'node_modules', lockfile) : join(work, top, lockfile);
    writeFileSync(file, JSON.stringify({ name: top, lockfileVersion: 3, packages: entry }));
    return root;
  }

  const vendored = { spec: 'file:vendor/sails-rt-1.2.3.tgz', vendored: 'vendor/sails-rt-1.2.3.tgz' };

  it('vendors a tarball of a checkout, which npm did not install', () => {
    expect(defaultRuntime(join(work, 'checkout', 'sails-rt'), '1.2.3')).toEqual(vendored);
  });

  const integrity = 'sha512-AAAA';

  it.each([
    ['the npm registry', { resolved: 'https://registry.npmjs.org/sails-rt/-/sails-rt-1.2.3.tgz', integrity }],
    ['a private registry', { resolved: 'http://127.0.0.1:4873/sails-rt/-/sails-rt-1.2.3.tgz', integrity }],
    // What npm writes with omit-lockfile-registry-resolved, for npx too.
    ['a registry, its URL left out of the lockfile', { integrity }],
  ])('depends on ^<version> when npm installed the copy from %s', (from, locked) => {
    expect(defaultRuntime(installed(`from-${from.replaceAll(/\W+/g, '-')}`, locked), '1.2.3')).toEqual({ spec: '^1.2.3' });
  });

  it('reads package-lock.json when node_modules has no hidden lockfile', () => {
    const root = installed('visible-lock', { resolved: 'https://registry.npmjs.org/sails-rt/-/sails-rt-1.2.3.tgz', integrity }, 'package-lock.json');
    expect(defaultRuntime(root, '1.2.3')).toEqual({ spec: '^1.2.3' });
  });

  it.each([
    ['a tarball', { resolved: 'file:../sails-rt-1.2.3.tgz', integrity }],
    ['a folder (a link)', { resolved: '../sails-rt', link: true }],
    ['a tarball on a web server', { resolved: 'https://example.com/downloads/sails-rt.tgz', integrity }],
    ['git', { resolved: 'git+ssh://git@github.com/someone/sails-rt.git#0123abc' }],
    ['no record (a global install, another package manager)', undefined],
  ])('vendors a tarball of a copy installed from %s', (from, locked) => {
    expect(defaultRuntime(installed(`from-${from.replaceAll(/\W+/g, '-')}`, locked), '1.2.3')).toEqual(vendored);
  });

  it('finds a nested copy under the lockfile of the outer node_modules', () => {
    const top = join(work, 'nested');
    const root = join(top, 'node_modules', 'tool', 'node_modules', 'sails-rt');
    mkdirSync(root, { recursive: true });
    const packages = { 'node_modules/tool/node_modules/sails-rt': { resolved: 'https://registry.npmjs.org/sails-rt/-/sails-rt-1.2.3.tgz' } };
    writeFileSync(join(top, 'node_modules', '.package-lock.json'), JSON.stringify({ packages }));
    expect(defaultRuntime(root, '1.2.3')).toEqual({ spec: '^1.2.3' });
  });
});
