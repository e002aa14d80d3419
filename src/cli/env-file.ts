/**
 * The app's `.env`: the environment variables a developer keeps for this machine (DATABASE_URL,
 * SESSION_SECRET), read by the commands that run the app. A variable already set in the
 * environment wins, so a deployment's settings are never overridden by a stray file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { CliError } from './errors.js';

/**
 * Sets every variable of `<appPath>/.env` that `env` does not have yet; resolves with the names
 * it set (none when there is no .env).
 *
 * @example loadEnvFile('/srv/shop') // ['DATABASE_URL']
 */
export function loadEnvFile(appPath: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const path = join(appPath, '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CliError(`Could not read ${path} (${(error as Error).message}); fix its permissions or remove it.`);
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (value === undefined || env[name] !== undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}

/**
 * `loadEnvFile` for a command that runs the app (lift, migrate): one line says which variables
 * came from .env, none when it set nothing.
 */
export function readAppEnvFile(appPath: string, say: (text: string) => void): void {
  const set = loadEnvFile(appPath);
  if (set.length > 0) say(`sails-rt: read ${set.join(', ')} from .env.\n`);
}
