import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { changeLines, cli, ROOT, snapshotDir, tempDir } from './helpers.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const LAYOUT = [
  '.env.example',
  '.gitignore',
  'README.md',
  'api/controllers/.gitkeep',
  'api/controllers/SayController.ts',
  'api/models/.gitkeep',
  'api/policies/.gitkeep',
  'app.ts',
  'assets/index.html',
  'assets/js/dependencies/sails.io.js',
  'config/blueprints.ts',
  'config/datastores.ts',
  'config/env/production.ts',
  'config/local.ts',
  'config/policies.ts',
  'config/routes.ts',
  'config/security.ts',
  'config/session.ts',
  'config/sockets.ts',
  'generated/client.ts',
  'generated/models-api.ts',
  'generated/models.ts',
  'generated/routes.ts',
  'package.json',
  'test/say.test.ts',
  'tsconfig.json',
  `vendor/sails-rt-${VERSION}.tgz`,
  'vitest.config.ts',
];

describe('sails-rt new', () => {
  const work = tempDir();

  it('writes the app layout, prints a CREATE line per file, and the next steps', async () => {
    const run = await cli(work, 'new', 'myapp', '--yes', '--skip-install');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(changeLines(run.stdout)).toEqual(LAYOUT.map((path) => `CREATE ${path}`));
    expect(run.stdout.endsWith('Done. Next:\n  cd myapp\n  npm install\n  npx sails-rt lift\n  npm test')).toBe(true);
    const files = snapshotDir(join(work, 'myapp'));
    expect(Object.keys(files)).toEqual(LAYOUT);
    const manifest = JSON.parse(files['package.json'] ?? '') as { name: string; dependencies: Record<string, string>; sailsRt: unknown };
    expect(manifest.name).toBe('myapp');
    // Run from a checkout: the app carries it packed, and names it by a path that moves with the app.
    expect(manifest.dependencies).toEqual({ 'sails-rt': `file:vendor/sails-rt-${VERSION}.tgz` });
    expect(manifest.sailsRt).toEqual({ version: VERSION });
    const client = readFileSync(join(ROOT, 'dist', 'browser', 'sails.io.js'), 'utf8');
    expect(files['assets/js/dependencies/sails.io.js']?.endsWith(client)).toBe(true);
    expect(files['assets/js/dependencies/sails.io.js']?.split('\n')[0]).toContain(`sails-rt browser client ${VERSION}`);
  });

  it('writes the official sails.io.js 1.2.1 with --client sails.io.js, and refuses a client it does not know', async () => {
    const run = await cli(work, 'new', 'official', '--yes', '--skip-install', '--client', 'sails.io.js');
    expect(run.exitCode).toBe(0);
    const sdk = readFileSync(join(ROOT, 'node_modules', 'sails.io.js-dist', 'sails.io.js'), 'utf8');
    const written = readFileSync(join(work, 'official', 'assets', 'js', 'dependencies', 'sails.io.js'), 'utf8');
    expect(written.endsWith(sdk)).toBe(true);
    expect(written.split('\n')[0]).toBe('// sails.io.js 1.2.1, the official Sails browser SDK, copied by sails-rt new from sails.io.js-dist; replace it to upgrade');
    const bad = await cli(work, 'new', 'unknown', '--yes', '--skip-install', '--client', 'sails.io');
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toBe('Error: "sails.io" is not a browser client sails-rt new writes (did you mean sails.io.js?); use --client sails-rt or --client sails.io.js.');
    expect(existsSync(join(work, 'unknown'))).toBe(false);
  });

  it('lists the vendored tarball in a dry run, and skips it when the same one is already there', async () => {
    const dry = await cli(work, 'new', 'vendored', '--yes', '--skip-install', '--dry-run');
    expect(changeLines(dry.stdout)).toContain(`CREATE vendor/sails-rt-${VERSION}.tgz`);
    expect(existsSync(join(work, 'vendored'))).toBe(false);
    expect((await cli(work, 'new', 'vendored', '--yes', '--skip-install')).exitCode).toBe(0);
    const again = await cli(work, 'new', 'vendored', '--yes', '--skip-install', '--force');
    expect(changeLines(again.stdout)).toContain(`SKIP vendor/sails-rt-${VERSION}.tgz (unchanged)`);
  });

  it('gives each app a session secret of its own, drawn when the app is made', async () => {
    const secrets: string[] = [];
    for (const dir of ['secret-a', 'secret-b']) {
      expect((await cli(work, 'new', dir, '--yes', '--no-example', '--skip-install')).exitCode).toBe(0);
      const local = readFileSync(join(work, dir, 'config/local.ts'), 'utf8');
      secrets.push(/^ {2}secret: '([0-9a-f]{64})',$/m.exec(local)?.[1] ?? `no secret in ${dir}/config/local.ts`);
    }
    expect(secrets[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(secrets[1]).toMatch(/^[0-9a-f]{64}$/);
    expect(secrets[0]).not.toBe(secrets[1]);
  });

  it('writes nothing with --dry-run, but lists what it would write', async () => {
    const run = await cli(work, 'new', 'dry', '--yes', '--dry-run');
    expect(run.exitCode).toBe(0);
    expect(changeLines(run.stdout)).toEqual(LAYOUT.map((path) => `CREATE ${path}`));
    expect(run.stdout).toContain(`Dry run: nothing was written (${LAYOUT.length} files would change).`);
    expect(existsSync(join(work, 'dry'))).toBe(false);
  });

  it('refuses a folder that is not empty, with a sentence naming it and the flag', async () => {
    const target = join(work, 'full');
    mkdirSync(target);
    writeFileSync(join(target, 'notes.txt'), 'mine');
    const run = await cli(work, 'new', 'full', '--yes', '--skip-install');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(`Error: The folder ${target} is not empty; choose a new folder, or pass --force to write into it.`);
    expect(run.stdout).toBe('');
    expect(snapshotDir(target)).toEqual({ 'notes.txt': 'mine' });
  });

  it('writes into a non-empty folder with --force, keeping a changed file as .orig', async () => {
    const target = join(work, 'forced');
    mkdirSync(target);
    writeFileSync(join(target, 'app.ts'), '// mine\n');
    const run = await cli(work, 'new', 'forced', '--yes', '--skip-install', '--force');
    expect(run.exitCode).toBe(0);
    expect(changeLines(run.stdout)).toContain('UPDATE app.ts');
    expect(changeLines(run.stdout)).toContain('CREATE app.ts.orig');
    expect(readFileSync(join(target, 'app.ts.orig'), 'utf8')).toBe('// mine\n');
  });

  it('refuses a file where the folder should be, with --force too', async () => {
    writeFileSync(join(work, 'a-file'), 'mine\n');
    for (const flags of [[], ['--force']]) {
      const run = await cli(work, 'new', 'a-file', '--yes', '--skip-install', ...flags);
      expect(run).toEqual({ exitCode: 1, stdout: '', stderr: `Error: ${join(work, 'a-file')} is a file, not a folder; choose another name for the app.` });
    }
    expect(readFileSync(join(work, 'a-file'), 'utf8')).toBe('mine\n');
  });

  it('stops at Ctrl-C during npm install with exit 130, stopping npm and keeping the app', async () => {
    // A stand-in npm that says it started, then waits to be stopped.
    const bin = join(work, 'fake-bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'npm'), '#!/bin/sh\necho "fake npm running"\nexec sleep 30\n', { mode: 0o755 });
    const child = execa(process.execPath, [join(ROOT, 'bin', 'sails-rt.js'), 'new', 'stopped', '--yes'], {
      cwd: work,
      reject: false,
      stdin: 'pipe',
      timeout: 20_000,
      env: { NO_COLOR: '1', PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}` },
    });
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('fake npm running')) resolve();
      });
    });
    child.kill('SIGINT');
    const result = await child;
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toBe(`Error: Interrupted during npm install; the app is written, so run npm install in ${join(work, 'stopped')}.`);
    expect(existsSync(join(work, 'stopped', 'package.json'))).toBe(true);
  });

  it('leaves the example out with --no-example and uses the --runtime spec', async () => {
    const run = await cli(work, 'new', 'plain', '--no-example', '--runtime', '^0.1.0', '--skip-install');
    expect(run.exitCode).toBe(0);
    const files = snapshotDir(join(work, 'plain'));
    expect(files['api/controllers/SayController.ts']).toBeUndefined();
    expect(files['test/say.test.ts']).toBeUndefined();
    expect(files['config/routes.ts']).not.toContain('/say/hello');
    expect((JSON.parse(files['package.json'] ?? '') as { dependencies: unknown }).dependencies).toEqual({ 'sails-rt': '^0.1.0' });
    expect(Object.keys(files).filter((path) => path.startsWith('vendor/'))).toEqual([]);
    expect(run.stdout).toContain('npm test');
  });

  it('never waits for an answer without a terminal: the example is included by default', async () => {
    // No --yes: with a terminal this would ask; stdin here is an open pipe nobody writes to.
    const run = await cli(work, 'new', 'headless', '--skip-install');
    expect(run.exitCode).toBe(0);
    expect(existsSync(join(work, 'headless', 'api', 'controllers', 'SayController.ts'))).toBe(true);
  });

  it('refuses an unknown flag in one sentence that names it and the fix, writing nothing', async () => {
    const run = await cli(work, 'new', 'flagged', '--bogus');
    expect(run).toEqual({ exitCode: 1, stdout: '', stderr: "Error: unknown option '--bogus'; see `sails-rt new --help` for the usage." });
    expect(existsSync(join(work, 'flagged'))).toBe(false);
  });

  it('suggests the flag that was meant', async () => {
    const run = await cli(work, 'new', 'typo', '--dry-rn');
    expect(run.stderr).toBe("Error: unknown option '--dry-rn' (did you mean --dry-run?); see `sails-rt new --help` for the usage.");
    expect(run.exitCode).toBe(1);
  });

  it('refuses a missing folder argument in one sentence', async () => {
    const run = await cli(work, 'new', '--yes');
    expect(run).toEqual({ exitCode: 1, stdout: '', stderr: "Error: missing required argument 'dir'; see `sails-rt new --help` for the usage." });
  });

  it('lists every flag of new, with examples, in --help', async () => {
    const run = await cli(work, 'new', '--help');
    expect(run.exitCode).toBe(0);
    for (const flag of ['--yes', '--dry-run', '--force', '--skip-install', '--no-example', '--runtime <spec>', '--client <name>']) {
      expect(run.stdout).toContain(flag);
      expect(run.stdout.split('Examples:')[1]).toContain(flag.split(' ')[0]);
    }
  });

  it('prints its version', async () => {
    expect(await cli(work, '--version')).toEqual({ exitCode: 0, stdout: VERSION, stderr: '' });
  });
});
