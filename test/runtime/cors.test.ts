import { describe, expect, it, onTestFinished } from 'vitest';
import { lift } from '../../src/runtime/index.js';
import { connect, liftFixture, tempApp, type Jwr, ON_SERVER_STORE } from './helpers.js';
import { httpSession, liftSecure } from './secure-helpers.js';

const PAGE = 'http://localhost:5173';
const OTHER = 'https://evil.example';
const LISTED = { security: { cors: { allRoutes: true, allowOrigins: [PAGE, 'https://example.com'] } } };
const SAILS_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE';
const PRODUCTION = {
  session: { secret: 'a-test-secret-that-is-not-a-placeholder' },
  sockets: { onlyAllowOrigins: [PAGE] },
  blueprints: { allowUnguardedWrites: true },
};

async function call(url: string, method: string, headers: Record<string, string> = {}, body?: unknown): Promise<Jwr> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const response = await fetch(url, init);
  const text = await response.text();
  const result: Record<string, string> = {};
  response.headers.forEach((value, key) => (result[key] = value));
  return { statusCode: response.status, body: text, headers: result };
}

/** The CORS headers of a response, so that "none at all" is one comparison. */
function cors(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('access-control-')));
}

function preflight(url: string, origin: string, method: string, requestHeaders?: string): Promise<Jwr> {
  return call(url, 'OPTIONS', {
    origin,
    'access-control-request-method': method,
    ...(requestHeaders === undefined ? {} : { 'access-control-request-headers': requestHeaders }),
  });
}

describe('CORS (security.cors and per-route cors)', () => {
  it('is off by default: no CORS headers, and OPTIONS is still answered by the router', async () => {
    const lifted = await liftFixture();
    onTestFinished(() => lifted.close());
    const { url } = lifted.app;
    const simple = await call(`${url}/user`, 'GET', { origin: PAGE });
    expect(simple.statusCode).toBe(200);
    expect(cors(simple.headers)).toEqual({});
    const options = await preflight(`${url}/user`, PAGE, 'POST');
    expect(options.statusCode).toBe(200);
    expect(cors(options.headers)).toEqual({});
    expect(options.headers['allow']).toBe('DELETE, GET, HEAD, POST');
  });

  it('allRoutes with a list: an allowed origin gets its own origin back; a preflight gets Sails\' methods and headers', async () => {
    const lifted = await liftFixture(LISTED);
    onTestFinished(() => lifted.close());
    const { url } = lifted.app;
    const simple = await call(`${url}/user`, 'GET', { origin: PAGE });
    expect(simple.statusCode).toBe(200);
    expect(cors(simple.headers)).toEqual({ 'access-control-allow-origin': PAGE });
    expect(simple.headers['vary']).toMatch(/\bOrigin\b/);

    const answered = await preflight(`${url}/user/1`, PAGE, 'PATCH', 'content-type');
    expect(answered.statusCode).toBe(200);
    expect(answered.body).toBe('');
    expect(cors(answered.headers)).toEqual({
      'access-control-allow-origin': PAGE,
      'access-control-allow-methods': SAILS_METHODS,
      'access-control-allow-headers': 'content-type',
    });

    // A write from an allowed origin runs and can be read by the page.
    const created = await call(`${url}/user`, 'POST', { origin: 'https://example.com' }, { name: 'ann' });
    expect(created.statusCode).toBe(200);
    expect(created.headers['access-control-allow-origin']).toBe('https://example.com');
  });

  it('a disallowed origin is served without any CORS header (the browser keeps the answer from the page), and its preflight gets none', async () => {
    const lifted = await liftFixture(LISTED);
    onTestFinished(() => lifted.close());
    const { url } = lifted.app;
    const simple = await call(`${url}/user`, 'GET', { origin: OTHER });
    expect(simple.statusCode).toBe(200);
    expect(simple.body).toBe('[]');
    expect(cors(simple.headers)).toEqual({});
    const refused = await preflight(`${url}/user`, OTHER, 'PUT', 'content-type');
    expect(cors(refused.headers)).toEqual({});
    // Not a CORS request at all: no Origin, no headers; OPTIONS without a preflight's origin reaches the router.
    expect(cors((await call(`${url}/user`, 'GET')).headers)).toEqual({});
    expect((await call(`${url}/user`, 'OPTIONS')).headers['allow']).toBe('DELETE, GET, HEAD, POST');
  });

  it("allowOrigins: '*' answers '*' to any origin; allowResponseHeaders and allowRequestHeaders are sent as given", async () => {
    const lifted = await liftFixture({
      security: { cors: { allRoutes: true, allowOrigins: '*', allowRequestHeaders: ['content-type', 'x-csrf-token'], allowResponseHeaders: 'x-total' } },
    });
    onTestFinished(() => lifted.close());
    const { url } = lifted.app;
    expect(cors((await call(`${url}/user`, 'GET', { origin: OTHER })).headers)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'x-total',
    });
    expect(cors((await preflight(`${url}/user`, OTHER, 'POST', 'x-csrf-token')).headers)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': SAILS_METHODS,
      'access-control-allow-headers': 'content-type,x-csrf-token',
      'access-control-expose-headers': 'x-total',
    });
  });

  it('allowCredentials: the page may send its cookie, and the session it names is used', async () => {
    const lifted = await liftSecure({ security: { cors: { allRoutes: true, allowOrigins: [PAGE], allowCredentials: true } } });
    onTestFinished(() => lifted.close());
    const page = httpSession(lifted.app.url);
    const first = await page.request('get', '/count', undefined, { origin: PAGE });
    expect(cors(first.headers)).toEqual({ 'access-control-allow-origin': PAGE, 'access-control-allow-credentials': 'true' });
    expect(first.headers['set-cookie']).toMatch(/^sails\.sid=/);
    expect((await page.request('get', '/count', undefined, { origin: PAGE })).body).toEqual({ count: 2 });
    const answered = await preflight(`${lifted.app.url}/login`, PAGE, 'POST', 'content-type');
    expect(answered.headers['access-control-allow-credentials']).toBe('true');
    // A disallowed origin is not told that credentials would be allowed.
    expect(cors((await page.request('get', '/count', undefined, { origin: OTHER })).headers)).toEqual({});
  });

  it('per route: cors on a target enables, narrows or turns off CORS for that route only, preflights included', async () => {
    const lifted = await liftFixture({
      security: { cors: { allowOrigins: [PAGE] } },
      routes: {
        'GET /echo': { action: 'echo/show', cors: true },
        'GET /echo/text': { action: 'echo/text', cors: 'https://example.com' },
        '/echo/any': { controller: 'EchoController', action: 'show', cors: { allowOrigins: ['https://example.com'], allowCredentials: true, allowRequestMethods: 'GET,POST' } },
      },
    });
    onTestFinished(() => lifted.close());
    const { url } = lifted.app;
    // allRoutes is off: blueprint routes have no CORS.
    expect(cors((await call(`${url}/user`, 'GET', { origin: PAGE })).headers)).toEqual({});
    expect(cors((await preflight(`${url}/user`, PAGE, 'POST')).headers)).toEqual({});
    // cors: true takes the global settings.
    expect(cors((await call(`${url}/echo`, 'GET', { origin: PAGE })).headers)).toEqual({ 'access-control-allow-origin': PAGE });
    expect(cors((await preflight(`${url}/echo`, PAGE, 'GET')).headers)['access-control-allow-origin']).toBe(PAGE);
    // A string is the one origin allowed; HEAD follows its GET route.
    expect(cors((await call(`${url}/echo/text`, 'GET', { origin: PAGE })).headers)).toEqual({});
    expect(cors((await call(`${url}/echo/text`, 'HEAD', { origin: 'https://example.com' })).headers)).toEqual({
      'access-control-allow-origin': 'https://example.com',
    });
    // An object is merged over the global settings; the preflight is looked up by the announced method.
    expect(cors((await call(`${url}/echo/any`, 'POST', { origin: 'https://example.com' }, {})).headers)).toEqual({
      'access-control-allow-origin': 'https://example.com',
      'access-control-allow-credentials': 'true',
    });
    expect(cors((await preflight(`${url}/echo/any`, 'https://example.com', 'DELETE')).headers)).toEqual({
      'access-control-allow-origin': 'https://example.com',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'content-type',
    });
    expect(cors((await call(`${url}/echo/any`, 'GET', { origin: PAGE })).headers)).toEqual({});
  });

  it('cors: false turns a route off under allRoutes; other verbs of the path keep the global settings', async () => {
    const lifted = await liftFixture({ ...LISTED, routes: { 'POST /user': { action: 'user/create', cors: false } } });
    onTestFinished(() => lifted.close());
    const { url } = lifted.app;
    expect(cors((await call(`${url}/user`, 'POST', { origin: PAGE }, { name: 'bo' })).headers)).toEqual({});
    expect(cors((await preflight(`${url}/user`, PAGE, 'POST', 'content-type')).headers)).toEqual({});
    expect(cors((await call(`${url}/user`, 'GET', { origin: PAGE })).headers)).toEqual({ 'access-control-allow-origin': PAGE });
    expect(cors((await preflight(`${url}/user`, PAGE, 'DELETE')).headers)['access-control-allow-origin']).toBe(PAGE);
  });

  it('CSRF still applies to an allowed origin: its refusal carries CORS headers, and GET /csrfToken is readable by the page', async () => {
    const lifted = await liftSecure({
      security: { csrf: true, cors: { allRoutes: true, allowOrigins: [PAGE], allowCredentials: true, allowRequestHeaders: 'content-type,x-csrf-token' } },
    });
    onTestFinished(() => lifted.close());
    const page = httpSession(lifted.app.url);
    const refused = await page.request('post', '/write', { a: 1 }, { origin: PAGE });
    expect(refused).toMatchObject({ statusCode: 403, body: { code: 'E_CSRF' } });
    expect(refused.headers['access-control-allow-origin']).toBe(PAGE);
    const granted = await page.request('get', '/csrfToken', undefined, { origin: PAGE });
    expect(granted.headers['access-control-allow-origin']).toBe(PAGE);
    const token = (granted.body as { _csrf: string })._csrf;
    expect(await page.request('post', '/write', { a: 1 }, { origin: PAGE, 'x-csrf-token': token })).toMatchObject({ statusCode: 200, body: { wrote: { a: 1 } } });
  });

  it('assets/ get no CORS headers, as Sails serves them before its router; routes of the same app do', async () => {
    const appPath = tempApp({
      'config/security.ts': `export const security = { cors: { allRoutes: true, allowOrigins: ['${PAGE}'] } };\n`,
      'config/routes.ts': "export const routes = { 'GET /ping': () => ({ pong: true }) };\n",
      'assets/hello.txt': 'hello',
    });
    const app = await lift({ appPath, port: 0, environment: 'development', log: () => {}, config: { datastores: { default: { filename: ':memory:' } } } });
    onTestFinished(() => app.lower());
    const asset = await call(`${app.url}/hello.txt`, 'GET', { origin: PAGE });
    expect(asset).toMatchObject({ statusCode: 200, body: 'hello' });
    expect(cors(asset.headers)).toEqual({});
    expect(cors((await call(`${app.url}/ping`, 'GET', { origin: PAGE })).headers)).toEqual({ 'access-control-allow-origin': PAGE });
  });

  it('sockets are not touched: security.cors does not decide who may connect or send requests', async () => {
    const lifted = await liftFixture(LISTED);
    onTestFinished(() => lifted.close());
    const client = await connect('socket.io-client 4', lifted.app.url, { headers: { origin: OTHER } });
    onTestFinished(() => client.close());
    expect(await client.request('get', '/user')).toMatchObject({ statusCode: 200, body: [] });
  });

  it('refuses bad settings at lift with a sentence naming the setting and the fix', async () => {
    const refused = async (config: Record<string, unknown>, message: RegExp | string): Promise<void> => {
      await expect(liftFixture(config)).rejects.toThrow(message);
    };
    await refused({ security: { cors: { allRoutes: true, allowOrigins: ['https://example.com/'] } } }, /^The setting security\.cors\.allowOrigins \(config\/security\.ts\) has "https:\/\/example\.com\/", which is not an origin; write each as protocol:\/\/host\[:port\]/);
    await refused({ security: { cors: { allowOrigins: ['https://example.com:443'] } } }, 'leave out the default port: "https://example.com"');
    await refused({ security: { cors: { allowOrigins: 42 } } }, "The setting security.cors.allowOrigins (config/security.ts) is 42; use '*' or an array of origins such as ['https://example.com'].");
    await refused({ security: { cors: { allowOrigins: ['*'] } } }, "has '*' in a list; use allowOrigins: '*' on its own");
    await refused({ security: { cors: { origin: 'https://example.com' } } }, 'The setting security.cors.origin (config/security.ts) is the name Sails 0.12 used; rename it to allowOrigins.');
    await refused({ security: { cors: { allowOrigin: ['https://example.com'] } } }, /security\.cors\.allowOrigin \(config\/security\.ts\) is not a CORS setting; use allRoutes, allowOrigins,/);
    await refused({ security: { cors: { allRoutes: 'yes' } } }, 'The setting security.cors.allRoutes (config/security.ts) is "yes"; use true or false.');
    await refused({ security: { cors: { allowRequestHeaders: 'content type' } } }, /allowRequestHeaders \(config\/security\.ts\) is "content type"; use a comma-separated list/);
    await refused({ security: { cors: true } }, /^The setting security\.cors \(config\/security\.ts\) is true; write it as an object/);
    await refused({ routes: { 'GET /echo': { action: 'echo/show', cors: 7 } } }, /^config\/routes\.ts: in the route "GET \/echo", cors is 7; use true, false, an origin/);
    await refused({ routes: { 'GET /echo': { action: 'echo/show', cors: 'example.com' } } }, 'config/routes.ts: in the route "GET /echo", cors.allowOrigins has "example.com", which is not an origin;');
    await refused({ routes: { 'GET /echo': { action: 'echo/show', cors: { allRoutes: true } } } }, 'in the route "GET /echo", cors.allRoutes is set on a route, where it means nothing; remove it');
  });

  it.skipIf(ON_SERVER_STORE)("refuses allowOrigins '*' with credentials unless allowAnyOriginWithCredentialsUnsafe, and in production even then", async () => {
    const unsafe = { allRoutes: true, allowCredentials: true };
    await expect(liftFixture({ security: { cors: unsafe } })).rejects.toThrow(
      "The setting security.cors.allowOrigins (config/security.ts) is '*' (the default) while allowCredentials is true, so any web page could act as your logged-in users; list your front ends' origins",
    );
    await expect(liftFixture({ routes: { 'GET /echo': { action: 'echo/show', cors: { allowOrigins: '*', allowCredentials: true } } } })).rejects.toThrow(
      `config/routes.ts: in the route "GET /echo", cors.allowOrigins is '*' while allowCredentials is true`,
    );
    // Outside production the flag lifts it: every origin is echoed back, with credentials.
    const lifted = await liftFixture({ security: { cors: { ...unsafe, allowAnyOriginWithCredentialsUnsafe: true } } });
    onTestFinished(() => lifted.close());
    expect(cors((await call(`${lifted.app.url}/user`, 'GET', { origin: OTHER })).headers)).toEqual({
      'access-control-allow-origin': OTHER,
      'access-control-allow-credentials': 'true',
    });
    await expect(
      liftFixture({ ...PRODUCTION, security: { cors: { ...unsafe, allowAnyOriginWithCredentialsUnsafe: true } } }, { environment: 'production' }),
    ).rejects.toThrow("is '*' (the default) while allowCredentials is true, which production refuses because any web page could then act as your logged-in users");
    // A list of origins with credentials lifts in production.
    const safe = await liftFixture({ ...PRODUCTION, security: { cors: { allRoutes: true, allowOrigins: [PAGE], allowCredentials: true } } }, { environment: 'production' });
    onTestFinished(() => safe.close());
    expect(cors((await call(`${safe.app.url}/user`, 'GET', { origin: PAGE })).headers)['access-control-allow-credentials']).toBe('true');
  });
});
