import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  checkValue,
  defineModel,
  normalizeModel,
  normalizeModels,
  SchemaError,
  type InferCreate,
  type InferRecord,
  type InferUpdate,
  type NormalizedAttribute,
} from '../../src/schema/index.js';

/** The one attribute `field` of a model with the given definition, normalized. */
function field(definition: Record<string, unknown>): NormalizedAttribute {
  const attribute = normalizeModel('Thing', { attributes: { field: definition } }).attributes.find((a) => a.name === 'field');
  if (!attribute) throw new Error('no field');
  return attribute;
}

// Each of Sails 1's rules: a value it takes, a value it refuses and what the refusal says.
const RULES: [rule: string, definition: Record<string, unknown>, good: unknown[], bad: [value: unknown, message: string][]][] = [
  ['isAfter on a string', { type: 'string', isAfter: '2020-01-01' }, ['2020-01-02', '2021-06-01T10:00:00Z'], [
    ['2019-12-31', 'must be after 2020-01-01T00:00:00.000Z, got "2019-12-31"'],
    ['2020-01-01', 'must be after 2020-01-01T00:00:00.000Z'],
    ['soon', 'must be a date (an ISO 8601 string such as "2024-01-31", or ms), got "soon"'],
  ]],
  ['isAfter as a Date on a number', { type: 'number', isAfter: new Date('2020-01-01T00:00:00Z') }, [Date.UTC(2020, 0, 2)], [
    [Date.UTC(2019, 0, 1), 'must be after 2020-01-01T00:00:00.000Z, got 1546300800000'],
  ]],
  ['isBefore', { type: 'number', isBefore: 1000 }, [0, 999], [[1000, 'must be before 1970-01-01T00:00:01.000Z, got 1000']]],
  ['isBoolean on json', { type: 'json', isBoolean: true }, [true, false, null], [['true', 'must be a boolean, got "true"']]],
  ['isCreditCard', { type: 'string', isCreditCard: true }, ['4111 1111 1111 1111', '5500-0000-0000-0004', '378282246310005'], [
    ['4111 1111 1111 1112', 'must be a credit card number, got "4111 1111 1111 1112"'],
    ['4111', 'must be a credit card number'],
    ['4111-1111-1111-111x', 'must be a credit card number'],
  ]],
  ['isEmail', { type: 'string', isEmail: true }, ['a@b.co'], [['a@b', 'must be an email address, got "a@b"']]],
  ['isHexColor', { type: 'string', isHexColor: true }, ['#fa0', 'FFAA00', '#ffaa0080'], [['#ffaa0', 'must be a hex color such as #fa0 or #ffaa00, got "#ffaa0"'], ['red', 'must be a hex color']]],
  ['isIn', { type: 'number', isIn: [1, 2] }, [1, 2], [[3, 'must be one of 1, 2, got 3']]],
  ['isInteger', { type: 'number', isInteger: true }, [0, -4, 2 ** 40], [[1.5, 'must be a whole number, got 1.5']]],
  ['isInteger on json', { type: 'json', isInteger: true }, [3, null], [['3', 'must be a number, got "3"'], [3.5, 'must be a whole number, got 3.5']]],
  ['isIP', { type: 'string', isIP: true }, ['127.0.0.1', '::1', '2001:db8::8a2e:370:7334'], [['256.1.1.1', 'must be an IPv4 or IPv6 address, got "256.1.1.1"'], ['localhost', 'must be an IPv4 or IPv6 address']]],
  ['isNotEmptyString', { type: 'string', isNotEmptyString: true }, [' ', 'a'], [['', 'must not be an empty string']]],
  ['isNotIn', { type: 'string', isNotIn: ['admin', 'root'] }, ['ada'], [['root', 'must not be any of "admin", "root", got "root"']]],
  ['isNumber on json', { type: 'json', isNumber: true }, [1.5, null], [[{ a: 1 }, 'must be a number, got {"a":1}']]],
  ['isString on json', { type: 'json', isString: true }, ['', 'x'], [[1, 'must be a string, got 1']]],
  ['isURL', { type: 'string', isURL: true }, ['https://sailsjs.com/documentation', 'http://localhost:1337', 'example.com', 'ftp://10.0.0.1/x'], [
    ['not a url', 'must be a URL, got "not a url"'],
    ['mailto:a@b.co', 'must be a URL'],
    ['https://intranet', 'must be a URL'],
  ]],
  ['isUUID', { type: 'string', isUUID: true }, ['123e4567-e89b-12d3-a456-426614174000'], [['123e4567-e89b-12d3-a456-42661417400', 'must be a UUID']]],
  ['min', { type: 'number', min: 0 }, [0], [[-1, 'must be at least 0, got -1']]],
  ['max', { type: 'number', max: 10 }, [10], [[11, 'must be at most 10, got 11']]],
  ['minLength', { type: 'string', minLength: 2 }, ['ab'], [['a', 'must be at least 2 characters long']]],
  ['maxLength', { type: 'string', maxLength: 2 }, ['ab'], [['abc', 'must be at most 2 characters long']]],
  ['regex as a RegExp', { type: 'string', regex: /^[a-z]+$/i }, ['Abc'], [['ab1', 'must match /^[a-z]+$/i, got "ab1"']]],
  ['regex as a string', { type: 'string', regex: '^\\d{4}$' }, ['2024'], [['24', 'must match /^\\d{4}$/u, got "24"']]],
  ['custom', { type: 'string', custom: (value: string) => value === value.toUpperCase() }, ['LOUD'], [['quiet', 'did not pass the custom rule, got "quiet"']]],
  ['custom that throws', { type: 'number', custom: (value: number) => { if (value > 1) throw new Error('too big'); return true; } }, [1], [[2, 'did not pass the custom rule, got 2']]],
];

describe('every Sails 1 validation rule', () => {
  it.each(RULES)('%s takes what fits and refuses the rest with a sentence', (_rule, definition, good, bad) => {
    const attribute = field(definition);
    for (const value of good) expect(checkValue(attribute, value), JSON.stringify(value)).toBeUndefined();
    for (const [value, message] of bad) expect(checkValue(attribute, value)).toContain(message);
  });

  it('keeps a RegExp with g or y usable for every value (test() would otherwise remember where it stopped)', () => {
    const attribute = field({ type: 'string', regex: /^a/g });
    expect([checkValue(attribute, 'ab'), checkValue(attribute, 'ab'), checkValue(attribute, 'ab')]).toEqual([undefined, undefined, undefined]);
  });

  it('checks defaultsTo against every rule', () => {
    expect(() => field({ type: 'string', isUUID: true, defaultsTo: 'x' })).toThrow('"defaultsTo" must be a UUID, got "x".');
    expect(() => field({ type: 'number', custom: () => false, defaultsTo: 1 })).toThrow('"defaultsTo" did not pass the custom rule, got 1.');
  });

  it.each([
    ['isCreditCard', { type: 'number', isCreditCard: true }, '"isCreditCard" does not apply to type number; it fits: string.'],
    ['isInteger', { type: 'string', isInteger: true }, '"isInteger" does not apply to type string; it fits: number, json.'],
    ['isAfter', { type: 'boolean', isAfter: '2020-01-01' }, '"isAfter" does not apply to type boolean; it fits: string, number.'],
    ['regex', { type: 'json', regex: /x/ }, '"regex" does not apply to type json; it fits: string.'],
    ['autoCreatedAt', { type: 'string', autoCreatedAt: true }, '"autoCreatedAt" does not apply to type string; it fits: number.'],
  ])('refuses %s on a type it cannot apply to', (_rule, definition, message) => {
    expect(() => field(definition)).toThrow(message);
  });

  it.each([
    [{ type: 'string', regex: '[a-' }, '"regex" "[a-" is not a valid pattern'],
    [{ type: 'string', regex: 5 }, '"regex" must be a RegExp (in a model file) or a pattern string (in a JSON or YAML file), got 5.'],
    [{ type: 'string', isAfter: 'someday' }, '"isAfter" must be a date: a Date, an ISO 8601 string such as "2024-01-31" or a timestamp in ms, got "someday".'],
    [{ type: 'number', isAfter: 10, isBefore: 5 }, '"isAfter" is not earlier than "isBefore", so no value can pass both.'],
    [{ type: 'string', custom: 'value.length > 2' }, '"custom" must be a function (value) => boolean, which only a model file'],
    [{ type: 'string', isURL: 'yes' }, '"isURL" must be true or false.'],
    [{ type: 'string', isNotIn: [] }, '"isNotIn" must be a non-empty array of string values.'],
    [{ type: 'string', encrypt: true, defaultsTo: 'x' }, '"encrypt: true" cannot be used with "defaultsTo"'],
    [{ type: 'string', encrypt: 'yes' }, '"encrypt" must be true or false, got "yes".'],
    [{ type: 'number', autoIncrement: true }, '"autoIncrement" applies only to the primary key (the attribute "primaryKey" names, "id" by default); remove it here.'],
    [{ type: 'string', description: 3 }, '"description" must be a string, got 3.'],
  ])('refuses a malformed rule: %j', (definition, message) => {
    expect(() => field(definition)).toThrow(SchemaError);
    expect(() => field(definition)).toThrow(message);
  });
});

describe('attribute metadata', () => {
  it('keeps columnType, description, extendedDescription, moreInfoUrl, example and protect, and enforces none', () => {
    const attribute = field({
      type: 'string',
      columnType: 'varchar(255)',
      description: 'The name people see.',
      extendedDescription: 'Shown on the profile.',
      moreInfoUrl: 'https://example.com/name',
      example: 'Ada',
      protect: true,
      encrypt: false,
    });
    expect(attribute.metadata).toEqual({
      columnType: 'varchar(255)',
      description: 'The name people see.',
      extendedDescription: 'Shown on the profile.',
      moreInfoUrl: 'https://example.com/name',
      example: 'Ada',
      protect: true,
    });
    expect(attribute.rules).toEqual({});
    expect(checkValue(attribute, 'not like the example')).toBeUndefined();
  });

  it('adds no metadata key to an attribute without any', () => {
    expect('metadata' in field({ type: 'string' })).toBe(false);
  });
});

describe('timestamps and the built-in attributes', () => {
  it('makes an autoCreatedAt or autoUpdatedAt attribute a timestamp the server sets', () => {
    const model = normalizeModel('Thing', {
      attributes: { madeAt: { type: 'number', autoCreatedAt: true }, touchedAt: { type: 'number', autoUpdatedAt: true, description: 'last change' } },
    });
    expect(model.attributes.filter((a) => a.auto !== undefined).map((a) => [a.name, a.auto])).toEqual([
      ['id', 'autoIncrement'],
      ['createdAt', 'createdAt'],
      ['updatedAt', 'updatedAt'],
      ['madeAt', 'createdAt'],
      ['touchedAt', 'updatedAt'],
    ]);
    expect(model.attributes.find((a) => a.name === 'touchedAt')?.metadata).toEqual({ description: 'last change' });
  });

  it("accepts id, createdAt and updatedAt as Sails' config/models.js declares them, keeping their metadata", () => {
    const model = normalizeModel('Thing', {
      attributes: {
        id: { type: 'number', autoIncrement: true, columnType: 'INTEGER' },
        createdAt: { type: 'number', autoCreatedAt: true },
        updatedAt: { type: 'number', autoUpdatedAt: true, description: 'ms' },
        name: { type: 'string' },
      },
    });
    expect(model.attributes.map((a) => [a.name, a.auto])).toEqual([
      ['id', 'autoIncrement'],
      ['createdAt', 'createdAt'],
      ['updatedAt', 'updatedAt'],
      ['name', undefined],
    ]);
    expect(model.attributes[0]?.metadata).toEqual({ columnType: 'INTEGER' });
    expect(model.attributes[2]?.metadata).toEqual({ description: 'ms' });
  });
});

describe('model settings', () => {
  it('uses tableName for the table and the identity otherwise', () => {
    expect(normalizeModel('Thing', { attributes: {}, tableName: 'legacy_things' }).tableName).toBe('legacy_things');
    expect(normalizeModel('Thing', { attributes: {} }).tableName).toBe('thing');
  });

  it('accepts the settings that describe what sails-rt does', () => {
    const model = normalizeModel('Thing', { attributes: {}, primaryKey: 'id', schema: true, datastore: 'default', dontUseObjectIds: true });
    expect(model.primaryKey).toBe('id');
  });

  it.each([
    [{ primaryKey: 'uuid' }, '"primaryKey" is "uuid", but there is no attribute "uuid"; declare it in the attributes, e.g. uuid: { type: \'string\', required: true }.'],
    [{ schema: false }, '"schema" is false, but only schema: true is supported: each attribute is a SQLite column, so values under undeclared keys have nowhere to go; declare them, or use one attribute of type json.'],
    [{ datastore: 'legacy' }, '"datastore" is "legacy", but sails-rt has one datastore, \'default\' (the app\'s SQLite file); remove the setting.'],
    [{ tableName: 'my table' }, '"tableName" must be a table name of letters, digits and _ (not starting with a digit or sqlite_), got "my table".'],
    [{ dontUseObjectIds: 1 }, '"dontUseObjectIds" must be true or false, got 1.'],
  ])('refuses %j with a sentence', (settings, message) => {
    expect(() => normalizeModel('Thing', { attributes: {}, ...settings }, { file: 'api/models/Thing.ts' })).toThrow(`api/models/Thing.ts, model Thing: ${message}`);
  });

  it('refuses two models on one table', () => {
    expect(() =>
      normalizeModels([
        { className: 'User', definition: { attributes: {} } },
        { className: 'Person', definition: { attributes: {}, tableName: 'user' }, file: 'api/models/Person.ts' },
      ]),
    ).toThrow('api/models/Person.ts, model Person: its table "user" is also the table of model User; give one of them another "tableName".');
  });
});

describe('defineModel types', () => {
  const Thing = defineModel({
    tableName: 'things',
    primaryKey: 'id',
    schema: true,
    datastore: 'default',
    dontUseObjectIds: true,
    attributes: {
      id: { type: 'number', autoIncrement: true },
      createdAt: { type: 'number', autoCreatedAt: true },
      code: { type: 'string', required: true, regex: /^[A-Z]+$/, description: 'd', columnType: 'varchar(8)', example: 'AB' },
      nick: { type: 'string', allowNull: true, isNotIn: ['root'] },
      count: { type: 'number', isInteger: true, custom: (value: number) => value % 2 === 0 },
      due: { type: 'string', isAfter: new Date(0), isBefore: '2100-01-01' },
      data: { type: 'json', isString: true },
      madeAt: { type: 'number', autoCreatedAt: true },
    },
  });

  it('takes every property, rule and setting in a model file', () => {
    expect(normalizeModel('Thing', Thing).tableName).toBe('things');
  });

  it('types a create as the server takes it: null only with allowNull or json, no server-set attributes', () => {
    expectTypeOf<InferCreate<typeof Thing>>().toEqualTypeOf<{ code: string; nick?: string | null; count?: number; due?: string; data?: unknown }>();
    expectTypeOf<InferUpdate<typeof Thing>>().toEqualTypeOf<{ code?: string; nick?: string | null; count?: number; due?: string; data?: unknown }>();
    expectTypeOf<InferRecord<typeof Thing>['madeAt']>().toEqualTypeOf<number>();
    // @ts-expect-error the server refuses null where allowNull is not set
    const noNull: InferCreate<typeof Thing> = { code: 'A', count: null };
    // @ts-expect-error code is required
    const noCode: InferCreate<typeof Thing> = { nick: null };
    expect([noNull, noCode]).toHaveLength(2);
  });

  it('refuses in the types what the server refuses at lift', () => {
    // @ts-expect-error schema: false is not supported
    defineModel({ schema: false, attributes: {} });
    // @ts-expect-error regex is a RegExp or a pattern string
    defineModel({ attributes: { code: { type: 'string', regex: 3 } } });
  });
});
