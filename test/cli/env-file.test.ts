/** The app's .env, read by lift before the app's config: what it sets, and what it leaves alone. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEnvFile } from '../../src/cli/env-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function appWith(envFile: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'sails-rt-env-'));
  dirs.push(dir);
  if (envFile !== undefined) writeFileSync(join(dir, '.env'), envFile);
  return dir;
}

describe('loadEnvFile', () => {
  it('sets what the environment lacks, keeps what it has, and says which it set', () => {
    const env: NodeJS.ProcessEnv = { SESSION_SECRET: 'from the host' };
    const dir = appWith('# a comment\nDATABASE_URL=postgres://postgres@127.0.0.1:5432/shop\nSESSION_SECRET=from the file\nQUOTED="two words"\n');
    expect(loadEnvFile(dir, env)).toEqual(['DATABASE_URL', 'QUOTED']);
    expect(env).toEqual({ SESSION_SECRET: 'from the host', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/shop', QUOTED: 'two words' });
  });

  it('does nothing without a .env', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadEnvFile(appWith(undefined), env)).toEqual([]);
    expect(env).toEqual({});
  });

  it('refuses a .env it cannot read, naming it', () => {
    const dir = appWith(undefined);
    // A folder where the file should be: reading it fails (EISDIR).
    mkdirSync(join(dir, '.env'));
    expect(() => loadEnvFile(dir, {})).toThrow(`Could not read ${join(dir, '.env')} (EISDIR: illegal operation on a directory, read); fix its permissions or remove it.`);
  });
});
