/**
 * How a value sent for an attribute is read before it is checked: the way Waterline 0.13 reads
 * every value of every create and update (`normalize-value-to-set.js` calls
 * `rttc.validate(type, value)`, rttc's loose validation, and `normalize-pk-value.js` for links),
 * whatever it came from: a JSON body, a form, a socket request or `sails.models`. Waterline reads
 * the values of a `where` the same way (`normalize-comparison-value.js`).
 *
 * A value that cannot be read as its type is returned as it was given, so the check that follows
 * refuses it with the sentence it always had.
 */
import type { AttributeType, NormalizedAttribute } from '../../schema/index.js';

/**
 * rttc's loose reading of `value` as `type` (rttc's `types.js`, `to()`):
 *
 * | type | reads |
 * |---|---|
 * | number | a finite number; `true`/`false` as 1/0; a Date as its ms; text `+text` reads as a finite number, without blanks or whitespace (`'5'`, `'-1.5'`, `'1e3'`, `'0x10'`) |
 * | string | text; a finite number or a boolean as its text (`45` is `'45'`); a Date as its ISO 8601 text |
 * | boolean | `true`/`false`; `1`/`0`; `'true'`/`'false'`/`'1'`/`'0'` |
 * | json | as given (rttc would also turn NaN and Infinity into 0; sails-rt refuses them instead) |
 *
 * Anything else (null, objects, NaN, Infinity, `''` or `'abc'` for a number) is returned as given.
 *
 * @example looseValue('number', '349.86') // 349.86
 */
export function looseValue(type: AttributeType, value: unknown): unknown {
  switch (type) {
    case 'number':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (value instanceof Date) return value.getTime();
      // rttc: `+''` and `+' '` are 0 in JavaScript, so text with whitespace is never a number.
      if (typeof value === 'string' && value !== '' && !/\s/.test(value)) {
        const number = +value;
        if (Number.isFinite(number)) return number;
      }
      return value;
    case 'string':
      if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toJSON();
      return value;
    case 'boolean':
      if (value === 1 || value === '1' || value === 'true') return true;
      if (value === 0 || value === '0' || value === 'false') return false;
      return value;
    case 'json':
      return value;
  }
}

/**
 * A value to write, read against its attribute as Waterline reads it: a primary key or a link as
 * `normalize-pk-value.js` reads a key (a string key as given; a number key from a number, or from
 * text of digits only that is a safe integer), any other attribute with `looseValue`. `null` and
 * `undefined` stay as they are.
 *
 * @example valueToSet(ageAttribute, '5') // 5
 */
export function valueToSet(attribute: NormalizedAttribute, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (attribute.model !== undefined || attribute.primaryKey) {
    // A key of type string is taken only as text, as normalize-pk-value.js takes it.
    if (attribute.type !== 'number') return value;
    return typeof value === 'string' && /^[0-9]+$/.test(value) && Number.isSafeInteger(+value) ? +value : value;
  }
  return looseValue(attribute.type, value);
}
