import type { NormalizedModel } from './model.js';

/** Every blueprint action, by the name config/policies.ts and controllers know it by. */
export const BLUEPRINT_ACTIONS = ['find', 'findOne', 'create', 'update', 'destroy', 'add', 'remove', 'replace', 'populate'] as const;
export type BlueprintAction = (typeof BLUEPRINT_ACTIONS)[number];
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One blueprint route, with what it does to the requesting socket's subscriptions (docs/protocol.md 6.2). */
export interface BlueprintRoute {
  method: HttpMethod;
  path: string;
  identity: string;
  action: BlueprintAction;
  /** add, remove, replace and populate: the link the route works on. */
  alias?: string;
  /** A shortcut route (`GET /user/create?…`), bound only with `shortcuts: true`. */
  shortcut?: true;
  /** Rooms the requesting socket joins. */
  subscribes: 'records' | 'record' | 'created-record' | 'parent-and-children' | 'none';
  /** The verb published to other subscribers, if any. */
  publishes?: 'created' | 'updated' | 'destroyed' | 'addedTo' | 'removedFrom';
}

export interface BlueprintRouteOptions {
  prefix?: string;
  restPrefix?: string;
  /** The REST routes (default true). */
  rest?: boolean;
  /** The GET-only shortcut routes (default false, unlike Sails: they let a link write). */
  shortcuts?: boolean;
}

/**
 * The blueprint routes of every model, in the order they are bound (after the app's own
 * routes): REST routes under `prefix + restPrefix`, then shortcut routes under `prefix`
 * (docs/protocol.md 6.1). The runtime binds exactly this table and the generator writes it out.
 */
export function blueprintRoutes(models: readonly NormalizedModel[], options: BlueprintRouteOptions = {}): BlueprintRoute[] {
  const rest = options.rest !== false;
  const restBase = `${options.prefix ?? ''}${options.restPrefix ?? ''}`;
  const shortBase = options.prefix ?? '';
  return models.flatMap((model): BlueprintRoute[] => {
    const identity = model.identity;
    const toMany = model.collections.map((c) => c.name);
    const aliases = [...model.attributes.filter((a) => a.model !== undefined).map((a) => a.name), ...toMany];
    const routes: BlueprintRoute[] = [];
    if (rest) {
      const path = `${restBase}/${identity}`;
      routes.push(
        { method: 'GET', path, identity, action: 'find', subscribes: 'records' },
        { method: 'GET', path: `${path}/:id`, identity, action: 'findOne', subscribes: 'record' },
        { method: 'POST', path, identity, action: 'create', subscribes: 'created-record', publishes: 'created' },
        { method: 'PATCH', path: `${path}/:id`, identity, action: 'update', subscribes: 'record', publishes: 'updated' },
        { method: 'PUT', path: `${path}/:id`, identity, action: 'update', subscribes: 'record', publishes: 'updated' },
        { method: 'DELETE', path: `${path}/:id`, identity, action: 'destroy', subscribes: 'none', publishes: 'destroyed' },
        // Sails' `DELETE /M/:id?`: the id may come in the body or the query instead.
        { method: 'DELETE', path, identity, action: 'destroy', subscribes: 'none', publishes: 'destroyed' },
      );
      for (const alias of toMany) {
        routes.push(
          { method: 'PUT', path: `${path}/:parentid/${alias}/:childid`, identity, action: 'add', alias, subscribes: 'parent-and-children', publishes: 'addedTo' },
          { method: 'DELETE', path: `${path}/:parentid/${alias}/:childid`, identity, action: 'remove', alias, subscribes: 'none', publishes: 'removedFrom' },
          { method: 'PUT', path: `${path}/:parentid/${alias}`, identity, action: 'replace', alias, subscribes: 'parent-and-children', publishes: 'addedTo' },
        );
      }
      for (const alias of aliases) {
        routes.push({ method: 'GET', path: `${path}/:parentid/${alias}`, identity, action: 'populate', alias, subscribes: 'parent-and-children' });
      }
    }
    if (options.shortcuts === true) {
      const path = `${shortBase}/${identity}`;
      const shortcut = true as const;
      routes.push(
        { method: 'GET', path: `${path}/find`, identity, action: 'find', shortcut, subscribes: 'records' },
        { method: 'GET', path: `${path}/find/:id`, identity, action: 'findOne', shortcut, subscribes: 'record' },
        { method: 'GET', path: `${path}/create`, identity, action: 'create', shortcut, subscribes: 'created-record', publishes: 'created' },
        { method: 'GET', path: `${path}/update/:id`, identity, action: 'update', shortcut, subscribes: 'record', publishes: 'updated' },
        { method: 'GET', path: `${path}/destroy/:id`, identity, action: 'destroy', shortcut, subscribes: 'none', publishes: 'destroyed' },
      );
      for (const alias of toMany) {
        routes.push(
          { method: 'GET', path: `${path}/:parentid/${alias}/add/:childid`, identity, action: 'add', alias, shortcut, subscribes: 'parent-and-children', publishes: 'addedTo' },
          { method: 'GET', path: `${path}/:parentid/${alias}/replace`, identity, action: 'replace', alias, shortcut, subscribes: 'parent-and-children', publishes: 'addedTo' },
          { method: 'GET', path: `${path}/:parentid/${alias}/remove/:childid`, identity, action: 'remove', alias, shortcut, subscribes: 'none', publishes: 'removedFrom' },
        );
      }
      // The REST populate route is the same path; Sails binds the shortcut one only without REST.
      if (!rest) {
        for (const alias of aliases) {
          routes.push({ method: 'GET', path: `${path}/:parentid/${alias}`, identity, action: 'populate', alias, shortcut, subscribes: 'parent-and-children' });
        }
      }
    }
    return routes;
  });
}
