import { describe, expect, it, onTestFinished } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import { connect, rawSocket } from './helpers.js';
import { liftSecure } from './secure-helpers.js';

/** Resolves 'connected' or the connect_error message of a socket.io-client 4 attempt. */
function attempt(url: string, options: { origin?: string; query?: Record<string, string> } = {}): Promise<string> {
  const socket = ioClient(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(options.origin ? { extraHeaders: { origin: options.origin } } : {}),
    ...(options.query ? { query: options.query } : {}),
  });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.once('connect_error', (error) => resolve(error.message));
  });
}

describe('socket handshake rules', () => {
  it('sockets.onlyAllowOrigins: the exact origin connects, a wrong or missing one is refused at the handshake', async () => {
    const lifted = await liftSecure({ sockets: { onlyAllowOrigins: ['http://app.example', 'https://b.example:8443'] } });
    onTestFinished(() => lifted.close());
    const url = lifted.app.url;
    expect(await attempt(url, { origin: 'http://app.example' })).toBe('connected');
    expect(await attempt(url, { origin: 'https://b.example:8443' })).toBe('connected');
    expect(await attempt(url, { origin: 'http://app.example:80' })).toBe('websocket error');
    expect(await attempt(url, { origin: 'http://evil.example' })).toBe('websocket error');
    expect(await attempt(url)).toBe('websocket error');
    // The polling handshake is refused too.
    const polling = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'http://evil.example' } });
    expect(polling.status).toBe(403);
    // sails.io.js in Node passes the origin through initialConnectionHeaders.
    const sails = await connect('sails.io.js 1.2.1', url, { headers: { origin: 'http://app.example' } });
    onTestFinished(() => sails.close());
    expect((await sails.request('get', '/inline')).body).toStrictEqual({ inline: true });
    await expect(connect('sails.io.js 1.2.1', url)).rejects.toThrow('sails.io.js did not connect');
  });

  it.each([
    ['sync', (h: { url?: string }) => h.url?.includes('let=me') === true],
    ['async', async (h: { url?: string }) => h.url?.includes('let=me') === true],
    ['callback', (h: { url?: string }, cb: (e: unknown, ok?: boolean) => void) => setTimeout(() => cb(null, h.url?.includes('let=me')), 1)],
    ['throwing', (h: { url?: string }) => {
      if (!h.url?.includes('let=me')) throw new Error('no');
      return true;
    }],
  ])('sockets.beforeConnect (%s) decides at the handshake', async (_kind, beforeConnect) => {
    const lifted = await liftSecure({ sockets: { beforeConnect } });
    onTestFinished(() => lifted.close());
    expect(await attempt(lifted.app.url, { query: { let: 'me' } })).toBe('connected');
    expect(await attempt(lifted.app.url, { query: { let: 'not' } })).toBe('websocket error');
  });

  it('refuses origins Sails would refuse, and in production needs one of the two settings', async () => {
    const bad: [unknown, string][] = [
      ['https://a.example', 'The setting sockets.onlyAllowOrigins (config/sockets.ts) is "https://a.example"; use an array such as [\'https://example.com\'].'],
      [['https://a.example/'], 'The setting sockets.onlyAllowOrigins (config/sockets.ts) has "https://a.example/", which is not an origin; write each as protocol://host[:port] with no path, query or trailing slash, such as \'https://example.com\'.'],
      [['a.example'], 'The setting sockets.onlyAllowOrigins (config/sockets.ts) has "a.example", which is not an origin; write each as protocol://host[:port] with no path, query or trailing slash, such as \'https://example.com\'.'],
      [['https://a.example:443'], 'The setting sockets.onlyAllowOrigins (config/sockets.ts) has "https://a.example:443"; leave out the default port: "https://a.example".'],
    ];
    for (const [origins, message] of bad) {
      await expect(liftSecure({ sockets: { onlyAllowOrigins: origins } })).rejects.toThrow(message);
    }
    const file = await liftSecure({ sockets: { onlyAllowOrigins: ['file://'] } });
    await file.close();
    await expect(liftSecure({ session: { secret: 'a-real-secret-for-the-test' } }, { environment: 'production' })).rejects.toThrow(
      /^The settings sockets.onlyAllowOrigins and sockets.beforeConnect \(config\/sockets.ts\) are both unset, which production does not allow/,
    );
  });

  it('a frame over sockets.maxHttpBufferSize closes that socket only', async () => {
    const lifted = await liftSecure({ sockets: { maxHttpBufferSize: 10_000 } });
    onTestFinished(() => lifted.close());
    const other = await connect('sails.io.js 1.2.1', lifted.app.url);
    const big = await connect('socket.io-client 4', lifted.app.url);
    onTestFinished(() => other.close());
    onTestFinished(() => big.close());
    const closed = new Promise((resolve) => rawSocket(big).once('disconnect', resolve));
    rawSocket(big).emit('post', { method: 'post', headers: {}, data: { blob: 'x'.repeat(20_000) }, url: '/write' }, () => {});
    expect(await closed).toBe('transport close');
    expect(lifted.app.io.sockets.sockets.size).toBe(1);
    expect(await other.request('get', '/inline')).toMatchObject({ statusCode: 200, body: { inline: true } });
  });
});
