/**
 * `lift({ temporaryDatabase: true })`, what an app's own tests lift with: a database of its own on
 * the store the app is configured for, gone once the app lowers.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { lift } from '../../src/runtime/index.js';
import { FIXTURE_APP } from '../runtime/helpers.js';
import { MYSQL_URL, POSTGRES_URL, serverProblem } from './databases.js';

async function databases(kind: 'postgres' | 'mysql'): Promise<string[]> {
  if (kind === 'postgres') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      return (await client.query<{ datname: string }>('select datname from pg_database')).rows.map((row) => row.datname);
    } finally {
      await client.end();
    }
  }
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection({ uri: MYSQL_URL });
  try {
    const [rows] = await connection.query('show databases');
    return (rows as Record<string, string>[]).map((row) => Object.values(row)[0]!);
  } finally {
    await connection.end();
  }
}

async function createUser(url: string): Promise<number> {
  const response = await fetch(`${url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada', email: 'ada@example.com' }) });
  return response.status;
}

describe('lift({ temporaryDatabase: true })', () => {
  it('keeps an SQLite app in memory: no file is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sails-rt-temporary-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'db.sqlite');
    const app = await lift({ appPath: FIXTURE_APP, port: 0, log: () => {}, config: { datastores: { default: { filename: file } }, log: { level: 'warn' } }, temporaryDatabase: true });
    try {
      expect(await createUser(app.url)).toBe(200);
    } finally {
      await app.lower();
    }
    expect(existsSync(file)).toBe(false);
  });

  for (const kind of ['postgres', 'mysql'] as const) {
    it(`makes a ${kind} database beside the configured one and drops it when the app lowers`, async (context) => {
      const problem = await serverProblem(kind);
      if (problem !== undefined) {
        if (process.env['CI'] === 'true') throw new Error(problem);
        return context.skip(problem);
      }
      const configured = kind === 'postgres' ? POSTGRES_URL : MYSQL_URL;
      const app = await lift({ appPath: FIXTURE_APP, port: 0, log: () => {}, config: { datastores: { default: { adapter: kind, url: configured } }, log: { level: 'warn' } }, temporaryDatabase: true });
      let name = '';
      try {
        expect(await createUser(app.url)).toBe(200);
        // The app runs on its own database, named after the configured one.
        name = new URL(String(app.config.datastores.default?.url)).pathname.slice(1);
        const base = new URL(configured).pathname.slice(1) || 'sailsrt';
        expect(name).toMatch(new RegExp(`^${base}_test_[0-9a-f]{10}$`));
        expect(await databases(kind)).toContain(name);
      } finally {
        await app.lower();
      }
      expect(await databases(kind)).not.toContain(name);
    });
  }
});
