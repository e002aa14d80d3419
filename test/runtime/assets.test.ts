/** assets/: each file found at lift, a folder's index.html at the folder's path, the rest to the router (src/runtime/http/assets.ts). */
import { describe, expect, it } from 'vitest';
import { liftFixture, tempApp } from './helpers.js';

describe('assets/', () => {
  it('serves each file with its type, validators, ranges and HEAD, a folder index at the folder path, and nothing hidden', async () => {
    const appPath = tempApp({
      'assets/index.html': '<h1>home</h1>',
      'assets/docs/index.html': '<h1>docs</h1>',
      'assets/js/app.js': 'console.log(1);',
      'assets/my file.txt': 'spaced',
      'assets/.secret': 'hidden',
      'assets/.git/config': 'hidden',
    });
    const lifted = await liftFixture({}, { appPath });
    try {
      const url = lifted.app.url;
      const home = await fetch(`${url}/`);
      expect(home.status).toBe(200);
      expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await home.text()).toBe('<h1>home</h1>');
      expect(await (await fetch(`${url}/index.html`)).text()).toBe('<h1>home</h1>');
      expect(await (await fetch(`${url}/docs/`)).text()).toBe('<h1>docs</h1>');
      const script = await fetch(`${url}/js/app.js`);
      expect(script.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
      expect(script.headers.get('etag')).toBeTruthy();
      expect(script.headers.get('last-modified')).toBeTruthy();
      expect(await (await fetch(`${url}/js/app.js`, { headers: { range: 'bytes=0-6' } })).text()).toBe('console');
      const head = await fetch(`${url}/js/app.js`, { method: 'HEAD' });
      expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, '15', '']);
      expect(await (await fetch(`${url}/my%20file.txt`)).text()).toBe('spaced');
      // Hidden files are no routes: the router answers, and it knows no such path.
      for (const path of ['/.secret', '/.git/config', '/js/../.secret', '/js/']) expect((await fetch(`${url}${path}`)).status).toBe(404);
    } finally {
      await lifted.close();
    }
  });
});
