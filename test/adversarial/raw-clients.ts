/**
 * Clients that misbehave on purpose, below any SDK: a socket.io connection spoken frame by frame
 * over ws (so a test can pipeline thousands of requests and then stop reading), and an HTTP
 * keep-alive connection that pipelines requests over a raw TCP socket.
 */
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net';
import WebSocket from 'ws';

export interface RawJwr {
  statusCode: number;
  body: unknown;
}

/** A socket.io (Engine.IO 4) connection driven by hand. */
export interface RawSocket {
  /** Sends a virtual request with ack id `id`; the answer lands in `acks`. */
  request(id: number, method: string, url: string, data?: unknown): void;
  /** Sends one Engine.IO message as it is (e.g. '42["get",{…}]', a request without an ack; a Buffer is a binary attachment). */
  send(frame: string | Buffer): void;
  /** Every ack received so far, by id. */
  readonly acks: Map<number, RawJwr>;
  /** Every event received so far, by name, in order. */
  readonly events: Map<string, unknown[]>;
  /** Stop reading from the server: TCP fills up and the server has to hold what it sends. */
  stopReading(): void;
  resumeReading(): void;
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;
  isOpen(): boolean;
  close(): void;
}

/** `headers` go with the upgrade request, e.g. the Origin that `sockets.onlyAllowOrigins` allows. */
export async function rawSocket(baseUrl: string, headers: Record<string, string> = {}): Promise<RawSocket> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers });
  const acks = new Map<number, RawJwr>();
  const events = new Map<string, unknown[]>();
  let open = false;
  const closed = new Promise<void>((resolve) => ws.once('close', () => {
    open = false;
    resolve();
  }));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (raw) => {
      const text = raw.toString();
      if (text.startsWith('0')) return ws.send('40');
      if (text === '2') return ws.send('3');
      if (text.startsWith('40')) {
        open = true;
        return resolve();
      }
      // An id socket.io writes in exponent form (past 2^53, '431e+30[…]') is no ack this client can match.
      const ack = /^43(\d+)(\[.*)$/s.exec(text);
      if (ack) {
        acks.set(Number(ack[1]), (JSON.parse(ack[2] ?? '[]') as RawJwr[])[0] as RawJwr);
        return;
      }
      if (text.startsWith('42')) {
        const [name, payload] = JSON.parse(text.slice(2)) as [string, unknown];
        const list = events.get(name) ?? [];
        list.push(payload);
        events.set(name, list);
      }
    });
    ws.once('close', () => reject(new Error('the server closed the socket during the handshake')));
  });
  return {
    acks,
    events,
    closed,
    send: (frame) => ws.send(frame),
    request(id, method, url, data = {}) {
      ws.send(`42${id}${JSON.stringify([method, { method, url, headers: {}, data }])}`);
    },
    // ws's own pause: pausing its TCP socket directly would be undone by ws as soon as its parser drains.
    stopReading: () => ws.pause(),
    resumeReading: () => ws.resume(),
    isOpen: () => open,
    close() {
      ws.terminate();
    },
  };
}

/** An HTTP/1.1 keep-alive connection that sends `count` GET requests back to back and reads nothing. */
export function pipelineHttp(baseUrl: string, path: string, count: number): Promise<TcpSocket> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: hostname, port: Number(port) }, () => {
      socket.pause();
      const one = `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`;
      socket.write(one.repeat(count));
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** The peak resident memory of a process, in bytes (Linux: VmHWM in /proc/<pid>/status). */
export async function peakRss(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no VmHWM line`);
  return Number(match[1]) * 1024;
}

/** `promise`, or a rejection saying what did not happen once `ms` have passed. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `check()` is true (looked at every 10 ms), or rejects saying what did not happen after `ms`. */
export async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
