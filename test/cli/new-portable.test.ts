/**
 * An app made by a sails-rt installed from its tarball goes anywhere: `npm pack` this checkout,
 * `npm install` the tarball in an empty folder, run that copy's `sails-rt new`, move the app to
 * another folder, remove everything else, then `npm install` and the app's own `npm test` there.
 *
 * The installs take about half a minute each from npm's cache (filled by the project's own
 * `npm ci`). They skip install scripts, as nothing here needs them but better-sqlite3's native
 * build, which takes minutes from source: the moved app gets the binary the project's own install
 * built when the versions match (the same Node, the same better-sqlite3), else it is rebuilt.
 */
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const VENDORED = `vendor/sails-rt-${VERSION}.tgz`;
const NPM_QUIET = ['--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'];
const MINUTES = 60_000;

const version = (dir: string): string | undefined =>
  existsSync(join(dir, 'package.json')) ? (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version : undefined;

describe('an app made by sails-rt installed from its tarball', () => {
  const work = tempDir();
  const host = join(work, 'host');
  const made = join(host, 'myapp');
  const moved = join(work, 'elsewhere', 'myapp');
  let output = '';

  beforeAll(async () => {
    const { stdout } = await execa('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT });
    const [packed] = JSON.parse(stdout) as [{ filename: string }];
    mkdirSync(host);
    writeFileSync(join(host, 'package.json'), JSON.stringify({ name: 'host', private: true }));
    await execa('npm', ['install', join(work, packed.filename), ...NPM_QUIET], { cwd: host });
    ({ stdout: output } = await execa(join(host, 'node_modules', '.bin', 'sails-rt'), ['new', 'myapp', '--yes', '--skip-install'], {
      cwd: host,
      env: { NO_COLOR: '1' },
    }));
    rmSync(join(work, packed.filename));
  }, 5 * MINUTES);

  it('carries that copy packed in vendor/, named by a relative path', () => {
    expect(output).toContain(`CREATE ${VENDORED}\n`);
    const manifest = JSON.parse(readFileSync(join(made, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies).toEqual({ 'sails-rt': `file:${VENDORED}` });
    expect(existsSync(join(made, VENDORED))).toBe(true);
    // Packed once, into the installed copy's folder, for the next `new`.
    expect(existsSync(join(host, 'node_modules', 'sails-rt', '.cache'))).toBe(true);
  });

  it('does not ignore vendor/ in its .gitignore', async () => {
    await execa('git', ['init', '-q'], { cwd: made });
    const ignored = await execa('git', ['check-ignore', '-q', VENDORED], { cwd: made, reject: false });
    expect(ignored.exitCode).toBe(1);
    rmSync(join(made, '.git'), { recursive: true, force: true });
  });

  it('installs in another folder, with nothing else left, and passes its own tests', async () => {
    mkdirSync(join(work, 'elsewhere'));
    renameSync(made, moved);
    rmSync(host, { recursive: true, force: true });

    await execa('npm', ['install', ...NPM_QUIET], { cwd: moved });
    const lock = JSON.parse(readFileSync(join(moved, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    expect(lock.packages['node_modules/sails-rt']?.resolved).toBe(`file:${VENDORED}`);
    expect(lstatSync(join(moved, 'node_modules', 'sails-rt')).isSymbolicLink()).toBe(false);

    const sqlite = join(moved, 'node_modules', 'better-sqlite3');
    const built = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release');
    if (version(sqlite) === version(join(ROOT, 'node_modules', 'better-sqlite3')) && existsSync(built)) {
      cpSync(built, join(sqlite, 'build', 'Release'), { recursive: true });
    } else {
      await execa('npm', ['rebuild', 'better-sqlite3'], { cwd: moved });
    }

    const test = await execa('npm', ['test'], { cwd: moved, reject: false, env: { CI: 'true', NO_COLOR: '1' }, all: true });
    const said = stripVTControlCharacters(test.all ?? '');
    expect(test.exitCode, said).toBe(0);
    expect(said).toMatch(/Tests\s+\d+ passed/);
  }, 5 * MINUTES);
});
