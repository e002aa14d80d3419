/**
 * The store part of `npm run bench`: the same app lifted on SQLite, PostgreSQL and MySQL, each
 * driven with socket `GET /user/:id`, socket `POST /user` and a fan-out of creates. Server CPU
 * per request comes from /proc of the app's process; the database's own CPU, reported apart,
 * from /proc of the PostgreSQL backends serving the bench database, or of the MariaDB/MySQL
 * server process (which also counts anything else that server does meanwhile).
 *
 * Each server database is made for the run (sailsrt_bench_<random>) and dropped after.
 */
import { execFileSync } from 'node:child_process';
import { countedLoad, cpuSeconds, load, makeBenchApp, start, stop, type BenchAppOptions, type Server } from './processes.js';

export interface StoreBenchOptions extends BenchAppOptions {
  sockets: number;
  seconds: number;
  subscribers: number;
  creates: number;
}


interface Figures {
  getMicros: number;
  getDbMicros: number | undefined;
  getPerSecond: number;
  postMicros: number;
  postDbMicros: number | undefined;
  postPerSecond: number;
  fanoutEventsPerSecond: number;
}

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const MYSQL_ADMIN = 'mysql://root@127.0.0.1:3306/';

/** Returns the lines to print among the ratios; the figures are printed as they come. */
export async function measureStores(options: StoreBenchOptions): Promise<string[]> {
  const name = `sailsrt_bench_${Math.random().toString(36).slice(2, 10)}`;
  const figures = new Map<string, Figures>();
  for (const database of ['sqlite', 'postgres', 'mysql'] as const) {
    const app = makeBenchApp(options, `store-${database}`, database);
    let url: string | undefined;
    if (database === 'postgres') url = await createPostgres(name);
    if (database === 'mysql') url = await createMysql(name);
    try {
      const lifted = await start(process.execPath, [options.cli, 'lift', '--port', '0'], app, { ...options.env, ...(url === undefined ? {} : { DATABASE_URL: url }) });
      try {
        figures.set(database, await measure(options, database, lifted, name));
      } finally {
        await stop(lifted.child);
      }
    } finally {
      if (database === 'postgres') await dropPostgres(name);
      if (database === 'mysql') await dropMysql(name);
    }
  }
  const sqlite = figures.get('sqlite')!;
  const lines: string[] = [];
  for (const database of ['postgres', 'mysql'] as const) {
    const them = figures.get(database)!;
    lines.push(
      `   ${database} vs SQLite, server CPU per socket request: GET /user/:id ${them.getMicros} vs ${sqlite.getMicros} µs (${(them.getMicros / sqlite.getMicros).toFixed(2)}x), ` +
        `POST /user ${them.postMicros} vs ${sqlite.postMicros} µs (${(them.postMicros / sqlite.postMicros).toFixed(2)}x); ` +
        `database CPU per request GET ${them.getDbMicros ?? '?'} µs, POST ${them.postDbMicros ?? '?'} µs; fan-out ${them.fanoutEventsPerSecond} vs ${sqlite.fanoutEventsPerSecond} events/s`,
    );
  }
  const pg = figures.get('postgres')!;
  lines.unshift(`6. socket GET /user/:id server CPU, PostgreSQL vs SQLite: ${pg.getMicros} µs vs ${sqlite.getMicros} µs, ${(pg.getMicros / sqlite.getMicros).toFixed(2)}x (target <= 2x)`);
  return lines;
}


async function measure(options: StoreBenchOptions, database: string, lifted: Server, name: string): Promise<Figures> {
  // A user per socket, each socket reading its own: reads of one record by many sockets at once
  // would flatter the servers' batched findOne (server-store.ts), which reads a record once per turn.
  const paths: string[] = [];
  for (let i = 0; i < options.sockets; i++) {
    const created = await fetch(`${lifted.url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `bench ${i}`, email: 'bench@example.com', age: 30 }) });
    paths.push(`/user/${((await created.json()) as { id: number }).id}`);
  }
  const dbPids = (): Promise<number[]> => (database === 'postgres' ? postgresBackends(name) : database === 'mysql' ? mysqlServer() : Promise.resolve([]));
  const get = await window(options, lifted, 'throughput', paths.join(','), dbPids);
  const post = await window(options, lifted, 'writes', '/user', dbPids);
  const fanout = load(['fanout', lifted.url, String(options.subscribers), String(options.creates)]) as { eventsPerSecond: number; lost: number };
  const db = (micros: number | undefined): string => (micros === undefined ? '' : `, database ~${micros} µs/request`);
  console.log(`${database.padEnd(8)} socket GET /user/:id: ${get.perSecond} req/s, ~${get.micros} µs server CPU/request${db(get.dbMicros)}`);
  console.log(`${database.padEnd(8)} socket POST /user:    ${post.perSecond} req/s, ~${post.micros} µs server CPU/request${db(post.dbMicros)}`);
  console.log(`${database.padEnd(8)} fan-out: ${fanout.eventsPerSecond} events/s, ${fanout.lost} lost`);
  return {
    getMicros: get.micros,
    getDbMicros: get.dbMicros,
    getPerSecond: get.perSecond,
    postMicros: post.micros,
    postDbMicros: post.dbMicros,
    postPerSecond: post.perSecond,
    fanoutEventsPerSecond: fanout.eventsPerSecond,
  };
}

/** One counted window of bench/load.ts: server and database CPU per request over it. */
async function window(
  options: StoreBenchOptions,
  lifted: Server,
  mode: 'throughput' | 'writes',
  path: string,
  dbPids: () => Promise<number[]>,
): Promise<{ micros: number; dbMicros: number | undefined; perSecond: number }> {
  let server = 0;
  let db = 0;
  let pids: number[] = [];
  const reads: Promise<void>[] = [];
  const result = await countedLoad<{ requests: number; perSecond: number; failed: number }>([mode, lifted.url, String(options.sockets), String(options.seconds), path], {
    counting() {
      server = -cpuSeconds(lifted.child.pid!);
      reads.push(
        dbPids().then((found) => {
          pids = found;
          db = -pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
        }),
      );
    },
    counted() {
      server += cpuSeconds(lifted.child.pid!);
      // After the pids are known: the database's figure is read once its processes are.
      reads.push(Promise.all(reads).then(() => void (db += pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0))));
    },
  });
  await Promise.all(reads);
  if (result.failed > 0) throw new Error(`bench/load.ts ${mode} against ${lifted.url}: ${result.failed} requests failed`);
  return {
    micros: Math.round((server * 1e6) / result.requests),
    dbMicros: pids.length === 0 ? undefined : Math.round((db * 1e6) / result.requests),
    perSecond: result.perSecond,
  };
}

async function createPostgres(name: string): Promise<string> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_ADMIN });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return `postgres://postgres@127.0.0.1:5432/${name}`;
}

async function dropPostgres(name: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_ADMIN });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** The PostgreSQL server processes serving connections to the bench database. */
async function postgresBackends(name: string): Promise<number[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_ADMIN });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name]);
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

async function createMysql(name: string): Promise<string> {
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection(MYSQL_ADMIN);
  try {
    await connection.query(`CREATE DATABASE \`${name}\``);
  } finally {
    await connection.end();
  }
  return `mysql://root@127.0.0.1:3306/${name}`;
}

async function dropMysql(name: string): Promise<void> {
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection(MYSQL_ADMIN);
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await connection.end();
  }
}

/** The MariaDB or MySQL server process: one process, its connections are threads. */
async function mysqlServer(): Promise<number[]> {
  for (const name of ['mariadbd', 'mysqld']) {
    try {
      const out = execFileSync('pidof', [name], { encoding: 'utf8' }).trim();
      if (out !== '') return out.split(/\s+/).map(Number);
    } catch {
      // pidof exits 1 when there is no such process.
    }
  }
  return [];
}
