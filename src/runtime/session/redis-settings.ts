/**
 * The settings of `store: 'redis'` in config/session.ts, checked at lift without loading the
 * Redis client (session/redis.ts is imported only once they are known to be good).
 */
import { redactUrl } from '../store/errors.js';
import type { SessionConfig } from './index.js';

/** What every session key starts with unless `session.prefix` says otherwise: connect-redis's own default. */
export const DEFAULT_REDIS_PREFIX = 'sess:';
/** The example the refusals give. */
export const REDIS_URL_EXAMPLE = 'redis://127.0.0.1:6379';

export interface RedisSessionSettings {
  url: string;
  prefix: string;
}

type Fail = (setting: string, problem: string, fix: string) => never;

/** Refuses a `store: 'redis'` without a usable URL (session.url, else REDIS_URL) or with a bad prefix. */
export function checkRedisSettings(session: SessionConfig, fail: Fail): void {
  const url = session.url ?? process.env['REDIS_URL'];
  if (url === undefined || (typeof url === 'string' && url.trim() === '')) {
    fail('session.url', "is not set, and neither is the REDIS_URL environment variable, which session.store: 'redis' needs", `set REDIS_URL (or session.url) to the Redis server, such as ${REDIS_URL_EXAMPLE}`);
  }
  if (typeof url !== 'string' || !/^rediss?:\/\//i.test(url)) {
    fail(session.url === undefined ? 'session.url (from REDIS_URL)' : 'session.url', `is ${JSON.stringify(typeof url === 'string' ? redactUrl(url) : url)}, not a Redis URL`, `use a URL such as ${REDIS_URL_EXAMPLE} (rediss:// for TLS)`);
  }
  if (session.prefix !== undefined && (typeof session.prefix !== 'string' || session.prefix === '')) {
    fail('session.prefix', `is ${JSON.stringify(session.prefix)}`, `use a short non-empty string such as '${DEFAULT_REDIS_PREFIX}'`);
  }
}

/** The checked settings, defaults filled in. */
export function redisSettings(session: SessionConfig): RedisSessionSettings {
  return { url: (session.url ?? process.env['REDIS_URL'] ?? '').trim(), prefix: session.prefix ?? DEFAULT_REDIS_PREFIX };
}
