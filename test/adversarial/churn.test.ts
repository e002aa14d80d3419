/**
 * Churn against a generated app lifted with `sails-rt lift`: clients that subscribe to a lot and
 * leave, over and over. After every round the rooms, sockets and sessions are back to what they
 * were, and the heap after GC levels off instead of growing by what each round left behind.
 */
import { io as ioClient4, type Socket as Socket4 } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liftGeneratedApp, type GeneratedApp } from '../conformance/generated-app.js';

const USERS = 10_000;
const ROUNDS = 20;
const SOCKETS_PER_ROUND = 1_000;
const CONNECT_BATCH = 250;
/** Requests one socket keeps in flight while seeding, below the per-socket cap a server may enforce. */
const IN_FLIGHT = 32;
/**
 * The most the heap after GC may grow per round, fitted over rounds 6 to 20 (the first rounds
 * warm up: JIT code, socket.io's and the store's caches). A server that keeps what a round held
 * is far above it: keeping the 10,000 room names of each round measured 1.9 MB a round, keeping
 * the handshake of each of 1,000 sockets 1.6 MB a round. Without a leak the fitted growth
 * measured between -12 and +14 KB a round, once the server has closed every connection
 * (socket.io lets go of a socket before engine.io closes its connection, which takes longer).
 */
const MAX_GROWTH_PER_ROUND = 150_000;

interface Jwr {
  body: unknown;
  headers: Record<string, string>;
  statusCode: number;
}

interface Snapshot {
  rooms: Record<string, string[]>;
  roomCount: number;
  socketCount: number;
  connectionCount: number;
  sessionCount: number | null;
  heapUsed: number;
}

let app: GeneratedApp;
let url = '';
const opened = new Set<Socket4>();

beforeAll(async () => {
  app = await liftGeneratedApp({ nodeOptions: ['--expose-gc'] });
  url = app.url;
  await seedUsers();
}, 120_000);

afterAll(async () => {
  for (const socket of opened) socket.close();
  await app?.stop();
});

async function connect(): Promise<Socket4> {
  const socket = ioClient4(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  opened.add(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

function leave(socket: Socket4): void {
  socket.close();
  opened.delete(socket);
}

function request(socket: Socket4, method: string, path: string, data: unknown = {}): Promise<Jwr> {
  return new Promise((resolve) => socket.emit(method, { method, headers: {}, data, url: path }, resolve));
}

/** Creates the users over 4 sockets, each with at most IN_FLIGHT requests unanswered. */
async function seedUsers(): Promise<void> {
  const sockets = await Promise.all(Array.from({ length: 4 }, () => connect()));
  let next = 0;
  const failures: Jwr[] = [];
  const worker = async (socket: Socket4): Promise<void> => {
    while (next < USERS) {
      const i = next++;
      const jwr = await request(socket, 'post', '/user', { name: `churn-${i}`, age: i % 90 });
      if (jwr.statusCode !== 200) failures.push(jwr);
    }
  };
  await Promise.all(sockets.flatMap((socket) => Array.from({ length: IN_FLIGHT }, () => worker(socket))));
  for (const socket of sockets) leave(socket);
  expect(failures.slice(0, 3)).toEqual([]);
}

async function snapshot(): Promise<Snapshot> {
  return (await (await fetch(`${url}/probe/adapter`)).json()) as Snapshot;
}

async function heapAfterGc(): Promise<number> {
  return ((await (await fetch(`${url}/probe/gc`)).json()) as { heapUsed: number }).heapUsed;
}

/** What must be back to the baseline after a round. */
function residue({ rooms, roomCount, socketCount, connectionCount, sessionCount }: Snapshot): Omit<Snapshot, 'heapUsed'> {
  return { rooms, roomCount, socketCount, connectionCount, sessionCount };
}

/** Polls until the server has processed the disconnects (bounded), and returns what it holds then. */
async function settle(done: (now: Snapshot) => boolean): Promise<Snapshot> {
  let now = await snapshot();
  for (let i = 0; i < 200 && !done(now); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    now = await snapshot();
  }
  return now;
}

/** The server's state once no socket of this suite is connected: every round must come back to it. */
async function baselineState(): Promise<Snapshot> {
  const baseline = await settle((now) => now.socketCount === 0 && now.connectionCount === 0);
  expect([baseline.socketCount, baseline.connectionCount]).toEqual([0, 0]);
  // The harness's session store is counted; without a count, sessions would go unchecked.
  expect(baseline.sessionCount).toEqual(expect.any(Number));
  return baseline;
}

function backTo(baseline: Snapshot): (now: Snapshot) => boolean {
  return (now) =>
    now.socketCount === baseline.socketCount &&
    now.connectionCount === baseline.connectionCount &&
    now.roomCount === baseline.roomCount &&
    now.sessionCount === baseline.sessionCount;
}

/** Least-squares slope of `heaps` over rounds `from` to the last (1-based), in bytes per round. */
function growthPerRound(heaps: readonly number[], from: number): number {
  const points = heaps.slice(from - 1).map((heap, i) => [i, heap] as const);
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return covariance / variance;
}

function report(name: string, baseline: number, heaps: readonly number[]): void {
  const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
  console.log(
    `${name}: heap after gc, MB: baseline ${mb(baseline)}, rounds ${heaps.map(mb).join(' ')}; ` +
      `growth over rounds 6-${heaps.length} ${(growthPerRound(heaps, 6) / 1e3).toFixed(0)} KB/round`,
  );
}

describe('memory stays flat under churn', () => {
  it(`${ROUNDS} rounds of one socket subscribing to ${USERS.toLocaleString('en')} records and leaving`, async () => {
    const baseline = await baselineState();
    const baselineHeap = await heapAfterGc();
    const heaps: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const socket = await connect();
      // populate=false: filling the (empty) pets and tags of 10,000 users costs two queries per
      // user, about a second a round, and only adds the pet and tag class rooms.
      const found = await request(socket, 'get', `/user?limit=${USERS}&populate=false`);
      expect(found.statusCode).toBe(200);
      expect(found.body as unknown[]).toHaveLength(USERS);
      const during = await snapshot();
      // Subscribed to every record's room, and to the class room.
      expect(Object.keys(during.rooms).filter((room) => /^sails_model_user_\d+:user$/.test(room))).toHaveLength(USERS);
      expect(during.rooms['sails_model_create_user']).toEqual([socket.id]);
      leave(socket);
      expect(residue(await settle(backTo(baseline))), `after round ${round}`).toStrictEqual(residue(baseline));
      heaps.push(await heapAfterGc());
    }
    report(`churn A (1 socket, ${USERS} record rooms, ${ROUNDS} rounds)`, baselineHeap, heaps);
    expect(growthPerRound(heaps, 6)).toBeLessThan(MAX_GROWTH_PER_ROUND);
  }, 120_000);

  it(`${ROUNDS} rounds of ${SOCKETS_PER_ROUND.toLocaleString('en')} sockets connecting, subscribing and leaving`, async () => {
    const baseline = await baselineState();
    const baselineHeap = await heapAfterGc();
    const heaps: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const sockets: Socket4[] = [];
      for (let batch = 0; batch < SOCKETS_PER_ROUND / CONNECT_BATCH; batch++) {
        sockets.push(...(await Promise.all(Array.from({ length: CONNECT_BATCH }, () => connect()))));
      }
      // populate=false as above: the records' and class rooms are the same, the round is faster.
      const finds = await Promise.all(sockets.map((socket) => request(socket, 'get', '/user?limit=5&populate=false')));
      expect(finds.filter((jwr) => jwr.statusCode !== 200 || (jwr.body as unknown[]).length !== 5)).toEqual([]);
      const during = await snapshot();
      expect(during.socketCount).toBe(baseline.socketCount + SOCKETS_PER_ROUND);
      expect(during.rooms['sails_model_create_user']).toHaveLength(SOCKETS_PER_ROUND);
      for (const socket of sockets) leave(socket);
      expect(residue(await settle(backTo(baseline))), `after round ${round}`).toStrictEqual(residue(baseline));
      heaps.push(await heapAfterGc());
    }
    report(`churn B (${SOCKETS_PER_ROUND} sockets, find ?limit=5, ${ROUNDS} rounds)`, baselineHeap, heaps);
    expect(growthPerRound(heaps, 6)).toBeLessThan(MAX_GROWTH_PER_ROUND);
  }, 180_000);
});
