/**
 * Every combination of `sails-rt new`'s choices compiles and runs: each app is generated, given
 * what `npm install` would give it (this checkout and its node_modules, nothing from a registry),
 * type-checked under its strict tsconfig, and made to pass its own generated tests.
 * CI runs the whole matrix; a local run takes the default combination only (CI=true for all).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { cli, ROOT, tempDir } from './helpers.js';

interface Combination {
  name: string;
  flags: string[];
  /** generate model specs for an app that gets its models one by one. */
  model?: string[];
  /** Test files the app's own suite has: one per model, say.test.ts with the example, and TYPES_TEST. */
  testFiles: number;
  /** A test written into the app that holds its generated Create/Update types to what its server accepts. */
  typesTest?: string;
}

/**
 * For the User of the default combination: each write the generated types take compiles and the
 * server accepts; each one marked @ts-expect-error must fail to compile (else tsc reports the unused
 * directive) and the server refuses it. So the types are never looser than the server; they are
 * stricter only where the server reads a value loosely as Waterline does ('36' for a number).
 */
const USER_TYPES_TEST = `import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lift } from 'sails-rt';
import { createClient } from '../generated/client.js';
import type { UserCreate, UserUpdate } from '../generated/models.js';

const accepted: UserCreate[] = [
  { name: 'Ada' },
  { name: 'Ada', email: 'ada@example.com', age: 36, nick: null },
  { name: 'Ada', nick: 'ada' },
];
const refused: UserCreate[] = [
  // @ts-expect-error name is required
  { email: 'ada@example.com' },
  // @ts-expect-error a required value is never null
  { name: null },
  // @ts-expect-error email is optional but not allowNull
  { name: 'Ada', email: null },
  // @ts-expect-error age is a number (text that reads as one, '36', the server takes as Sails does)
  { name: 'Ada', age: 'thirty-six' },
];
const acceptedUpdates: UserUpdate[] = [{}, { nick: null }, { age: 1 }];
const refusedUpdates: UserUpdate[] = [
  // @ts-expect-error a required value is never null
  { name: null },
  // @ts-expect-error age is not allowNull
  { age: null },
];

let app: Awaited<ReturnType<typeof lift>>;
let socket: Socket;

beforeAll(async () => {
  app = await lift({ appPath: fileURLToPath(new URL('..', import.meta.url)), port: 0, log: () => {}, config: { datastores: { default: { filename: ':memory:' } } } });
  socket = io(app.url, { transports: ['websocket'], forceNew: true });
  await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
});

afterAll(async () => {
  socket?.close();
  await app?.lower();
});

it('accepts exactly the writes the generated types take', async () => {
  const users = createClient(socket).user;
  for (const values of accepted) await expect(users.create(values), JSON.stringify(values)).resolves.toMatchObject(values);
  for (const values of refused) await expect(users.create(values), JSON.stringify(values)).rejects.toThrow(/400/);
  const { id } = await users.create({ name: 'Grace' });
  for (const values of acceptedUpdates) await expect(users.update(id, values), JSON.stringify(values)).resolves.toMatchObject(values);
  for (const values of refusedUpdates) await expect(users.update(id, values), JSON.stringify(values)).rejects.toThrow(/400/);
});
`;

const MATRIX: Combination[] = [
  {
    name: 'defaults, then generate model',
    flags: [],
    model: ['User', 'name:string:required', 'email:string:isEmail', 'age:number', 'nick:string:allowNull'],
    typesTest: USER_TYPES_TEST,
    testFiles: 3,
  },
  { name: '--no-example, then generate model', flags: ['--no-example'], model: ['Note', 'text:string:required', 'done:boolean'], testFiles: 1 },
  { name: '--models fixtures/shop.json', flags: ['--models', join(ROOT, 'fixtures', 'shop.json')], testFiles: 10 },
  { name: '--no-example --models fixtures/shop.yaml', flags: ['--no-example', '--models', join(ROOT, 'fixtures', 'shop.yaml')], testFiles: 9 },
  { name: '--no-example and no model at all', flags: ['--no-example'], testFiles: 0 },
];

const combinations = process.env['CI'] ? MATRIX : MATRIX.slice(0, 1);

describe.each(combinations)('sails-rt new with $name', ({ flags, model, testFiles, typesTest }) => {
  it('type-checks strictly and passes its own tests', async () => {
    const work = tempDir();
    const app = join(work, 'app');
    const made = await cli(work, 'new', 'app', '--yes', '--skip-install', ...flags);
    expect(made.stderr).toBe('');
    if (model) expect((await cli(app, 'generate', 'model', ...model)).stderr).toBe('');
    if (typesTest) writeFileSync(join(app, 'test', 'types-match-server.test.ts'), typesTest);
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(ROOT, join(app, 'node_modules', 'sails-rt'), 'dir');
    for (const name of ['typescript', 'vitest', 'socket.io-client', '@types', 'tsx']) {
      symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
    }

    const tsc = await execa(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.'], { cwd: app, reject: false });
    expect(tsc.stdout + tsc.stderr).toBe('');

    // The app's own `npm test` script, run with the same vitest it would install.
    const tests = await execa(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--passWithNoTests'], {
      cwd: app,
      reject: false,
      env: { NO_COLOR: '1', CI: 'true' },
    });
    expect(tests.exitCode, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).not.toMatch(/\bfailed\b/);
    const ran = /Test Files\s+(\d+) passed/.exec(tests.stdout);
    expect(ran ? Number(ran[1]) : 0).toBe(testFiles);
  }, 180_000);
});
