/**
 * A GET or DELETE without a body skips Fastify (the direct path, src/runtime/http/index.ts). The
 * same request with `content-length: 0` goes through Fastify: both must answer alike, byte for byte
 * apart from the date and the request id.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liftFixture, type Lifted } from './helpers.js';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The answer without what differs per request: the date, the request id, and a 500's stack frames (and so its length). */
function comparable(raw: Raw): Raw {
  const { date: _date, 'x-request-id': id, ...headers } = raw.headers;
  if (raw.status !== 500) return { status: raw.status, headers: { ...headers, 'x-request-id': id === undefined ? undefined : '<id>' }, body: raw.body };
  const { 'content-length': _length, ...rest } = headers;
  return { status: 500, headers: { ...rest, 'x-request-id': id === undefined ? undefined : '<id>' }, body: raw.body.split('\n')[0]! };
}

let lifted: Lifted;
let userId: number;
beforeAll(async () => {
  lifted = await liftFixture();
  const created = await fetch(`${lifted.app.url}/user`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Ada', email: 'ada@example.com' }),
  });
  userId = ((await created.json()) as { id: number }).id;
});
afterAll(() => lifted.close());

describe('the direct path answers as Fastify does', () => {
  const gets = [
    '/user/:id',
    '/user?where={"name":"Ada"}&sort=id DESC',
    '/user?where=%7B%22name%22%3A%22Ada%22%7D&select=name%2Cemail',
    '/user?where=%7Bbroken',
    '/us%65r/:id',
    '/user/%E0%A4%A',
    '/user/999999',
    '/user/abc',
    '/user?limit=nope',
    '/no/such/route',
    '/echo/text',
    '/echo/json-string',
    '/echo/headers',
    '/echo/sets-cookie',
    '/echo/status',
    '/echo/returns',
    '/echo/returns-res',
    '/echo/twice',
    '/echo/catalogued',
    '/echo/throws',
    '/echo/rejects',
    '/echo/circular',
    '/echo/bigint',
    '/echo/header-from?v=%E2%82%AC',
    '/echo/responses/ok',
    '/echo/responses/ok?data=fine',
    '/echo/responses/badRequest',
    '/echo/responses/forbidden?data=no',
    '/echo/responses/notFound',
    '/echo/responses/serverError?data=broken',
    '/echo/big?bytes=70000',
  ];
  for (const path of gets) {
    it(`GET ${path}`, async () => {
      const url = path.replace(':id', String(userId));
      const direct = await send(lifted.app.url, 'GET', url);
      const viaFastify = await send(lifted.app.url, 'GET', url, { 'content-length': '0' });
      expect(comparable(direct)).toEqual(comparable(viaFastify));
    });
  }

  it('DELETE of a record and of one that is gone', async () => {
    const twin = await fetch(`${lifted.app.url}/user`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Twin', email: 'twin@example.com' }),
    });
    const { id } = (await twin.json()) as { id: number };
    const direct = await send(lifted.app.url, 'DELETE', `/user/${id}`);
    expect(direct.status).toBe(200);
    const again = await send(lifted.app.url, 'DELETE', `/user/${id}`);
    const againViaFastify = await send(lifted.app.url, 'DELETE', `/user/${id}`, { 'content-length': '0' });
    expect(comparable(again)).toEqual(comparable(againViaFastify));
    expect(again.status).toBe(404);
  });

  it('writes the same request line, with the id the 500 carries', async () => {
    const before = lifted.logs.length;
    const answer = await send(lifted.app.url, 'GET', '/echo/throws');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const written = lifted.logs.slice(before).join('\n');
    expect(answer.status).toBe(500);
    expect(written).toContain('GET /echo/throws 500');
    expect(written).toContain(String(answer.headers['x-request-id']));
  });
});
