import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { lift } from '../../src/runtime/index.js';
import { PolicyMap } from '../../src/runtime/policies/index.js';
import { connect, liftFixture, SOCKET_KINDS, type Client, type ClientKind, ON_SERVER_STORE } from './helpers.js';
import { httpSession, liftSecure } from './secure-helpers.js';

/** A client of any kind whose session persists between requests (HTTP keeps its cookie). */
async function sessionClient(kind: ClientKind, url: string): Promise<Pick<Client, 'request'> & { close(): void }> {
  if (kind !== 'http') return connect(kind, url);
  const http = httpSession(url);
  return { request: (method, path, data) => http.request(method, path, data), close() {} };
}

const FORBIDDEN = { code: 'E_FORBIDDEN', message: 'You are not allowed to do this.' };

describe.each(['http', ...SOCKET_KINDS] as ClientKind[])('policies over %s', (kind) => {
  it('guard controller and blueprint actions the same way; policies hand values to the action on req.locals', async () => {
    const lifted = await liftSecure();
    onTestFinished(() => lifted.close());
    const client = await sessionClient(kind, lifted.app.url);
    onTestFinished(() => client.close());

    // UserController: { '*': 'isLoggedIn', find: true } covers the blueprints of the model user.
    expect(await client.request('get', '/user')).toMatchObject({ statusCode: 200, body: [] });
    expect(await client.request('post', '/user', { name: 'x' })).toMatchObject({ statusCode: 403, body: { message: 'log in first' } });
    expect(await client.request('get', '/user/1')).toMatchObject({ statusCode: 403, body: { message: 'log in first' } });
    expect(await client.request('get', '/me')).toMatchObject({ statusCode: 403, body: { message: 'log in first' } });

    expect(await client.request('post', '/login', { name: 'ann' })).toMatchObject({ statusCode: 200, body: { loggedIn: 'ann' } });
    expect(await client.request('post', '/user', { name: 'x' })).toMatchObject({ statusCode: 200, body: { id: 1, name: 'x' } });
    expect(await client.request('delete', '/user/1')).toMatchObject({ statusCode: 200, body: { id: 1 } });
    // ['later', 'isLoggedIn']: a callback proceed, then an async policy, in order.
    expect(await client.request('get', '/me')).toMatchObject({ statusCode: 200, body: { me: 'ann', steps: ['later', 'isLoggedIn'] } });

    expect(await client.request('get', '/shut')).toMatchObject({ statusCode: 403, body: FORBIDDEN });
    const boom = await client.request('get', '/boom');
    expect(boom.statusCode).toBe(500);
    expect(String(boom.body)).toMatch(/^Error: policy exploded/);
    // '*': true, and unmapped controllers and inline routes fall back to it.
    expect(await client.request('get', '/inline')).toMatchObject({ statusCode: 200, body: { inline: true } });
  });
});

describe('policies', () => {
  it('the seed action runs behind [isLoggedIn, isAdmin] over both socket clients', async () => {
    const lifted = await liftSecure();
    onTestFinished(() => lifted.close());
    for (const kind of SOCKET_KINDS) {
      const client = await connect(kind, lifted.app.url);
      onTestFinished(() => client.close());
      expect(await client.request('get', '/say/hello')).toMatchObject({ statusCode: 403, body: { message: 'log in first' } });
      await client.request('post', '/login', { name: 'ann' });
      expect(await client.request('get', '/say/hello')).toMatchObject({ statusCode: 403, body: 'Forbidden' });
      await client.request('post', '/login', { name: 'admin' });
      expect(await client.request('get', '/say/hello')).toMatchObject({
        statusCode: 200,
        body: { anyData: 'we want to send back', me: 'admin' },
      });
    }
  });

  it('lift refuses a mapping to a policy that does not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sails-rt-app-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const write = (file: string, text: string): void => {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    };
    write('api/policies/isLoggedIn.ts', 'export default (_req: unknown, _res: unknown, proceed: () => void) => proceed();\n');
    write('config/policies.ts', "export const policies = { UserController: { create: ['isLoggedIn', 'isAdmn'] } };\n");
    await expect(lift({ appPath: dir, port: 0, log: () => {} })).rejects.toThrow(
      'config/policies.ts: UserController.create uses the policy "isAdmn", which does not exist; add api/policies/isAdmn.ts (`sails-rt generate policy isAdmn`) or fix the name (policies: isLoggedIn).',
    );
  });

  it.skipIf(ON_SERVER_STORE)('in production, lift refuses blueprint writes no policy guards, unless blueprints.allowUnguardedWrites says so', async () => {
    const production = { session: { secret: 'a-real-secret-for-the-test' }, sockets: { beforeConnect: () => true } };
    // A short sentence, at most eight routes one a line, then how many more.
    await expect(liftFixture(production, { environment: 'production' })).rejects.toThrow(
      [
        'In production, anyone could write through these 15 blueprint routes, because no policy guards them:',
        '  POST /note',
        '  PATCH /note/:id',
        '  PUT /note/:id',
        '  DELETE /note/:id',
        '  DELETE /note',
        '  POST /user',
        '  PATCH /user/:id',
        '  PUT /user/:id',
        '  and 7 more',
        "Map them to a policy in config/policies.ts (e.g. UserController: { '*': 'isLoggedIn', find: true, findOne: true }, or sails-rt generate policy isLoggedIn --on UserController), or set blueprints.allowUnguardedWrites: true in config/blueprints.ts if that is intended.",
      ].join('\n'),
    );
    // Shortcut write routes count too, with REST routes or without them.
    await expect(liftFixture({ ...production, blueprints: { rest: false, shortcuts: true } }, { environment: 'production' })).rejects.toThrow(
      'these 9 blueprint routes, because no policy guards them:\n  GET /note/create\n  GET /note/update/:id\n  GET /note/destroy/:id\n  GET /user/create\n',
    );
    await expect(liftFixture({ ...production, blueprints: { shortcuts: true, prefix: '/api' } }, { environment: 'production' })).rejects.toThrow(
      'these 24 blueprint routes, because no policy guards them:\n  POST /api/note\n  PATCH /api/note/:id\n  PUT /api/note/:id\n  DELETE /api/note/:id\n  DELETE /api/note\n  GET /api/note/create\n  GET /api/note/update/:id\n  GET /api/note/destroy/:id\n  and 16 more\n',
    );
    const allowed = await liftFixture({ ...production, blueprints: { allowUnguardedWrites: true } }, { environment: 'production' });
    await allowed.close();
    // The secure app guards every write of user with isLoggedIn.
    const secure = await liftSecure(production, { environment: 'production' });
    await secure.close();
  });
});

describe('PolicyMap reads every key as Sails 1 does, as action paths', () => {
  const loaded = new Map(['a', 'b', 'c'].map((name) => [name, (_req: unknown, _res: unknown, proceed: () => void) => proceed()]));
  const runs = (config: Record<string, unknown>, identity: string) => {
    const chain = new PolicyMap(config, loaded as never).chainFor(identity);
    return chain.deny ? false : chain.policies.length === 0 ? true : chain.policies.map((policy) => policy.name);
  };

  it.each([
    // [policies, action, what runs]
    [{ UserController: { '*': 'a' }, 'user/admin/*': 'b' }, 'user/admin/ban', ['b']],
    [{ UserController: 'a', 'user/admin/*': 'b' }, 'user/admin/ban', ['b']],
    [{ UserController: 'a', 'user/admin/*': 'b' }, 'user/find', ['a']],
    [{ UserController: { find: 'a' }, 'user/*': 'b' }, 'user/find', ['a']],
    [{ UserController: { find: 'a' }, 'user/*': 'b' }, 'user/create', ['b']],
    // One folder written twice: the later key wins, whichever style.
    [{ UserController: { '*': 'a' }, 'user/*': 'b' }, 'user/create', ['b']],
    [{ 'user/*': 'b', UserController: { '*': 'a' } }, 'user/create', ['a']],
    [{ 'user/*': 'a', 'User/SignUp': false }, 'user/signup', false],
    [{ '*': ['c'], user: true }, 'user/find', true],
    [{ '*': ['c'], ping: 'a' }, 'ping', ['a']],
    [{ '*': ['c'], ping: 'a' }, 'pong', ['c']],
  ] as [Record<string, unknown>, string, unknown][])('%j: %s runs %j', (config, identity, expected) => {
    expect(runs(config, identity)).toEqual(expected);
  });

  it('refuses a key whose * matches nothing', () => {
    for (const key of ['user/*/x', 'user*', 'user/**']) {
      expect(() => new PolicyMap({ [key]: 'a' }, loaded as never), key).toThrow(`config/policies.ts: the key '${key}' has a * that is not a whole last segment`);
    }
  });
});
