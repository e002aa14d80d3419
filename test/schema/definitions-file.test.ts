import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFINITIONS_FILE_KEYS, parseDefinitionsFile } from '../../src/schema/definitions-file.js';
import { ATTRIBUTE_OPTIONS, ATTRIBUTE_TYPES, attributeNameProblem, names } from '../../src/schema/index.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('parseDefinitionsFile', () => {
  it('reads the shop fixture from JSON and from YAML alike, models in file order', () => {
    const json = parseDefinitionsFile('fixtures/shop.json', read('fixtures/shop.json'));
    const yaml = parseDefinitionsFile('fixtures/shop.yaml', read('fixtures/shop.yaml'));
    expect(json.sources.map((source) => source.className)).toEqual([
      'Customer', 'Address', 'Supplier', 'Category', 'Tag', 'Product', 'Order', 'OrderLine', 'Review',
    ]);
    expect(yaml.sources.map(({ className, definition }) => ({ className, definition }))).toEqual(
      json.sources.map(({ className, definition }) => ({ className, definition })),
    );
    const product = json.models.find((model) => model.className === 'Product');
    expect(product?.publishWrites).toBe(true);
    expect(product?.collections.map((c) => [c.name, c.kind])).toEqual([
      ['categories', 'many-to-many'],
      ['tags', 'many-to-many'],
      ['reviews', 'one-to-many'],
    ]);
    expect(json.models.every((model) => model.file === 'fixtures/shop.json')).toBe(true);
  });

  it('takes .yml and names like blog-post', () => {
    const { sources } = parseDefinitionsFile('m.yml', 'models:\n  blog-post:\n    attributes:\n      title: { type: string }\n');
    expect(sources.map((source) => source.className)).toEqual(['BlogPost']);
  });

  const BAD: [file: string, text: string, sentence: string][] = [
    ['m.json', '{\n  "models": {\n    "User": { "attributes": { "name": { "type": "string" }, } }\n  }\n}', 'm.json:3:61: expected double-quoted property name; fix the JSON syntax.'],
    ['m.json', '', 'm.json: unexpected end of JSON input; fix the JSON syntax.'],
    ['m.json', '{ "models": { "User": { "attributes": {} }, "User": { "attributes": {} } } }', 'm.json:1:45: a key appears twice in the same object; give each model and attribute once.'],
    ['m.yaml', 'models:\n  User:\n    attributes:\n      name: { type: string\n', 'm.yaml:5:1: flow map in block collection must be sufficiently indented and end with a }; fix the YAML syntax.'],
    ['m.yaml', 'models:\n  User:\n    attributes: {}\n  user:\n    attributes: {}\n', 'm.yaml, model User: "User" and "user" are the same model (identity "user"); rename or merge one of them.'],
    ['m.yaml', 'models:\n  User:\n    attributes:\n      pets: { collection: pet, via: owner }\n', 'm.yaml, model User, attribute "pets": links to the model "pet", which the file does not define; add "Pet" under "models" or fix the link (models: user).'],
    ['m.yaml', 'models:\n  Pet:\n    attributes:\n      owner: { model: usr }\n  User:\n    attributes: {}\n', 'm.yaml, model Pet, attribute "owner": links to the model "usr", which the file does not define (did you mean "user"?); add "Usr" under "models" or fix the link (models: pet, user).'],
    ['m.yaml', 'models:\n  User:\n    attributes:\n      id: { type: string }\n', 'm.yaml, model User, attribute "id": is the primary key, so it needs "required: true" (each create sends its value) or, for a number, "autoIncrement: true" (the store numbers records): sails-rt makes no other kind of key; declare it as { type: \'string\', required: true } or { type: \'number\', autoIncrement: true } (rules and metadata may be added).'],
    ['m.yaml', 'models:\n  User:\n    attributes:\n      createdAt: { type: number, autoUpdatedAt: true }\n', 'm.yaml, model User, attribute "createdAt": "autoUpdatedAt" does not apply; sails-rt sets "createdAt" to the time in ms, so this attribute may only be left out or declared as { type: \'number\', autoCreatedAt: true } (with description, example and the like).'],
    ['m.yaml', 'models:\n  User:\n    attributes:\n      check: { type: string, custom: x }\n', 'm.yaml, model User, attribute "check": "custom" must be a function (value) => boolean, which only a model file (api/models/<Name>.ts) can hold; a JSON or YAML definitions file cannot, so add the rule to the model file after generating.'],
    ['m.yaml', 'models:\n  User:\n    attributes:\n      2fa: { type: boolean }\n', 'm.yaml, model User, attribute "2fa": an attribute name must be a valid identifier (letters, digits and _, not starting with a digit).'],
    ['m.yaml', 'models:\n  2User:\n    attributes: {}\n', 'm.yaml, model 2User: "2User" is not a valid model name: use letters and digits, starting with a letter (for example User or BlogPost).'],
    ['m.yaml', 'model:\n  User:\n    attributes: {}\n', 'm.yaml: unknown top-level key "model"; allowed: $schema, models (models go under "models").'],
    ['m.yaml', 'models:\n  User: []\n', 'm.yaml, model User: must be an object with "attributes", as in { "attributes": { "name": { "type": "string" } } }.'],
    ['m.yaml', 'models:\n  User:\n    attributes: {}\n    publish: true\n', 'm.yaml, model User: unknown model setting "publish" (did you mean "publishWrites"?); allowed: attributes, tableName, primaryKey, schema, datastore, dontUseObjectIds, publishWrites, dataEncryptionKeys.'],
    ['m.yaml', 'models:\n  User:\n    attributes:\n      age: { type: int }\n', 'm.yaml, model User, attribute "age": has the unknown type "int" (did you mean "number"?); types: string, number, boolean, json.'],
    ['m.yaml', 'models: {}\n', 'm.yaml: "models" is empty; add at least one model, e.g. "User": { "attributes": {} }.'],
    ['m.yaml', '- a\n', 'm.yaml: must be an object with a "models" key, as in { "models": { "User": { "attributes": { "name": { "type": "string" } } } } }.'],
    ['m.yaml', 'models:\n  Pet:\n    attributes:\n      owner: { model: user }\n  User:\n    attributes:\n      pets: { collection: pet, via: owners }\n', 'm.yaml, model User, attribute "pets": has via "owners", but Pet has no attribute named "owners"; via must name an attribute of Pet that is { model: \'user\' } or { collection: \'user\', via: \'pets\' } (candidates: owner).'],
    ['m.toml', 'x', 'm.toml: cannot tell the format of the file from its extension ".toml"; name it with .json, .yaml or .yml.'],
    ['models', 'x', 'models: cannot tell the format of the file without an extension; name it with .json, .yaml or .yml.'],
  ];
  it.each(BAD)('refuses %s %j with one sentence', (file, text, sentence) => {
    expect(() => parseDefinitionsFile(file, text)).toThrow(sentence);
    try {
      parseDefinitionsFile(file, text);
    } catch (error) {
      expect((error as Error).message).toBe(sentence);
    }
  });
});

describe('schema/models.schema.json', () => {
  interface Schema {
    properties: Record<string, unknown> & { models: { propertyNames: { pattern: string } } };
    $defs: {
      model: { properties: Record<string, unknown> & { attributes: { propertyNames: { pattern: string; not: { enum: string[] } } } } };
      attribute: { properties: Record<string, unknown> & { type: { enum: string[] } } };
      toOne: { properties: Record<string, unknown> };
      toMany: { properties: Record<string, unknown> };
    };
  }
  const schema = JSON.parse(read('schema/models.schema.json')) as Schema;

  it('lists exactly the vocabulary of src/schema', () => {
    expect(Object.keys(schema.properties)).toEqual([...DEFINITIONS_FILE_KEYS]);
    expect(Object.keys(schema.$defs.model.properties)).toEqual(['attributes', 'tableName', 'primaryKey', 'schema', 'datastore', 'dontUseObjectIds', 'publishWrites']);
    expect(Object.keys(schema.$defs.attribute.properties).sort()).toEqual([...ATTRIBUTE_OPTIONS].sort());
    expect(schema.$defs.attribute.properties.type.enum).toEqual([...ATTRIBUTE_TYPES]);
    expect(Object.keys(schema.$defs.toOne.properties)).toEqual(['model']);
    expect(Object.keys(schema.$defs.toMany.properties)).toEqual(['collection', 'via']);
  });

  it('accepts and refuses the same model and attribute names as src/schema', () => {
    const reserved = schema.$defs.model.properties.attributes.propertyNames.not.enum;
    // Refused by name, not by form: the names sails-rt adds and those every JavaScript object has.
    const refusedByName = (name: string): boolean => /is added to every model|every JavaScript object already has/.test(attributeNameProblem(name) ?? '');
    expect(reserved.filter((name) => !refusedByName(name))).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).filter((name) => !reserved.includes(name))).toEqual([]);
    const attribute = new RegExp(schema.$defs.model.properties.attributes.propertyNames.pattern);
    const model = new RegExp(schema.properties.models.propertyNames.pattern);
    const validName = (name: string): boolean => {
      try {
        names(name);
        return true;
      } catch {
        return false;
      }
    };
    for (const name of ['User', 'blog-post', 'blog_post', 'A1', '2fa', '_x', 'a b', 'x-', 'Ünï', 'name', 'isIn', '$x', '', 'constructor', 'toString']) {
      expect(model.test(name), `model ${name}`).toBe(validName(name));
      const problem = attributeNameProblem(name);
      if (!reserved.includes(name) && (problem === undefined || problem.includes('valid identifier'))) {
        expect(attribute.test(name), `attribute ${name}`).toBe(problem === undefined);
      }
    }
  });

  it('is the $schema of the shop fixtures', () => {
    expect((JSON.parse(read('fixtures/shop.json')) as { $schema: string }).$schema).toBe('../schema/models.schema.json');
  });
});
