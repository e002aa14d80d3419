/**
 * The Redis the scale-out tests run on: REDIS_URL, else 127.0.0.1:6379. Each test names its
 * stream and keys after a prefix of its own and deletes them afterwards, so test files share one
 * Redis in parallel. With CI=true a Redis that does not answer fails the file; elsewhere it skips.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';

export const TEST_REDIS_URL = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';

/** Why Redis cannot be used, or undefined when it answers. Throws under CI=true, where a missing Redis is a failure. */
export async function redisProblem(url = TEST_REDIS_URL): Promise<string | undefined> {
  const client = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => {});
  let problem: string | undefined;
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    problem = `Redis at ${url} does not answer (${(error as Error).message}); start it, or set REDIS_URL`;
  } finally {
    if (client.isOpen) client.destroy();
  }
  if (problem !== undefined && process.env['CI'] === 'true') throw new Error(problem);
  return problem;
}

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `sails-rt-test-${randomBytes(5).toString('hex')}`;
}

/** Deletes every key starting with `prefix` (the stream, and session keys). */
export async function deleteKeys(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const client = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) keys.push(...batch);
    if (keys.length > 0) await client.del(keys);
  } finally {
    if (client.isOpen) client.destroy();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** A redis-server of the test's own on `port`, in memory only; `stop()` kills it by its PID. */
export async function startRedisServer(port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 5000;
  for (;;) {
    const client = createClient({ url, socket: { connectTimeout: 500, reconnectStrategy: false } });
    client.on('error', () => {});
    try {
      await client.connect();
      client.destroy();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server on port ${port} did not start (${(error as Error).message})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      await exited;
    },
  };
}
