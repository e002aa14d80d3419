import { blueprintRoutes, names, primaryKeyOf, SchemaError, type BlueprintRoute, type NormalizedAttribute, type NormalizedModel } from '../schema/index.js';
import type { TemplateSet } from './templates.js';
import { tsKey, tsLiteral, tsString } from './ts-literal.js';
import type { Tree } from './tree.js';

/** The files under generated/, all derived from the models and rewritten on every run. */
export const GENERATED_FILES = ['generated/models.ts', 'generated/routes.ts', 'generated/client.ts', 'generated/models-api.ts'] as const;

/**
 * Re-derives generated/ from every model of the app: the record types, the blueprint route
 * table, the typed client and the types of `sails.models`, with the models in name order. A file whose content does not
 * change is not a change.
 *
 * @example regenerate(tree, normalizeModels(await loadModelSources(appPath)), templates)
 */
export function regenerate(tree: Tree, unordered: readonly NormalizedModel[], templates: TemplateSet): void {
  // In file-name order, as loadModelSources lists them, so every way to run this agrees.
  const models = [...unordered].sort((a, b) => (a.className < b.className ? -1 : a.className > b.className ? 1 : 0));
  refuseTypeClashes(models);
  const classNames = new Map(models.map((model) => [model.identity, model.className]));
  const linked: LinkedType = (identity) => classNames.get(identity) ?? '{ id: number; [attribute: string]: unknown }';
  const data = {
    models: models.map((model) => modelData(model, linked)),
    routeGroups: routeGroups(models),
    firstProperty: models[0] ? names(models[0].className).propertyName : '',
    firstIdentity: models[0]?.identity ?? '',
  };
  const empty = models.length === 0;
  tree.write('generated/models.ts', templates.render(empty ? 'generated/models-none.ts' : 'generated/models.ts.hbs', data));
  tree.write('generated/routes.ts', templates.render('generated/routes.ts.hbs', data));
  tree.write('generated/client.ts', templates.render(empty ? 'generated/client-none.ts' : 'generated/client.ts.hbs', data));
  tree.write('generated/models-api.ts', templates.render(empty ? 'generated/models-api-none.ts' : 'generated/models-api.ts.hbs', data));
}

/** A linked model's record type when it is in the set; else any record. */
type LinkedType = (identity: string) => string;

function modelData(model: NormalizedModel, linked: LinkedType) {
  const own = model.attributes.filter((attribute) => attribute.auto === undefined);
  // As InferCreate in src/schema and as checkValue accepts: null only where allowNull (or a to-one, or json).
  const create = own.map((attribute) => ({ name: attribute.name, required: attribute.required, type: recordType(attribute) }));
  // To-one: the id, or the linked record when populated (the default). To-many: there when populated.
  const recordTypeOf = (attribute: NormalizedAttribute): string =>
    attribute.model === undefined ? recordType(attribute) : `${attribute.type} | ${linked(attribute.model)} | null`;
  const collections = model.collections.map((collection) => ({ key: `${tsKey(collection.name)}?`, type: `${linked(collection.collection)}[]` }));
  // A create or update gives a to-many as the list of ids it then holds.
  const collectionIds = model.collections.map((collection) => ({ key: `${tsKey(collection.name)}?`, type: `${collection.keyType ?? 'number'}[]` }));
  // An update never changes the primary key (the server ignores it), so it is not offered.
  const updatable = create.filter(({ name }) => name !== model.primaryKey);
  const aliases = (list: readonly string[]): string => (list.length === 0 ? 'never' : list.map((name) => tsString(name)).join(' | '));
  return {
    className: model.className,
    identity: model.identity,
    identityKey: tsKey(model.identity),
    propertyName: names(model.className).propertyName,
    source: `api/models/${names(model.className).fileName}.ts`,
    record: [...model.attributes.map((attribute) => ({ key: tsKey(attribute.name), type: recordTypeOf(attribute) })), ...collections],
    create: [...create.map(({ name, required, type }) => ({ key: required ? tsKey(name) : `${tsKey(name)}?`, type })), ...collectionIds],
    // Spelt out rather than Partial<...Create>: a model named Partial would hide the utility type.
    update: [...updatable.map(({ name, type }) => ({ key: `${tsKey(name)}?`, type })), ...collectionIds],
    // The type `:id` takes in the typed client: the primary key's.
    idType: primaryKeyOf(model).type,
    // For the typed client: which aliases add/remove/replace and populate take.
    manyAliases: aliases(model.collections.map((collection) => collection.name)),
    oneAliases: aliases(model.attributes.filter((attribute) => attribute.model !== undefined).map((attribute) => attribute.name)),
  };
}

/** The TypeScript type of an attribute's value in a record. */
function recordType(attribute: NormalizedAttribute): string {
  const type = valueType(attribute);
  return attribute.allowNull ? withNull(type) : type;
}

function valueType(attribute: NormalizedAttribute): string {
  switch (attribute.type) {
    case 'string':
      return attribute.rules.isIn ? attribute.rules.isIn.map((value) => tsLiteral(value)).join(' | ') : 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'json':
      return 'unknown';
  }
}

function withNull(type: string): string {
  return type === 'unknown' ? type : `${type} | null`;
}

/**
 * generated/models.ts declares X, XCreate and XUpdate for each model X, so models named Foo and
 * FooCreate would both declare FooCreate (and TypeScript would merge the two interfaces).
 */
function refuseTypeClashes(models: readonly NormalizedModel[]): void {
  const declared = new Map<string, NormalizedModel>();
  for (const model of models) {
    for (const type of [model.className, `${model.className}Create`, `${model.className}Update`]) {
      const other = declared.get(type);
      // In name order, Foo comes before FooCreate: the later model is the one to rename.
      if (other && other !== model) {
        throw new SchemaError(
          `its type ${type} in generated/models.ts is also a type of model ${other.className}; rename one of the two models.`,
          { file: model.file ?? `api/models/${names(model.className).fileName}.ts`, model: model.className },
        );
      }
      declared.set(type, model);
    }
  }
}

function routeGroups(models: readonly NormalizedModel[]) {
  return models.map((model) => ({
    className: model.className,
    source: `api/models/${names(model.className).fileName}.ts`,
    routes: blueprintRoutes([model]).map((route) => ({ comment: routeComment(route), literal: tsLiteral(route) })),
  }));
}

const JOINS: Record<BlueprintRoute['subscribes'], (identity: string) => string> = {
  records: (identity) => `joins the room of each record found and, with autoWatch, the class room sails_model_create_${identity}`,
  record: (identity) => `joins the record's room sails_model_${identity}_<id>:${identity}`,
  'created-record': () => `joins the new record's room`,
  'parent-and-children': () => "joins the parent record's room and the rooms of the linked records",
  none: () => 'leaves the record\'s room',
};

/** What a route does to subscriptions, in words (docs/protocol.md 6.2). */
function routeComment(route: BlueprintRoute): string {
  const to =
    route.publishes === 'created' ? 'the class room' : route.alias !== undefined ? "the parent's room (and notices to the linked records' rooms)" : "the record's room";
  const verbs = route.action === 'replace' ? `${tsString('addedTo')}/${tsString('removedFrom')}` : tsString(route.publishes ?? '');
  const publishes = route.publishes ? `publishes ${verbs} to ${to}, not to the requester` : 'publishes nothing';
  const joins = route.action === 'remove' ? 'joins no room' : JOINS[route.subscribes](route.identity);
  return `${route.method} ${route.path} (${route.action}): the requesting socket ${joins}; ${publishes}`;
}
