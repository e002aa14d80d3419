import { SchemaError } from './errors.js';
import { ATTRIBUTE_TYPES, type AssociationDefinition, type AttributeDefinition, type AttributeType } from './model.js';
import { names } from './names.js';
import { attributeNameProblem } from './normalize.js';
import { closest, TYPE_ALIASES } from './closest.js';

const FLAGS = ['required', 'unique', 'allowNull', 'isEmail'] as const;
type Flag = (typeof FLAGS)[number];

const LINK_KINDS = ['model', 'collection'] as const;

/**
 * Parses a command-line attribute spec as `generate model` takes it: `name:type[:flag...]`
 * (the type defaults to string; flags are required, unique, allowNull and isEmail), or a link:
 * `owner:model:user` (to-one), `pets:collection:pet:owner` (to-many, via the attribute of pet
 * that points back).
 *
 * @example parseAttributeSpec('email:string:required:unique')
 *   // { name: 'email', definition: { type: 'string', required: true, unique: true } }
 * @example parseAttributeSpec('pets:collection:pet:owner')
 *   // { name: 'pets', definition: { collection: 'pet', via: 'owner' } }
 */
export function parseAttributeSpec(spec: string): { name: string; definition: AttributeDefinition | AssociationDefinition } {
  const [name = '', type = 'string', ...flags] = spec.split(':');
  const fail = (problem: string): never => {
    throw new SchemaError(
      `attribute spec "${spec}": ${problem} (form: name:type[:required][:unique], e.g. email:string:required; links: owner:model:user, pets:collection:pet:owner).`,
    );
  };
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`"${name}" is not a valid attribute name`);
  const nameProblem = attributeNameProblem(name);
  if (nameProblem) throw new SchemaError(`attribute spec "${spec}": ${nameProblem}`);
  if (type === 'model' || type === 'collection') return { name, definition: parseLink(type, flags, fail) };
  if (!(ATTRIBUTE_TYPES as readonly string[]).includes(type)) {
    const guess = closest(type, [...ATTRIBUTE_TYPES, ...LINK_KINDS], TYPE_ALIASES);
    fail(`unknown type "${type}"${guess ? ` (did you mean ${guess}?)` : ''}; types: ${[...ATTRIBUTE_TYPES, ...LINK_KINDS].join(', ')}`);
  }
  const definition: AttributeDefinition = { type: type as AttributeType };
  for (const flag of flags) {
    if (!(FLAGS as readonly string[]).includes(flag)) {
      const guess = closest(flag, FLAGS);
      fail(`unknown flag "${flag}"${guess ? ` (did you mean ${guess}?)` : ''}; flags: ${FLAGS.join(', ')}`);
    }
    definition[flag as Flag] = true;
  }
  return { name, definition };
}

function parseLink(kind: 'model' | 'collection', parts: string[], fail: (problem: string) => never): AssociationDefinition {
  const [target = '', via, ...rest] = parts;
  const expected = kind === 'model' ? 'name:model:<model>' : 'name:collection:<model>:<via>';
  if (target === '') fail(`a ${kind} link needs the linked model, as in ${expected}`);
  let identity = '';
  try {
    identity = names(target).identity;
  } catch {
    fail(`"${target}" is not a model name`);
  }
  if (kind === 'model') {
    if (via !== undefined) fail(`a to-one link takes no more parts after the model (${expected})`);
    return { model: identity };
  }
  if (via === undefined || via === '') fail(`a collection needs the attribute of ${identity} that points back (${expected})`);
  if (rest.length > 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(via ?? '')) fail(`"${parts.slice(1).join(':')}" is not one attribute name (${expected})`);
  return { collection: identity, via: via ?? '' };
}

