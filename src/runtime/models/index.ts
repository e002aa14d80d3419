/**
 * `sails.models.<identity>`: the model layer the blueprints are built on, also open to app code
 * (`await sails.models.user.find({ where: { age: { '>': 30 } } })`). Its writes publish the same
 * messages as the blueprints (unlike Sails, where only blueprints publish), so no write is
 * silent by accident; `{ publish: false }` or the `models.publishWrites: false` setting turns
 * that off.
 */
import type { Socket } from 'socket.io';
import type { NormalizedModel } from '../../schema/index.js';
import type { Req } from '../pipeline/index.js';
import { instanceRoom, type PubSub } from '../pubsub/index.js';
import { SailsRtError } from '../errors.js';
import { pkOf, type Criteria, type PkValue, type Store, type StoredRecord } from '../store/index.js';
import { parseFindCriteria } from './criteria.js';
import { decryptDeep } from './encryption.js';
import { MODEL_API_BOUNDS } from './limits.js';
import { linkedLists, modelOf, parsePopulate, populate } from './populate.js';
import { runLifecycle } from './lifecycle.js';
import { buildQuery, type FindQuery, type MembersQuery, type ModelQuery, type QueryCriteria, type QueryMeta, type QueryState, type SetQuery, type WriteQuery } from './query.js';
import type { LinkChange, RecordWriter, WriteOptions } from './writes.js';

export { DEFAULT_LIMIT, parseFindCriteria, parseId, parseSort, parseWhere, projection } from './criteria.js';
export { BLUEPRINT_BOUNDS, blueprintBounds, DEFAULT_CRITERIA_LIMITS, MODEL_API_BOUNDS, type CriteriaBounds, type CriteriaLimits } from './limits.js';
export { valuesForCreate, valuesForUpdate } from './values.js';
export { RecordWriter, POPULATE_LIMIT, type LinkChange, type WriteOptions } from './writes.js';
export type { FindQuery, MembersQuery, ModelQuery, QueryCriteria, QueryMeta, SetQuery, WriteQuery } from './query.js';

/**
 * How a model API write is told about its request: `{ req }` leaves that socket out of the
 * messages (as the blueprints leave out the requester); `{ publish: false }` tells nobody.
 */
export interface WriteMeta {
  req?: Subscriber | undefined;
  publish?: boolean;
}

/** A socket, or a request whose socket is used; an HTTP request subscribes nobody. */
export type Subscriber = Socket | Req;

/** Criteria as Waterline takes them: `{ where, sort, limit, skip, select, omit }`, or a bare where. */
export type FindCriteria = Record<string, unknown>;

/**
 * A record of a model the app has not typed (generated/models-api.ts types each of its models,
 * with its own primary key): typed as the default `id` model's.
 */
export type UntypedRecord = StoredRecord & { id: number };

/**
 * `sails.models.<identity>`: Waterline's model methods, typed by the record `R`, the create
 * values `C` and the update values `U` (generated/models-api.ts fills them in for an app's
 * models). Every write publishes as the blueprint would; `.meta({ req })` leaves the requester
 * out, `.meta({ publish: false })` tells nobody.
 *
 * @example
 * const bob = await sails.models.user.create({ name: 'bob' }).fetch().meta({ req });
 * await sails.models.user.updateOne({ id: bob.id }).set({ age: 31 });
 * const users = await sails.models.user.find({ where: { age: { '>': 30 } }, limit: 10 }).populate('pets');
 */
export interface ModelApi<R = UntypedRecord, C = Record<string, unknown>, U = Record<string, unknown>> {
  readonly identity: string;
  readonly definition: NormalizedModel;
  /** Every matching record (no default limit), links as ids unless populated. */
  find(criteria?: QueryCriteria<R>): FindQuery<R[], R>;
  /** One record by primary key or criteria; undefined when none. Criteria matching more than one is E_INVALID_CRITERIA. */
  findOne(idOrCriteria: PkValue | QueryCriteria<R>): FindQuery<R | undefined, R>;
  /** How many records match (a where, or `{ where }`). */
  count(criteria?: QueryCriteria<R>): ModelQuery<number>;
  /** Validates like the create blueprint and publishes `created` (and link notices) as it does. Resolves with the record, `.fetch()` or not. */
  create(values: C, meta?: WriteMeta): WriteQuery<R>;
  /**
   * The id form (sails-rt's; Sails' `updateOne({ id }).set(values)`): validates like the update
   * blueprint and publishes `updated` as it does. Undefined when there is no such record.
   */
  update(id: PkValue, values: U, meta?: WriteMeta): WriteQuery<R | undefined>;
  /** Waterline's `update(criteria).set(values)`: every matching record, each published as the blueprint would. */
  update(criteria: QueryCriteria<R>): SetQuery<R[], U>;
  /** `updateOne(criteria).set(values)`: undefined when none matches; criteria matching more than one is E_INVALID_CRITERIA. */
  updateOne(idOrCriteria: PkValue | QueryCriteria<R>): SetQuery<R | undefined, U>;
  /** The id form: publishes `destroyed` and empties the record's room. Resolves with the record as it was (populated). */
  destroy(id: PkValue, meta?: WriteMeta): WriteQuery<R | undefined>;
  /** Waterline's `destroy(criteria)`: every matching record, as they were. */
  destroy(criteria: QueryCriteria<R>): WriteQuery<R[]>;
  destroyOne(idOrCriteria: PkValue | QueryCriteria<R>): WriteQuery<R | undefined>;
  /** Links children to a record's to-many link (`addedTo` per new id). Undefined when there is no such record. */
  addToCollection(id: PkValue, alias: string, childIds: PkValue | readonly PkValue[], meta?: WriteMeta): WriteQuery<LinkChange | undefined>;
  /** Waterline's `addToCollection(id, alias).members(ids)`. */
  addToCollection(id: PkValue, alias: string): MembersQuery;
  removeFromCollection(id: PkValue, alias: string, childIds: PkValue | readonly PkValue[], meta?: WriteMeta): WriteQuery<LinkChange | undefined>;
  removeFromCollection(id: PkValue, alias: string): MembersQuery;
  /** Makes the link hold exactly `childIds`. */
  replaceCollection(id: PkValue, alias: string, childIds: readonly PkValue[], meta?: WriteMeta): WriteQuery<LinkChange | undefined>;
  replaceCollection(id: PkValue, alias: string): MembersQuery;
  /** Joins each record's room (an HTTP request is ignored). */
  subscribe(subscriber: Subscriber, ids: PkValue | readonly PkValue[]): Promise<void>;
  unsubscribe(subscriber: Subscriber, ids: PkValue | readonly PkValue[]): Promise<void>;
  /** Sends `data` as the event `<identity>` to each record's room, leaving out `omit`'s socket. */
  publish(ids: PkValue | readonly PkValue[], data: unknown, omit?: Subscriber): void;
  /** `sails_model_user_1:user`: named after the primary key value. */
  getRoomName(id: PkValue): string;
}

const CRITERIA_KEYS = new Set(['where', 'sort', 'limit', 'skip', 'select', 'omit']);

/**
 * `publishWrites`: the app's `models.publishWrites` setting (default true). The model's own
 * `publishWrites` wins over it, and a call's `meta.publish` over both.
 */
export function createModelApi(model: NormalizedModel, store: Store, pubsub: PubSub, writer: RecordWriter, publishWrites = true): ModelApi {
  const models = writer.models;
  const list = (ids: PkValue | readonly PkValue[]): readonly PkValue[] => (isKey(ids) ? [ids] : ids);
  const json = writer.json;
  /** Waterline runs after* callbacks only when the query fetches; sails-rt resolves with the records either way. */
  const options = (state: Pick<QueryState, 'meta' | 'fetch'>): WriteOptions => {
    const { meta } = state;
    const lifecycle = meta.skipAllLifecycleCallbacks !== true;
    return {
      requester: meta.req === undefined || meta.req === null ? undefined : socketOf(meta.req as Subscriber),
      publish: meta.publish ?? model.publishWrites ?? publishWrites,
      before: lifecycle,
      after: lifecycle && (state.fetch === true || meta.fetch === true),
      encryption: {
        ...(meta.encryptWith === undefined ? {} : { encryptWith: meta.encryptWith }),
        ...(meta.skipEncryption === undefined ? {} : { skipEncryption: meta.skipEncryption }),
      },
    };
  };
  /** The records a query resolves with: decrypted when it asks (`.decrypt()`), with customToJSON attached. */
  const resolved = <T extends StoredRecord | StoredRecord[] | undefined>(state: QueryState, records: T): T => {
    if (records !== undefined && state.meta.decrypt === true) decryptDeep(models, model, Array.isArray(records) ? records : [records]);
    return json.apply(model.identity, records);
  };
  /** Waterline criteria (a bare where, or with criteria keys; an id for the *One forms), merged with chained modifiers. */
  const criteriaOf = (raw: unknown, chained: Record<string, unknown> = {}): Criteria => {
    let params: Record<string, unknown>;
    if (raw === undefined || raw === null) params = {};
    else if (typeof raw === 'number' || typeof raw === 'string') params = { where: { [model.primaryKey]: raw } };
    else if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new SailsRtError('E_INVALID_CRITERIA', `${model.identity}: criteria must be an object such as { where: { name: 'bob' } } or an id, got ${JSON.stringify(raw)}.`);
    } else {
      const object = raw as Record<string, unknown>;
      params = Object.keys(object).some((k) => CRITERIA_KEYS.has(k)) ? { ...object } : { where: object };
    }
    if ('populate' in params) {
      throw new SailsRtError('E_INVALID_CRITERIA', `${model.identity}: populate is not a criteria key in the model API; chain .populate('alias') instead.`);
    }
    // Only `where` may be left out without changing the meaning: no where is every record.
    // App code is trusted, as Waterline trusts it: MODEL_API_BOUNDS (docs/runtime.md, Limits).
    return parseFindCriteria(
      model,
      { limit: -1, ...params, ...chained, ...(params['where'] === undefined && chained['where'] === undefined ? { where: {} } : {}) },
      MODEL_API_BOUNDS,
    );
  };
  /** The primary keys the criteria select; `one` refuses more than one match. */
  const matching = async (raw: unknown, one: boolean, what: string): Promise<PkValue[]> => {
    const criteria = criteriaOf(raw);
    const records = await store.find(model, { ...criteria, ...(one ? { limit: 2 } : {}), select: [model.primaryKey] });
    if (one && records.length > 1) {
      throw new SailsRtError('E_INVALID_CRITERIA', `${model.identity}.${what}: the criteria ${JSON.stringify(raw)} match more than one record; use ${what.replace(/One$/, '')} to change several, or narrow the criteria (e.g. { ${model.primaryKey} }).`);
    }
    return records.map((r) => pkOf(model, r));
  };
  const read = async (state: QueryState, raw: unknown, one: boolean): Promise<StoredRecord[]> => {
    const criteria = criteriaOf(raw, state.criteria);
    const records = await store.find(model, one ? { ...criteria, limit: 2 } : criteria);
    if (one && records.length > 1) {
      throw new SailsRtError('E_INVALID_CRITERIA', `${model.identity}.findOne: the criteria ${JSON.stringify(raw)} match more than one record; use find, or narrow the criteria (e.g. { ${model.primaryKey} }).`);
    }
    return resolved(state, await populateChosen(store, models, model, records, state.populate));
  };
  const updateAll = async (raw: unknown, one: boolean, state: QueryState): Promise<StoredRecord[]> => {
    const ids = await matching(raw, one, one ? 'updateOne' : 'update');
    const write = options(state);
    // Checked, and through beforeUpdate, once for the whole query before the first write, also
    // when nothing matches, as Waterline does; afterUpdate then runs once per record.
    const prepared = await writer.prepareUpdate(model, state.values, write);
    // One transaction for every record: all are updated, or (one failing) none is.
    const out = await writer.transaction(async (w) => {
      const records: StoredRecord[] = [];
      for (const id of ids) {
        const result = await w.updatePrepared(model, id, prepared, { ...write, before: false });
        if (result) records.push(result.record);
      }
      return records;
    });
    return resolved(state, out);
  };
  const destroyAll = async (raw: unknown, one: boolean, state: QueryState): Promise<StoredRecord[]> => {
    const write = options(state);
    let criteria = raw;
    if (write.before && model.lifecycle?.beforeDestroy) {
      // beforeDestroy sees Waterline's `{ where }` once per query, and may narrow it. Bad criteria,
      // and destroyOne criteria matching several records, are refused before it runs.
      if (one) await matching(raw, true, 'destroyOne');
      else criteriaOf(raw);
      const given = whereCriteria(model, raw);
      await runLifecycle(model, 'beforeDestroy', given, 'E_INVALID_CRITERIA');
      criteria = given;
    }
    const ids = await matching(criteria, one, one ? 'destroyOne' : 'destroy');
    const out = await writer.transaction(async (w) => {
      const records: StoredRecord[] = [];
      for (const id of ids) {
        const previous = await w.destroy(model, id, { ...write, before: false });
        if (previous) records.push(previous);
      }
      return records;
    });
    return resolved(state, out);
  };
  type Change = 'add' | 'remove' | 'replace';
  const linkChange = (how: Change, id: PkValue, alias: string, childIds?: PkValue | readonly PkValue[], meta?: WriteMeta) =>
    buildQuery(
      (state) => writer[how](model, id, alias, how === 'replace' ? state.members : list(state.members as PkValue | readonly PkValue[]), options(state)),
      { meta: { ...meta }, ...(childIds === undefined ? {} : { members: childIds }) },
      'members',
    );

  // Queries are typed by the overloads of ModelApi; inside, records are StoredRecord.
  const api = {
    identity: model.identity,
    definition: model,
    find: (criteria?: unknown) => buildQuery((state) => read(state, criteria, false)),
    findOne: (idOrCriteria: unknown) => buildQuery(async (state) => (await read(state, idOrCriteria, true))[0]),
    count: (criteria?: unknown) => buildQuery(() => store.count(model, criteriaOf(criteria).where)),
    create: (values: unknown, meta?: WriteMeta) =>
      buildQuery(async (state) => resolved(state, await writer.create(model, values, options(state))), { meta: { ...meta } }),
    update(idOrCriteria: unknown, values?: unknown, meta?: WriteMeta) {
      if (isKey(idOrCriteria)) {
        return buildQuery(async (state) => resolved(state, (await writer.update(model, idOrCriteria, values, options(state)))?.record), { meta: { ...meta } });
      }
      return buildQuery((state) => updateAll(idOrCriteria, false, state), values === undefined ? {} : { values }, 'set');
    },
    updateOne: (idOrCriteria: unknown) => buildQuery(async (state) => (await updateAll(idOrCriteria, true, state))[0], {}, 'set'),
    destroy(idOrCriteria: unknown, meta?: WriteMeta) {
      if (isKey(idOrCriteria)) {
        return buildQuery(async (state) => resolved(state, await writer.destroy(model, idOrCriteria, options(state))), { meta: { ...meta } });
      }
      return buildQuery((state) => destroyAll(idOrCriteria, false, state));
    },
    destroyOne: (idOrCriteria: unknown) => buildQuery(async (state) => (await destroyAll(idOrCriteria, true, state))[0]),
    addToCollection: (id: PkValue, alias: string, childIds?: PkValue | readonly PkValue[], meta?: WriteMeta) => linkChange('add', id, alias, childIds, meta),
    removeFromCollection: (id: PkValue, alias: string, childIds?: PkValue | readonly PkValue[], meta?: WriteMeta) => linkChange('remove', id, alias, childIds, meta),
    replaceCollection: (id: PkValue, alias: string, childIds?: readonly PkValue[], meta?: WriteMeta) => linkChange('replace', id, alias, childIds, meta),
    async subscribe(subscriber: Subscriber, ids: PkValue | readonly PkValue[]) {
      const socket = socketOf(subscriber);
      if (socket) await pubsub.subscribe(socket, model.identity, list(ids));
    },
    async unsubscribe(subscriber: Subscriber, ids: PkValue | readonly PkValue[]) {
      const socket = socketOf(subscriber);
      if (socket) await pubsub.unsubscribe(socket, model.identity, list(ids));
    },
    publish(ids: PkValue | readonly PkValue[], data: unknown, omit?: Subscriber) {
      pubsub.publish(model.identity, list(ids), data, omit === undefined ? undefined : socketOf(omit));
    },
    getRoomName: (id: PkValue) => instanceRoom(model.identity, id),
  };
  return api as ModelApi;
}

/** Waterline's `.populate(alias, criteria?)`: no cap unless the criteria give a limit. */
async function populateChosen(
  store: Store,
  models: ReadonlyMap<string, NormalizedModel>,
  model: NormalizedModel,
  records: StoredRecord[],
  chosen: QueryState['populate'],
): Promise<StoredRecord[]> {
  if (chosen.length === 0 || records.length === 0) return records;
  const links = parsePopulate(model, chosen.map((p) => p.alias), MODEL_API_BOUNDS);
  const plain = links.filter((link) => link.kind === 'one' || chosen.find((p) => p.alias === link.name)?.criteria === undefined);
  const out = await populate(store, models, records, plain);
  for (const link of links) {
    const criteria = chosen.find((p) => p.alias === link.name)?.criteria;
    if (link.kind !== 'many' || criteria === undefined) continue;
    const target = modelOf(models, link.target);
    const params = Object.keys(criteria).some((k) => CRITERIA_KEYS.has(k)) ? criteria : { where: criteria };
    const parsed = parseFindCriteria(target, { limit: -1, where: {}, ...params }, MODEL_API_BOUNDS);
    const lists = await linkedLists(store, target, link, out.map((record) => pkOf(model, record)), parsed);
    for (const record of out) record[link.name] = [...(lists.get(pkOf(model, record)) ?? [])];
  }
  return out;
}

/** Criteria as beforeDestroy receives them: an object with a `where`, as Waterline normalizes them. */
function whereCriteria(model: NormalizedModel, raw: unknown): { where: Record<string, unknown> } & Record<string, unknown> {
  if (typeof raw === 'number' || typeof raw === 'string') return { where: { [model.primaryKey]: raw } };
  // criteriaOf refused every other shape before this runs.
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { where: {} };
  const object = raw as Record<string, unknown>;
  if (!Object.keys(object).some((k) => CRITERIA_KEYS.has(k))) return { where: { ...object } };
  const where = object['where'];
  return { ...object, where: typeof where === 'object' && where !== null && !Array.isArray(where) ? { ...(where as Record<string, unknown>) } : {} };
}

/** A primary key value rather than criteria or a list: Waterline's shorthand for `{ where: { <pk>: value } }`. */
function isKey(value: unknown): value is PkValue {
  return typeof value === 'number' || typeof value === 'string';
}

function socketOf(subscriber: Subscriber): Socket | undefined {
  // Duck-typed: a Req built by another copy of the runtime module is still a request.
  if (typeof (subscriber as Partial<Req>).allParams === 'function') return (subscriber as Req).socket;
  return subscriber as Socket;
}
