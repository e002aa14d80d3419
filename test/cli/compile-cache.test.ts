/**
 * The built package's core and its V8 code cache (src/boot.ts): a lift writes the cache, the next
 * one uses it, a damaged cache is refused by V8 and rewritten, and SAILS_RT_COMPILE_CACHE=0 writes
 * none. Each lift runs in a process of its own with its own temp folder, through dist/ (`npm test`
 * builds it first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.js';

const APP = join(ROOT, 'test', 'runtime', 'fixture-app');

/** Lifts the fixture app from dist/ on a free port, asks GET /user, lowers it; returns the loader's debug lines about the core. */
function liftOnce(tmp: string, env: Record<string, string> = {}): string[] {
  const script = `
    const { lift } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'runtime', 'index.js')).href)});
    const app = await lift({ appPath: ${JSON.stringify(APP)}, port: 0, log: () => {}, temporaryDatabase: true, logDestination: { write() {} } });
    const response = await fetch(app.url + '/user');
    if (response.status !== 200) throw new Error('GET /user answered ' + response.status);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await app.lower();
  `;
  const { DEBUG_COLORS: _colors, ...rest } = process.env;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...rest, TMPDIR: tmp, DEBUG: 'sails-rt:boot', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (run.status !== 0) throw new Error(`the lift failed:\n${run.stderr}`);
  return run.stderr.split('\n').filter((line) => / sails-rt:boot core-\w+\.cjs compiled in [\d.]+ ms for runtime, /.test(line));
}

describe('the core bundle and its code cache', () => {
  it('is pure ASCII, so reading it as latin1 is exact', () => {
    const core = readdirSync(join(ROOT, 'dist')).find((name) => /^core-\w+\.cjs$/.test(name));
    expect(core).toBeDefined();
    const bytes = readFileSync(join(ROOT, 'dist', core!));
    expect(bytes.findIndex((byte) => byte > 0x7f)).toBe(-1);
  });

  it('is written after the first lift, used by the next, and rewritten when damaged', () => {
    const tmp = tempDir();
    const cacheDir = join(tmp, 'sails-rt-compile-cache');

    expect(liftOnce(tmp)).toEqual([expect.stringMatching(/no code cache yet$/)]);
    // The core's, and the vendor file's (Fastify, socket.io, …), which a lift reads too.
    const [cacheFile, vendorCache] = readdirSync(cacheDir).sort();
    expect(cacheFile).toMatch(/^core-\w+\.cjs-runtime-v\d+\.\d+\.\d+-\w+\.v8$/);
    expect(vendorCache).toMatch(/^vendor-\w+\.cjs-runtime-v\d+\.\d+\.\d+-\w+\.v8$/);
    const written = readFileSync(join(cacheDir, cacheFile!));
    expect(written.length).toBeGreaterThan(10_000);

    expect(liftOnce(tmp)).toEqual([expect.stringMatching(/from its code cache$/)]);

    writeFileSync(join(cacheDir, cacheFile!), Buffer.alloc(written.length, 7));
    expect(liftOnce(tmp)).toEqual([expect.stringMatching(/its code cache refused$/)]);
    expect(readFileSync(join(cacheDir, cacheFile!)).equals(Buffer.alloc(written.length, 7))).toBe(false);
    expect(liftOnce(tmp)).toEqual([expect.stringMatching(/from its code cache$/)]);
  });

  it('writes nothing with SAILS_RT_COMPILE_CACHE=0', () => {
    const tmp = tempDir();
    expect(liftOnce(tmp, { SAILS_RT_COMPILE_CACHE: '0' })).toEqual([expect.stringMatching(/code cache off$/)]);
    expect(existsSync(join(tmp, 'sails-rt-compile-cache'))).toBe(false);
  });
});
