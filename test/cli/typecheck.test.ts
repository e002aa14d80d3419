/**
 * The generated app under its own strict tsconfig, with model and attribute names chosen to
 * clash: TypeScript keywords, global and imported type names, a model without attributes,
 * and isIn / defaultsTo strings full of quotes, backslashes and newlines; plus generated policies
 * and a config/policies.ts that maps them; plus a generated controller and standalone action, routed;
 * plus its migrations.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT, tempDir } from './helpers.js';

const MODELS = [
  ['Object', 'delete:string', 'class:number:required', 'new:boolean', 'function:json'],
  ['Promise', 'then:string:required'],
  ['Partial', 'title:string'],
  ['SocketLike', 'name:string'],
  ['Client', 'name:string:unique'],
  ['Test', 'name:string'],
  ['Array'],
  ['blog-post', 'in:string:isEmail:required'],
  ['Empty'],
];

// Written by hand: the generator never writes isIn or defaultsTo, but must escape them in generated/.
const WEIRD = `import { defineModel } from 'sails-rt';
export default defineModel({
  attributes: {
    kind: { type: 'string', isIn: ["it's", 'back\\\\slash', 'quo"te', 'new\\nline', '\${x}', '\`tick\`', '*/'] },
    note: { type: 'string', defaultsTo: "a 'q' \\"dq\\" \\\\ \\n end */ \${x}" },
    n: { type: 'number', isIn: [1, -2, 3.5] },
  },
});
`;

// Written by hand: `generate model` always keys by id; a definition may name its own key (docs/runtime.md, "Model settings").
const COUNTRY = `import { defineModel } from 'sails-rt';
export default defineModel({
  primaryKey: 'code',
  attributes: {
    code: { type: 'string', required: true },
    products: { collection: 'product', via: 'origin' },
  },
});
`;
const PRODUCT = `import { defineModel } from 'sails-rt';
export default defineModel({
  primaryKey: 'productId',
  attributes: {
    productId: { type: 'number', autoIncrement: true },
    origin: { model: 'country' },
  },
});
`;
// The typed client takes each model's key type where the routes take :id.
const KEYS_CHECK = `import type { SocketLike } from 'sails-rt/client';
import { createClient } from '../generated/client.js';
import type { Country, CountryCreate, ProductCreate } from '../generated/models.js';

export async function keys(socket: SocketLike): Promise<string> {
  const client = createClient(socket);
  const made: Country = await client.country.create({ code: 'FR' } satisfies CountryCreate);
  const product = await client.product.create({ origin: made.code } satisfies ProductCreate);
  const found: Country = await client.country.findOne('FR');
  await client.product.findOne(product.productId);
  await client.country.add('FR', 'products', product.productId);
  client.country.on('updated', (message) => {
    const id: string = message.id;
    return id;
  });
  // @ts-expect-error: a country is found by its code, a string
  await client.country.findOne(1);
  // @ts-expect-error: a product's key is a number
  await client.product.findOne('1');
  // @ts-expect-error: a product's origin is a country code
  await client.product.create({ origin: 3 });
  // @ts-expect-error: a country's create needs its code
  await client.country.create({});
  return found.code;
}
`;

// sails.models.<identity> is typed by generated/models-api.ts: records, create and update values.
const TYPED_CONTROLLER = `import { defineController, sails } from 'sails-rt';
import type { BlogPost, Client } from '../../generated/models.js';

export default defineController({
  async make(req, res) {
    const made: Client = await sails.models.client.create({ name: 'x' }).fetch().meta({ req });
    const found: Client | undefined = await sails.models.client.findOne({ id: made.id });
    const all: Client[] = await sails.models.client.find({ where: { name: 'x' } }).sort('name ASC').limit(3);
    const changed: BlogPost | undefined = await sails.models.blogpost.updateOne(1).set({ in: 'a@b.co' });
    const gone: BlogPost[] = await sails.models.blogpost.destroy({ in: 'a@b.co' }).fetch();
    const count: number = await sails.models.object.count({ class: 3 });
    // @ts-expect-error: Client has no attribute nope
    await sails.models.client.create({ nope: 1 });
    // @ts-expect-error: BlogPost's in is required
    await sails.models.blogpost.create({});
    // @ts-expect-error: not a model of this app
    await sails.models.nobody?.find();
    return res.json({ made, found, all, changed, gone, count });
  },
});
`;

const POLICIES = `import type { PoliciesConfig } from 'sails-rt';
export const policies: PoliciesConfig = {
  '*': true,
  ClientController: { '*': 'isLoggedIn', find: true },
  TypedController: { make: ['isLoggedIn', 'canEdit'] },
};
`;

describe('a generated app with awkward names', () => {
  const work = tempDir();
  const app = join(work, 'awkward');

  beforeAll(async () => {
    expect((await cli(work, 'new', 'awkward', '--yes', '--skip-install')).exitCode).toBe(0);
    for (const [name, ...specs] of MODELS) {
      const run = await cli(app, 'generate', 'model', name ?? '', ...specs);
      expect(run.stderr, name).toBe('');
    }
    for (const policy of ['isLoggedIn', 'can-edit']) expect((await cli(app, 'generate', 'policy', policy)).stderr, policy).toBe('');
    expect((await cli(app, 'generate', 'controller', 'Greet', 'hello', 'delete')).stderr).toBe('');
    expect((await cli(app, 'generate', 'action', 'user/sign-up')).stderr).toBe('');
    // The mapping the generated config/policies.ts shows, uncommented.
    writeFileSync(join(app, 'config/policies.ts'), POLICIES);
    writeFileSync(join(app, 'api/models/Weird.ts'), WEIRD);
    writeFileSync(join(app, 'api/controllers/TypedController.ts'), TYPED_CONTROLLER);
    writeFileSync(join(app, 'api/models/Country.ts'), COUNTRY);
    writeFileSync(join(app, 'api/models/Product.ts'), PRODUCT);
    writeFileSync(join(app, 'test/keys-check.ts'), KEYS_CHECK);
    expect((await cli(app, 'generate')).stderr).toBe('');
    // Migrations import 'sails-rt/migrations'; a later one fills a column with a default full of quotes.
    expect((await cli(app, 'generate', 'migration', 'init')).stderr).toBe('');
    writeFileSync(join(app, 'api/models/Weird.ts'), WEIRD.replace('  attributes: {\n', '  attributes: {\n    more: { type: \'string\', defaultsTo: "it\'s \\\\ `${x}` */" },\n    flag: { type: \'boolean\', defaultsTo: true },\n'));
    expect((await cli(app, 'generate', 'migration', 'more')).stderr).toBe('');
    // What npm install would give it, from this checkout and its node_modules: nothing from a registry.
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(ROOT, join(app, 'node_modules', 'sails-rt'), 'dir');
    for (const name of ['typescript', 'vitest', 'socket.io-client', '@types']) {
      symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
    }
  }, 60_000);

  it('type-checks under its strict tsconfig', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await execa(process.execPath, [tsc, '--noEmit', '-p', '.'], { cwd: app, reject: false });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  }, 60_000);
});

describe('a generated app with --database postgres --redis', () => {
  const work = tempDir();
  const app = join(work, 'scaled');

  beforeAll(async () => {
    expect((await cli(work, 'new', 'scaled', '--database', 'postgres', '--redis', '--yes', '--skip-install')).exitCode).toBe(0);
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(ROOT, join(app, 'node_modules', 'sails-rt'), 'dir');
    for (const name of ['typescript', 'vitest', 'socket.io-client', '@types']) {
      symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
    }
  }, 60_000);

  it('type-checks: session.store and sockets.adapter are settings SessionConfig and SocketsConfig know', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await execa(process.execPath, [tsc, '--noEmit', '-p', '.'], { cwd: app, reject: false });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  }, 60_000);
});
