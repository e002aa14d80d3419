/**
 * The per-connection limits, each at a small setting so it is reached with a handful of
 * requests: in-flight caps over sockets and HTTP, the 429 they answer, and a socket that leaves
 * while its request still runs (it must not be put back into rooms it already left).
 */
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import { liftFixture, type Lifted } from '../runtime/helpers.js';
import { rawSocket, until } from './raw-clients.js';

let lifted: Lifted;
beforeAll(async () => {
  lifted = await liftFixture({ sockets: { maxInFlight: 2 }, http: { maxInFlight: 2 } });
});
afterAll(async () => {
  await lifted.close();
});

/** Rooms that are not a socket's own room. */
function namedRooms(): string[] {
  const nsp = lifted.app.io.of('/');
  return [...nsp.adapter.rooms.keys()].filter((room) => !nsp.sockets.has(room));
}

describe('sockets.maxInFlight', () => {
  it('answers a request past the limit at once with 429 E_TOO_MANY_REQUESTS; the others are answered, and the socket goes on', async () => {
    const socket = await rawSocket(lifted.app.url);
    for (let i = 1; i <= 3; i++) socket.request(i, 'get', '/echo/slow?ms=300');
    await until(() => socket.acks.has(3), 'the third answer');
    expect(socket.acks.has(1)).toBe(false);
    expect(socket.acks.get(3)).toEqual({
      statusCode: 429,
      headers: {},
      body: {
        code: 'E_TOO_MANY_REQUESTS',
        message: 'This socket already has 2 requests waiting for an answer (sockets.maxInFlight); wait for some answers before sending more.',
      },
    });
    await until(() => socket.acks.size === 3, 'the first two answers');
    expect([socket.acks.get(1)?.statusCode, socket.acks.get(2)?.statusCode]).toEqual([200, 200]);
    // The places are free again.
    socket.request(4, 'get', '/echo/slow?ms=1');
    socket.request(5, 'get', '/echo/slow?ms=1');
    await until(() => socket.acks.size === 5, 'two more answers');
    expect([socket.acks.get(4)?.statusCode, socket.acks.get(5)?.statusCode]).toEqual([200, 200]);
    socket.close();
  });

  it('is one limit per connection: leaving and rejoining the namespace on it does not reset it', async () => {
    const socket = await rawSocket(lifted.app.url);
    const pause = () => new Promise((resolve) => setTimeout(resolve, 30));
    let id = 0;
    // Five rounds within the 600 ms the first two requests hold their places: every other request is a 429.
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 3; i++) socket.request(++id, 'get', '/echo/slow?ms=600');
      // socket.io emits a request event on the next tick: leave only once they are in.
      await pause();
      socket.send('41');
      await pause();
      socket.send('40');
      await pause();
    }
    const tooMany = () => [...socket.acks.values()].filter((jwr) => jwr.statusCode === 429).length;
    await until(() => tooMany() >= 13, 'a 429 for every request past the first two');
    socket.close();
  });

  it('holds over long-polling too: past the limit, 429s, and every request is answered', async () => {
    const socket = ioClient(lifted.app.url, { transports: ['polling'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => new Promise<{ statusCode: number }>((resolve) => socket.emit('get', { method: 'get', url: '/echo/slow?ms=100', headers: {}, data: {} }, resolve))),
    );
    const statuses = answers.map((jwr) => jwr.statusCode).sort();
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    expect(statuses).toContain(429);
    socket.close();
  });

  it('reports a refused request that has no ack as a sails:parseError event with the code', async () => {
    const socket = await rawSocket(lifted.app.url);
    socket.request(1, 'get', '/echo/slow?ms=300');
    socket.request(2, 'get', '/echo/slow?ms=300');
    socket.send(`42${JSON.stringify(['post', { method: 'post', url: '/user', headers: {}, data: { name: 'no ack' } }])}`);
    await until(() => socket.events.has('sails:parseError'), 'the parseError event');
    expect(socket.events.get('sails:parseError')?.[0]).toMatchObject({ code: 'E_TOO_MANY_REQUESTS' });
    socket.close();
  });
});

describe('http.maxInFlight', () => {
  it('answers a pipelined request past the limit with 429 E_TOO_MANY_REQUESTS, in order, and keeps the connection', async () => {
    const { hostname, port } = new URL(lifted.app.url);
    const received = await new Promise<string>((resolve, reject) => {
      const socket = tcpConnect({ host: hostname, port: Number(port) }, () => {
        const one = (path: string) => `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`;
        socket.write(one('/echo/slow?ms=200') + one('/echo/slow?ms=200') + one('/echo/slow?ms=1'));
      });
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
        if ((text.match(/HTTP\/1\.1 \d{3}/g) ?? []).length === 3 && text.endsWith('}')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.once('error', reject);
    });
    expect(received.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 429']);
    expect(received).toContain('"code":"E_TOO_MANY_REQUESTS"');
    expect(received).toContain('(http.maxInFlight)');
  });
});

describe('http.connectionTimeout', () => {
  it('closes a connection whose response waits unread, with a line in the log; a quiet socket.io connection is not touched', async () => {
    // Websockets only: with long-polling on, lift refuses a timeout under 30 s (the next test).
    const lifted = await liftFixture({ sockets: { transports: ['websocket'] }, http: { connectionTimeout: 1000 } });
    onTestFinished(() => lifted.close());
    const quiet = await rawSocket(lifted.app.url);
    const { hostname, port } = new URL(lifted.app.url);
    // Under http.maxBufferedBytes (16 MiB), so the timeout is what closes it.
    const bytes = 12_000_000;
    const socket = tcpConnect({ host: hostname, port: Number(port) });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.pause();
    socket.write(`GET /echo/big?bytes=${bytes} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('error', () => {});
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.resume();
    });
    expect(received).toBeLessThan(bytes);
    expect(lifted.lines.some((line) => /^sails-rt: closed the HTTP connection from \S+: [\d.]+ MiB of responses waited unread for 1 s \(http\.connectionTimeout\)\.$/.test(line))).toBe(true);
    // The websocket, quiet for as long, still answers: the timeout is for HTTP connections only.
    quiet.request(1, 'get', '/echo/slow?ms=1');
    await until(() => quiet.acks.has(1), 'the quiet socket’s answer');
    expect(quiet.acks.get(1)?.statusCode).toBe(200);
    quiet.close();
  });

  it('is refused at lift under 30 s while sockets may long-poll', async () => {
    await expect(liftFixture({ http: { connectionTimeout: 1000 } })).rejects.toThrow(
      "The setting http.connectionTimeout (config/http.ts) is 1000, shorter than a long-polling socket waits for its next message (25 s), so those sockets would be cut; use 30000 or more, or sockets.transports: ['websocket'].",
    );
  });

  it('closes a connection when its unread responses are past http.maxBufferedBytes and another is due, with a line in the log; one large response alone is sent', async () => {
    const own = await liftFixture({ http: { maxInFlight: 4 } });
    try {
      const { hostname, port } = new URL(own.app.url);
      const socket = tcpConnect({ host: hostname, port: Number(port) });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.pause();
      // Three slow answers of 10 MB that all start before the first is sent: the third finds 20 MB unread.
      const one = `GET /echo/slow?ms=200&bytes=10000000 HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`;
      socket.write(one.repeat(3));
      await until(() => own.lines.some((line) => line.includes('http.maxBufferedBytes')), 'the log line');
      expect(own.lines.filter((line) => line.includes('closed the HTTP connection'))).toEqual([
        expect.stringMatching(/^sails-rt: closed the HTTP connection from \S+: [\d.]+ MiB of responses waited unread, over the limit of 16\.0 MiB \(http\.maxBufferedBytes\)\.$/),
      ]);
      socket.destroy();
      // A client that reads gets a 20 MB answer whole: one answer never ends a connection.
      const whole = await fetch(`${own.app.url}/echo/big?bytes=20000000`);
      expect((await whole.text()).length).toBe(20_000_000);
    } finally {
      await own.close();
    }
  });
});

describe('a socket that disconnects while its request runs', () => {
  it('is not put back into the rooms it left (subscribe, sails.sockets.join)', async () => {
    const before = namedRooms();
    const created = await fetch(`${lifted.app.url}/user`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'watched' }),
    });
    const { id } = (await created.json()) as { id: number };
    const socket = await rawSocket(lifted.app.url);
    socket.request(1, 'get', `/echo/slow?ms=150&subscribe=${id}&joinAfter=late-room`);
    socket.request(2, 'get', '/echo/slow?ms=150&room=early-room');
    await until(() => namedRooms().includes('early-room'), 'the early join');
    socket.close();
    await new Promise((resolve) => setTimeout(resolve, 400));
    // socket.io makes join a no-op once a socket is gone; this keeps that promise in view.
    expect(namedRooms()).toEqual(before);
  });
});
