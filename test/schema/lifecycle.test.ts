/** A model's lifecycle callbacks and customToJSON are carried through normalizeModel, and checked to be functions. */
import { describe, expect, it } from 'vitest';
import { normalizeModel } from '../../src/schema/index.js';

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
