/** A model's lifecycle callbacks and customToJSON are carried through normalizeModel, and checked to be functions. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineModel, normalizeModel, type InferCreate, type InferRecord, type LifecycleRecord, type Proceed } from '../../src/schema/index.js';

describe('normalizeModel() with lifecycle callbacks and customToJSON', () => {
  it('keeps each function on the normalized model', () => {
    const beforeCreate = (_values: Record<string, unknown>, proceed: () => void): void => proceed();
    const afterDestroy = async (): Promise<void> => {};
    function customToJSON(this: Record<string, unknown>): unknown {
      return { id: this['id'] };
    }
    const model = normalizeModel('User', { attributes: { name: { type: 'string' } }, beforeCreate, afterDestroy, customToJSON });
    expect(model.lifecycle).toEqual({ beforeCreate, afterDestroy });
    expect(model.customToJSON).toBe(customToJSON);
  });

  it('adds nothing to a model without them', () => {
    const model = normalizeModel('User', { attributes: { name: { type: 'string' } } });
    expect('lifecycle' in model).toBe(false);
    expect('customToJSON' in model).toBe(false);
  });

  it('refuses a callback that is not a function, naming the file and the setting', () => {
    expect(() => normalizeModel('User', { attributes: {}, beforeCreate: 'hash' }, { file: 'api/models/User.ts' })).toThrow(
      'api/models/User.ts, model User: "beforeCreate" must be a function, such as beforeCreate(values, proceed) { ... }, got "hash".',
    );
    expect(() => normalizeModel('User', { attributes: {}, customToJSON: { omit: ['password'] } })).toThrow('"customToJSON" must be a function');
  });
});

describe('defineModel() types the callbacks', () => {
  it('gives unannotated callbacks Waterline\'s arguments, and accepts the model\'s own types', () => {
    const attributes = { name: { type: 'string', required: true }, age: { type: 'number' } } as const;
    type User = InferRecord<{ attributes: typeof attributes }>;
    type UserCreate = InferCreate<{ attributes: typeof attributes }>;
    const model = defineModel({
      attributes,
      beforeCreate(values: UserCreate, proceed) {
        expectTypeOf(proceed).toEqualTypeOf<Proceed>();
        values.name = values.name.trim();
        proceed();
      },
      async beforeUpdate(values) {
        expectTypeOf(values).toEqualTypeOf<Record<string, unknown>>();
      },
      afterCreate(user: User, proceed) {
        expectTypeOf(user.age).toEqualTypeOf<number>();
        proceed();
      },
      beforeDestroy(criteria, proceed) {
        expectTypeOf(criteria.where).toEqualTypeOf<Record<string, unknown>>();
        proceed();
      },
      customToJSON() {
        expectTypeOf(this).toEqualTypeOf<LifecycleRecord>();
        return { id: this.id };
      },
    });
    expect(normalizeModel('User', model).lifecycle).toHaveProperty('beforeCreate');
  });
});
