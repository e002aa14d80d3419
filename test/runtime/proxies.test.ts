/**
 * http.trustProxy (docs/runtime.md, Proxies): req.ip, req.ips, req.protocol and req.secure read
 * X-Forwarded-For and X-Forwarded-Proto only as far as the setting trusts who sent them, over HTTP
 * and, from the handshake, over a socket. The test client connects from loopback.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Req } from '../../src/runtime/index.js';
import { connect, liftFixture, rawSocket, type Lifted } from './helpers.js';

const originRoute = {
  'GET /origin': (req: Req) => ({ ip: req.ip, ips: req.ips, protocol: req.protocol, secure: req.secure }),
};

const FORWARDED = { 'x-forwarded-for': '203.0.113.7, 10.0.0.2', 'x-forwarded-proto': 'https' };

async function liftWith(trustProxy: unknown): Promise<Lifted> {
  const lifted = await liftFixture({ routes: originRoute, ...(trustProxy === undefined ? {} : { http: { trustProxy } }) });
  onTestFinished(() => lifted.close());
  return lifted;
}

async function overHttp(lifted: Lifted, headers: Record<string, string> = FORWARDED): Promise<unknown> {
  const response = await fetch(`${lifted.app.url}/origin`, { headers });
  return response.json();
}

/** Over a socket whose handshake carried `headers`; the request itself sends forged ones too. */
async function overSocket(lifted: Lifted, headers: Record<string, string> = FORWARDED): Promise<unknown> {
  const client = await connect('socket.io-client 4', lifted.app.url, { headers });
  onTestFinished(() => client.close());
  return (await client.request('get', '/origin')).body;
}

const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$|^::1$/;

describe('http.trustProxy', () => {
  it('unset: the forwarded headers are ignored, over HTTP and sockets', async () => {
    const lifted = await liftWith(undefined);
    const expected = { ip: expect.stringMatching(LOOPBACK), ips: [], secure: false };
    expect(await overHttp(lifted)).toStrictEqual({ ...expected, protocol: 'http' });
    expect(await overSocket(lifted)).toStrictEqual({ ...expected, protocol: 'ws' });
  });

  it('a proxy not trusted (10.0.0.0/8 only, the peer is loopback): ignored', async () => {
    const lifted = await liftWith(['10.0.0.0/8']);
    expect(await overHttp(lifted)).toMatchObject({ ip: expect.stringMatching(LOOPBACK), ips: [], protocol: 'http', secure: false });
    expect(await overSocket(lifted)).toMatchObject({ ip: expect.stringMatching(LOOPBACK), ips: [], protocol: 'ws', secure: false });
  });

  it("'loopback': the peer is believed, the next hop (10.0.0.2) is not: it is the client", async () => {
    const lifted = await liftWith('loopback');
    expect(await overHttp(lifted)).toStrictEqual({ ip: '10.0.0.2', ips: ['10.0.0.2'], protocol: 'https', secure: true });
    expect(await overSocket(lifted)).toStrictEqual({ ip: '10.0.0.2', ips: ['10.0.0.2'], protocol: 'wss', secure: true });
  });

  it('a list of ranges trusts every proxy in it: the client is the first address, ips client first', async () => {
    const lifted = await liftWith(['loopback', '10.0.0.0/8']);
    const expected = { ip: '203.0.113.7', ips: ['203.0.113.7', '10.0.0.2'], secure: true };
    expect(await overHttp(lifted)).toStrictEqual({ ...expected, protocol: 'https' });
    expect(await overSocket(lifted)).toStrictEqual({ ...expected, protocol: 'wss' });
  });

  it('a hop count trusts that many addresses from the app (Express), a function decides itself', async () => {
    const one = await liftWith(1);
    expect(await overHttp(one)).toMatchObject({ ip: '10.0.0.2', ips: ['10.0.0.2'], protocol: 'https' });
    const fn = await liftWith((address: string) => address !== '10.0.0.2');
    expect(await overSocket(fn)).toMatchObject({ ip: '10.0.0.2', protocol: 'wss' });
    const all = await liftWith(true);
    expect(await overHttp(all)).toMatchObject({ ip: '203.0.113.7', ips: ['203.0.113.7', '10.0.0.2'] });
  });

  it('without forwarded headers, a trusted setup reads the peer: no ips, the connection protocol', async () => {
    const lifted = await liftWith(true);
    expect(await overHttp(lifted, {})).toStrictEqual({ ip: expect.stringMatching(LOOPBACK), ips: [], protocol: 'http', secure: false });
    expect(await overSocket(lifted, {})).toStrictEqual({ ip: expect.stringMatching(LOOPBACK), ips: [], protocol: 'ws', secure: false });
  });

  it('over a socket only the handshake counts: headers sent with one request change nothing', async () => {
    const lifted = await liftWith(true);
    const client = await connect('socket.io-client 4', lifted.app.url);
    onTestFinished(() => client.close());
    const jwr = await new Promise<{ body: unknown }>((resolve) =>
      rawSocket(client).emit('get', { method: 'get', url: '/origin', headers: FORWARDED, data: {} }, resolve),
    );
    expect(jwr.body).toMatchObject({ ip: expect.stringMatching(LOOPBACK), ips: [], protocol: 'ws', secure: false });
  });

  it.each([
    ['nope', /http\.trustProxy \(config\/http\.ts\) is "nope", which holds something that is not an address/],
    [-1, /http\.trustProxy \(config\/http\.ts\) is -1/],
    [{ a: 1 }, /http\.trustProxy \(config\/http\.ts\) is \{"a":1\}/],
  ])('lift refuses trustProxy %j with a sentence naming the setting', async (value, message) => {
    await expect(liftFixture({ http: { trustProxy: value } })).rejects.toThrow(message);
  });
});
