/** Shared by the policy, session, CSRF and handshake tests: the secure fixture app and an HTTP client with a cookie jar. */
import { fileURLToPath } from 'node:url';
import type { LiftOptions } from '../../src/runtime/index.js';
import { liftFixture, type Jwr, type Lifted } from './helpers.js';

export const SECURE_APP = fileURLToPath(new URL('./secure-app', import.meta.url));

export function liftSecure(config: Record<string, unknown> = {}, options: LiftOptions = {}): Promise<Lifted> {
  return liftFixture(config, { appPath: SECURE_APP, ...options });
}

/** An HTTP client that keeps the session cookie the server sets, as a browser does. */
export interface HttpSession {
  cookie: string | undefined;
  request(method: string, path: string, data?: unknown, headers?: Record<string, string>): Promise<Jwr>;
}

export function httpSession(url: string, cookie?: string): HttpSession {
  const session: HttpSession = {
    cookie,
    async request(method, path, data, headers = {}) {
      const init: RequestInit = { method: method.toUpperCase(), headers: { ...headers, ...(session.cookie ? { cookie: session.cookie } : {}) } };
      if (data !== undefined) {
        init.body = JSON.stringify(data);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const response = await fetch(url + path, init);
      const setCookie = response.headers.get('set-cookie');
      if (setCookie) session.cookie = setCookie.split(';')[0];
      const text = await response.text();
      const result: Record<string, string> = {};
      response.headers.forEach((value, key) => (result[key] = value));
      const json = (response.headers.get('content-type') ?? '').startsWith('application/json');
      return { statusCode: response.status, body: json ? JSON.parse(text) : text, headers: result };
    },
  };
  return session;
}
