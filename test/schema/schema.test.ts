import { describe, expect, it } from 'vitest';
import {
  blueprintRoutes,
  checkValue,
  names,
  normalizeModel,
  normalizeModels,
  parseAttributeSpec,
  SchemaError,
} from '../../src/schema/index.js';

describe('names()', () => {
  it('derives every name from one', () => {
    expect(names('user-profile')).toEqual({
      className: 'UserProfile',
      fileName: 'UserProfile',
      identity: 'userprofile',
      routePath: '/userprofile',
      propertyName: 'userProfile',
    });
    expect(names('User').identity).toBe('user');
  });

  it('refuses a name that is not an identifier, saying what is allowed', () => {
    expect(() => names('9lives')).toThrow('"9lives" is not a valid model name: use letters and digits, starting with a letter (for example User or BlogPost).');
    expect(() => names('a b')).toThrow(SchemaError);
  });
});

describe('normalizeModel()', () => {
  it('adds id, createdAt and updatedAt before the user attributes', () => {
    const model = normalizeModel('User', { attributes: { name: { type: 'string', required: true }, age: { type: 'number', min: 0 } } });
    expect(model.identity).toBe('user');
    expect(model.attributes.map((a) => a.name)).toEqual(['id', 'createdAt', 'updatedAt', 'name', 'age']);
    expect(model.attributes[3]).toEqual({ name: 'name', type: 'string', required: true, unique: false, allowNull: false, rules: {} });
    expect(model.attributes[4]?.rules).toEqual({ min: 0 });
  });

  it('keeps publishWrites only when the model sets it', () => {
    expect(normalizeModel('User', { attributes: {}, publishWrites: false }).publishWrites).toBe(false);
    expect('publishWrites' in normalizeModel('User', { attributes: {} })).toBe(false);
  });

  const bad: [string, unknown, string][] = [
    ['an unknown type', { attributes: { age: { type: 'nmber' } } }, 'api/models/User.ts, model User, attribute "age": has the unknown type "nmber" (did you mean "number"?); types: string, number, boolean, json.'],
    ['no type', { attributes: { age: {} } }, 'api/models/User.ts, model User, attribute "age": has no type; types: string, number, boolean, json.'],
    ['an unknown rule', { attributes: { age: { type: 'number', minimum: 3 } } }, 'attribute "age": unknown rule "minimum"; allowed: type, required, unique, defaultsTo, allowNull, autoIncrement, autoCreatedAt, autoUpdatedAt, encrypt, columnType, description, extendedDescription, moreInfoUrl, example, protect, isAfter, isBefore, isBoolean, isCreditCard, isEmail, isHexColor, isIn, isInteger, isIP, isNotEmptyString, isNotIn, isNumber, isString, isURL, isUUID, min, max, minLength, maxLength, regex, custom.'],
    ['a rule that does not fit the type', { attributes: { age: { type: 'number', isEmail: true } } }, 'attribute "age": "isEmail" does not apply to type number; it fits: string.'],
    ['a misspelt rule', { attributes: { age: { type: 'string', maxlength: 3 } } }, 'attribute "age": unknown rule "maxlength" (did you mean "maxLength"?); allowed:'],
    ['an id of another type', { attributes: { id: { type: 'string' } } }, 'attribute "id": is the primary key, so it needs "required: true" (each create sends its value) or, for a number, "autoIncrement: true" (the store numbers records): sails-rt makes no other kind of key; declare it as { type: \'string\', required: true } or { type: \'number\', autoIncrement: true } (rules and metadata may be added).'],
    ['updatedAt turned off', { attributes: { updatedAt: false } }, 'attribute "updatedAt": "updatedAt: false" (turning it off) is not supported; sails-rt sets "updatedAt" to the time in ms'],
    ['a bad attribute name', { attributes: { 'first name': { type: 'string' } } }, 'attribute "first name": an attribute name must be a valid identifier'],
    ['required with allowNull', { attributes: { a: { type: 'string', required: true, allowNull: true } } }, '"required" and "allowNull" cannot both be true'],
    ['a default of the wrong type', { attributes: { a: { type: 'number', defaultsTo: 'x' } } }, '"defaultsTo" must be a number, got "x".'],
    ['min above max', { attributes: { a: { type: 'number', min: 5, max: 1 } } }, '"min" (5) is greater than "max" (1).'],
    ['isIn of the wrong type', { attributes: { a: { type: 'string', isIn: [1] } } }, '"isIn" must be a non-empty array of string values.'],
    ['no attributes', {}, 'api/models/User.ts, model User: "attributes" must be an object'],
    ['a name every object has', { attributes: { constructor: { type: 'string' } } }, 'attribute "constructor": "constructor" is a name every JavaScript object already has, so it cannot be an attribute; choose another name, e.g. constructorValue.'],
    // As a model file's object literal writes it: the key sets the prototype and vanishes.
    ['__proto__ in a literal', { attributes: { __proto__: { type: 'string' } } }, 'model User: "attributes" has an attribute named __proto__, which JavaScript reads as the object\'s prototype; choose another name.'],
    ['an unknown model setting', { attributes: {}, tabelName: 'x' }, 'unknown model setting "tabelName" (did you mean "tableName"?); allowed: attributes, tableName, primaryKey, schema, datastore, dontUseObjectIds, publishWrites, dataEncryptionKeys.'],
    ['a publishWrites that is not a boolean', { attributes: {}, publishWrites: 'no' }, 'model User: "publishWrites" must be true or false, got "no".'],
  ];
  it.each(bad)('refuses %s with a located message', (_case, definition, message) => {
    expect(() => normalizeModel('User', definition, { file: 'api/models/User.ts' })).toThrow(message);
  });

  it('refuses two models with one identity', () => {
    expect(() =>
      normalizeModels([
        { className: 'User', definition: { attributes: {} }, file: 'api/models/User.ts' },
        { className: 'user', definition: { attributes: {} }, file: 'api/models/user.ts' },
      ]),
    ).toThrow('api/models/user.ts, model User: two models share the identity "user" (User in api/models/User.ts and User); rename one of them.');
  });
});

describe('checkValue()', () => {
  const model = normalizeModel('User', {
    attributes: {
      email: { type: 'string', isEmail: true, maxLength: 20 },
      role: { type: 'string', isIn: ['admin', 'user'] },
      age: { type: 'number', min: 0, allowNull: true },
      data: { type: 'json' },
    },
  });
  const attr = (name: string) => model.attributes.find((a) => a.name === name)!;

  it('accepts fitting values', () => {
    expect(checkValue(attr('email'), 'a@b.co')).toBeUndefined();
    expect(checkValue(attr('age'), null)).toBeUndefined();
    expect(checkValue(attr('data'), { any: ['thing'] })).toBeUndefined();
  });

  it('says what is wrong', () => {
    expect(checkValue(attr('email'), 'nope')).toBe('must be an email address, got "nope"');
    expect(checkValue(attr('email'), null)).toBe('must not be null (set allowNull: true to allow it)');
    expect(checkValue(attr('role'), 'root')).toBe('must be one of "admin", "user", got "root"');
    expect(checkValue(attr('age'), -1)).toBe('must be at least 0, got -1');
    expect(checkValue(attr('age'), '3')).toBe('must be a number, got "3"');
  });
});

describe('parseAttributeSpec()', () => {
  it('parses name:type:flags', () => {
    expect(parseAttributeSpec('email:string:required:unique')).toEqual({ name: 'email', definition: { type: 'string', required: true, unique: true } });
    expect(parseAttributeSpec('nickname')).toEqual({ name: 'nickname', definition: { type: 'string' } });
  });

  it('names a typo and suggests the fix', () => {
    expect(() => parseAttributeSpec('age:nmber')).toThrow(
      'attribute spec "age:nmber": unknown type "nmber" (did you mean number?); types: string, number, boolean, json, model, collection (form: name:type[:required][:unique], e.g. email:string:required; links: owner:model:user, pets:collection:pet:owner).',
    );
    expect(() => parseAttributeSpec('age:number:requird')).toThrow('unknown flag "requird" (did you mean required?)');
    expect(() => parseAttributeSpec('__proto__:string')).toThrow('attribute spec "__proto__:string": "__proto__" is a name every JavaScript object already has');
    expect(() => parseAttributeSpec('id:number')).toThrow('attribute spec "id:number": "id" is added to every model by sails-rt');
  });
});

describe('blueprintRoutes()', () => {
  it('lists the REST routes of docs/protocol.md 6.1 with prefixes', () => {
    const routes = blueprintRoutes([normalizeModel('User', { attributes: {} })], { prefix: '/api' });
    expect(routes.map((r) => `${r.method} ${r.path} ${r.action}`)).toEqual([
      'GET /api/user find',
      'GET /api/user/:id findOne',
      'POST /api/user create',
      'PATCH /api/user/:id update',
      'PUT /api/user/:id update',
      'DELETE /api/user/:id destroy',
      'DELETE /api/user destroy',
    ]);
  });
});
