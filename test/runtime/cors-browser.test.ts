/**
 * CORS in a real browser: a page served by a second server (another port, so another origin)
 * calls the app with fetch, and Chromium decides from the app's headers what the page may read.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium, type Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { liftSecure } from './secure-helpers.js';

/** Debian's chromium, as .ci/run installs it; a machine without it skips this test outside CI. */
const CHROMIUM = '/usr/bin/chromium';

/** A headless Chromium page at `url`; the browser is closed when the test finishes. */
async function openPage(url: string): Promise<Page> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  onTestFinished(() => browser.close());
  const page = await browser.newPage();
  await page.goto(url);
  return page;
}

/** The page's script: one fetch, answered as what the page could read, or the browser's refusal. */
const PAGE = `<!doctype html>
<title>another origin</title>
<script>
  window.call = async (url, init) => {
    try {
      const response = await fetch(url, init);
      return { status: response.status, body: await response.json() };
    } catch (error) {
      return { refused: String(error) };
    }
  };
</script>`;

async function pageServer(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, server };
}

describe('CORS in a browser', () => {
  it.skipIf(!existsSync(CHROMIUM) && !process.env['CI'])(
    'a page of another origin reads the app with and without credentials, and is refused where CORS does not allow it',
    async () => {
      const { origin, server } = await pageServer();
      onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const lifted = await liftSecure({
        security: { cors: { allRoutes: true, allowOrigins: [origin], allowCredentials: true } },
        routes: { '/write': { controller: 'SessionController', action: 'write', cors: false } },
      });
      onTestFinished(() => lifted.close());
      const app = lifted.app.url;
      expect(new URL(app).origin).not.toBe(origin);

      const page = await openPage(origin);
      const call = (path: string, init: Record<string, unknown> = {}): Promise<unknown> =>
        page.evaluate(([url, options]) => (globalThis as unknown as { call(u: string, i: object): Promise<unknown> }).call(url, options), [app + path, init] as const);

      // Without credentials the page reads the answer, but no cookie goes either way: each call is a new session.
      expect(await call('/count')).toEqual({ status: 200, body: { count: 1 } });
      expect(await call('/count')).toEqual({ status: 200, body: { count: 1 } });

      // With credentials: a JSON POST (preflighted for its content-type) logs in, and the session cookie is kept.
      const json = { 'content-type': 'application/json' };
      expect(await call('/login', { method: 'POST', credentials: 'include', headers: json, body: JSON.stringify({ name: 'ann' }) })).toEqual({
        status: 200,
        body: { loggedIn: 'ann' },
      });
      expect(await call('/count', { credentials: 'include' })).toEqual({ status: 200, body: { count: 1 } });
      expect(await call('/count', { credentials: 'include' })).toEqual({ status: 200, body: { count: 2 } });
      expect(await call('/session', { credentials: 'include' })).toMatchObject({ body: { session: { userId: 'ann', count: 2 } } });

      // cors: false on the route: neither a simple request nor a preflighted one can be read.
      expect(await call('/write?a=1')).toEqual({ refused: expect.stringMatching(/Failed to fetch/) });
      expect(await call('/write', { method: 'POST', headers: json, body: '{}' })).toEqual({ refused: expect.stringMatching(/Failed to fetch/) });
      // A request header that allowRequestHeaders does not list fails its preflight.
      expect(await call('/count', { headers: { 'x-custom': '1' } })).toEqual({ refused: expect.stringMatching(/Failed to fetch/) });
    },
    60_000,
  );

  it.skipIf(!existsSync(CHROMIUM) && !process.env['CI'])(
    'an origin that is not listed cannot read the app, even where it lists others',
    async () => {
      const { origin, server } = await pageServer();
      onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const lifted = await liftSecure({ security: { cors: { allRoutes: true, allowOrigins: ['https://example.com'] } } });
      onTestFinished(() => lifted.close());
      const page = await openPage(origin);
      const refused = await page.evaluate((url) => (globalThis as unknown as { call(u: string): Promise<unknown> }).call(url), `${lifted.app.url}/count`);
      expect(refused).toEqual({ refused: expect.stringMatching(/Failed to fetch/) });
    },
    60_000,
  );
});
