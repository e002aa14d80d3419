import { describe, expect, it } from 'vitest';
import { expectTypeOf } from 'vitest';
import { defineModel, normalizeModels, parseAttributeSpec, type InferCreate, type InferRecord, type LinkedRecord } from '../../src/schema/index.js';

const user = { attributes: { name: { type: 'string', required: true }, pets: { collection: 'pet', via: 'owner' }, tags: { collection: 'tag', via: 'users' } } };
const pet = { attributes: { name: { type: 'string' }, owner: { model: 'user' } } };
const tag = { attributes: { label: { type: 'string', required: true, unique: true }, users: { collection: 'user', via: 'tags' } } };
const source = (className: string, definition: unknown) => ({ className, definition, file: `api/models/${className}.ts` });

describe('links in the schema', () => {
  it('normalizes a to-one as a nullable number column and to-many links with their kind and join table', () => {
    const [u, p, t] = normalizeModels([source('User', user), source('Pet', pet), source('Tag', tag)]);
    expect(p?.attributes.find((a) => a.name === 'owner')).toStrictEqual({ name: 'owner', type: 'number', required: false, unique: false, allowNull: true, rules: {}, model: 'user' });
    expect(u?.collections).toStrictEqual([
      { name: 'pets', collection: 'pet', via: 'owner', kind: 'one-to-many', keyType: 'number' },
      { name: 'tags', collection: 'tag', via: 'users', kind: 'many-to-many', junction: { table: 'tag_users__user_tags', self: 'user_tags', other: 'tag_users' }, keyType: 'number' },
    ]);
    expect(t?.collections[0]?.junction).toStrictEqual({ table: 'tag_users__user_tags', self: 'tag_users', other: 'user_tags' });
  });

  it.each([
    ['an unknown target', [source('Pet', { attributes: { owner: { model: 'usr' } } }), source('User', { attributes: {} })],
      'api/models/Pet.ts, model Pet, attribute "owner": links to the model "usr", which does not exist (did you mean "user"?); models: pet, user. Add api/models/Usr.ts or fix the link.'],
    ['via naming a missing attribute', [source('User', { attributes: { pets: { collection: 'pet', via: 'ownr' } } }), source('Pet', pet)],
      'api/models/User.ts, model User, attribute "pets": has via "ownr", but Pet has no attribute named "ownr"; via must name an attribute of Pet that is { model: \'user\' } or { collection: \'user\', via: \'pets\' } (candidates: owner).'],
    ['via naming a plain attribute', [source('User', { attributes: { pets: { collection: 'pet', via: 'name' } } }), source('Pet', pet)],
      'api/models/User.ts, model User, attribute "pets": has via "name", but Pet has no link named "name" ("name" is a string); via must name an attribute of Pet that is { model: \'user\' } or { collection: \'user\', via: \'pets\' } (candidates: owner).'],
    ['via naming a to-one to another model', [source('User', { attributes: { pets: { collection: 'pet', via: 'vet' } } }), source('Pet', { attributes: { vet: { model: 'vet' } } }), source('Vet', { attributes: {} })],
      'api/models/User.ts, model User, attribute "pets": has via "vet", but Pet.vet links to the model "vet", not to user; point via at an attribute of Pet that links to user.'],
    ['a many-to-many whose other side points elsewhere', [source('User', user), source('Pet', pet), source('Tag', { attributes: { label: { type: 'string' }, users: { collection: 'user', via: 'pets' } } })],
      'api/models/User.ts, model User, attribute "tags": has via "users", but Tag.users is { collection: \'user\', via: \'pets\' }; for a many-to-many link it must be { collection: \'user\', via: \'tags\' }.'],
    ['a collection without via', [source('User', { attributes: { pets: { collection: 'pet' } } })],
      'api/models/User.ts, model User, attribute "pets": has no "via"; name the attribute of pet that points back, as in { collection: \'pet\', via: \'owner\' } (links without via are not supported).'],
    ['a rule on a link', [source('Pet', { attributes: { owner: { model: 'user', required: true } } })],
      'api/models/Pet.ts, model Pet, attribute "owner": "required" does not apply to a to-one link; it takes only model, as in { model: \'user\' }.'],
  ])('refuses %s with a located sentence', (_name, sources, message) => {
    expect(() => normalizeModels(sources)).toThrow(message);
  });

  it('with missingTargets: allow, notes a link to a model not generated yet instead of refusing it', () => {
    const pending: string[] = [];
    const [p] = normalizeModels([source('Pet', pet)], { missingTargets: 'allow', pending });
    expect(p?.attributes.at(-1)?.model).toBe('user');
    expect(pending).toStrictEqual(['Pet.owner links to the model "user", which does not exist yet; generate it before lifting the app.']);
  });

  it('parses link specs for generate model', () => {
    expect(parseAttributeSpec('owner:model:user')).toStrictEqual({ name: 'owner', definition: { model: 'user' } });
    expect(parseAttributeSpec('pets:collection:Pet:owner')).toStrictEqual({ name: 'pets', definition: { collection: 'pet', via: 'owner' } });
    expect(() => parseAttributeSpec('pets:collection:pet')).toThrow('attribute spec "pets:collection:pet": a collection needs the attribute of pet that points back (name:collection:<model>:<via>)');
    expect(() => parseAttributeSpec('owner:model')).toThrow('a model link needs the linked model, as in name:model:<model>');
    expect(() => parseAttributeSpec('owner:model:user:x')).toThrow('a to-one link takes no more parts after the model');
  });

  it('infers record and create types: a to-one is an id or the linked record, a to-many an optional list (of ids when written)', () => {
    const Pet = defineModel({ attributes: { name: { type: 'string' }, owner: { model: 'user' } } });
    const User = defineModel({ attributes: { name: { type: 'string', required: true }, pets: { collection: 'pet', via: 'owner' } } });
    expectTypeOf<InferRecord<typeof Pet>['owner']>().toEqualTypeOf<number | LinkedRecord | null>();
    expectTypeOf<InferRecord<typeof User>['pets']>().toEqualTypeOf<LinkedRecord[] | undefined>();
    expectTypeOf<InferCreate<typeof Pet>>().toEqualTypeOf<{ name?: string; owner?: number | null }>();
    expectTypeOf<InferCreate<typeof User>>().toEqualTypeOf<{ name: string; pets?: number[] }>();
  });
});
