import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineModel, normalizeModel, normalizeModels, primaryKeyOf, type InferCreate, type InferRecord, type InferUpdate } from '../../src/schema/index.js';

// The `primaryKey` model setting, by Waterline 0.13's rules (waterline-schema) plus sails-rt's one:
// the key is either numbered by the store or sent by every create (docs/runtime.md, "Model settings").

describe('primaryKey', () => {
  it('names a declared string key each create sends', () => {
    const model = normalizeModel('Country', { primaryKey: 'code', attributes: { code: { type: 'string', required: true, maxLength: 2 }, name: { type: 'string' } } });
    expect(model.primaryKey).toBe('code');
    expect(model.attributes.map((a) => a.name)).toEqual(['code', 'createdAt', 'updatedAt', 'name']);
    expect(primaryKeyOf(model)).toMatchObject({ name: 'code', type: 'string', required: true, unique: true, allowNull: false, primaryKey: true, rules: { maxLength: 2 } });
    expect(primaryKeyOf(model).auto).toBeUndefined();
  });

  it('names a declared number key the store numbers', () => {
    const model = normalizeModel('Product', { primaryKey: 'productId', attributes: { productId: { type: 'number', autoIncrement: true, description: 'sku' } } });
    expect(primaryKeyOf(model)).toMatchObject({ name: 'productId', type: 'number', auto: 'autoIncrement', primaryKey: true, metadata: { description: 'sku' } });
    expect(model.attributes.some((a) => a.name === 'id')).toBe(false);
  });

  it('keeps id as the key and lets it be a string each create sends', () => {
    const model = normalizeModel('Doc', { attributes: { id: { type: 'string', required: true, isUUID: true } } });
    expect(model.primaryKey).toBe('id');
    expect(primaryKeyOf(model)).toMatchObject({ name: 'id', type: 'string', required: true, rules: { isUUID: true } });
  });

  it('gives a to-one, a to-many and a join table the type of the linked key', () => {
    const [country, product] = normalizeModels([
      { className: 'Country', definition: { primaryKey: 'code', attributes: { code: { type: 'string', required: true }, products: { collection: 'product', via: 'origin' }, sold: { collection: 'product', via: 'markets' } } } },
      { className: 'Product', definition: { primaryKey: 'productId', attributes: { productId: { type: 'number', autoIncrement: true }, origin: { model: 'country' }, markets: { collection: 'country', via: 'sold' } } } },
    ]);
    expect(product?.attributes.find((a) => a.name === 'origin')).toMatchObject({ type: 'string', model: 'country', allowNull: true });
    expect(country?.collections.map((c) => [c.name, c.keyType])).toEqual([
      ['products', 'number'],
      ['sold', 'number'],
    ]);
    expect(product?.collections[0]?.keyType).toBe('string');
  });

  const where = 'api/models/Thing.ts, model Thing';
  const KEY_FORMS = "declare it as { type: 'string', required: true } or { type: 'number', autoIncrement: true } (rules and metadata may be added).";
  it.each([
    [{ primaryKey: 'code', attributes: {} }, `${where}: "primaryKey" is "code", but there is no attribute "code"; declare it in the attributes, e.g. code: { type: 'string', required: true }.`],
    [{ primaryKey: 'cod', attributes: { code: { type: 'string', required: true } } }, `${where}: "primaryKey" is "cod", but there is no attribute "cod" (did you mean "code"?); declare it in the attributes, e.g. cod: { type: 'string', required: true }.`],
    [{ primaryKey: 7, attributes: {} }, `${where}: "primaryKey" must be the name of an attribute, such as 'code', got 7.`],
    [{ primaryKey: 'createdAt', attributes: {} }, `${where}: "primaryKey" is "createdAt", a timestamp sails-rt sets, which two records may share; name an attribute declared as { type: 'string', required: true } or { type: 'number', autoIncrement: true }.`],
    [{ primaryKey: 'code', attributes: { code: { type: 'json', required: true } } }, `${where}, attribute "code": is the primary key, so its type cannot be "json" (a primary key is a string or a number, as in Waterline); ${KEY_FORMS}`],
    [{ primaryKey: 'code', attributes: { code: { type: 'boolean', required: true } } }, `${where}, attribute "code": is the primary key, so its type cannot be "boolean" (a primary key is a string or a number, as in Waterline); ${KEY_FORMS}`],
    [{ primaryKey: 'owner', attributes: { owner: { model: 'thing' } } }, `${where}, attribute "owner": is the primary key, so it cannot be a link (Waterline refuses an association as primary key); ${KEY_FORMS}`],
    [{ primaryKey: 'code', attributes: { code: { type: 'string' } } }, `${where}, attribute "code": is the primary key, so it needs "required: true" (each create sends its value) or, for a number, "autoIncrement: true" (the store numbers records): sails-rt makes no other kind of key; ${KEY_FORMS}`],
    [{ primaryKey: 'code', attributes: { code: { type: 'string', autoIncrement: true } } }, `${where}, attribute "code": is the primary key, so "autoIncrement" does not apply to its type string (only a number key is numbered by the store); ${KEY_FORMS}`],
    [{ primaryKey: 'n', attributes: { n: { type: 'number', autoIncrement: true, required: true } } }, `${where}, attribute "n": is the primary key, so it cannot be both "required" (each create sends it) and "autoIncrement" (the store numbers it); ${KEY_FORMS}`],
    [{ primaryKey: 'code', attributes: { code: { type: 'string', required: true, defaultsTo: 'x' } } }, `${where}, attribute "code": is the primary key, so it cannot have "defaultsTo" (every record needs its own value); ${KEY_FORMS}`],
    [{ primaryKey: 'code', attributes: { code: { type: 'string', required: true, allowNull: true } } }, `${where}, attribute "code": is the primary key, so it cannot allow null; ${KEY_FORMS}`],
    [{ primaryKey: 'code', attributes: { code: { type: 'string', required: true, unique: false } } }, `${where}, attribute "code": is the primary key, so it is always unique ("unique: false" does not apply); ${KEY_FORMS}`],
    [{ primaryKey: 'at', attributes: { at: { type: 'number', required: true, autoCreatedAt: true } } }, `${where}, attribute "at": is the primary key, so it cannot be a timestamp (two records may share one); ${KEY_FORMS}`],
    [{ primaryKey: 'n', attributes: { n: { type: 'number', autoIncrement: true, min: 5 } } }, `${where}, attribute "n": is the primary key, so "min" does not apply while the store numbers it; ${KEY_FORMS}`],
    [{ primaryKey: 'code', attributes: { code: { type: 'string', required: true }, id: { type: 'number' } } }, `${where}, attribute "id": "id" cannot be an ordinary attribute while "primaryKey" is "code": the blueprint routes (/thing/:id) and the pub-sub messages' id field hold the primary key; rename this attribute.`],
    [{ attributes: { id: { type: 'number', autoIncrement: false } } }, `${where}, attribute "id": is the primary key, so it needs "required: true"`],
    [{ primaryKey: 'code', attributes: { code: { type: 'string', required: true }, n: { type: 'number', autoIncrement: true } } }, `${where}, attribute "n": "autoIncrement" applies only to the primary key (the attribute "primaryKey" names, "id" by default); remove it here.`],
  ])('refuses %j at lift with a sentence', (definition, message) => {
    expect(() => normalizeModel('Thing', definition, { file: 'api/models/Thing.ts' })).toThrow(message);
  });

  it('refuses a value a key cannot hold, as Waterline does', async () => {
    const { checkValue } = await import('../../src/schema/index.js');
    const country = normalizeModel('Country', { primaryKey: 'code', attributes: { code: { type: 'string', required: true } } });
    const product = normalizeModel('Product', { primaryKey: 'sku', attributes: { sku: { type: 'number', required: true } } });
    expect(checkValue(primaryKeyOf(country), '')).toBe('must not be an empty string (it is the primary key)');
    expect(checkValue(primaryKeyOf(product), 1.5)).toBe('must be a whole number of 0 or more (it is the primary key), got 1.5');
    expect(checkValue(primaryKeyOf(product), 12)).toBeUndefined();
  });
});

describe('primaryKey in the types', () => {
  const Country = defineModel({ primaryKey: 'code', attributes: { code: { type: 'string', required: true }, name: { type: 'string' } } });
  const Product = defineModel({ primaryKey: 'productId', attributes: { productId: { type: 'number', autoIncrement: true }, title: { type: 'string', required: true } } });
  const Doc = defineModel({ attributes: { id: { type: 'string', required: true }, body: { type: 'string' } } });

  it('has the key, not id, in the record; a required key in the create; no key in an auto-incremented create', () => {
    expectTypeOf<InferRecord<typeof Country>>().toEqualTypeOf<{ code: string; name: string; createdAt: number; updatedAt: number }>();
    expectTypeOf<InferCreate<typeof Country>>().toEqualTypeOf<{ code: string; name?: string }>();
    expectTypeOf<InferRecord<typeof Product>>().toEqualTypeOf<{ productId: number; title: string; createdAt: number; updatedAt: number }>();
    expectTypeOf<InferCreate<typeof Product>>().toEqualTypeOf<{ title: string }>();
    expectTypeOf<InferRecord<typeof Doc>['id']>().toEqualTypeOf<string>();
    expectTypeOf<InferCreate<typeof Doc>>().toEqualTypeOf<{ id: string; body?: string }>();
    expectTypeOf<InferUpdate<typeof Doc>>().toEqualTypeOf<{ id?: string; body?: string }>();
  });
});
