/**
 * Blueprint actions (docs/protocol.md section 6): find, findOne, create, update, destroy, and for links
 * add, remove, replace and populate, with the subscriptions and messages of 6.2. They are
 * ordinary actions, registered as `<identity>/<action>` so a controller action of the same name
 * replaces one, as in Sails. Every write goes through the model layer's RecordWriter, the same
 * path `sails.models` uses, so both publish alike.
 */
import type { BlueprintAction, NormalizedModel } from '../../schema/index.js';
import { SailsRtError } from '../errors.js';
import { checkWriteBody } from './bodies.js';
import { BLUEPRINT_BOUNDS, parseFindCriteria, parseId, projection, type CriteriaBounds } from '../models/index.js';
import { PageBudget, pageTooLarge, showBytes } from '../models/page-budget.js';
import { findLink, isPk, linkedRecords, modelOf, parsePopulate, populate, type Link } from '../models/populate.js';
import { POPULATE_LIMIT, type RecordWriter } from '../models/writes.js';
import type { Action, Req, Res } from '../pipeline/index.js';
import type { PubSub } from '../pubsub/index.js';
import { pkOf, type PkValue, type Store, type StoredRecord } from '../store/index.js';

export interface BlueprintContext {
  store: Store;
  pubsub: PubSub;
  writer: RecordWriter;
  /** find also watches the class room (`blueprints.autoWatch`, default true). */
  autoWatch: boolean;
  /**
   * With autoWatch, find, findOne and populate also watch the class rooms of the linked models
   * they populate, as Sails' subscribeDeep does (`blueprints.watchLinkedModels`, default true).
   */
  watchLinkedModels: boolean;
  /** The bounds of the criteria a client may send (`blueprints.criteriaLimits`); default: BLUEPRINT_BOUNDS. */
  criteria?: CriteriaBounds;
  /** Most bytes one read may answer with, populated records included (`blueprints.maxPageBytes`); default: no budget. */
  maxPageBytes?: number;
}

const PAGE_SETTING = 'blueprints.maxPageBytes';

/** The blueprint actions of one model. add/remove/replace/populate read the link from `req.params.alias`. */
export function blueprintActions(model: NormalizedModel, context: BlueprintContext): Record<BlueprintAction, Action> {
  const { store, pubsub, writer, autoWatch, watchLinkedModels, criteria: bounds = BLUEPRINT_BOUNDS, maxPageBytes } = context;
  const budget = (): PageBudget | undefined => (maxPageBytes === undefined ? undefined : new PageBudget(maxPageBytes));
  const identity = model.identity;
  const models = writer.models;
  const where = (req: Req): string => `${req.method} ${req.path}`;
  // `:id` holds the primary key value whatever the key is named, as in Sails' blueprints.
  // `where` is passed unmade: only a refused id puts it in a message.
  const idOf = (req: Req, param = 'id'): PkValue => parseId(model, req.params[param], () => where(req));
  /** The record with every link populated, and its model's (and the linked models') customToJSON. */
  const populated = async (record: StoredRecord): Promise<StoredRecord> => json((await writer.populateAll(model, [record]))[0] ?? record);
  /** customToJSON (docs/runtime.md): a model without one costs a map lookup. */
  const json = <T>(value: T, of = identity): T => writer.json.apply(of, value);

  /** Sails' subscribeDeep: the linked records that were populated, and (autoWatch) their class rooms. */
  async function subscribeDeep(req: Req, records: readonly StoredRecord[], links: readonly Link[]): Promise<void> {
    const socket = req.socket;
    if (!socket) return;
    for (const link of links) {
      const target = modelOf(models, link.target);
      const ids = new Set<PkValue>();
      for (const record of records) {
        const value = record[link.name];
        for (const linked of Array.isArray(value) ? value : [value]) {
          if (typeof linked === 'object' && linked !== null && isPk(pkOf(target, linked as StoredRecord))) ids.add(pkOf(target, linked as StoredRecord));
        }
      }
      if (ids.size > 0) await pubsub.subscribe(socket, link.target, [...ids]);
      if (autoWatch && watchLinkedModels) await pubsub.watch(socket, link.target);
    }
  }

  /** The rest of findOne, once the record is read. */
  function answerOne(req: Req, res: Res, id: PkValue, record: StoredRecord | undefined, columns: string[] | undefined, links: Link[]): void | Promise<void> {
    if (record === undefined) return res.notFound();
    const selected = columns === undefined ? record : pick(record, columns, links);
    // Hot path (a model without links): nothing to populate, so no budget, no populate() call,
    // and no promise unless joining the room makes one; populate() would hand the record back as it is.
    if (links.length === 0) {
      const joined = req.socket === undefined ? undefined : pubsub.subscribe(req.socket, identity, [id]);
      if (joined !== undefined) return joined.then(() => res.ok(json(selected)));
      return res.ok(json(selected));
    }
    return answerPopulated(req, res, id, record, selected, links);
  }

  async function answerPopulated(req: Req, res: Res, id: PkValue, record: StoredRecord, selected: StoredRecord, links: Link[]): Promise<void> {
    const page = budget();
    const [out = record] = await populate(store, models, [selected], links, {
      limit: POPULATE_LIMIT,
      ...(page ? { budget: page } : {}),
    });
    if (page?.spent) {
      throw new SailsRtError(
        'E_INVALID_CRITERIA',
        `${identity} ${id} with the records populated into it would exceed ${showBytes(page.maxBytes)} (${PAGE_SETTING}); populate fewer links (populate=false, or a list of them) and read the rest through /${identity}/${id}/<link>?limit=…&skip=….`,
      );
    }
    if (req.socket) {
      await pubsub.subscribe(req.socket, identity, [id]);
      await subscribeDeep(req, [out], links);
    }
    res.ok(json(out));
  }

  function linkOf(req: Req): Link {
    const link = findLink(model, req.params['alias'] ?? '');
    // The routes are bound per link, so this is a route bound by hand to a blueprint.
    if (!link) throw new SailsRtError('E_INVALID_POPULATES', `${where(req)}: ${JSON.stringify(req.params['alias'])} is not a link of ${identity}.`);
    return link;
  }

  return {
    async find(req, res) {
      const params = req.allParams();
      const links = parsePopulate(model, params['populate'], bounds);
      const criteria = parseFindCriteria(model, params, bounds);
      const page = budget();
      const records = await store.find(model, criteria, page ? { budget: page } : {});
      const out = await populate(store, models, records, links, { limit: POPULATE_LIMIT, ...(page ? { budget: page } : {}) });
      if (page?.spent) throw pageTooLarge(page, identity, criteria.limit, PAGE_SETTING);
      const socket = req.socket;
      if (socket) {
        if (records.length > 0) await pubsub.subscribe(socket, identity, records.map((r) => pkOf(model, r)));
        if (autoWatch) await pubsub.watch(socket, identity);
        await subscribeDeep(req, out, links);
      }
      res.ok(json(out));
    },

    findOne(req, res) {
      const id = idOf(req);
      // Read before anything happens: a bad select/omit/populate must not leave the socket subscribed.
      const columns = selectedColumns(model, req, bounds);
      const links = parsePopulate(model, req.param('populate'), bounds);
      const found = store.findOne(model, id);
      // Not an async function: SQLite answers at once, and the hot path (GET /user/:id) then
      // answers in the turn it arrived in, with no promise made for it. `instanceof`, not a
      // `then` check: a record of a model with a `then` attribute would look like a promise.
      if (found instanceof Promise) return found.then((record) => answerOne(req, res, id, record, columns, links));
      return answerOne(req, res, id, found, columns, links);
    },

    async create(req, res) {
      checkWriteBody(model, req, 'create');
      const input = Array.isArray(req.body) ? req.body : typedParams(model, req);
      const record = await writer.create(model, input, { requester: req.socket, publish: true });
      if (req.socket) await pubsub.subscribe(req.socket, identity, [pkOf(model, record)]);
      res.ok(await populated(record));
    },

    async update(req, res) {
      const id = idOf(req);
      checkWriteBody(model, req, 'update');
      let input: unknown = req.body;
      if (!Array.isArray(req.body)) {
        const params = typedParams(model, req);
        delete params['id'];
        input = params;
      }
      const result = await writer.update(model, id, input, { requester: req.socket, publish: true });
      if (result === undefined) return res.notFound();
      if (req.socket) await pubsub.subscribe(req.socket, identity, [id]);
      res.ok(await populated(result.record));
    },

    async destroy(req, res) {
      // `DELETE /user` (docs/protocol.md 6.1: the id is optional in the route) reads it from the body or
      // query, as `id` whatever the primary key is named (Sails reads req.param('id') too).
      const id = req.params['id'] === undefined ? parseId(model, req.param('id'), `${where(req)}, the id in the body or query`) : idOf(req);
      const previous = await writer.destroy(model, id, { requester: req.socket, publish: true });
      if (previous === undefined) return res.notFound();
      res.ok(json(previous));
    },

    async add(req, res) {
      const link = linkOf(req);
      const parentId = idOf(req, 'parentid');
      const childId = parseId(modelOf(models, link.target), req.params['childid'], where(req));
      if ((await store.findOne(modelOf(models, link.target), childId)) === undefined) return res.notFound();
      const change = await writer.add(model, parentId, link.name, childId, { requester: req.socket, publish: true });
      if (change === undefined) return res.notFound();
      if (req.socket) {
        await pubsub.subscribe(req.socket, identity, [parentId]);
        await pubsub.subscribe(req.socket, link.target, [childId]);
      }
      res.ok(await populated((await store.findOne(model, parentId)) as StoredRecord));
    },

    async remove(req, res) {
      const link = linkOf(req);
      const parentId = idOf(req, 'parentid');
      const childId = parseId(modelOf(models, link.target), req.params['childid'], where(req));
      if ((await store.findOne(modelOf(models, link.target), childId)) === undefined) return res.notFound();
      const change = await writer.remove(model, parentId, link.name, childId, { requester: req.socket, publish: true });
      if (change === undefined) return res.notFound();
      res.ok(await populated((await store.findOne(model, parentId)) as StoredRecord));
    },

    async replace(req, res) {
      const link = linkOf(req);
      const parentId = idOf(req, 'parentid');
      // REST: the body is the JSON array of ids. The shortcut route: `?pets=[1,2]` (docs/protocol.md 7.5).
      let ids: unknown = req.body;
      if (!Array.isArray(ids)) {
        if (req.method !== 'GET') {
          throw new SailsRtError(
            'E_INVALID_ASSOCIATED_IDS',
            `${where(req)} takes the new list of ${link.target} ids as the request body, a JSON array such as [1,2], not ${JSON.stringify(req.body)}.`,
          );
        }
        ids = req.param(link.name) ?? [];
      }
      const change = await writer.replace(model, parentId, link.name, ids, { requester: req.socket, publish: true });
      if (change === undefined) return res.notFound();
      if (req.socket) {
        await pubsub.subscribe(req.socket, identity, [parentId]);
        if (change.added.length > 0) await pubsub.subscribe(req.socket, link.target, change.added);
      }
      res.ok(await populated((await store.findOne(model, parentId)) as StoredRecord));
    },

    async populate(req, res) {
      const link = linkOf(req);
      const parentId = idOf(req, 'parentid');
      const target = modelOf(models, link.target);
      let value: StoredRecord | StoredRecord[];
      if (link.kind === 'many') {
        // where, limit, skip, sort, select and omit apply to the linked list (docs/protocol.md 7.4).
        const params = req.allParams();
        for (const key of ['parentid', 'alias', 'populate']) delete params[key];
        const criteria = parseFindCriteria(target, params, bounds);
        const parent = await store.findOne(model, parentId);
        if (parent === undefined) return res.notFound();
        const page = budget();
        value = await linkedRecords(store, target, link, parentId, undefined, criteria, page);
        if (page?.spent) throw pageTooLarge(page, link.target, criteria.limit, PAGE_SETTING);
      } else {
        const parent = await store.findOne(model, parentId);
        const linkedId = parent?.[link.name];
        const linked = isPk(linkedId) ? await store.findOne(target, linkedId) : undefined;
        if (linked === undefined) return res.notFound();
        value = linked;
      }
      if (req.socket) {
        await pubsub.subscribe(req.socket, identity, [parentId]);
        const ids = (Array.isArray(value) ? value : [value]).map((r) => pkOf(target, r));
        if (ids.length > 0) await pubsub.subscribe(req.socket, link.target, ids);
        if (autoWatch && watchLinkedModels) await pubsub.watch(req.socket, link.target);
      }
      res.ok(json(value, link.target));
    },
  };
}

/**
 * Every param, with the query-string ones that hold JSON parsed, so a shortcut
 * `GET /user/create?meta={"a":1}&pets=[1]` writes an object and a list of ids, and `owner=null`
 * unlinks. Every other value is read against its attribute by the write itself, as Waterline
 * reads it (models/coerce.ts): `age=30` is the number 30 from a query string, a form or JSON alike.
 */
function typedParams(model: NormalizedModel, req: Req): Record<string, unknown> {
  const params = req.allParams();
  for (const [key, raw] of Object.entries(req.query)) {
    if (typeof raw !== 'string' || params[key] !== raw || req.params[key] !== undefined) continue;
    const attribute = model.attributes.find((a) => a.name === key);
    const isCollection = model.collections.some((c) => c.name === key);
    if (isCollection || attribute?.type === 'json') {
      try {
        params[key] = JSON.parse(raw);
      } catch {
        // Left as text: the write refuses it with a message naming the attribute.
      }
    } else if (attribute?.model !== undefined && raw === 'null') {
      params[key] = null;
    }
  }
  return params;
}

/** The columns findOne answers with (`select`/`omit`), or undefined for all of them. */
function selectedColumns(model: NormalizedModel, req: Req, bounds: CriteriaBounds): string[] | undefined {
  const select = req.param('select');
  const omit = req.param('omit');
  if (select === undefined && omit === undefined) return undefined;
  return projection(model, { select, omit }, bounds).select;
}

/** The selected columns; populated to-one links stay readable, as associations stay populated in Sails. */
function pick(record: StoredRecord, columns: readonly string[], links: readonly Link[]): StoredRecord {
  const picked: Record<string, unknown> = {};
  for (const column of columns) picked[column] = record[column];
  for (const link of links) if (link.kind === 'one') picked[link.name] = record[link.name];
  return picked as StoredRecord;
}
