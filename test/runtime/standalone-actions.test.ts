/** Sails' standalone actions: api/controllers/<path>.ts default-exporting one action, routed by its path. */
import { describe, expect, it, onTestFinished } from 'vitest';
import { lift } from '../../src/runtime/index.js';
import { tempApp } from './helpers.js';

async function liftError(appPath: string): Promise<string> {
  try {
    const app = await lift({ appPath, port: 0, log: () => {} });
    await app.lower();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('lift did not fail');
}

describe('standalone actions', () => {
  it('loads api/controllers/<folder>/<name>.ts and top-level ones, routed by their path, beside controllers', async () => {
    const appPath = tempApp({
      'api/controllers/user/sign-up.ts': "export default (req, res) => res.json({ from: 'user/sign-up', method: req.method });\n",
      'api/controllers/ping.ts': "export default (req, res) => res.json({ from: 'ping' });\n",
      'api/controllers/SayController.ts': "export default { hello: (req, res) => res.json({ from: 'SayController.hello' }) };\n",
      'config/routes.ts':
        "export const routes = { 'POST /user/sign-up': 'user/sign-up', 'GET /ping': { action: 'ping' }, 'GET /say/hello': 'SayController.hello' };\n",
    });
    const app = await lift({ appPath, port: 0, log: () => {} });
    onTestFinished(() => app.lower());
    const post = await fetch(`${app.url}/user/sign-up`, { method: 'POST' });
    expect(post.status).toBe(200);
    expect(await post.json()).toEqual({ from: 'user/sign-up', method: 'POST' });
    expect(await (await fetch(`${app.url}/ping`)).json()).toEqual({ from: 'ping' });
    expect(await (await fetch(`${app.url}/say/hello`)).json()).toEqual({ from: 'SayController.hello' });
  });

  it('refuses a file that is neither a controller nor one action, and one action defined twice', async () => {
    expect(await liftError(tempApp({ 'api/controllers/user/signup.ts': 'export default { a: 1 };\n' }))).toBe(
      'api/controllers/user/signup.ts has no default export of one action; a file in a folder of api/controllers is a standalone action: write `export default action` with const action: Action = (req, res) => ….',
    );
    expect(await liftError(tempApp({ 'api/controllers/Say.ts': 'export default { hello: () => 1 };\n' }))).toBe(
      'api/controllers/Say.ts is not named like a controller and has no default export of one action; rename it to <Name>Controller.ts (for example SayController.ts), or default-export a standalone action (req, res) => ….',
    );
    expect(
      await liftError(
        tempApp({
          'api/controllers/SayController.ts': 'export default { hello: () => 1 };\n',
          'api/controllers/say/hello.ts': 'export default () => 1;\n',
        }),
      ),
    ).toBe('api/controllers/say/hello.ts: the action say/hello is also defined as SayController.hello; remove or rename one of them.');
  });

  it("config/policies.ts maps them by path, as Sails 1 does: 'user/signup', 'user/*', a top-level name", async () => {
    const deny = "export default (req, res) => res.status(403).json({ by: 'NAME' });\n";
    const appPath = tempApp({
      'api/controllers/user/signup.ts': "export default (req, res) => res.json({ from: 'user/signup' });\n",
      'api/controllers/user/login.ts': "export default (req, res) => res.json({ from: 'user/login' });\n",
      'api/controllers/user/profile/show.ts': "export default (req, res) => res.json({ from: 'user/profile/show' });\n",
      'api/controllers/ping.ts': "export default (req, res) => res.json({ from: 'ping' });\n",
      'api/controllers/pong.ts': "export default (req, res) => res.json({ from: 'pong' });\n",
      'api/policies/isLoggedOut.ts': deny.replace('NAME', 'isLoggedOut'),
      'api/policies/isLoggedIn.ts': deny.replace('NAME', 'isLoggedIn'),
      'api/policies/isAdmin.ts': deny.replace('NAME', 'isAdmin'),
      'config/policies.ts':
        "export const policies = { '*': true, 'user/*': 'isLoggedIn', 'User/SignUp': 'isLoggedOut', 'user/profile/*': 'isAdmin', ping: 'isAdmin' };\n",
      'config/routes.ts':
        "export const routes = { 'POST /user/signup': 'user/signup', 'POST /user/login': 'user/login', 'GET /user/profile': 'user/profile/show', 'GET /ping': 'ping', 'GET /pong': 'pong' };\n",
    });
    const app = await lift({ appPath, port: 0, log: () => {} });
    onTestFinished(() => app.lower());
    const by = async (method: string, path: string) => {
      const answer = await fetch(`${app.url}${path}`, { method });
      return (await answer.json()) as { by?: string; from?: string };
    };
    // The action's own path wins over its folder's wildcard; the longest wildcard wins; keys are case-blind.
    expect(await by('POST', '/user/signup')).toEqual({ by: 'isLoggedOut' });
    expect(await by('POST', '/user/login')).toEqual({ by: 'isLoggedIn' });
    expect(await by('GET', '/user/profile')).toEqual({ by: 'isAdmin' });
    expect(await by('GET', '/ping')).toEqual({ by: 'isAdmin' });
    expect(await by('GET', '/pong')).toEqual({ from: 'pong' });
  });

  it('a route to a top-level standalone action that does not exist names the file to write', async () => {
    const appPath = tempApp({ 'config/routes.ts': "export const routes = { 'GET /ping': 'ping' };\n" });
    expect(await liftError(appPath)).toBe(
      'config/routes.ts: the route "GET /ping" points to the action ping, which does not exist; write the standalone action api/controllers/ping.ts, or fix the route.',
    );
  });
});
