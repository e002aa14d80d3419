import type { NormalizedAttribute, NormalizedModel } from '../schema/index.js';
import { tsKey, tsLiteral } from './ts-literal.js';

/**
 * Values a generated model test creates and updates a record with, as TypeScript source. They
 * satisfy the attribute's type and rules, and strings embed the test's `run` variable so that
 * unique attributes stay unique across runs that share a database.
 */
export interface SampleValues {
  /** An object literal with every required or unique attribute, e.g. `{ name: \`name-${run}\` }`. */
  create: string;
  /** An object literal that changes the first attribute, or undefined if the model has none. */
  update: string | undefined;
}

export function sampleValues(model: NormalizedModel): SampleValues {
  const own = model.attributes.filter((attribute) => attribute.auto === undefined);
  // Unique attributes too: left out, they would all hold the same base value ('' or 0).
  const create = own.filter((attribute) => attribute.required || attribute.unique);
  // A link's sample would be the id of a record the test never made.
  // Nor is the primary key: an update leaves it as it is.
  const first = own.find((attribute) => attribute.model === undefined && !attribute.primaryKey);
  return {
    create: objectSource(create.map((attribute) => [attribute.name, sampleValue(attribute, 'create')])),
    update: first ? objectSource([[first.name, sampleValue(first, 'update')]]) : undefined,
  };
}

type Variant = 'create' | 'update';

/** One attribute's value, as TypeScript source. */
export function sampleValue(attribute: NormalizedAttribute, variant: Variant): string {
  const { rules } = attribute;
  if (rules.isIn && rules.isIn.length > 0) {
    const index = variant === 'create' ? 0 : rules.isIn.length - 1;
    return tsLiteral(rules.isIn[index]);
  }
  switch (attribute.type) {
    case 'string':
      return stringValue(attribute, variant);
    case 'number':
      return numberValue(attribute, variant);
    case 'boolean':
      return variant === 'create' ? 'true' : 'false';
    case 'json':
      return `{ note: \`${variant}-\${run}\` }`;
  }
}

function stringValue(attribute: NormalizedAttribute, variant: Variant): string {
  const { rules } = attribute;
  // slice(-0) would keep the whole string: the one value that fits is the empty one.
  if (rules.maxLength === 0) return "''";
  const tag = variant === 'create' ? attribute.name : `${attribute.name}-updated`;
  let source = rules.isEmail ? `\`${tag}-\${run}@example.com\`` : `\`${tag}-\${run}\``;
  if (rules.minLength !== undefined) source += `.padEnd(${rules.minLength}, 'x')`;
  // Keep the end: that is where `run` makes the value unique.
  if (rules.maxLength !== undefined) source += `.slice(-${rules.maxLength})`;
  return source;
}

function numberValue(attribute: NormalizedAttribute, variant: Variant): string {
  const { min, max } = attribute.rules;
  if (attribute.unique) {
    const low = min ?? (max !== undefined ? max - 1_000_000 : 0);
    const span = (max ?? low + 1_000_000_000) - low;
    return `${low} + Math.floor(Math.random() * ${span})`;
  }
  let value = variant === 'create' ? 42 : 43;
  if (min !== undefined && value < min) value = min;
  if (max !== undefined && value > max) value = max;
  return String(value);
}

function objectSource(entries: readonly (readonly [string, string])[]): string {
  if (entries.length === 0) return '{}';
  return `{ ${entries.map(([key, value]) => `${tsKey(key)}: ${value}`).join(', ')} }`;
}
