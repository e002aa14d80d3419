/**
 * The load side of `npm run bench`, run in its own process so it has its own core. It speaks
 * to any server that answers the Sails envelope (docs/protocol.md section 2) and prints one JSON
 * line with what it measured. The closed loops print `counting` and `counted` around the
 * measured window (after a warm-up, see `warmUp`), so a caller can read the server's CPU time there.
 *
 *   tsx bench/load.ts throughput <url> <sockets> <seconds> <path>
 *     <path> may be a comma-separated list: socket i then asks for path i (mod the list's length)
 *   tsx bench/load.ts writes <url> <sockets> <seconds> <path>
 *     the throughput loops, each request a POST <path> creating a record ({ name, email })
 *   tsx bench/load.ts fanout <url>[,<url>…] <subscribers> <creates>
 *   tsx bench/load.ts http <url> <connections> <seconds> <path>
 *     closed loops of HTTP GET <path>, one per keep-alive connection
 *   tsx bench/load.ts flood <url> <sockets> <seconds> <path> <flood path>
 *     the throughput loops, while one more socket pipelines <flood path> without waiting for
 *     answers (up to 1,000 unanswered at a time); it also prints how the flood was answered
 */
import { Agent, request } from 'node:http';
import { io, type Socket } from 'socket.io-client';

type Jwr = { statusCode: number; body: unknown };

const [mode, url = '', a = '50', b = '5', path = '/user/1'] = process.argv.slice(2);

async function connect(count: number, to = url): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 50) {
    // The SDK version sails.io.js sends: Sails refuses requests from a socket without it; the others ignore it.
    const batch = Array.from({ length: Math.min(50, count - i) }, () =>
      io(to, { transports: ['websocket'], forceNew: true, reconnection: false, query: { __sails_io_sdk_version: '1.2.1' } }),
    );
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

/**
 * Runs the loops already started until the server is warm: at least a second, then half-second
 * slices until two in a row answer no more than 10% more requests than the one before (at most 10 s).
 * A server lifted a moment ago runs in V8's interpreter until its hot functions are compiled, on
 * background threads that a busy machine starves: on two busy cores a freshly lifted app answered
 * its first seconds of HTTP at some 400 µs of CPU a request (what it costs with --no-opt), 4-5x its
 * warm figure, and a fixed second of warm-up measured that instead of the request path.
 */
async function warmUp(answered: () => number): Promise<void> {
  const sleep = (ms: number): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, ms));
  const started = performance.now();
  await sleep(1000);
  let previous = 0;
  // Two flat slices in a row: on a busy machine one slice can be flat by chance.
  let flat = 0;
  for (;;) {
    const before = answered();
    await sleep(500);
    const slice = answered() - before;
    flat = previous > 0 && slice <= previous * 1.1 ? flat + 1 : 0;
    if (flat === 2 || performance.now() - started > 10_000) return;
    previous = slice;
  }
}

/**
 * Warms up, then counts `seconds` of answers: `reset` zeroes the tallies once warm, and the
 * window is marked by the lines `counting` and `counted` (bench/run.ts reads the server's CPU
 * time at each).
 */
async function countedWindow(seconds: number, answered: () => number, reset: () => void): Promise<{ elapsed: number; counted: number }> {
  await warmUp(answered);
  reset();
  console.log('counting');
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  const counted = answered();
  console.log('counted');
  return { elapsed, counted };
}

async function throughput(sockets: number, seconds: number, floodPath?: string, writes = false): Promise<void> {
  const all = await connect(sockets);
  const flood = floodPath === undefined ? undefined : await startFlood(floodPath);
  let running = true;
  let done = 0;
  let failed = 0;
  const latencies: number[] = [];
  let made = 0;
  const stamp = Date.now();
  const paths = path.split(',');
  const loop = async (socket: Socket, index: number): Promise<void> => {
    const own = paths[index % paths.length]!;
    while (running) {
      const started = performance.now();
      const jwr = writes ? await send(socket, 'post', own, { name: `w-${stamp}-${made++}`, email: 'w@example.com' }) : await send(socket, 'get', own);
      if (jwr.statusCode !== 200) failed++;
      done++;
      if ((done & 15) === 0) latencies.push(performance.now() - started);
    }
  };
  // Warm-up, not counted.
  const warm = all.map(loop);
  const { elapsed, counted } = await countedWindow(seconds, () => done, () => {
    done = 0;
    failed = 0;
    latencies.length = 0;
  });
  running = false;
  await Promise.all(warm);
  const flooded = flood?.stop();
  latencies.sort((x, y) => x - y);
  const pct = (p: number): number => Number((latencies[Math.floor((latencies.length - 1) * p)] ?? 0).toFixed(2));
  console.log(JSON.stringify({ requests: counted, failed, seconds: Number(elapsed.toFixed(2)), perSecond: Math.round(counted / elapsed), p50ms: pct(0.5), p99ms: pct(0.99), ...(flooded ? { flood: flooded } : {}) }));
  for (const socket of all) socket.close();
}

/** One socket that keeps up to 1,000 requests unanswered, sending more every few ms; it reads what comes back. */
async function startFlood(floodPath: string): Promise<{ stop(): { sent: number; byStatus: Record<number, number> } }> {
  const [socket] = await connect(1);
  let sent = 0;
  let unanswered = 0;
  const byStatus: Record<number, number> = {};
  const timer = setInterval(() => {
    for (; unanswered < 1000; unanswered++, sent++) {
      socket!.emit('get', { method: 'get', headers: {}, data: {}, url: floodPath }, (jwr: Jwr) => {
        unanswered--;
        byStatus[jwr.statusCode] = (byStatus[jwr.statusCode] ?? 0) + 1;
      });
    }
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      socket!.close();
      return { sent, byStatus };
    },
  };
}

/**
 * `subscribers` sockets watch the user model, then one more socket creates `creates` users; counts
 * the `created` messages heard. `url` may be a comma-separated list of instances of one app: the
 * watchers are spread over them in turn, and the creator talks to the first. Prints `counting`
 * once every watcher is subscribed and `counted` once the last message came (or the wait ended).
 */
async function fanout(subscribers: number, creates: number): Promise<void> {
  const urls = url.split(',');
  const listeners: Socket[] = [];
  for (let i = 0; i < urls.length; i++) {
    const share = Math.floor(subscribers / urls.length) + (i < subscribers % urls.length ? 1 : 0);
    listeners.push(...(await connect(share, urls[i]!)));
  }
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
  const [creator] = await connect(1, urls[0]!);
  console.log('counting');
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
  console.log('counted');
  const seconds = (last - started) / 1000;
  console.log(JSON.stringify({ subscribers, creates, expected, delivered: received, lost: expected - received, seconds: Number(seconds.toFixed(2)), eventsPerSecond: Math.round(received / seconds) }));
  for (const socket of [...listeners, creator!]) socket.close();
}

/** `connections` closed loops of GET `path` over keep-alive connections; the same JSON line as throughput. */
async function httpThroughput(connections: number, seconds: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(path, url);
  const get = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(target, { agent, method: 'GET' }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('error', reject);
      req.end();
    });
  let running = true;
  let done = 0;
  let failed = 0;
  const latencies: number[] = [];
  const loop = async (): Promise<void> => {
    while (running) {
      const started = performance.now();
      if ((await get()) !== 200) failed++;
      done++;
      if ((done & 15) === 0) latencies.push(performance.now() - started);
    }
  };
  const loops = Array.from({ length: connections }, loop);
  const { elapsed, counted } = await countedWindow(seconds, () => done, () => {
    done = 0;
    failed = 0;
    latencies.length = 0;
  });
  running = false;
  await Promise.all(loops);
  agent.destroy();
  latencies.sort((x, y) => x - y);
  const pct = (p: number): number => Number((latencies[Math.floor((latencies.length - 1) * p)] ?? 0).toFixed(2));
  console.log(JSON.stringify({ requests: counted, failed, seconds: Number(elapsed.toFixed(2)), perSecond: Math.round(counted / elapsed), p50ms: pct(0.5), p99ms: pct(0.99) }));
}

if (mode === 'throughput') await throughput(Number(a), Number(b));
else if (mode === 'writes') await throughput(Number(a), Number(b), undefined, true);
else if (mode === 'flood') await throughput(Number(a), Number(b), process.argv[7] ?? '/user');
else if (mode === 'fanout') await fanout(Number(a), Number(b));
else if (mode === 'http') await httpThroughput(Number(a), Number(b));
else throw new Error(`Unknown mode "${mode}": use throughput, writes, flood, fanout or http.`);
process.exit(0);
