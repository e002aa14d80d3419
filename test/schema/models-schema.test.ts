import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseDefinitionsFile } from '../../src/schema/definitions-file.js';
import { ATTRIBUTE_OPTIONS, ATTRIBUTE_TYPES, SchemaError } from '../../src/schema/index.js';

// The schema is what editors check a definitions file against; parseDefinitionsFile is what
// `sails-rt new --models` checks it with. These tests hold the two to the same verdicts.

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

// strictSchema (ajv's default) catches a misspelt keyword. strictTypes is off: the schema leans on
// standard behaviour it flags, such as a pattern that passes a null default untouched.
const ajv = new Ajv2020({ strictTypes: false, allErrors: true });
const validate = ajv.compile(JSON.parse(read('schema/models.schema.json')) as object);

function schemaErrors(data: unknown): string | undefined {
  return validate(data) ? undefined : ajv.errorsText(validate.errors);
}

/** The code's sentence for a refused file, or undefined when it accepts the file. */
function codeError(file: string, text: string): string | undefined {
  try {
    parseDefinitionsFile(file, text);
    return undefined;
  } catch (error) {
    // A refusal is a located sentence, never a crash.
    expect(error).toBeInstanceOf(SchemaError);
    return (error as Error).message;
  }
}

/** A file whose model Thing has the one attribute `field`; `{ model: 'thing' }` links to Thing itself. */
const withField = (attribute: unknown, name = 'field'): { models: Record<string, unknown> } => ({
  models: { Thing: { attributes: { [name]: attribute } } },
});

interface Verdicts {
  schema: string | undefined;
  code: string | undefined;
}

function verdicts(attribute: unknown, name?: string): Verdicts {
  const file = withField(attribute, name);
  return { schema: schemaErrors(file), code: codeError('models.json', JSON.stringify(file)) };
}

describe('schema/models.schema.json and parseDefinitionsFile', () => {
  it('compiles with no unknown keyword', () => {
    expect(validate).toBeTypeOf('function');
  });

  const fixtures = readdirSync(new URL('../../fixtures/', import.meta.url))
    .filter((name) => /\.(json|ya?ml)$/.test(name))
    .map((name) => {
      const text = read(`fixtures/${name}`);
      const data: unknown = name.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
      return { name, text, data };
    })
    .filter(({ data }) => typeof data === 'object' && data !== null && 'models' in data);

  it('finds the definitions files among the fixtures', () => {
    expect(fixtures.map((fixture) => fixture.name)).toEqual(expect.arrayContaining(['shop.json', 'shop.yaml', 'every-type.json']));
  });

  it.each(fixtures.map((fixture) => [fixture.name, fixture] as const))('fixtures/%s passes the schema and the code', (name, { text, data }) => {
    expect(schemaErrors(data)).toBeUndefined();
    expect(codeError(name, text)).toBeUndefined();
  });

  const GOOD: [what: string, attribute: unknown][] = [
    ['a bare string', { type: 'string' }],
    ['a bare number', { type: 'number' }],
    ['a bare boolean', { type: 'boolean' }],
    ['a bare json', { type: 'json' }],
    ['every string rule', { type: 'string', required: true, unique: true, isEmail: true, minLength: 3, maxLength: 80, allowNull: false }],
    ['a string default in isIn', { type: 'string', isIn: ['a', 'b'], defaultsTo: 'a' }],
    ['a null string default with allowNull', { type: 'string', allowNull: true, defaultsTo: null }],
    ['a null default outside isIn with allowNull', { type: 'string', isIn: ['a'], allowNull: true, defaultsTo: null }],
    ['an email default with isEmail', { type: 'string', isEmail: true, defaultsTo: 'a@b.co' }],
    ['any string default with isEmail: false', { type: 'string', isEmail: false, defaultsTo: 'nobody' }],
    ['a default with required: false', { type: 'string', required: false, defaultsTo: 'x' }],
    ['required with allowNull: false', { type: 'string', required: true, allowNull: false }],
    ['allowNull with required: false', { type: 'number', required: false, allowNull: true }],
    ['minLength 0', { type: 'string', minLength: 0, maxLength: 0 }],
    ['every number rule', { type: 'number', unique: true, min: -1.5, max: 10, defaultsTo: 5 }],
    ['a number isIn with a null default', { type: 'number', isIn: [1, 2.5], allowNull: true, defaultsTo: null }],
    ['a boolean default', { type: 'boolean', defaultsTo: false, allowNull: false }],
    ['a null boolean default with allowNull', { type: 'boolean', allowNull: true, defaultsTo: null }],
    ['a required json', { type: 'json', required: true }],
    ['an object json default', { type: 'json', defaultsTo: { a: [1, null] } }],
    ['a null json default without allowNull', { type: 'json', defaultsTo: null }],
    ['a string json default', { type: 'json', defaultsTo: 'x' }],
    ['a to-one link', { model: 'thing' }],
    ['a to-one link by class name', { model: 'Thing' }],
    ['a many-to-many link to itself', { collection: 'thing', via: 'field' }],
    ['every metadata key', { type: 'string', columnType: 'varchar(80)', description: 'd', extendedDescription: 'e', moreInfoUrl: 'https://x.io', example: 'x', protect: true }],
    ['encrypt: false', { type: 'number', encrypt: false }],
    ['encrypt: true', { type: 'string', encrypt: true }],
    ['every new string rule', { type: 'string', isCreditCard: true, isHexColor: false, isIP: false, isURL: false, isUUID: false, isNotEmptyString: true, isString: true, regex: '^[0-9 ]+$', isNotIn: ['0'] }],
    ['date rules on a string', { type: 'string', isAfter: '2000-01-01', isBefore: '2100-01-01T00:00:00Z', defaultsTo: '2020-05-05' }],
    ['date rules on a number', { type: 'number', isAfter: 0, isBefore: '2100-01-01', isInteger: true, isNumber: true, isNotIn: [5] }],
    ['a boolean with isBoolean', { type: 'boolean', isBoolean: true }],
    ['type checks on a json', { type: 'json', isNumber: true, isInteger: true, isString: false, isBoolean: false, isNotEmptyString: false }],
    ['a custom createdAt', { type: 'number', autoCreatedAt: true, description: 'when it was made', required: false }],
    ['a custom updatedAt', { type: 'number', autoUpdatedAt: true, autoCreatedAt: false }],
  ];
  it.each(GOOD)('both accept %s', (_what, attribute) => {
    expect(verdicts(attribute)).toEqual({ schema: undefined, code: undefined });
  });

  const BAD: [what: string, attribute: unknown][] = [
    ['isEmail on a number', { type: 'number', isEmail: true }],
    ['isEmail: false on a number', { type: 'number', isEmail: false }],
    ['min on a string', { type: 'string', min: 1 }],
    ['max on a string', { type: 'string', max: 1 }],
    ['minLength on a number', { type: 'number', minLength: 1 }],
    ['maxLength on a boolean', { type: 'boolean', maxLength: 1 }],
    ['unique on a boolean', { type: 'boolean', unique: true }],
    ['unique: false on a boolean', { type: 'boolean', unique: false }],
    ['unique on a json', { type: 'json', unique: true }],
    ['allowNull on a json', { type: 'json', allowNull: true }],
    ['min on a json', { type: 'json', min: 0 }],
    ['isIn on a boolean', { type: 'boolean', isIn: [true] }],
    ['isIn on a json', { type: 'json', isIn: ['a'] }],
    ['isIn with a number on a string', { type: 'string', isIn: ['a', 1] }],
    ['isIn with a string on a number', { type: 'number', isIn: ['1'] }],
    ['an empty isIn', { type: 'string', isIn: [] }],
    ['isIn that is not an array', { type: 'string', isIn: 'a' }],
    ['a number default on a string', { type: 'string', defaultsTo: 1 }],
    ['a string default on a number', { type: 'number', defaultsTo: '1' }],
    ['a string default on a boolean', { type: 'boolean', defaultsTo: 'true' }],
    ['a number default on a boolean', { type: 'boolean', defaultsTo: 0 }],
    ['an array default on a string', { type: 'string', defaultsTo: ['a'] }],
    ['a null default without allowNull', { type: 'string', defaultsTo: null }],
    ['a null default with allowNull: false', { type: 'number', allowNull: false, defaultsTo: null }],
    ['a default that is not an email with isEmail', { type: 'string', isEmail: true, defaultsTo: 'nobody' }],
    ['required with allowNull', { type: 'string', required: true, allowNull: true }],
    ['required with a default', { type: 'string', required: true, defaultsTo: 'x' }],
    ['required with a null json default', { type: 'json', required: true, defaultsTo: null }],
    ['a required that is not a boolean', { type: 'string', required: 'yes' }],
    ['a unique that is not a boolean', { type: 'string', unique: 1 }],
    ['an isEmail that is null', { type: 'string', isEmail: null }],
    ['a min that is a string', { type: 'number', min: '0' }],
    ['a negative minLength', { type: 'string', minLength: -1 }],
    ['a fractional maxLength', { type: 'string', maxLength: 1.5 }],
    ['an unknown rule', { type: 'string', maxlength: 3 }],
    ['an unknown type', { type: 'int' }],
    ['no type', { required: true }],
    ['a type name instead of an object', 'string'],
    ['null instead of an object', null],
    ['a type with a link', { type: 'string', model: 'thing' }],
    ['a to-one link with via', { model: 'thing', via: 'field' }],
    ['a to-one link to an empty name', { model: '' }],
    ['a to-one link to an invalid name', { model: '2thing' }],
    ['a to-many link without via', { collection: 'thing' }],
    ['a to-many link with an invalid via', { collection: 'thing', via: '2field' }],
    ['a to-many link to an invalid name', { collection: 'th ing', via: 'field' }],
    ['both model and collection', { model: 'thing', collection: 'thing', via: 'field' }],
    ['encrypt with a default', { type: 'string', encrypt: true, defaultsTo: 'x' }],
    ['autoIncrement on an attribute', { type: 'number', autoIncrement: true }],
    ['a custom rule (JSON cannot hold a function)', { type: 'string', custom: 'x => x' }],
    ['a regex that is not a string', { type: 'string', regex: 3 }],
    ['regex on a number', { type: 'number', regex: '^1$' }],
    ['isURL on a number', { type: 'number', isURL: true }],
    ['isInteger on a string', { type: 'string', isInteger: true }],
    ['isString on a number', { type: 'number', isString: true }],
    ['isBoolean on a string', { type: 'string', isBoolean: true }],
    ['isAfter on a boolean', { type: 'boolean', isAfter: '2000-01-01' }],
    ['isAfter on a json', { type: 'json', isAfter: 0 }],
    ['an empty isAfter', { type: 'string', isAfter: '' }],
    ['isNotIn on a boolean', { type: 'boolean', isNotIn: [true] }],
    ['isNotIn with a string on a number', { type: 'number', isNotIn: ['1'] }],
    ['a columnType that is not a string', { type: 'string', columnType: 3 }],
    ['a protect that is not a boolean', { type: 'string', protect: 'yes' }],
    ['autoCreatedAt on a string', { type: 'string', autoCreatedAt: true }],
    ['both autoCreatedAt and autoUpdatedAt', { type: 'number', autoCreatedAt: true, autoUpdatedAt: true }],
    ['autoCreatedAt with a rule', { type: 'number', autoCreatedAt: true, min: 0 }],
    ['autoUpdatedAt with required', { type: 'number', autoUpdatedAt: true, required: true }],
    ['autoCreatedAt with a default', { type: 'number', autoCreatedAt: true, defaultsTo: 0 }],
  ];
  it.each(BAD)('both refuse %s', (_what, attribute) => {
    const { schema, code } = verdicts(attribute);
    expect(schema, 'the schema accepts it').toBeDefined();
    expect(code, 'the code accepts it').toBeDefined();
  });

  // Sails' config/models.js declares id, createdAt and updatedAt; the same declarations are accepted.
  const BUILT_INS: [what: string, name: string, attribute: unknown, ok: boolean][] = [
    ['Sails\' id', 'id', { type: 'number', autoIncrement: true }, true],
    ['a described id', 'id', { type: 'number', description: 'the key', unique: true, columnType: 'integer' }, true],
    ['Sails\' createdAt', 'createdAt', { type: 'number', autoCreatedAt: true }, true],
    ['Sails\' updatedAt', 'updatedAt', { type: 'number', autoUpdatedAt: true, example: 1700000000000 }, true],
    ['a string id (uuid)', 'id', { type: 'string' }, false],
    ['an id without a type', 'id', { autoIncrement: true }, false],
    ['an id with autoIncrement: false', 'id', { type: 'number', autoIncrement: false }, false],
    ['an id with a rule', 'id', { type: 'number', min: 1 }, false],
    ['a required id', 'id', { type: 'number', required: true }, true],
    ['a required string id (a uuid the client makes)', 'id', { type: 'string', required: true, isUUID: true }, true],
    ['a required id with a default', 'id', { type: 'string', required: true, defaultsTo: 'x' }, false],
    ['an id that may be null', 'id', { type: 'string', required: true, allowNull: true }, false],
    ['a json id', 'id', { type: 'json', required: true }, false],
    ['an id with unique: false', 'id', { type: 'number', autoIncrement: true, unique: false }, false],
    ['createdAt as autoUpdatedAt', 'createdAt', { type: 'number', autoUpdatedAt: true }, false],
    ['updatedAt turned off', 'updatedAt', false, false],
    ['createdAt as a string', 'createdAt', { type: 'string', autoCreatedAt: true }, false],
  ];
  it.each(BUILT_INS)('agree on %s', (_what, name, attribute, ok) => {
    const { schema, code } = verdicts(attribute, name);
    expect({ schema: schema === undefined, code: code === undefined }, `schema: ${schema ?? 'accepts'}; code: ${code ?? 'accepts'}`).toEqual({ schema: ok, code: ok });
  });

  const SETTINGS: [what: string, settings: Record<string, unknown>, ok: boolean][] = [
    ['every setting', { tableName: 'app_things', primaryKey: 'id', schema: true, datastore: 'default', dontUseObjectIds: true, publishWrites: false }, true],
    ['a tableName with a digit first', { tableName: '1things' }, false],
    ['a tableName with a space', { tableName: 'my things' }, false],
    ['a tableName SQLite keeps for itself', { tableName: 'sqlite_things' }, false],
    ['a tableName that is not a string', { tableName: 3 }, false],
    ['a primaryKey that is not a name', { primaryKey: 3 }, false],
    ['a timestamp as primaryKey', { primaryKey: 'createdAt' }, false],
    ['schema: false', { schema: false }, false],
    ['another datastore', { datastore: 'legacy' }, false],
    ['a dontUseObjectIds that is not a boolean', { dontUseObjectIds: 'yes' }, false],
    ['a misspelt setting', { tabelName: 'x' }, false],
  ];
  it.each(SETTINGS)('agree on the model settings: %s', (_what, settings, ok) => {
    const file = { models: { Thing: { attributes: { field: { type: 'string' } }, ...settings } } };
    const schema = schemaErrors(file);
    const code = codeError('models.json', JSON.stringify(file));
    expect({ schema: schema === undefined, code: code === undefined }, `schema: ${schema ?? 'accepts'}; code: ${code ?? 'accepts'}`).toEqual({ schema: ok, code: ok });
  });

  // The schema cannot see which attribute primaryKey names: it lets such a model declare a numbered
  // key, and the code checks that it is the named one and of a key's type (test/schema/primary-key.test.ts).
  const KEYS: [what: string, model: Record<string, unknown>, ok: boolean][] = [
    ['a string key', { primaryKey: 'code', attributes: { code: { type: 'string', required: true, maxLength: 3 } } }, true],
    ['a numbered key', { primaryKey: 'productId', attributes: { productId: { type: 'number', autoIncrement: true } } }, true],
    ['a numbered attribute in a model keyed by id', { attributes: { n: { type: 'number', autoIncrement: true } } }, false],
  ];
  it.each(KEYS)('agree on %s', (_what, model, ok) => {
    const file = { models: { Thing: model } };
    const schema = schemaErrors(file);
    const code = codeError('models.json', JSON.stringify(file));
    expect({ schema: schema === undefined, code: code === undefined }, `schema: ${schema ?? 'accepts'}; code: ${code ?? 'accepts'}`).toEqual({ schema: ok, code: ok });
  });

  const NAMES = ['2fa', 'a-b', 'a b', '', ...Object.getOwnPropertyNames(Object.prototype)];
  it.each(NAMES)('both refuse the attribute name %j', (name) => {
    const { schema, code } = verdicts({ type: 'string' }, name);
    expect(schema, 'the schema accepts it').toBeDefined();
    expect(code, 'the code accepts it').toBeDefined();
  });

  // Comparing a rule with another (min with max, defaultsTo with isIn) or one model with another
  // is beyond JSON Schema without ajv's non-standard $data; editors pass these, `new` refuses them.
  const CODE_ONLY: [what: string, file: unknown][] = [
    ['min above max', withField({ type: 'number', min: 5, max: 1 })],
    ['minLength above maxLength', withField({ type: 'string', minLength: 5, maxLength: 1 })],
    ['a default outside isIn', withField({ type: 'string', isIn: ['a'], defaultsTo: 'b' })],
    ['a default below min', withField({ type: 'number', min: 0, defaultsTo: -1 })],
    ['a default above max', withField({ type: 'number', max: 0, defaultsTo: 1 })],
    ['a default shorter than minLength', withField({ type: 'string', minLength: 2, defaultsTo: 'a' })],
    ['a default longer than maxLength', withField({ type: 'string', maxLength: 2, defaultsTo: 'abc' })],
    ['two names for one model', { models: { User: { attributes: {} }, user: { attributes: {} } } }],
    ['a link to a model the file lacks', withField({ model: 'user' })],
    ['a via that does not point back', withField({ collection: 'thing', via: 'other' })],
    ['isAfter later than isBefore', withField({ type: 'number', isAfter: '2020-01-01', isBefore: '2010-01-01' })],
    ['an isAfter that is not a date', withField({ type: 'string', isAfter: 'next tuesday' })],
    ['a regex that does not compile', withField({ type: 'string', regex: '[a-' })],
    ['a default outside isNotIn', withField({ type: 'string', isNotIn: ['a'], defaultsTo: 'a' })],
    ['a default that is not a URL with isURL', withField({ type: 'string', isURL: true, defaultsTo: 'nope' })],
    ['a default that breaks regex', withField({ type: 'string', regex: '^a', defaultsTo: 'b' })],
    ['a default before isAfter', withField({ type: 'number', isAfter: 1000, defaultsTo: 5 })],
    ['a fractional default with isInteger', withField({ type: 'number', isInteger: true, defaultsTo: 1.5 })],
    ['an empty default with isNotEmptyString', withField({ type: 'string', isNotEmptyString: true, defaultsTo: '' })],
    ['two models on one table', { models: { User: { attributes: {}, tableName: 'people' }, Person: { attributes: {} , tableName: 'people' } } }],
  ];
  it.each(CODE_ONLY)('only the code refuses %s', (_what, file) => {
    expect(schemaErrors(file)).toBeUndefined();
    expect(codeError('models.json', JSON.stringify(file))).toBeDefined();
  });

  // YAML has numbers JSON lacks (.inf, .nan); the schema refuses them wherever it asks for a number.
  const yamlVerdicts = (attribute: string): Verdicts => {
    const text = `models:\n  Thing:\n    attributes:\n      field: ${attribute}\n`;
    return { schema: schemaErrors(parseYaml(text)), code: codeError('models.yaml', text) };
  };
  it.each([
    '{ type: number, min: .inf }',
    '{ type: number, max: -.inf }',
    '{ type: string, maxLength: .inf }',
    '{ type: number, defaultsTo: .nan }',
    '{ type: number, isIn: [.inf] }',
    '{ type: number, isIn: [1, .nan] }',
  ])(
    'both refuse the YAML attribute %s',
    (attribute) => {
      const { schema, code } = yamlVerdicts(attribute);
      expect(schema, 'the schema accepts it').toBeDefined();
      expect(code, 'the code accepts it').toBeDefined();
    },
  );
  it('refuses a json default holding NaN or Infinity (JSON cannot hold them, so only YAML can say it)', () => {
    expect(yamlVerdicts('{ type: json, defaultsTo: .nan }').code).toMatch(/must be a JSON value, got NaN/);
    expect(yamlVerdicts('{ type: json, defaultsTo: { a: [1, .inf] } }').code).toMatch(/must be a JSON value/);
    expect(yamlVerdicts('{ type: json, defaultsTo: { a: [1, 2.5] } }').code).toBeUndefined();
  });

  it('says NaN, not null, when a number default is NaN', () => {
    expect(yamlVerdicts('{ type: number, defaultsTo: .nan }').code).toMatch(/must be a number, got NaN/);
  });

  // The drift guard: every rule of src/schema on every type, and every kind of value as a
  // default and in isIn, gets the same verdict from both. A rule added to the code without a
  // sample here fails; a rule whose types change in one place only fails.
  const VALUES: Record<string, unknown> = { string: 'x', number: 1, boolean: true, json: { a: 1 }, null: null, array: [1] };
  const SAMPLE: Record<string, (type: string) => unknown> = {
    required: () => true,
    unique: () => true,
    defaultsTo: (type) => VALUES[type],
    allowNull: () => true,
    isEmail: () => false,
    isIn: (type) => [VALUES[type]],
    isNotIn: (type) => [VALUES[type]],
    min: () => 1,
    max: () => 1,
    minLength: () => 1,
    maxLength: () => 1,
    autoIncrement: () => true,
    autoCreatedAt: () => true,
    autoUpdatedAt: () => true,
    encrypt: () => false,
    columnType: () => 'text',
    description: () => 'd',
    extendedDescription: () => 'e',
    moreInfoUrl: () => 'https://sailsjs.com',
    example: (type) => VALUES[type],
    protect: () => true,
    isAfter: () => '2000-01-01',
    isBefore: () => 0,
    isBoolean: () => true,
    isCreditCard: () => true,
    isHexColor: () => false,
    isInteger: () => true,
    isIP: () => true,
    isNotEmptyString: () => true,
    isNumber: () => false,
    isString: () => true,
    isURL: () => true,
    isUUID: () => true,
    regex: () => '^x',
    custom: () => 'x => true',
  };
  const options = ATTRIBUTE_OPTIONS.filter((option) => option !== 'type');
  it('has a sample value for every rule of src/schema', () => {
    expect(Object.keys(SAMPLE).sort()).toEqual([...options].sort());
  });
  const matrix: [string, Record<string, unknown>][] = [];
  for (const type of ATTRIBUTE_TYPES) {
    for (const option of options) {
      const sample = SAMPLE[option];
      if (sample) matrix.push([`${type} with ${option}`, { type, [option]: sample(type) }]);
    }
    for (const [kind, value] of Object.entries(VALUES)) {
      matrix.push([`${type} defaulting to a ${kind}`, { type, defaultsTo: value }]);
      matrix.push([`${type} with allowNull defaulting to a ${kind}`, { type, allowNull: true, defaultsTo: value }]);
      matrix.push([`${type} with isIn of a ${kind}`, { type, isIn: [value] }]);
    }
  }
  it.each(matrix)('agree on %s', (_what, attribute) => {
    const { schema, code } = verdicts(attribute);
    expect({ schema: schema === undefined, code: code === undefined }, `schema: ${schema ?? 'accepts'}; code: ${code ?? 'accepts'}`).toEqual({
      schema: code === undefined,
      code: code === undefined,
    });
  });
});
