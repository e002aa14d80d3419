/**
 * The tarball `new` vendors into an app: the files `npm pack` would pack (without source maps),
 * in npm's layout, readable by tar, the same bytes for the same files, and cached per build.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { gzipTar, isSourceMap, packFiles, runtimeTarball } from '../../src/cli/runtime-tarball/index.js';
import { ROOT, tempDir } from './helpers.js';

const manifest = () => JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; files: string[] };

/** What tar reads from a .tgz: each entry's mode, owner, date and path (its size left out). */
async function listing(tarball: string): Promise<string[]> {
  const { stdout } = await execa('tar', ['-tvzf', tarball], { env: { TZ: 'UTC' } });
  return stdout.split('\n').map((line) => {
    const [mode, owner, , date, time, ...path] = line.split(/\s+/);
    return [mode, owner, date, time, path.join(' ')].join(' ');
  });
}

/** A small package in a new folder: package.json with `files`, a README, a bin and a lib. */
function fakePackage(work: string, name: string): string {
  const root = join(work, name);
  mkdirSync(join(root, 'lib'), { recursive: true });
  mkdirSync(join(root, 'bin'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'pkg', version: '1.0.0', files: ['lib'], bin: { pkg: 'bin/pkg.js' } }));
  writeFileSync(join(root, 'README.md'), '# pkg\n');
  writeFileSync(join(root, 'bin', 'pkg.js'), '#!/usr/bin/env node\n');
  writeFileSync(join(root, 'lib', 'index.js'), 'export {};\n');
  writeFileSync(join(root, 'lib', 'index.js.map'), '{}');
  writeFileSync(join(root, 'notes.txt'), 'not listed\n');
  return root;
}

describe('the vendored sails-rt tarball', () => {
  const work = tempDir();

  it('holds the files npm pack packs, source maps left out', async () => {
    const { stdout } = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const [packed] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    const npm = packed.files.map((file) => file.path).filter((path) => !isSourceMap(path)).sort();
    expect(npm).toContain('package.json');
    expect(npm.some((path) => path.startsWith('dist/'))).toBe(true);
    expect(packFiles(ROOT, manifest()).map((file) => file.path)).toEqual(npm);
  });

  it('is laid out as npm lays it out: every entry under package/, owner 0, the files as they are on disk', async () => {
    const tarball = join(work, 'sails-rt.tgz');
    writeFileSync(tarball, runtimeTarball(ROOT, { cacheDirs: [join(work, 'cache')] }));
    const entries = await listing(tarball);
    expect(entries.filter((entry) => !/^-rw[-x]r-[-x]r-[-x] 0\/0 1985-10-26 08:15 package\//.test(entry))).toEqual([]);
    expect(entries).toContain('-rwxr-xr-x 0/0 1985-10-26 08:15 package/bin/sails-rt.js');
    expect(entries).toContain('-rw-r--r-- 0/0 1985-10-26 08:15 package/package.json');

    const out = join(work, 'extracted');
    mkdirSync(out);
    await execa('tar', ['-xzf', tarball, '-C', out]);
    for (const file of packFiles(ROOT, manifest())) {
      expect(readFileSync(join(out, 'package', file.path)).equals(readFileSync(join(ROOT, file.path))), file.path).toBe(true);
    }
  });

  it('keeps paths longer than ustar allows, and paths that are not ASCII', async () => {
    const long = `${'deep/'.repeat(40)}file.js`;
    const split = `${'a'.repeat(90)}/${'b'.repeat(90)}.js`;
    const tarball = join(work, 'names.tgz');
    writeFileSync(
      tarball,
      gzipTar([long, split, 'lib/café.js'].map((path) => ({ path, content: Buffer.from(path), executable: false }))),
    );
    const { stdout } = await execa('tar', ['-tzf', tarball]);
    expect(stdout.split('\n')).toEqual([`package/${long}`, `package/${split}`, 'package/lib/café.js']);
  });

  it('is the same bytes for the same files, and follows files, bin and README', () => {
    const root = fakePackage(work, 'same');
    const first = runtimeTarball(root, { cacheDirs: [] });
    expect(runtimeTarball(root, { cacheDirs: [] }).equals(first)).toBe(true);
    expect(packFiles(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as object).map((file) => [file.path, file.executable])).toEqual([
      ['README.md', false],
      ['bin/pkg.js', true],
      ['lib/index.js', false],
      ['package.json', false],
    ]);
  });

  it('is packed once per build: reused from the cache, packed again when a file changes, the old one removed', () => {
    const root = fakePackage(work, 'cached');
    const cache = join(work, 'cache-once');
    const first = runtimeTarball(root, { cacheDirs: [cache] });
    const [kept] = readdirSync(cache);
    expect(kept).toMatch(/^pkg-1\.0\.0-[0-9a-f]{16}\.tgz$/);
    // A cached file is served as it is: overwrite it to see that it is what comes back.
    writeFileSync(join(cache, kept ?? ''), 'cached');
    expect(runtimeTarball(root, { cacheDirs: [cache] }).toString()).toBe('cached');

    utimesSync(join(root, 'lib', 'index.js'), new Date(), new Date(Date.now() + 5_000));
    const rebuilt = runtimeTarball(root, { cacheDirs: [cache] });
    expect(rebuilt.equals(first)).toBe(true);
    expect(readdirSync(cache)).toHaveLength(1);
    expect(readdirSync(cache)).not.toContain(kept);
  });

  it('falls back to the next cache folder where one cannot be written, and packs each time where none can', () => {
    const root = fakePackage(work, 'fallback');
    const blocked = join(work, 'a-file');
    writeFileSync(blocked, '');
    const user = join(work, 'user-cache');
    const tarball = runtimeTarball(root, { cacheDirs: [join(blocked, 'cache'), user] });
    expect(readdirSync(user)).toHaveLength(1);
    expect(runtimeTarball(root, { cacheDirs: [join(blocked, 'cache')] }).equals(tarball)).toBe(true);
    expect(existsSync(join(blocked, 'cache'))).toBe(false);
  });
});
