/**
 * `GET /__sails-rt/models`, outside production only: the app's models as the live page of a new
 * app (assets/index.html) needs them to list, watch and fill a create form without being told
 * their names. Sails has no such route; it is bound after the app's routes (an app route on the
 * same path wins) and goes through policies like any action.
 */
import { blueprintRoutes, type NormalizedModel } from '../../schema/index.js';
import type { RouteEntry } from '../router/index.js';

/** The path, and the action identity policies see (`'*'` covers it). */
export const MODEL_LIST_PATH = '/__sails-rt/models';
export const MODEL_LIST_ACTION = 'sails-rt/models';

/** One model as the route describes it. */
export interface ModelDescription {
  identity: string;
  className: string;
  /** The name of the primary key attribute (`id` unless the model's `primaryKey` names another). */
  primaryKey: string;
  /** The blueprint find/create path (`prefix + restPrefix + '/' + identity`); null when `blueprints.rest` is false. */
  url: string | null;
  /** The primary key, createdAt, updatedAt first (timestamps and a numbered key with `auto`), then the model's own, to-one links (`model`) included. */
  attributes: {
    name: string;
    type: string;
    required: boolean;
    allowNull: boolean;
    auto?: string;
    model?: string;
    isIn?: readonly (string | number)[];
    defaultsTo?: unknown;
    description?: string;
  }[];
  collections: { name: string; collection: string; via: string }[];
}

/**
 * What the route answers: every model with its attributes, in name order.
 *
 * @example describeModels(models, { prefix: '', restPrefix: '/api', rest: true })[0]?.url === '/api/user'
 */
export function describeModels(models: readonly NormalizedModel[], options: { prefix: string; restPrefix: string; rest: boolean }): ModelDescription[] {
  const finds = new Map(
    blueprintRoutes(models, options)
      .filter((route) => route.action === 'find')
      .map((route) => [route.identity, route.path]),
  );
  return [...models]
    .sort((a, b) => (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0))
    .map((model) => ({
      identity: model.identity,
      className: model.className,
      primaryKey: model.primaryKey,
      url: finds.get(model.identity) ?? null,
      attributes: model.attributes.map((attribute) => ({
        name: attribute.name,
        type: attribute.type,
        required: attribute.required,
        allowNull: attribute.allowNull,
        ...(attribute.auto === undefined ? {} : { auto: attribute.auto }),
        ...(attribute.model === undefined ? {} : { model: attribute.model }),
        ...(attribute.rules.isIn === undefined ? {} : { isIn: attribute.rules.isIn }),
        ...('defaultsTo' in attribute ? { defaultsTo: attribute.defaultsTo } : {}),
        ...(attribute.metadata?.description === undefined ? {} : { description: attribute.metadata.description }),
      })),
      collections: model.collections.map(({ name, collection, via }) => ({ name, collection, via })),
    }));
}

/** The action of the route; the description is computed once, at lift. */
export function modelListEntry(descriptions: readonly ModelDescription[]): RouteEntry {
  return { action: (_req, res) => res.json(descriptions), name: MODEL_LIST_ACTION };
}
