import { describe, expect, it } from 'vitest';
import { generateModel, modelDefinitionFromSpecs, regenerate, type ModelOptions } from '../../src/generator/index.js';
import { normalizeModels, SchemaError, type ModelSource } from '../../src/schema/index.js';
import { fixtureSets, newApp, run, summary, templates, type Files } from './fixtures.js';

/** Generates every model of a set in turn, as `generate model` run once per model would. */
function generateSet(models: [string, ModelSource['definition']][], start: Files = newApp()): Files {
  let files = start;
  const existing: ModelSource[] = [];
  for (const [className, definition] of models) {
    files = run(files, (tree) =>
      generateModel(tree, { name: className, definition: definition as ModelOptions['definition'], existing, templates }),
    ).files;
    existing.push({ className, definition, file: `api/models/${className}.ts` });
  }
  return files;
}

function options(overrides: Partial<ModelOptions> = {}): ModelOptions {
  return {
    name: 'User',
    definition: modelDefinitionFromSpecs(['name:string:required', 'email:string', 'age:number']),
    existing: [],
    templates,
    ...overrides,
  };
}

/** Snapshot file names: a generated test keeps a suffix so vitest does not run the snapshot. */
function snapshotPath(set: string, path: string): string {
  return `__snapshots__/${set}/${path.replace(/\.test\.ts$/, '.test.ts.snap')}`;
}

describe.each(fixtureSets().map((set) => [set.name, set] as const))('the model set fixtures/%s.json', (name, { models }) => {
  const files = generateSet(models);

  it('writes the model, controller and test of each model, and generated/ for all of them', async () => {
    const keys = ['generated/models.ts', 'generated/client.ts', 'generated/routes.ts', 'generated/models-api.ts'];
    for (const [className] of models) {
      keys.push(`api/models/${className}.ts`, `api/controllers/${className}Controller.ts`, `test/${className.toLowerCase()}.test.ts`);
    }
    for (const key of keys) {
      expect(files[key], key).toBeDefined();
      await expect(files[key]).toMatchFileSnapshot(snapshotPath(name, key));
    }
  });

  it('changes nothing when the same models are generated again', () => {
    const existing = models.map(([className, definition]) => ({ className, definition, file: `api/models/${className}.ts` }));
    for (const [className, definition] of models) {
      const again = run(files, (tree) =>
        generateModel(tree, { name: className, definition: definition as ModelOptions['definition'], existing, templates }),
      );
      expect(again.changes).toEqual([]);
      expect(again.result.conflicts).toEqual([]);
    }
    expect(run(files, (tree) => regenerate(tree, normalizeModels(existing), templates)).changes).toEqual([]);
  });

  it('derives the same generated/ whatever order the models were generated in', () => {
    const reversed = generateSet([...models].reverse());
    const existing = models.map(([className, definition]) => ({ className, definition }));
    const { files: rederived } = run(reversed, (tree) => regenerate(tree, normalizeModels(existing), templates));
    expect(rederived['generated/models.ts']).toBe(files['generated/models.ts']);
  });
});

describe('generateModel', () => {
  it('writes the model file as defineModel over the attribute specs', () => {
    const { files, changes } = run(newApp(), (tree) => generateModel(tree, options()));
    expect(summary(changes)).toEqual([
      'CREATE api/controllers/UserController.ts',
      'CREATE api/models/User.ts',
      'UPDATE generated/client.ts',
      'UPDATE generated/models-api.ts',
      'UPDATE generated/models.ts',
      'UPDATE generated/routes.ts',
      'CREATE test/user.test.ts',
    ]);
    expect(files['api/models/User.ts']).toContain(
      [
        'export default defineModel({',
        '  attributes: {',
        "    name: { type: 'string', required: true },",
        "    email: { type: 'string' },",
        "    age: { type: 'number' },",
        '  },',
        '});',
      ].join('\n'),
    );
    expect(files['generated/client.ts']).toContain("    user: createModelClient<models.User, models.UserCreate, models.UserUpdate, never, never, number>(socket, 'user', options),\n");
  });

  it('creates required values that fit the rules, with unique ones unique per run', () => {
    const definition = modelDefinitionFromSpecs(['email:string:required:isEmail', 'code:string:unique', 'active:boolean:required', 'meta:json:required']);
    const { files } = run(newApp(), (tree) => generateModel(tree, options({ definition })));
    expect(files['test/user.test.ts']).toContain(
      "const values: UserCreate = { email: `email-${run}@example.com`, code: `code-${run}`, active: true, meta: { note: `create-${run}` } };",
    );
    expect(files['test/user.test.ts']).toContain('const changes: UserUpdate = { email: `email-updated-${run}@example.com` };');
  });

  it('creates strings that fit minLength and maxLength, maxLength 0 included', () => {
    const definition = {
      attributes: {
        code: { type: 'string', required: true, minLength: 30, maxLength: 40 },
        tag: { type: 'string', required: true, maxLength: 0 },
      },
    } as const;
    const { files } = run(newApp(), (tree) => generateModel(tree, options({ definition })));
    expect(files['test/user.test.ts']).toContain("const values: UserCreate = { code: `code-${run}`.padEnd(30, 'x').slice(-40), tag: '' };");
  });

  it('leaves the update step out of the test of a model with no attributes', () => {
    const { files } = run(newApp(), (tree) => generateModel(tree, options({ name: 'Ping', definition: { attributes: {} } })));
    expect(files['test/ping.test.ts']).toContain('const values: PingCreate = {};');
    expect(files['test/ping.test.ts']).not.toContain('writer.update');
    expect(files['api/models/Ping.ts']).toContain('  attributes: {},\n');
  });

  it('keeps generated/ from the other models already in the app', () => {
    const existing = [{ className: 'Pet', definition: { attributes: { name: { type: 'string' } } }, file: 'api/models/Pet.ts' }];
    const { files } = run(newApp(), (tree) => generateModel(tree, options({ existing })));
    expect(files['generated/client.ts']).toContain("    pet: createModelClient<models.Pet, models.PetCreate, models.PetUpdate, never, never, number>(socket, 'pet', options),\n    user: createModelClient");
  });

  it('names a user-owned file that differs as a conflict and leaves it, deriving generated/ from the file as it is', () => {
    const existing = [{ className: 'User', definition: { attributes: { nickname: { type: 'string' } } }, file: 'api/models/User.ts' }];
    const start = { ...newApp(), 'api/models/User.ts': '// my own User\n', 'test/user.test.ts': '// my own test\n' };
    const { files, changes, result } = run(start, (tree) => generateModel(tree, options({ existing })));
    expect(result.conflicts).toEqual(['api/models/User.ts', 'test/user.test.ts']);
    expect(result.modelFile).toBe('api/models/User.ts');
    expect(files['api/models/User.ts']).toBe('// my own User\n');
    expect(files['test/user.test.ts']).toBe('// my own test\n');
    expect(changes.map((change) => change.path)).not.toContain('api/models/User.ts');
    expect(files['generated/models.ts']).toContain('  nickname: string;\n');
    expect(files['generated/models.ts']).not.toContain('  name: string;\n');
  });

  it('with force, overwrites a file that differs and keeps the old content as <file>.orig', () => {
    const start = { ...newApp(), 'api/models/User.ts': '// my own User\n' };
    const { files, changes } = run(start, (tree) => generateModel(tree, options({ force: true })));
    expect(summary(changes)).toContain('UPDATE api/models/User.ts');
    expect(summary(changes)).toContain('CREATE api/models/User.ts.orig');
    expect(files['api/models/User.ts.orig']).toBe('// my own User\n');
    expect(files['generated/models.ts']).toContain('  name: string;\n');
  });

  it('skips a user-owned file that already says the same', () => {
    const first = run(newApp(), (tree) => generateModel(tree, options())).files;
    const controller = 'api/controllers/UserController.ts';
    const { result } = run({ ...first, 'api/models/User.ts': 'changed\n' }, (tree) => generateModel(tree, options()));
    expect(result.skipped).toContain(controller);
    expect(result.skipped).toContain('test/user.test.ts');
    expect(result.conflicts).toEqual(['api/models/User.ts']);
  });

  it('refuses a model whose identity another model has, before writing anything', () => {
    const existing = [{ className: 'user', definition: { attributes: {} }, file: 'api/models/user.ts' }];
    const tree = run(newApp(), () => undefined);
    expect(() => run(tree.files, (t) => generateModel(t, options({ existing })))).toThrow(
      'api/models/User.ts, model User: two models share the identity "user" (User in api/models/user.ts and User); rename one of them.',
    );
  });

  it('refuses an attribute named like a member of every object, with the file, model and attribute', () => {
    const definition = { attributes: { constructor: { type: 'boolean' } } } as unknown as ModelOptions['definition'];
    expect(() => run(newApp(), (tree) => generateModel(tree, options({ name: 'Thing', definition })))).toThrow(
      'api/models/Thing.ts, model Thing, attribute "constructor": "constructor" is a name every JavaScript object already has, so it cannot be an attribute; choose another name, e.g. constructorValue.',
    );
  });

  it('refuses a bad model name with the schema sentence', () => {
    expect(() => run(newApp(), (tree) => generateModel(tree, options({ name: '1User' })))).toThrow(
      '"1User" is not a valid model name: use letters and digits, starting with a letter (for example User or BlogPost).',
    );
  });

  it('refuses a bad definition with a located sentence and writes nothing', () => {
    let changes: unknown;
    expect(() =>
      run(newApp(), (tree) => {
        try {
          generateModel(tree, options({ definition: { attributes: { age: { type: 'number', minLength: 2 } } } }));
        } finally {
          changes = tree.listChanges();
        }
      }),
    ).toThrow('api/models/User.ts, model User, attribute "age": "minLength" does not apply to type number; it fits: string.');
    expect(changes).toEqual([]);
  });
});

describe('generated/ for model names that clash with the names it uses', () => {
  const generate = (...classNames: string[]) =>
    generateSet(classNames.map((className) => [className, { attributes: { title: { type: 'string', required: true } } }]));

  it('spells an update type out, so a model named Partial does not hide the utility type', () => {
    const files = generate('Partial', 'User');
    expect(files['generated/models.ts']).not.toContain('Partial<');
    expect(files['generated/models.ts']).toContain('export interface UserUpdate {\n  title?: string;\n}');
  });

  it('reaches the model types through a namespace, so a model named SocketLike does not clash with the import', () => {
    const files = generate('SocketLike');
    expect(files['generated/client.ts']).toContain("import type * as models from './models.js';");
    expect(files['generated/client.ts']).toContain('socketLike: createModelClient<models.SocketLike, models.SocketLikeCreate, models.SocketLikeUpdate, never, never, number>(socket, ');
  });

  it('refuses models Foo and FooCreate (or FooUpdate), which would both declare the type FooCreate', () => {
    for (const [second, type] of [['FooCreate', 'FooCreate'], ['FooUpdate', 'FooUpdate']] as const) {
      expect(() => generate('Foo', second)).toThrow(
        `api/models/${second}.ts, model ${second}: its type ${type} in generated/models.ts is also a type of model Foo; rename one of the two models.`,
      );
      expect(() => generate(second, 'Foo')).toThrow(`model ${second}: its type ${type}`);
    }
  });
});

describe('modelDefinitionFromSpecs', () => {
  it('turns specs into a definition', () => {
    expect(modelDefinitionFromSpecs(['name:string:required', 'email:string:isEmail:unique', 'age:number', 'bio'])).toEqual({
      attributes: {
        name: { type: 'string', required: true },
        email: { type: 'string', isEmail: true, unique: true },
        age: { type: 'number' },
        bio: { type: 'string' },
      },
    });
  });

  it('rejects a misspelt type with the exact sentence', () => {
    expect(() => modelDefinitionFromSpecs(['age:nmber'])).toThrow(SchemaError);
    expect(() => modelDefinitionFromSpecs(['age:nmber'])).toThrow(
      'attribute spec "age:nmber": unknown type "nmber" (did you mean number?); types: string, number, boolean, json, model, collection (form: name:type[:required][:unique], e.g. email:string:required; links: owner:model:user, pets:collection:pet:owner).',
    );
  });

  it('rejects a name every object already has, instead of dropping __proto__ or writing types nothing fits', () => {
    expect(() => modelDefinitionFromSpecs(['name:string', '__proto__:string'])).toThrow(
      'attribute spec "__proto__:string": "__proto__" is a name every JavaScript object already has, so it cannot be an attribute; choose another name, e.g. protoValue.',
    );
    for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      expect(() => modelDefinitionFromSpecs([`${name}:string`])).toThrow(`"${name}" is a name every JavaScript object already has`);
    }
    // Keywords are fine: they are valid property names.
    expect(Object.keys(modelDefinitionFromSpecs(['delete:string', 'class:number', 'new:boolean']).attributes)).toEqual(['delete', 'class', 'new']);
  });

  it('rejects an attribute given twice', () => {
    expect(() => modelDefinitionFromSpecs(['age:number', 'age:string'])).toThrow(
      'attribute spec "age:string": the attribute "age" is given twice; give each attribute once.',
    );
  });
});

describe('regenerate', () => {
  it('writes valid, empty generated files when there are no models', () => {
    const { files } = run({}, (tree) => regenerate(tree, [], templates));
    expect(files['generated/models.ts']).toContain('export {};');
    expect(files['generated/routes.ts']).toContain('export const blueprintRoutes = [\n] as const;');
    expect(files['generated/client.ts']).toContain('export function createClient(_socket: SocketLike, _options: ModelClientOptions = {}) {\n  return {};\n}');
  });
});
