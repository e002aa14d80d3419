/** flushChanges on a real temp folder: all or nothing, and nothing half-written left behind. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FlushError, flushChanges, type FileChange } from '../../src/generator/index.js';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function temp(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'sails-rt-flush-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** Every entry under `dir`, folders with a trailing slash, temp files included. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/') + (entry.isDirectory() ? '/' : ''))
    .sort();
}

const create = (path: string, content = path): FileChange => ({ path, type: 'CREATE', content });

describe('flushChanges', () => {
  it('writes creates, updates and deletes', async () => {
    const root = temp({ 'a.txt': 'old', 'gone.txt': 'x' });
    await flushChanges(root, [
      { path: 'a.txt', type: 'UPDATE', content: 'new' },
      create('deep/er/b.txt'),
      { path: 'gone.txt', type: 'DELETE', content: null },
    ]);
    expect(listing(root)).toEqual(['a.txt', 'deep/', 'deep/er/', 'deep/er/b.txt']);
    expect(readFileSync(join(root, 'a.txt'), 'utf8')).toBe('new');
  });

  it('writes nothing when the 5th of 8 files cannot be written, and says which and why', async () => {
    // A file where a folder must go: fails for root too, unlike a read-only folder.
    const root = temp({ 'keep.txt': 'mine', 'blocked': 'a file, not a folder' });
    const changes = [
      create('a/1.ts'),
      create('a/2.ts'),
      create('b/c/3.ts'),
      create('b/4.ts'),
      create('blocked/5.ts'),
      create('d/6.ts'),
      create('e/7.ts'),
      { path: 'keep.txt', type: 'UPDATE', content: 'theirs' } satisfies FileChange,
    ];
    const error = await flushChanges(root, changes).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FlushError);
    expect((error as FlushError).message).toMatch(new RegExp(`^Could not write blocked/5\\.ts in ${root.replaceAll('\\', '\\\\')} \\((ENOTDIR|EEXIST): [^']*\\); nothing was written\\.$`));
    expect((error as FlushError).written).toEqual([]);
    expect((error as FlushError).notWritten).toHaveLength(8);
    // No temp file, no folder it made, the user's file as it was.
    expect(listing(root)).toEqual(['blocked', 'keep.txt']);
    expect(readFileSync(join(root, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('refuses a folder where a file is to go before replacing anything', async () => {
    const root = temp({ 'app.ts/inner.txt': 'x' });
    const error = (await flushChanges(root, [create('a.ts'), create('app.ts')]).catch((caught: unknown) => caught)) as FlushError;
    expect(error.message).toBe(`Could not write app.ts in ${root} (${join(root, 'app.ts')} is a folder); nothing was written.`);
    expect(listing(root)).toEqual(['app.ts/', 'app.ts/inner.txt']);
  });

  it('removes the folder it would have created when nothing could be written', async () => {
    const parent = temp({ blocked: 'file' });
    const root = join(parent, 'newapp');
    await expect(flushChanges(root, [create('x/1.ts'), create('../blocked/2.ts')])).rejects.toThrow(FlushError);
    expect(listing(parent)).toEqual(['blocked']);
  });

  it('stops when aborted (Ctrl-C) and leaves the folder as it was', async () => {
    const root = temp({ 'keep.txt': 'mine' });
    const controller = new AbortController();
    controller.abort();
    const error = (await flushChanges(root, [create('n/1.ts'), { path: 'keep.txt', type: 'UPDATE', content: 'x' }], { signal: controller.signal }).catch(
      (caught: unknown) => caught,
    )) as FlushError;
    expect(error.interrupted).toBe(true);
    expect(error.message).toBe(`Interrupted before ${root} was changed; nothing was written.`);
    expect(listing(root)).toEqual(['keep.txt']);
  });
});
