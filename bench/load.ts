/**
 * The load side of `npm run bench`, run in its own process so it has its own core. It speaks
 * to any server that answers the Sails envelope (docs/protocol.md section 2) and prints one JSON
 * line with what it measured.
 *
 *   tsx bench/load.ts throughput <url> <sockets> <seconds> <path>
 *   tsx bench/load.ts fanout <url> <subscribers> <creates>
 */
import { io, type Socket } from 'socket.io-client';

type Jwr = { statusCode: number; body: unknown };

const [mode, url = '', a = '50', b = '5', path = '/user/1'] = process.argv.slice(2);

async function connect(count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, () => io(url, { transports: ['websocket'], forceNew: true, reconnection: false }));
    await Promise.all(batch.map((s) => new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    })));
    sockets.push(...batch);
  }
  return sockets;
}

function send(socket: Socket, method: string, url: string, data: unknown = {}): Promise<Jwr> {
  return new Promise((resolve) => socket.emit(method, { method, headers: {}, data, url }, resolve));
}

async function throughput(sockets: number, seconds: number): Promise<void> {
  const all = await connect(sockets);
  let running = true;
  let done = 0;
  let failed = 0;
  const latencies: number[] = [];
  const loop = async (socket: Socket): Promise<void> => {
    while (running) {
      const started = performance.now();
      const jwr = await send(socket, 'get', path);
      if (jwr.statusCode !== 200) failed++;
      done++;
      if ((done & 15) === 0) latencies.push(performance.now() - started);
    }
  };
  // One second of warm-up, not counted.
  const warm = all.map(loop);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  done = 0;
  failed = 0;
  latencies.length = 0;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  const counted = done;
  running = false;
  await Promise.all(warm);
  latencies.sort((x, y) => x - y);
  const pct = (p: number): number => Number((latencies[Math.floor((latencies.length - 1) * p)] ?? 0).toFixed(2));
  console.log(JSON.stringify({ requests: counted, failed, seconds: Number(elapsed.toFixed(2)), perSecond: Math.round(counted / elapsed), p50ms: pct(0.5), p99ms: pct(0.99) }));
  for (const socket of all) socket.close();
}

async function fanout(subscribers: number, creates: number): Promise<void> {
  const listeners = await connect(subscribers);
  let received = 0;
  let last = 0;
  for (const socket of listeners) {
    socket.on('user', (message: { verb?: string }) => {
      if (message.verb === 'created') {
        received++;
        last = performance.now();
      }
    });
  }
  // find subscribes each socket to the class room, so it hears about new records.
  await Promise.all(listeners.map((s) => send(s, 'get', '/user', { limit: 1 })));
  const [creator] = await connect(1);
  const expected = subscribers * creates;
  const started = performance.now();
  const stamp = Date.now();
  for (let i = 0; i < creates; i++) {
    const jwr = await send(creator!, 'post', '/user', { name: `fan-${stamp}-${i}` });
    if (jwr.statusCode !== 200) throw new Error(`create answered ${jwr.statusCode}: ${JSON.stringify(jwr.body)}`);
  }
  const deadline = performance.now() + 15_000;
  while (received < expected && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  // Anything past the expected count would be a duplicate: wait a moment to see it.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const seconds = (last - started) / 1000;
  console.log(JSON.stringify({ subscribers, creates, expected, delivered: received, lost: expected - received, seconds: Number(seconds.toFixed(2)), eventsPerSecond: Math.round(received / seconds) }));
  for (const socket of [...listeners, creator!]) socket.close();
}

if (mode === 'throughput') await throughput(Number(a), Number(b));
else if (mode === 'fanout') await fanout(Number(a), Number(b));
else throw new Error(`Unknown mode "${mode}": use throughput or fanout.`);
process.exit(0);
