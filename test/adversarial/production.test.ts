/**
 * An attacker against a generated app lifted in production, as a deployment would run it: origins
 * checked, CSRF on, blueprint writes behind a policy (the session must be logged in). Each table
 * row is one hostile input, over raw HTTP, socket.io-client 4 or raw socket.io frames, and each
 * asserts the same things: an answer (no hang), a status below 500, a body with no stack, file
 * path or SQL in it, the process still running, and, where the write had to be refused, the
 * stored records unchanged. After each group a normal request still answers 200 and no
 * prototype of the server has gained a key.
 */
import { connect as tcpConnect } from 'node:net';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { liftGeneratedApp, ROOT, type GeneratedApp } from '../conformance/generated-app.js';
import { rawSocket, until, within, type RawJwr, type RawSocket } from './raw-clients.js';

const ORIGIN = 'https://example.com';
const SECRET = 'a secret for the generated test app only';

/** What makes a production lift start: an origin list, CSRF, and a policy on every blueprint write. */
const FILES: Record<string, string> = {
  'config/env/production.ts': `import type { SecurityConfig, SocketsConfig } from 'sails-rt';

export const sockets: SocketsConfig = { onlyAllowOrigins: ['${ORIGIN}'] };
export const security: SecurityConfig = { csrf: true };
`,
  'api/policies/isLoggedIn.ts': `import { definePolicy } from 'sails-rt';

export default definePolicy((req, res, proceed) => {
  if (req.session['userId'] === undefined) return res.forbidden({ code: 'E_FORBIDDEN', message: 'You must be logged in to do this.' });
  return proceed();
});
`,
  'config/policies.ts': `import type { PoliciesConfig } from 'sails-rt';

const writesNeedLogin = { '*': 'isLoggedIn', find: true, findOne: true, populate: true };

export const policies: PoliciesConfig = {
  '*': true,
  UserController: writesNeedLogin,
  PetController: writesNeedLogin,
  TagController: writesNeedLogin,
};
`,
};

let app: GeneratedApp;
/** A logged-in HTTP session: its cookie and its CSRF token. */
let member: { cookie: string; token: string };

beforeAll(async () => {
  app = await liftGeneratedApp({ files: FILES, env: { NODE_ENV: 'production' } });
  member = await login();
  for (const name of ['alice', 'bob', 'carol']) expect((await write('POST', '/user', { name, age: 30 })).status).toBe(200);
  for (const label of ['red', 'green']) expect((await write('POST', '/tag', { label })).status).toBe(200);
  expect((await write('POST', '/pet', { name: 'rex', owner: 1 })).status).toBe(200);
  expect((await write('PUT', '/user/1/tags/1')).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await app?.stop();
});

// ---------------------------------------------------------------------------------------------
// What every answer must be

/** Text an attacker must never read in a production body. */
const LEAKS: [string, RegExp][] = [
  ['a stack frame', / {4}at /],
  ['a temp path', /\/tmp\//],
  ['a path of this checkout', new RegExp(ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))],
  ['node_modules', /node_modules/],
  ['a TypeScript position', /\.ts:\d/],
  ['a JavaScript position', /\.[cm]?js:\d/],
  ['an SQLite error', /SQLITE_[A-Z]|SQL logic error|no such (table|column)|syntax error|constraint failed|SqliteError|SQLite:/i],
  ['SQL', /\b(SELECT|INSERT INTO|DELETE FROM|UPDATE)\b.*\b(FROM|SET|WHERE)\b/],
  ['a JavaScript error name', /\b(TypeError|RangeError|ReferenceError|SyntaxError)\b/],
  ['the session secret', new RegExp(SECRET)],
];

/** A body is clean when it holds none of LEAKS, except what the request itself sent (a message may quote it). */
function expectClean(body: unknown, sent: string): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body) ?? '';
  for (const [what, pattern] of LEAKS) {
    if (pattern.test(text) && !pattern.test(sent)) expect.fail(`the body has ${what}: ${text.slice(0, 400)}`);
  }
}

/** The 500s the app wrote to its log so far, as parsed JSON lines. */
function errorLines(): { reqId?: string; level?: number }[] {
  return app
    .output()
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as { reqId?: string; level?: number; statusCode?: number }];
      } catch {
        return []; // not a JSON line, or the last one still being written
      }
    })
    .filter((line) => line.statusCode === 500 && line.level === 50);
}

function expectAlive(): void {
  expect(app.server.exitCode, app.output()).toBeNull();
  expect(app.server.signalCode).toBeNull();
}

async function expectHealthy(): Promise<void> {
  expectAlive();
  const res = await fetch(`${app.url}/user?limit=1`);
  expect(res.status).toBe(200);
  const pollution = (await (await fetch(`${app.url}/probe/pollution`)).json()) as { polluted: boolean; objectPrototype: string[] };
  expect(pollution.polluted).toBe(false);
  expect(pollution.objectPrototype).toStrictEqual(Object.getOwnPropertyNames(Object.prototype).sort());
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Clients

/** A new session, logged in (unless `loggedIn` is false), with its CSRF token. */
async function login(loggedIn = true): Promise<{ cookie: string; token: string }> {
  const res = await fetch(`${app.url}/csrfToken`);
  expect(res.status).toBe(200);
  const cookie = res.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  expect(cookie).toMatch(/^sails\.sid=/);
  const { _csrf: token } = (await res.json()) as { _csrf: string };
  if (loggedIn) {
    const done = await fetch(`${app.url}/probe/login`, { method: 'POST', headers: { cookie, 'x-csrf-token': token } });
    expect(done.status).toBe(200);
  }
  return { cookie, token };
}

/** A write as the logged-in member, with its token. */
async function write(method: string, path: string, body?: unknown, as = member): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { cookie: as.cookie, 'x-csrf-token': as.token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  expectClean(text, JSON.stringify(body ?? ''));
  const json = res.headers.get('content-type')?.startsWith('application/json') === true;
  return { status: res.status, body: json ? (JSON.parse(text) as unknown) : text };
}

interface Snapshot {
  user: Record<string, unknown>[];
  pet: Record<string, unknown>[];
  tag: Record<string, unknown>[];
}

/** Every stored record, with its links, as the blueprints read them. */
async function snapshot(): Promise<Snapshot> {
  const read = async (path: string) => {
    const res = await fetch(`${app.url}${path}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>[];
  };
  return {
    user: await read('/user?limit=1000&sort=id%20ASC&populate=pets,tags'),
    pet: await read('/pet?limit=1000&sort=id%20ASC&populate=owner'),
    tag: await read('/tag?limit=1000&sort=id%20ASC&populate=users'),
  };
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One request written byte for byte on a new TCP connection: what fetch and http.request refuse
 * to send (NUL in a path, bad verbs, duplicate headers) goes out as it is. Resolves with the
 * first response, or with 'closed' when the server closed the connection without one.
 */
function rawHttp(request: string | Buffer, ms = 10_000): Promise<RawResponse | 'closed'> {
  const { hostname, port } = new URL(app.url);
  return within(
    new Promise((resolve) => {
      const chunks: Buffer[] = [];
      const socket = tcpConnect({ host: hostname, port: Number(port) }, () => socket.write(request));
      const finish = () => {
        socket.destroy();
        resolve(parseResponse(Buffer.concat(chunks)) ?? 'closed');
      };
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (parseResponse(Buffer.concat(chunks)) !== undefined) finish();
      });
      // A server that answers a large body early may reset the connection while it is written.
      socket.on('error', finish);
      socket.on('close', finish);
    }),
    ms,
    String(request).slice(0, 200),
  );
}

/** The first complete HTTP response in `data`, if there is one yet. */
function parseResponse(data: Buffer): RawResponse | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!status) return { status: 0, headers: {}, body: data.toString('latin1') };
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let rest = data.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const eol = rest.indexOf('\r\n');
      if (eol < 0) return undefined;
      const size = Number.parseInt(rest.subarray(0, eol).toString('latin1'), 16);
      if (size === 0) break;
      if (rest.length < eol + 2 + size + 2) return undefined;
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      rest = rest.subarray(eol + 2 + size + 2);
    }
    return { status: Number(status[1]), headers, body: Buffer.concat(parts).toString('utf8') };
  }
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (length !== undefined && rest.length < length) return undefined;
  return { status: Number(status[1]), headers, body: rest.subarray(0, length).toString('utf8') };
}

/** A request as text; `Connection: close` so the server ends the exchange. */
function httpText(method: string, path: string, options: { headers?: string[]; body?: string; cookie?: boolean } = {}): string {
  const headers = [`Host: 127.0.0.1`, 'Connection: close', ...(options.headers ?? [])];
  if (options.cookie !== false) headers.push(`Cookie: ${member.cookie}`, `X-CSRF-Token: ${member.token}`);
  if (options.body !== undefined) headers.push(`Content-Length: ${Buffer.byteLength(options.body)}`);
  return `${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n${options.body ?? ''}`;
}

async function expectRawAnswer(request: string | Buffer): Promise<RawResponse | 'closed'> {
  const res = await rawHttp(request);
  if (res !== 'closed') {
    expect(res.status, res.body.slice(0, 300)).toBeGreaterThanOrEqual(200);
    expect(res.status, res.body.slice(0, 300)).toBeLessThan(500);
    expectClean(res.body, String(request));
  }
  expectAlive();
  return res;
}

const sockets: Socket[] = [];

/** socket.io-client 4 from the allowed origin; `cookie` shares that HTTP session. */
async function connectSocket(cookie?: string): Promise<Socket> {
  const socket = ioClient(app.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { origin: ORIGIN, ...(cookie === undefined ? {} : { cookie }) },
  });
  sockets.push(socket);
  await within(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    }),
    10_000,
    'socket connect',
  );
  return socket;
}

function request(socket: Socket, method: string, url: string, data: unknown = {}, headers: Record<string, unknown> = {}): Promise<RawJwr> {
  return within(new Promise((resolve) => socket.emit(method, { method, url, headers, data }, resolve)), 10_000, `${method} ${url} over a socket`);
}

async function expectJwr(jwr: RawJwr, sent: unknown): Promise<RawJwr> {
  expect(jwr.statusCode, JSON.stringify(jwr.body).slice(0, 300)).toBeGreaterThanOrEqual(200);
  expect(jwr.statusCode, JSON.stringify(jwr.body).slice(0, 300)).toBeLessThan(500);
  expectClean(jwr.body, JSON.stringify(sent) ?? '');
  expectAlive();
  return jwr;
}

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

// ---------------------------------------------------------------------------------------------

describe('production lift', () => {
  afterAll(expectHealthy);

  it('hides what an action threw: 500 "Internal Server Error" and a request id, no stack, over HTTP and sockets; the log has the stack under that id', async () => {
    const res = await fetch(`${app.url}/probe/throws`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expectClean(text, '');
    const httpId = /^Internal Server Error \(request id: ([0-9a-f]{6}-[0-9a-z]+)\)$/.exec(text)?.[1];
    expect(httpId, text).toBeDefined();
    expect(res.headers.get('x-request-id')).toBe(httpId);
    const socket = await connectSocket();
    const jwr = await request(socket, 'get', '/probe/throws');
    expectClean(jwr.body, '');
    const socketId = /^Internal Server Error \(request id: ([0-9a-f]{6}-[0-9a-z]+)\)$/.exec(String(jwr.body))?.[1];
    expect(socketId, String(jwr.body)).toBeDefined();
    expect(socketId).not.toBe(httpId);
    // The app's stdout: pino's JSON lines, one of them the 500 with the stack under the body's id.
    await expect.poll(() => errorLines().map((line) => line.reqId)).toEqual(expect.arrayContaining([httpId, socketId]));
    for (const line of errorLines().filter((l) => l.reqId === httpId || l.reqId === socketId)) {
      expect(line).toMatchObject({ level: 50, statusCode: 500, url: '/probe/throws', err: { stack: expect.stringMatching(/ {4}at /) } });
    }
  });

  it('keeps blueprint writes behind the policy and CSRF: a logged-out session with a token is refused', async () => {
    const before = await snapshot();
    const guest = await login(false);
    expect(await write('POST', '/user', { name: 'guest' }, guest)).toMatchObject({ status: 403, body: { code: 'E_FORBIDDEN' } });
    expect(await write('DELETE', '/user/1', undefined, guest)).toMatchObject({ status: 403 });
    expect(await snapshot()).toStrictEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------

/** [label, request text]: each must be answered below 500 (or the connection closed), never hang. */
const MALFORMED_HTTP: [string, () => string | Buffer][] = [
  // Bodies
  ...(
    [
      ['a truncated object', '{"name":'],
      ['a trailing comma', '{"name":"x",}'],
      ['two objects', '{"name":"x"}{"name":"y"}'],
      ['a bare word', 'nul'],
      ['NaN', '{"age":NaN}'],
      ['a single quote string', "{'name':'x'}"],
      ['a lone surrogate escape', '{"name":"\\ud800"}'],
      ['a NUL escape', '{"name":"a\\u0000b"}'],
      ['an array body', '[{"name":"x"},{"name":"y"}]'],
      ['a string body', '"just a string"'],
      ['a number body', '42'],
      ['null', 'null'],
      ['an array 100,000 deep', '['.repeat(100_000) + ']'.repeat(100_000)],
      ['an object 50,000 deep', '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000)],
      ['a name nested 50,000 deep', '{"name":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}'],
      ['circular-looking references in a link', '{"name":"x","pets":[{"$ref":"$"}]}'],
      ['100,000 keys', '{' + Array.from({ length: 100_000 }, (_, i) => `"k${i}":1`).join(',') + '}'],
      ['a duplicate key', '{"name":"x","name":{"a":1}}'],
    ] as [string, string][]
  ).map(([label, body]): [string, () => string] => [`POST /user with JSON: ${label}`, () => httpText('POST', '/user', { headers: ['Content-Type: application/json'], body })]),
  // Legal JSON (unknown keys are dropped, as in Sails): sent where nothing is stored, to reach the parser only.
  ['a 900 KB string, to the echo probe', () => httpText('POST', '/probe/echo', { headers: ['Content-Type: application/json'], body: JSON.stringify({ name: 'x'.repeat(900_000) }) })],
  ['circular-looking references, to the echo probe', () => httpText('POST', '/probe/echo', { headers: ['Content-Type: application/json'], body: '{"self":{"$ref":"$"},"list":[{"$ref":"$"}]}' })],
  ['invalid UTF-8 bytes in a JSON body', () => Buffer.concat([Buffer.from(httpText('POST', '/user', { headers: ['Content-Type: application/json', 'Content-Length: 14'] }).replace(/\r\n\r\n$/, '\r\n\r\n')), Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d, 0x20, 0x20])])],
  // Content types
  ['JSON sent as text/plain', () => httpText('POST', '/user', { headers: ['Content-Type: text/plain'], body: '{"name":"x"}' })],
  ['XML', () => httpText('POST', '/user', { headers: ['Content-Type: application/xml'], body: '<user><name>x</name></user>' })],
  ['a multipart body without a boundary', () => httpText('POST', '/user', { headers: ['Content-Type: multipart/form-data'], body: '--x\r\n\r\nname\r\n--x--' })],
  // A well-formed multipart form is a legal write (its text fields are the body): sent where nothing is stored.
  ['a multipart body, to the echo probe', () => httpText('POST', '/probe/echo', { headers: ['Content-Type: multipart/form-data; boundary=x'], body: '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--\r\n' })],
  ['a multipart body cut short', () => httpText('POST', '/user', { headers: ['Content-Type: multipart/form-data; boundary=x'], body: '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx' })],
  ['a multipart file past the end of the body', () => httpText('POST', '/user', { headers: ['Content-Type: multipart/form-data; boundary=x'], body: '--x\r\nContent-Disposition: form-data; name="avatar"; filename="a.png"\r\n\r\nxx' })],
  ['JSON with charset latin1 (ASCII, so legal), to the echo probe', () => httpText('POST', '/probe/echo', { headers: ['Content-Type: application/json; charset=latin1'], body: '{"name":"x"}' })],
  ['a content type with parameters only', () => httpText('POST', '/user', { headers: ['Content-Type: ;;;'], body: '{"name":"x"}' })],
  ['a body without a content type', () => httpText('POST', '/user', { body: '{"name":"x"}' })],
  ['an urlencoded body with bad percent-encoding', () => httpText('POST', '/user', { headers: ['Content-Type: application/x-www-form-urlencoded'], body: 'name=%E0%A4%A&age=%' })],
  ['an urlencoded body of 10,000 fields', () => httpText('POST', '/user', { headers: ['Content-Type: application/x-www-form-urlencoded'], body: Array.from({ length: 10_000 }, (_, i) => `f${i}=1`).join('&') })],
  ['a PATCH with an empty JSON body (that is {}), to the echo probe', () => httpText('PATCH', '/probe/echo', { headers: ['Content-Type: application/json'], body: '' })],
  ['a GET with a body', () => httpText('GET', '/user', { headers: ['Content-Type: application/json'], body: '{"where":{"id":1}}' })],
  // Sizes
  ['a body over 1 MiB', () => httpText('POST', '/user', { headers: ['Content-Type: application/json'], body: JSON.stringify({ name: 'x'.repeat(1_200_000) }) })],
  ['a Content-Length of 10 GB with no body', () => httpText('POST', '/user', { headers: ['Content-Type: application/json', 'Content-Length: 10000000000'] })],
  ['a chunked body over 1 MiB', () => httpText('POST', '/user', { headers: ['Content-Type: application/json', 'Transfer-Encoding: chunked'] }) + `${(1_200_000).toString(16)}\r\n${'x'.repeat(1_200_000)}\r\n0\r\n\r\n`],
  ['a bad chunk size', () => httpText('POST', '/user', { headers: ['Content-Type: application/json', 'Transfer-Encoding: chunked'] }) + 'zz\r\n{}\r\n0\r\n\r\n'],
  ['both Content-Length and chunked', () => httpText('POST', '/user', { headers: ['Content-Type: application/json', 'Transfer-Encoding: chunked', 'Content-Length: 5'] }) + '2\r\n{}\r\n0\r\n\r\n'],
  ['a 100 KB URL', () => httpText('GET', `/user?where=${'a'.repeat(100_000)}`)],
  ['a 20 KB path', () => httpText('GET', `/${'a'.repeat(20_000)}`)],
  ['a 20 KB header', () => httpText('GET', '/user', { headers: [`X-Big: ${'a'.repeat(20_000)}`] })],
  ['2,000 headers', () => httpText('GET', '/user', { headers: Array.from({ length: 2_000 }, (_, i) => `X-H${i}: v`) })],
  // Duplicate headers
  // Node keeps the first Content-Type, so this one is valid JSON: sent to the echo probe.
  ['two Content-Type headers', () => httpText('POST', '/probe/echo', { headers: ['Content-Type: application/json', 'Content-Type: text/plain'], body: '{"name":"dup"}' })],
  ['two different Content-Length headers', () => httpText('POST', '/user', { headers: ['Content-Type: application/json', 'Content-Length: 3'], body: '{"name":"dup"}' })],
  ['two Host headers', () => httpText('GET', '/user', { headers: ['Host: evil.example'] })],
  ['two Cookie headers', () => httpText('GET', '/probe/count', { headers: ['Cookie: sails.sid=forged'] })],
  ['two Origin headers', () => httpText('GET', '/user', { headers: [`Origin: ${ORIGIN}`, 'Origin: https://evil.example'] })],
  ['two CSRF token headers', () => httpText('POST', '/user', { headers: ['Content-Type: application/json', `X-CSRF-Token: other`], body: '{"name":"dup"}' })],
  ['a header with no value', () => httpText('GET', '/user', { headers: ['X-Empty:'] })],
  ['a header name with a space', () => httpText('GET', '/user', { headers: ['Bad Name: v'] })],
  ['an obsolete folded header', () => httpText('GET', '/user', { headers: ['X-Folded: a', ' b'] })],
  // Verbs
  ['HEAD /user', () => httpText('HEAD', '/user')],
  ['OPTIONS /user', () => httpText('OPTIONS', '/user')],
  ['OPTIONS *', () => httpText('OPTIONS', '*')],
  ['PROPFIND /user', () => httpText('PROPFIND', '/user')],
  ['TRACE /user', () => httpText('TRACE', '/user')],
  ['CONNECT example.com:443', () => httpText('CONNECT', 'example.com:443')],
  ['an unknown verb FOO', () => httpText('FOO', '/user')],
  ['a lowercase verb', () => httpText('get', '/user')],
  ['a verb with a NUL', () => httpText('GE\0T', '/user')],
  ['X-HTTP-Method-Override on a GET', () => httpText('GET', '/user/2', { headers: ['X-HTTP-Method-Override: DELETE'], cookie: true })],
  // Paths
  ...(
    [
      '/../../../etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
      '/..%2f..%2fconfig%2fsession.ts',
      '/..%5c..%5cconfig%5csession.ts',
      '/user/..%2f..%2fconfig',
      '/user/1/..%2f2',
      '/user/%2e%2e',
      '/user%2f1',
      '/user/1%2fpets',
      '/%252e%252e/%252e%252e/etc/passwd',
      '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
      '/config/session.ts',
      '/.tmp/db.sqlite',
      '/package.json',
      '/api/models/User.ts',
      '/user/%',
      '/user/%zz',
      '/user/%E0%A4%A',
      '/user/%ff%fe',
      '/user?where=%',
      '/user?where=%E0%A4%A',
      '/user?%=%',
      '/user?sort=%ff',
      '/probe/echo/%ff?q=%fe',
      '/user/%00',
      '/user/1%00',
      '/user?name=%00',
      '/user/\0',
      '/user\0/1',
      '//user',
      '/user//1',
      '///',
      '//evil.example/user',
      '/user/1/',
      '/USER/1',
      '/user/1?',
      '/user/1#fragment',
      '/user/ 1',
      'user/1',
      '*',
      'http://evil.example/user',
      '/user/1/pets/add/1%00',
      '/\\evil.example',
      '/user/\u00e9',
      '/user?q=\u00e9\u0301',
    ] as string[]
  ).map((path): [string, () => Buffer] => [`GET ${JSON.stringify(path)}`, () => Buffer.from(httpText('GET', path), 'latin1')]),
  ['DELETE /user/..%2f2', () => httpText('DELETE', '/user/..%2f2')],
  ['PATCH /user/%2e%2e', () => httpText('PATCH', '/user/%2e%2e', { headers: ['Content-Type: application/json'], body: '{"name":"x"}' })],
  // The request line and the protocol
  ['HTTP/1.0 without Host', () => 'GET /user HTTP/1.0\r\n\r\n'],
  ['HTTP/9.9', () => 'GET /user HTTP/9.9\r\nHost: x\r\n\r\n'],
  ['an HTTP/2 preface', () => 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  ['garbage', () => 'this is not http at all\r\n\r\n'],
  ['binary garbage', () => Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256))],
  ['a request line with no path', () => 'GET HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['a bare LF request', () => 'GET /user HTTP/1.1\nHost: x\nConnection: close\n\n'],
];

describe('malformed HTTP', () => {
  let before: Snapshot;
  beforeAll(async () => {
    before = await snapshot();
  });
  afterAll(async () => {
    // Every write above was malformed: nothing may have been stored.
    expect(await snapshot()).toStrictEqual(before);
    await expectHealthy();
  });

  it.each(MALFORMED_HTTP)('%s', async (_label, build) => {
    await expectRawAnswer(build());
  });

  it('a path outside assets/ never serves a file of the app', async () => {
    for (const path of ['/../config/session.ts', '/%2e%2e/config/session.ts', '/..%2fconfig%2fsession.ts', '/assets/../config/session.ts']) {
      const res = await expectRawAnswer(httpText('GET', path));
      if (res !== 'closed') expect(res.status).toBe(404);
    }
  });

  it('a body over 1 MiB is a 413 and stores nothing', async () => {
    const res = await expectRawAnswer(httpText('POST', '/user', { headers: ['Content-Type: application/json'], body: JSON.stringify({ name: 'x'.repeat(1_100_000) }) }));
    if (res !== 'closed') expect(res.status).toBe(413);
  });
});

// ---------------------------------------------------------------------------------------------

/** Bodies, queries and criteria meant to reach Object.prototype. */
const POLLUTING_BODIES: [string, string][] = [
  ['__proto__ at the top', '{"name":"p1","__proto__":{"polluted":1}}'],
  ['constructor.prototype at the top', '{"name":"p2","constructor":{"prototype":{"polluted":1}}}'],
  ['__proto__ in a link value', '{"name":"p3","pets":{"__proto__":{"polluted":1}}}'],
  ['__proto__ in a link list', '{"name":"p4","tags":[{"__proto__":{"polluted":1}}]}'],
  ['__proto__ as the name', '{"name":{"__proto__":{"polluted":1}}}'],
  ['prototype at the top', '{"name":"p5","prototype":{"polluted":1}}'],
  ['__proto__ as an attribute holding an array', '{"name":"p6","__proto__":[1]}'],
];

const POLLUTING_QUERIES: string[] = [
  '__proto__[polluted]=1',
  '__proto__.polluted=1',
  'constructor[prototype][polluted]=1',
  'constructor.prototype.polluted=1',
  `where=${encodeURIComponent('{"__proto__":{"polluted":1}}')}`,
  `where=${encodeURIComponent('{"constructor":{"prototype":{"polluted":1}}}')}`,
  `where=${encodeURIComponent('{"name":{"__proto__":{"polluted":1}}}')}`,
  `where=${encodeURIComponent('{"or":[{"__proto__":{"polluted":1}}]}')}`,
  `where=${encodeURIComponent('{"age":{"constructor":{"prototype":{"polluted":1}}}}')}`,
  `sort=${encodeURIComponent('{"__proto__":{"polluted":1}}')}`,
  'sort=__proto__%20ASC',
  'select=__proto__',
  'omit=constructor',
  'populate=__proto__',
  'populate=constructor',
  'populate=hasOwnProperty',
  'toString=1',
  'hasOwnProperty=1',
  'valueOf=x',
  '__defineGetter__=1',
];

describe('prototype pollution', () => {
  let before: Snapshot;
  beforeAll(async () => {
    before = await snapshot();
  });
  afterAll(expectHealthy);

  it.each(POLLUTING_BODIES)('POST /user over HTTP with %s: refused or stored without it, nothing polluted', async (_label, body) => {
    const res = await expectRawAnswer(httpText('POST', '/user', { headers: ['Content-Type: application/json'], body }));
    if (res !== 'closed' && res.status === 200) expect(JSON.parse(res.body)).not.toHaveProperty('polluted');
    await expectHealthy();
  });

  it.each(POLLUTING_BODIES)('PATCH /user/3 over HTTP with %s', async (_label, body) => {
    await expectRawAnswer(httpText('PATCH', '/user/3', { headers: ['Content-Type: application/json'], body }));
    await expectHealthy();
  });

  it.each(POLLUTING_BODIES)('POST /user over a socket with %s', async (_label, body) => {
    const socket = await connectSocket(member.cookie);
    const data = JSON.parse(body) as unknown;
    const jwr = await expectJwr(await request(socket, 'post', '/user', data, { 'x-csrf-token': member.token }), body);
    if (jwr.statusCode === 200) expect(jwr.body).not.toHaveProperty('polluted');
    await expectJwr(await request(socket, 'patch', '/user/3', data, { 'x-csrf-token': member.token }), body);
    await expectHealthy();
  });

  it.each(['__proto__[polluted]=1&name=u1', 'constructor[prototype][polluted]=1&name=u2', '__proto__=x&name=u3'])('an urlencoded body %s', async (body) => {
    await expectRawAnswer(httpText('POST', '/user', { headers: ['Content-Type: application/x-www-form-urlencoded'], body }));
    await expectHealthy();
  });

  it.each(POLLUTING_QUERIES)('GET /user?%s over HTTP and a socket', async (query) => {
    await expectRawAnswer(httpText('GET', `/user?${query}`));
    await expectRawAnswer(httpText('GET', `/user/1?${query}`));
    const socket = await connectSocket();
    await expectJwr(await request(socket, 'get', `/user?${query}`), query);
    await expectHealthy();
  });

  it.each([
    ['where', { __proto__: null, where: JSON.parse('{"__proto__":{"polluted":1}}') as unknown }],
    ['headers', JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}') as unknown],
    ['sort', { sort: JSON.parse('{"__proto__":"ASC"}') as unknown }],
  ])('criteria objects with __proto__ in %s over a socket', async (label, value) => {
    const socket = await connectSocket();
    if (label === 'headers') await expectJwr(await request(socket, 'get', '/user', {}, value as Record<string, unknown>), value);
    else await expectJwr(await request(socket, 'get', '/user', value), value);
    await expectHealthy();
  });

  it.each(['/user/__proto__', '/user/constructor', '/user/1/__proto__', '/user/1/constructor', '/user/1/toString', '/user/1/pets/__proto__', '/__proto__', '/constructor/prototype', '/user/1/__proto__/add/1'])(
    'the path %s over HTTP and a socket',
    async (path) => {
      await expectRawAnswer(httpText('GET', path));
      await expectRawAnswer(httpText('PUT', path, { headers: ['Content-Type: application/json'], body: '{"__proto__":{"polluted":1}}' }));
      const socket = await connectSocket(member.cookie);
      await expectJwr(await request(socket, 'get', path), path);
      await expectJwr(await request(socket, 'put', path, JSON.parse('{"__proto__":{"polluted":1}}'), { 'x-csrf-token': member.token }), path);
      await expectHealthy();
    },
  );

  it('left the records that existed before as they were', async () => {
    const after = await snapshot();
    const old = (list: Record<string, unknown>[], ids: Set<unknown>) => list.filter((r) => ids.has(r['id']));
    const userIds = new Set(before.user.map((u) => u['id']));
    // User 3 was the target of the PATCHes: only its name may have changed, and only to a string.
    for (const user of old(after.user, userIds)) {
      expect(user).not.toHaveProperty('polluted');
      expect(typeof user['name']).toBe('string');
      if (user['id'] !== 3) expect(user).toStrictEqual(before.user.find((u) => u['id'] === user['id']));
    }
    for (const user of after.user) expect(Object.keys(user).sort()).toStrictEqual(['age', 'createdAt', 'id', 'name', 'pets', 'tags', 'updatedAt']);
  });
});

// ---------------------------------------------------------------------------------------------

/** Things in the place of an id; none names a record (01 would be 1, as in Sails, so it is not here). */
const NOT_IDS = ['1e3', '-1', '0x10', '9999999999999999999', '%00', '1.5', '1.0', '%201', '1%20', '+1', '1,2', '[1]', '%7B%22id%22%3A1%7D', 'null', 'undefined', 'NaN', 'Infinity', 'true', '%EF%BC%91', '%D9%A1', '0b1', '1_000', '2e0', '0o7', '-0', '1e309', '%2531'];

describe('ids that are not ids', () => {
  let before: Snapshot;
  let socket: Socket;
  beforeAll(async () => {
    before = await snapshot();
  });
  afterAll(async () => {
    expect(await snapshot()).toStrictEqual(before);
    await expectHealthy();
  });

  const verbs: [string, (id: string) => string, unknown][] = [
    ['GET', (id) => `/user/${id}`, undefined],
    ['PATCH', (id) => `/user/${id}`, { name: 'changed' }],
    ['PUT', (id) => `/user/${id}`, { name: 'changed' }],
    ['DELETE', (id) => `/user/${id}`, undefined],
    ['GET', (id) => `/user/${id}/pets`, undefined],
    ['PUT', (id) => `/user/${id}/tags/1`, undefined],
    ['PUT', (id) => `/user/1/tags/${id}`, undefined],
    ['DELETE', (id) => `/user/1/tags/${id}`, undefined],
    ['PUT', (id) => `/user/${id}/pets`, [1]],
    ['POST', (id) => `/user/${id}/pets`, { name: 'x' }],
  ];
  const cases = NOT_IDS.flatMap((id) => verbs.map(([verb, path, body]): [string, string, unknown] => [verb, path(id), body]));

  it.each(cases)('%s %s is a 4xx over HTTP and a socket, and changes nothing', async (verb, path, body) => {
    const res = await expectRawAnswer(httpText(verb, path, body === undefined ? {} : { headers: ['Content-Type: application/json'], body: JSON.stringify(body) }));
    expect(res).not.toBe('closed');
    if (res !== 'closed') expect([400, 404]).toContain(res.status);
    socket ??= await connectSocket(member.cookie);
    if (!socket.connected) socket = await connectSocket(member.cookie);
    // The same URL, percent-encoding and all: a socket's url is decoded by the same router.
    const jwr = await expectJwr(await request(socket, verb.toLowerCase(), path, body ?? {}, { 'x-csrf-token': member.token }), path);
    expect([400, 404]).toContain(jwr.statusCode);
  });
});

// ---------------------------------------------------------------------------------------------

/** Criteria of the wrong type, and populates of what is not a link. */
const BAD_CRITERIA: Record<string, unknown>[] = [
  { where: 1 },
  { where: 'x' },
  { where: '[]' },
  { where: '[1,2]' },
  { where: 'null' },
  { where: '"name"' },
  { where: '{"age":{"foo":1}}' },
  { where: '{"name":{"in":"x"}}' },
  { where: '{"age":{"<":{"a":1}}}' },
  { where: '{"age":{">":[1]}}' },
  { where: '{"or":{"age":1}}' },
  { where: '{"and":"x"}' },
  { where: '{"nope":1}' },
  { where: '{"pets":1}' },
  { where: '{"tags":{"contains":"x"}}' },
  { sort: 1 },
  { sort: '{"age":"sideways"}' },
  { sort: 'age sideways' },
  { sort: '[{"age":1}]' },
  { sort: 'nope ASC' },
  { limit: 'abc' },
  { limit: '{}' },
  { limit: '1.5' },
  { skip: '-1' },
  { skip: 'x' },
  { select: '1' },
  { select: '{"a":1}' },
  { select: 'nope' },
  { populate: 'nope' },
  { populate: 'name' },
  { populate: 'pets.owner' },
  { populate: '{"pets":1}' },
  { populate: 'pets,nope' },
];

describe('criteria of the wrong type', () => {
  afterAll(expectHealthy);

  it.each([
    { where: '{"name":{"like":1}}' },
    { where: '{"or":[]}' },
    { omit: 'id' },
  ])('GET /user with %o, odd but legal (as in Sails), is a 200 over HTTP and a socket', async (criteria) => {
    const query = new URLSearchParams(Object.entries(criteria)).toString();
    const res = await expectRawAnswer(httpText('GET', `/user?${query}`));
    if (res !== 'closed') expect(res.status, res.body).toBe(200);
    const socket = await connectSocket();
    expect((await expectJwr(await request(socket, 'get', '/user', criteria), criteria)).statusCode).toBe(200);
  });

  it.each(BAD_CRITERIA)('GET /user with %o is a 400 over HTTP and a socket', async (criteria) => {
    const query = new URLSearchParams(Object.entries(criteria).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const res = await expectRawAnswer(httpText('GET', `/user?${query}`));
    expect(res).not.toBe('closed');
    if (res !== 'closed') expect(res.status, res.body).toBe(400);
    const socket = await connectSocket();
    const jwr = await expectJwr(await request(socket, 'get', '/user', criteria), criteria);
    expect(jwr.statusCode).toBe(400);
  });

  it.each([
    ['/user/1/nope', 404],
    ['/user/1/name', 404],
    ['/user/1/pets?where=x', 400],
    // The populate route reads no criteria for a to-one link, nor populate on its records.
    ['/user/1/pets?populate=nope', 200],
    ['/pet/1/owner?where={"id":"x"}', 200],
    ['/user/1?populate=nope', 400],
    ['/user/1?populate=pets,tags,pets', 200],
    ['/user/1?select=nope', 400],
  ] as [string, number][])('GET %s', async (path, status) => {
    const res = await expectRawAnswer(httpText('GET', encodeURI(path)));
    if (res !== 'closed') expect(res.status, res.body).toBe(status);
  });
});

// ---------------------------------------------------------------------------------------------

/** Writes whose values break the model: each a 400 that stores nothing. */
// What Waterline's loose reading cannot make fit (a number for a string is its text, true for a
// number is 1: those are accepted, as in Sails; docs/runtime.md, Bodies).
const BAD_WRITES: [string, string, unknown][] = [
  ['POST', '/user', { name: 'x', age: '' }],
  ['POST', '/user', { name: {} }],
  ['POST', '/user', { name: [] }],
  ['POST', '/user', { name: null }],
  ['POST', '/user', {}],
  ['POST', '/user', { name: 'x', age: 'abc' }],
  ['POST', '/user', { name: 'x', age: {} }],
  ['POST', '/user', { name: 'x', age: [1] }],
  ['POST', '/user', { name: 'x', age: '1e309' }],
  ['POST', '/user', { name: 'x', age: 'true' }],
  ['POST', '/user', { name: 'x', pets: 'x' }],
  ['POST', '/user', { name: 'x', pets: [{}] }],
  ['POST', '/user', { name: 'x', pets: [-1] }],
  ['POST', '/user', { name: 'x', pets: [999_999] }],
  ['POST', '/user', { name: 'x', pets: [1.5] }],
  ['POST', '/user', { name: 'x', tags: [[1]] }],
  ['POST', '/user', { name: 'x', tags: [9_999_999_999_999_999] }],
  ['POST', '/user', { name: 'x', id: 'abc' }],
  ['POST', '/user', [{ name: 'x' }]],
  ['POST', '/pet', { name: 'p', owner: 'abc' }],
  ['POST', '/pet', { name: 'p', owner: 99_999 }],
  ['POST', '/pet', { name: 'p', owner: { id: 1 } }],
  ['POST', '/pet', { name: 'p', owner: [1] }],
  ['POST', '/pet', { name: 'p', owner: -1 }],
  ['POST', '/tag', { label: 'red' }],
  ['POST', '/tag', { label: '' }],
  ['PATCH', '/user/2', { age: 'x' }],
  ['PATCH', '/user/2', { name: null }],
  ['PATCH', '/user/2', { age: 'old' }],
  ['PATCH', '/user/2', { pets: 'x' }],
  ['PATCH', '/user/2', { tags: [1, 'x'] }],
  ['PATCH', '/tag/2', { label: 'red' }],
  ['PATCH', '/pet/1', { owner: 99_999 }],
  ['PUT', '/user/2/pets', { x: 1 }],
  ['PUT', '/user/2/pets', ['x']],
  ['PUT', '/user/2/pets', [99_999]],
  ['PUT', '/user/2/tags/99999', undefined],
  ['DELETE', '/user/99999', undefined],
  ['PATCH', '/user/99999', { name: 'ghost' }],
];

/** Writes Sails takes with a 200 by dropping what does not belong (docs/protocol.md 7.5): what is dropped must not land. */
const IGNORED_WRITES: [string, string, Record<string, unknown>][] = [
  ['POST', '/user', { name: 'ignored-1', createdAt: 'yesterday' }],
  ['POST', '/user', { name: 'ignored-2', updatedAt: { a: 1 } }],
  ['POST', '/user', { name: 'ignored-3', zzz: 1, polluted: 1 }],
  ['PATCH', '/user/2', { id: 5 }],
  ['PATCH', '/user/2', { id: 'x' }],
  ['PATCH', '/user/2', { zzz: 1, name: 'bob' }],
  ['PATCH', '/user/2', { createdAt: 0 }],
];

describe('writes with wrong types', () => {
  afterAll(expectHealthy);

  it.each(IGNORED_WRITES)('%s %s %j drops what does not belong, over HTTP and a socket', async (verb, path, body) => {
    const ids = async () => (await snapshot()).user.map((u) => u['id']);
    const before = await ids();
    const socket = await connectSocket(member.cookie);
    for (const res of [await write(verb, path, body), await request(socket, verb.toLowerCase(), path, body, { 'x-csrf-token': member.token })]) {
      const status = 'status' in res ? res.status : res.statusCode;
      expect(status).toBe(200);
      const record = res.body as Record<string, unknown>;
      expect(Object.keys(record).sort()).toStrictEqual(['age', 'createdAt', 'id', 'name', 'pets', 'tags', 'updatedAt'].filter((k) => k in record).sort());
      expect(record).not.toHaveProperty('zzz');
      expect(typeof record['createdAt']).toBe('number');
      expect(typeof record['updatedAt']).toBe('number');
      if (verb === 'PATCH') expect(record['id']).toBe(2);
      if (verb === 'PATCH') expect(record['createdAt']).not.toBe(0);
    }
    // A PATCH moved no record to another id.
    if (verb === 'PATCH') expect(await ids()).toStrictEqual(before);
  });

  it.each(BAD_WRITES)('%s %s %j is refused over HTTP and a socket and stores nothing', async (verb, path, body) => {
    const before = await snapshot();
    const res = await write(verb, path, body);
    expect([400, 404]).toContain(res.status);
    const socket = await connectSocket(member.cookie);
    const jwr = await expectJwr(await request(socket, verb.toLowerCase(), path, body ?? {}, { 'x-csrf-token': member.token }), body);
    expect([400, 404]).toContain(jwr.statusCode);
    expect(await snapshot()).toStrictEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------

describe('CSRF', () => {
  let before: Snapshot;
  let other: { cookie: string; token: string };
  beforeAll(async () => {
    before = await snapshot();
    other = await login();
  });
  afterAll(async () => {
    expect(await snapshot()).toStrictEqual(before);
    await expectHealthy();
  });

  /** [label, request]: a write by the logged-in member whose token is missing, foreign or misplaced. */
  const cases: [string, () => string][] = [
    ['no token', () => csrfless('POST', '/user', '{"name":"no token"}')],
    ['no token on DELETE', () => csrfless('DELETE', '/user/2')],
    ['no token on PATCH', () => csrfless('PATCH', '/user/2', '{"name":"x"}')],
    ['no token on PUT add', () => csrfless('PUT', '/user/2/tags/2')],
    ['no token on DELETE remove', () => csrfless('DELETE', '/user/1/tags/1')],
    ['another session’s token in the header', () => csrfless('POST', '/user', '{"name":"x"}', [`X-CSRF-Token: ${other.token}`])],
    ['another session’s token in the body', () => csrfless('POST', '/user', JSON.stringify({ name: 'x', _csrf: other.token }))],
    ['another session’s token in the query', () => csrfless('POST', `/user?_csrf=${encodeURIComponent(other.token)}`, '{"name":"x"}')],
    ['the token in a cookie', () => csrfless('POST', '/user', '{"name":"x"}', [], `; _csrf=${member.token}`)],
    ['the token in an unknown header', () => csrfless('POST', '/user', '{"name":"x"}', [`X-CSRF: ${member.token}`])],
    ['the token in Authorization', () => csrfless('POST', '/user', '{"name":"x"}', [`Authorization: Bearer ${member.token}`])],
    ['the token nested in the body', () => csrfless('POST', '/user', JSON.stringify({ name: 'x', data: { _csrf: member.token } }))],
    ['the token as an array', () => csrfless('POST', '/user', JSON.stringify({ name: 'x', _csrf: [member.token] }))],
    ['the token as an object', () => csrfless('POST', '/user', JSON.stringify({ name: 'x', _csrf: { token: member.token } }))],
    ['the token as a number', () => csrfless('POST', '/user', JSON.stringify({ name: 'x', _csrf: 1 }))],
    ['the token twice in the query', () => csrfless('POST', `/user?_csrf=${encodeURIComponent(member.token)}&_csrf=${encodeURIComponent(member.token)}`, '{"name":"x"}')],
    ['the token in the path', () => csrfless('POST', `/probe/echo/_csrf=${encodeURIComponent(member.token)}`, '{"name":"x"}')],
    ['an empty token', () => csrfless('POST', '/user', '{"name":"x"}', ['X-CSRF-Token: '])],
    ['a dot', () => csrfless('POST', '/user', '{"name":"x"}', ['X-CSRF-Token: .'])],
    ['the salt only', () => csrfless('POST', '/user', '{"name":"x"}', [`X-CSRF-Token: ${member.token.split('.')[0]}.`])],
    ['the MAC only', () => csrfless('POST', '/user', '{"name":"x"}', [`X-CSRF-Token: .${member.token.split('.')[1]}`])],
    ['the token with a byte changed', () => csrfless('POST', '/user', '{"name":"x"}', [`X-CSRF-Token: ${member.token.slice(0, -1)}${member.token.endsWith('A') ? 'B' : 'A'}`])],
    ['the token with a suffix', () => csrfless('POST', '/user', '{"name":"x"}', [`X-CSRF-Token: ${member.token}.x`])],
    ['a 10 KB token', () => csrfless('POST', '/user', '{"name":"x"}', [`X-CSRF-Token: ${'a.'.repeat(5_000)}`])],
    ['a forged session cookie with a token', () => `POST /user HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: sails.sid=s%3Aforged.abc\r\nX-CSRF-Token: ${member.token}\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"name":"x"}`],
    ['X-HTTP-Method-Override: GET on a POST', () => csrfless('POST', '/user', '{"name":"x"}', ['X-HTTP-Method-Override: GET'])],
  ];

  function csrfless(method: string, path: string, body?: string, headers: string[] = [], cookieSuffix = ''): string {
    return httpText(method, path, {
      cookie: false,
      headers: [`Cookie: ${member.cookie}${cookieSuffix}`, ...(body === undefined ? [] : ['Content-Type: application/json']), ...headers],
      ...(body === undefined ? {} : { body }),
    });
  }

  it.each(cases)('over HTTP, %s: 403 E_CSRF', async (_label, build) => {
    const res = await expectRawAnswer(build());
    expect(res).not.toBe('closed');
    if (res !== 'closed') {
      expect(res.status, res.body).toBe(403);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'E_CSRF' });
    }
  });

  it.each([
    ['no token', {}, {}, 403],
    ['another session’s token', { 'x-csrf-token': 'other' }, {}, 403],
    ['another session’s token in the data', {}, { _csrf: 'other' }, 403],
    ['the token in an unknown header', { 'x-csrf': 'member' }, {}, 403],
    ['the token in a cookie header (the handshake’s cookie wins)', { cookie: 'member' }, {}, 403],
    ['another session’s token as a number', { 'x-csrf-token': 12345 }, {}, 403],
    // A header value must be text: an object or array is a 400 before the token is read.
    ['the token as an array header', { 'x-csrf-token': ['member'] }, {}, 400],
    ['the token in an object header with toString', { 'x-csrf-token': { toString: 'member' } }, {}, 400],
  ] as [string, Record<string, unknown>, Record<string, unknown>, number][])('over a socket sharing the session, %s: refused', async (_label, headers, data, status) => {
    const fill = (value: unknown): unknown =>
      value === 'member' ? member.token : value === 'other' ? other.token : Array.isArray(value) ? value.map(fill) : value !== null && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)])) : value;
    const socket = await connectSocket(member.cookie);
    const sent = { name: 'x', ...(fill(data) as object) };
    for (const [verb, url] of [['post', '/user'], ['delete', '/user/2'], ['put', '/user/2/tags/2']] as const) {
      const jwr = await expectJwr(await request(socket, verb, url, sent, fill(headers) as Record<string, unknown>), sent);
      expect(jwr.statusCode, JSON.stringify(jwr.body)).toBe(status);
    }
    // The right token still works on the same socket: the refusals left nothing behind.
    expect((await request(socket, 'get', '/user/2')).statusCode).toBe(200);
  });

  it('a socket with its own session cannot use the HTTP session’s token', async () => {
    const socket = await connectSocket();
    const jwr = await expectJwr(await request(socket, 'post', '/user', { name: 'x' }, { 'x-csrf-token': member.token }), {});
    expect(jwr.statusCode).toBe(403);
  });

  it('a logged-out socket with its own valid token is stopped by the policy', async () => {
    const socket = await connectSocket();
    const { body } = await request(socket, 'get', '/csrfToken');
    const token = (body as { _csrf: string })._csrf;
    const jwr = await expectJwr(await request(socket, 'post', '/user', { name: 'x' }, { 'x-csrf-token': token }), {});
    expect(jwr).toMatchObject({ statusCode: 403, body: { code: 'E_FORBIDDEN' } });
  });
});

// ---------------------------------------------------------------------------------------------

describe('origins', () => {
  afterAll(expectHealthy);

  async function refused(headers: Record<string, string>): Promise<void> {
    const socket = ioClient(app.url, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: headers });
    sockets.push(socket);
    const outcome = await within(
      new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', () => resolve('refused'));
      }),
      10_000,
      'a socket from a refused origin',
    );
    expect(outcome).toBe('refused');
    expectAlive();
  }

  it.each([
    ['no Origin', {}],
    ['another origin', { origin: 'https://evil.example' }],
    ['a null origin', { origin: 'null' }],
    ['a near miss: the allowed origin as a subdomain', { origin: 'https://example.com.evil.com' }],
    ['a near miss: a suffix', { origin: 'https://evilexample.com' }],
    ['a near miss: http', { origin: 'http://example.com' }],
    ['a near miss: the default port written out', { origin: 'https://example.com:443' }],
    ['a near miss: a trailing slash', { origin: 'https://example.com/' }],
    ['a near miss: upper case', { origin: 'https://EXAMPLE.com' }],
    ['two origins in one header', { origin: `${ORIGIN}, https://evil.example` }],
    ['the allowed origin in Referer only', { referer: `${ORIGIN}/page` }],
  ] as [string, Record<string, string>][])('a socket.io-client 4 socket with %s is refused', async (_label, headers) => {
    await refused(headers);
  });

  it.each([
    ['no Origin', {}],
    ['a near-miss origin', { origin: 'https://example.com.evil.com' }],
    ['a null origin', { origin: 'null' }],
  ] as [string, Record<string, string>][])('a raw websocket upgrade with %s is refused', async (_label, headers) => {
    await expect(within(rawSocket(app.url, headers), 10_000, 'a raw upgrade')).rejects.toThrow(/closed the socket during the handshake/);
    expectAlive();
  });

  it.each([
    ['without Origin', []],
    ['with a null Origin', ['Origin: null']],
    ['with a near-miss Origin', ['Origin: https://example.com.evil.com']],
  ] as [string, string[]][])('a polling handshake %s is refused below 500', async (_label, headers) => {
    const res = await expectRawAnswer(httpText('GET', '/socket.io/?EIO=4&transport=polling', { headers, cookie: false }));
    if (res !== 'closed') expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it('a websocket upgrade request without Origin, written by hand, is refused below 500', async () => {
    const res = await expectRawAnswer(
      httpText('GET', '/socket.io/?EIO=4&transport=websocket', {
        cookie: false,
        headers: ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13'],
      }).replace('Connection: close\r\n', ''),
    );
    if (res !== 'closed') expect(res.status).not.toBe(101);
  });

  it('HTTP writes from another origin with the member’s cookie but no token are 403', async () => {
    const res = await expectRawAnswer(httpText('POST', '/user', { cookie: false, headers: ['Origin: https://evil.example', `Cookie: ${member.cookie}`, 'Content-Type: application/json'], body: '{"name":"x"}' }));
    if (res !== 'closed') expect(res.status).toBe(403);
  });
});

// ---------------------------------------------------------------------------------------------

/** [label, frames, what the socket must see]: raw Engine.IO messages, acked as id 1 where there is an id. */
type FrameOutcome = 'ack' | 'parseError' | 'closed' | 'silence';
const FRAMES: [string, (string | Buffer)[], FrameOutcome][] = [
  ['no envelope', ['421["get"]'], 'ack'],
  ['no envelope, no ack', ['42["get"]'], 'parseError'],
  ['a string envelope', ['421["get","/user"]'], 'ack'],
  ['a null envelope', ['421["get",null]'], 'ack'],
  ['an array envelope', ['421["get",[]]'], 'ack'],
  ['a number envelope', ['421["get",1]'], 'ack'],
  ['a url that is a number', ['421["get",{"url":1}]'], 'ack'],
  ['a url that is null', ['421["get",{"url":null}]'], 'ack'],
  ['a url that is an object', ['421["get",{"url":{"toString":"/user"}}]'], 'ack'],
  ['a url that is an array', ['421["get",{"url":["/user"]}]'], 'ack'],
  ['an empty url', ['421["get",{"url":""}]'], 'ack'],
  ['a url without a slash', ['421["get",{"url":"user"}]'], 'ack'],
  ['an absolute url', ['421["get",{"url":"http://evil.example/user"}]'], 'ack'],
  ['a protocol-relative url', ['421["get",{"url":"//evil.example/user"}]'], 'ack'],
  ['a url with bad percent-encoding', ['421["get",{"url":"/user/%E0%A4%A?where=%"}]'], 'ack'],
  ['a url with NUL', ['421["get",{"url":"/user/\\u0000"}]'], 'ack'],
  ['a url with traversal', ['421["get",{"url":"/../../config/session.ts"}]'], 'ack'],
  ['a 500 KB url', [`421["get",{"url":"/user?where=${'a'.repeat(500_000)}"}]`], 'ack'],
  ['headers as a string', ['421["get",{"url":"/user","headers":"x"}]'], 'ack'],
  ['headers as an array', ['421["get",{"url":"/user","headers":[1,2]}]'], 'ack'],
  ['a header value that is an object', ['421["get",{"url":"/user","headers":{"x-a":{"b":1}}}]'], 'ack'],
  ['a header value JSON cannot make a string of', ['421["get",{"url":"/user","headers":{"x-a":{"toString":1,"valueOf":1}}}]'], 'ack'],
  ['a header value array JSON cannot make a string of', ['421["get",{"url":"/user","headers":{"x-a":[{"toString":1,"valueOf":1}]}}]'], 'ack'],
  ['a forged cookie header', ['421["get",{"url":"/probe/count","headers":{"cookie":"sails.sid=s%3Aforged.x"}}]'], 'ack'],
  ['data as a string', ['421["post",{"url":"/user","data":"x"}]'], 'ack'],
  ['data as a number', ['421["post",{"url":"/user","data":1}]'], 'ack'],
  ['data as true', ['421["post",{"url":"/user","data":true}]'], 'ack'],
  ['params as a string', ['421["post",{"url":"/user","params":"x"}]'], 'ack'],
  ['params as an array', ['421["post",{"url":"/user","params":[1]}]'], 'ack'],
  ['a method field that disagrees', ['421["get",{"url":"/user/2","method":"delete"}]'], 'ack'],
  ['data nested 10,000 deep', [`421["get",{"url":"/user","data":{"where":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}}]`], 'ack'],
  ['circular-looking references', ['421["post",{"url":"/user","data":{"name":"x","self":{"$ref":"$"}}}]'], 'ack'],
  ['an unknown event with an ack', ['421["fetch",{"url":"/user"}]'], 'ack'],
  ['a capitalised verb', ['421["GET",{"url":"/user"}]'], 'ack'],
  ['a capitalised verb without an ack', ['42["POST",{"url":"/user"}]'], 'parseError'],
  ['an event named constructor', ['421["constructor",{"url":"/user"}]'], 'ack'],
  ['an event named __proto__', ['421["__proto__",{"url":"/user"}]'], 'ack'],
  ['an event named hasOwnProperty', ['421["hasOwnProperty",{"url":"/user"}]'], 'ack'],
  ['an unknown event with no arguments', ['421["whatever"]'], 'silence'],
  ['extra arguments', ['421["get",{"url":"/user"},2,3]'], 'ack'],
  // Without a function last there is no ack to answer through: the request runs unanswered, as one without an ack id.
  ['extra arguments without an ack', ['42["get",{"url":"/user"},2]'], 'silence'],
  // socket.io takes a number as an event name; no request event has one, and nothing answers (docs/protocol.md 8).
  ['an event name that is a number', ['421[1,{"url":"/user"}]'], 'silence'],
  ['an event name that is null', ['421[null,{"url":"/user"}]'], 'closed'],
  ['an empty event array', ['421[]'], 'closed'],
  ['an object instead of an event array', ['421{"url":"/user"}'], 'closed'],
  ['the reserved event disconnect', ['421["disconnect"]'], 'closed'],
  ['the reserved event connect', ['421["connect",{"url":"/user"}]'], 'closed'],
  ['garbage after 42', ['42garbage'], 'closed'],
  ['an unknown packet type', ['49["get",{"url":"/user"}]'], 'closed'],
  ['an unknown Engine.IO type', ['9'], 'closed'],
  ['an empty message', [''], 'closed'],
  // Answered, under an id socket.io writes as 1e+30, which no client can match: silence to the sender.
  ['an ack id past 2^53', [`42${'9'.repeat(30)}["get",{"url":"/user?limit=1"}]`], 'silence'],
  ['a connect to an unknown namespace', ['40/nope,'], 'silence'],
  ['a binary attachment as the name', ['451-1["post",{"url":"/user","data":{"name":{"_placeholder":true,"num":0}}}]', Buffer.from('binary name')], 'ack'],
  ['a binary attachment as the where', ['451-1["get",{"url":"/user","data":{"where":{"_placeholder":true,"num":0}}}]', Buffer.from([0, 1, 2, 255])], 'ack'],
  ['a binary attachment as the envelope', ['451-1["get",{"_placeholder":true,"num":0}]', Buffer.from('{"url":"/user"}')], 'ack'],
  ['a placeholder with no attachment', ['451-1["get",{"url":"/user","data":{"where":{"_placeholder":true,"num":7}}}]', Buffer.from('x')], 'closed'],
  ['a placeholder in a plain event', ['421["get",{"url":"/user","data":{"where":{"_placeholder":true,"num":0}}}]'], 'ack'],
  ['a binary message with no packet', [Buffer.from([1, 2, 3])], 'closed'],
];

describe('raw socket.io frames', () => {
  let before: Snapshot;
  beforeAll(async () => {
    before = await snapshot();
  });
  afterAll(async () => {
    expect(await snapshot()).toStrictEqual(before);
    await expectHealthy();
  });

  it.each(FRAMES)('%s', async (_label, frames, expected) => {
    const raw = await rawSocket(app.url, { origin: ORIGIN });
    try {
      for (const frame of frames) raw.send(frame);
      const outcome = await frameOutcome(raw);
      expect(outcome).toBe(expected);
      if (outcome === 'ack') {
        const jwr = raw.acks.get(1)!;
        expect(jwr.statusCode, JSON.stringify(jwr.body).slice(0, 300)).toBeLessThan(500);
        expectClean(jwr.body, frames.join(''));
      }
      if (outcome === 'parseError') expect(raw.events.get('sails:parseError')?.[0]).toMatchObject({ code: 'E_BAD_SOCKET_REQUEST' });
      expectAlive();
      if (raw.isOpen()) {
        // The socket still works.
        raw.request(2, 'get', '/user?limit=1');
        await until(() => raw.acks.has(2), 'a normal request after the frame', 10_000);
        expect(raw.acks.get(2)?.statusCode).toBe(200);
      }
    } finally {
      raw.close();
    }
  });

  it('an unacked flood of 1,000 bad envelopes leaves the socket’s request slots free', async () => {
    const raw = await rawSocket(app.url, { origin: ORIGIN });
    try {
      for (let i = 0; i < 1_000; i++) raw.send('42["get",{"url":"/user","headers":{"x-a":{"toString":1,"valueOf":1}}}]');
      // 50: below sockets.maxInFlight (64), so each one has a place unless the bad envelopes kept theirs.
      for (let i = 0; i < 50; i++) raw.request(10 + i, 'get', '/user?limit=1');
      await until(() => raw.acks.size >= 50, '50 requests after the flood', 15_000);
      for (const jwr of raw.acks.values()) expect(jwr.statusCode).toBe(200);
    } finally {
      raw.close();
    }
  });
});

async function waitFor(done: () => boolean): Promise<void> {
  while (!done()) await sleep(10);
}

/** What the server did with the frames: acked id 1, sent sails:parseError, closed the socket, or (after 300 ms) nothing. */
async function frameOutcome(raw: RawSocket): Promise<FrameOutcome> {
  const closed = raw.closed.then(() => 'closed' as const);
  const answered = waitFor(() => raw.acks.has(1) || raw.events.has('sails:parseError')).then(() => (raw.acks.has(1) ? ('ack' as const) : ('parseError' as const)));
  // 'silence' is only the answer when nothing came in this long: every other outcome comes at once.
  const quiet = sleep(300).then(() => 'silence' as const);
  return within(Promise.race([answered, closed, quiet]), 10_000, 'the frame’s outcome');
}

// ---------------------------------------------------------------------------------------------

describe('writes racing destroys', () => {
  afterAll(expectHealthy);

  it('create, update, add, remove, replace and destroy at once on the same records leave no dangling link and no half-written record', async () => {
    const made = { user: [] as number[], tag: [] as number[], pet: [] as number[] };
    for (let i = 0; i < 6; i++) made.user.push(((await write('POST', '/user', { name: `race-${i}-0`, age: 0 })).body as { id: number }).id);
    for (let i = 0; i < 4; i++) made.tag.push(((await write('POST', '/tag', { label: `race-tag-${i}` })).body as { id: number }).id);
    for (let i = 0; i < 6; i++) made.pet.push(((await write('POST', '/pet', { name: `race-pet-${i}`, owner: made.user[i % 6] })).body as { id: number }).id);

    const clients = await Promise.all(Array.from({ length: 4 }, () => connectSocket(member.cookie)));
    const pick = <T>(list: T[], n: number): T => list[n % list.length]!;
    const ops: Promise<RawJwr>[] = [];
    for (let n = 0; n < 240; n++) {
      const socket = pick(clients, n);
      const user = pick(made.user, n * 7);
      const tag = pick(made.tag, n * 3);
      const pet = pick(made.pet, n * 5);
      const send = (verb: string, url: string, data: unknown = {}) => ops.push(request(socket, verb, url, data, { 'x-csrf-token': member.token }).then((jwr) => expectJwr(jwr, data)));
      switch (n % 12) {
        case 0: send('patch', `/user/${user}`, { name: `race-${user}-${n}`, age: n }); break;
        case 1: send('put', `/user/${user}/tags/${tag}`); break;
        case 2: send('delete', `/user/${user}/tags/${tag}`); break;
        case 3: send('put', `/user/${user}/pets/${pet}`); break;
        case 4: send('post', '/pet', { name: `race-new-${n}`, owner: user }); break;
        case 5: send('put', `/user/${user}/tags`, made.tag.slice(0, 1 + (n % 4))); break;
        case 6: send('patch', `/pet/${pet}`, { owner: user }); break;
        case 7: send('post', '/user', { name: `race-new-${n}-${n}`, age: n, tags: [tag], pets: [pet] }); break;
        case 8: send('delete', `/tag/${tag}`); break;
        case 9: send('delete', `/user/${user}`); break;
        case 10: send('delete', `/user/${user}/pets/${pet}`); break;
        case 11: send('patch', `/user/${user}`, { name: `race-${user}-${n}`, age: n, tags: [tag] }); break;
      }
    }
    const answers = await Promise.all(ops);
    const statuses = new Set(answers.map((jwr) => jwr.statusCode));
    for (const status of statuses) expect([200, 400, 404]).toContain(status);

    const { user: users, pet: pets, tag: tags } = await snapshot();
    const userIds = new Set(users.map((u) => u['id']));
    const tagIds = new Set(tags.map((t) => t['id']));
    for (const pet of pets) {
      const owner = pet['owner'] as { id: number } | null;
      if (owner !== null) expect(userIds.has(owner.id), `pet ${String(pet['id'])} has the owner ${owner.id}, which is gone`).toBe(true);
    }
    for (const user of users) {
      const id = user['id'] as number;
      const userTags = (user['tags'] as { id: number }[]).map((t) => t.id).sort((a, b) => a - b);
      for (const t of userTags) expect(tagIds.has(t), `user ${id} links the tag ${t}, which is gone`).toBe(true);
      const fromTags = tags.filter((t) => (t['users'] as { id: number }[]).some((u) => u.id === id)).map((t) => t['id'] as number).sort((a, b) => a - b);
      expect(userTags, `user ${id}'s tags, both ways`).toStrictEqual(fromTags);
      const userPets = (user['pets'] as { id: number }[]).map((p) => p.id).sort((a, b) => a - b);
      const owned = pets.filter((p) => (p['owner'] as { id: number } | null)?.id === id).map((p) => p['id'] as number).sort((a, b) => a - b);
      expect(userPets, `user ${id}'s pets, both ways`).toStrictEqual(owned);
      // Name and age were always written together: a record half-updated would disagree.
      const name = user['name'] as string;
      const race = /^race-(?:new-)?(\d+)-(\d+)$/.exec(name);
      if (race && made.user.includes(id) && race[2] !== '0') expect(String(user['age'])).toBe(race[2]);
    }
  }, 60_000);
});
