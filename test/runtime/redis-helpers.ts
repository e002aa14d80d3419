/** Two instances of an app on one Redis and one PostgreSQL database, for the scale-out tests. */
import { onTestFinished } from 'vitest';
import { serverDatabase } from '../store/databases.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../support/redis.js';
import { connect, FIXTURE_APP, liftFixture, type Client, type ClientKind, type Lifted } from './helpers.js';

export interface Pair {
  a: Lifted;
  b: Lifted;
  prefix: string;
  /** A client of instance 'a' or 'b', closed with the pair. */
  client(on: 'a' | 'b', kind?: ClientKind): Promise<Client>;
}

/** Two instances on one Redis stream (a prefix of their own) and one database, all removed when the test ends. */
export async function liftPair(appPath = FIXTURE_APP, url = TEST_REDIS_URL): Promise<Pair> {
  const prefix = uniquePrefix();
  const database = await serverDatabase('postgres');
  const config = { sockets: { adapter: 'redis', url, keyPrefix: prefix }, datastores: { default: database.datastore } };
  const clients: Client[] = [];
  const lifted: Lifted[] = [];
  onTestFinished(async () => {
    try {
      for (const client of clients) client.close();
      for (const instance of lifted) await instance.close();
    } finally {
      await database.drop();
      await deleteKeys(prefix, url).catch(() => {});
    }
  });
  lifted.push(await liftFixture(config, { appPath }));
  lifted.push(await liftFixture(config, { appPath }));
  const [a, b] = lifted as [Lifted, Lifted];
  return {
    a,
    b,
    prefix,
    async client(on, kind = 'socket.io-client 4') {
      const client = await connect(kind, (on === 'a' ? a : b).app.url);
      clients.push(client);
      return client;
    },
  };
}

