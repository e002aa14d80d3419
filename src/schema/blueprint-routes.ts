import type { NormalizedModel } from './model.js';

export type BlueprintAction = 'find' | 'findOne' | 'create' | 'update' | 'destroy';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One blueprint route, with what it does to the requesting socket's subscriptions (PROTOCOL.md 6.2). */
export interface BlueprintRoute {
  method: HttpMethod;
  path: string;
  identity: string;
  action: BlueprintAction;
  /** Rooms the requesting socket joins. */
  subscribes: 'records' | 'record' | 'created-record' | 'none';
  /** The verb published to other subscribers, if any. */
  publishes?: 'created' | 'updated' | 'destroyed';
}

export interface BlueprintRouteOptions {
  prefix?: string;
  restPrefix?: string;
}

/**
 * The REST blueprint routes of every model, in the order they are bound (after the app's own
 * routes). The runtime binds exactly this table and the generator writes it out for the reader.
 */
export function blueprintRoutes(models: readonly NormalizedModel[], options: BlueprintRouteOptions = {}): BlueprintRoute[] {
  const base = `${options.prefix ?? ''}${options.restPrefix ?? ''}`;
  return models.flatMap((model): BlueprintRoute[] => {
    const path = `${base}/${model.identity}`;
    const identity = model.identity;
    return [
      { method: 'GET', path, identity, action: 'find', subscribes: 'records' },
      { method: 'GET', path: `${path}/:id`, identity, action: 'findOne', subscribes: 'record' },
      { method: 'POST', path, identity, action: 'create', subscribes: 'created-record', publishes: 'created' },
      { method: 'PATCH', path: `${path}/:id`, identity, action: 'update', subscribes: 'record', publishes: 'updated' },
      { method: 'PUT', path: `${path}/:id`, identity, action: 'update', subscribes: 'record', publishes: 'updated' },
      { method: 'DELETE', path: `${path}/:id`, identity, action: 'destroy', subscribes: 'none', publishes: 'destroyed' },
    ];
  });
}
