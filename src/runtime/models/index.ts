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
import type { Store, StoredRecord } from '../store/index.js';
import { parseFindCriteria, parseWhere } from './criteria.js';
import type { LinkChange, RecordWriter } from './writes.js';

export { DEFAULT_LIMIT, parseFindCriteria, parseId, parseSort, parseWhere, projection } from './criteria.js';
export { valuesForCreate, valuesForUpdate } from './values.js';
export { RecordWriter, POPULATE_LIMIT, type LinkChange, type WriteOptions } from './writes.js';

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

export interface ModelApi {
  readonly identity: string;
  readonly definition: NormalizedModel;
  find(criteria?: FindCriteria): Promise<StoredRecord[]>;
  findOne(id: number): Promise<StoredRecord | undefined>;
  count(where?: Record<string, unknown>): Promise<number>;
  /** Validates like the create blueprint and publishes `created` (and link notices) as it does. */
  create(values: Record<string, unknown>, meta?: WriteMeta): Promise<StoredRecord>;
  /**
   * Sails' `updateOne({ id }).set(values)`: validates like the update blueprint and publishes
   * `updated` as it does. Undefined when there is no such record.
   */
  update(id: number, values: Record<string, unknown>, meta?: WriteMeta): Promise<StoredRecord | undefined>;
  /** Sails' `destroyOne({ id })`; publishes `destroyed` and empties the record's room. Resolves with the record as it was. */
  destroy(id: number, meta?: WriteMeta): Promise<StoredRecord | undefined>;
  /** Links children to a record's to-many link (`addedTo` per new id). Undefined when there is no such record. */
  addToCollection(id: number, alias: string, childIds: number | readonly number[], meta?: WriteMeta): Promise<LinkChange | undefined>;
  removeFromCollection(id: number, alias: string, childIds: number | readonly number[], meta?: WriteMeta): Promise<LinkChange | undefined>;
  /** Makes the link hold exactly `childIds`. */
  replaceCollection(id: number, alias: string, childIds: readonly number[], meta?: WriteMeta): Promise<LinkChange | undefined>;
  /** Joins each record's room (an HTTP request is ignored). */
  subscribe(subscriber: Subscriber, ids: number | readonly number[]): Promise<void>;
  unsubscribe(subscriber: Subscriber, ids: number | readonly number[]): Promise<void>;
  /** Sends `data` as the event `<identity>` to each record's room, leaving out `omit`'s socket. */
  publish(ids: number | readonly number[], data: unknown, omit?: Subscriber): void;
  /** `sails_model_user_1:user` */
  getRoomName(id: number): string;
}

const CRITERIA_KEYS = new Set(['where', 'sort', 'limit', 'skip', 'select', 'omit']);

/** `publishWrites`: the app's `models.publishWrites` setting (default true). */
export function createModelApi(model: NormalizedModel, store: Store, pubsub: PubSub, writer: RecordWriter, publishWrites = true): ModelApi {
  const list = (ids: number | readonly number[]): readonly number[] => (typeof ids === 'number' ? [ids] : ids);
  const options = (meta: WriteMeta = {}) => ({
    requester: meta.req === undefined ? undefined : socketOf(meta.req),
    publish: meta.publish ?? publishWrites,
  });
  return {
    identity: model.identity,
    definition: model,
    find(criteria = {}) {
      const params = Object.keys(criteria).some((k) => CRITERIA_KEYS.has(k)) ? criteria : { where: criteria };
      return store.find(model, parseFindCriteria(model, { limit: -1, ...params }));
    },
    findOne: (id) => store.findOne(model, id),
    count: (where) => store.count(model, where === undefined ? undefined : parseWhere(model, where)),
    create: (values, meta) => writer.create(model, values, options(meta)),
    async update(id, values, meta) {
      return (await writer.update(model, id, values, options(meta)))?.record;
    },
    destroy: (id, meta) => writer.destroy(model, id, options(meta)),
    addToCollection: (id, alias, childIds, meta) => writer.add(model, id, alias, list(childIds), options(meta)),
    removeFromCollection: (id, alias, childIds, meta) => writer.remove(model, id, alias, list(childIds), options(meta)),
    replaceCollection: (id, alias, childIds, meta) => writer.replace(model, id, alias, childIds, options(meta)),
    async subscribe(subscriber, ids) {
      const socket = socketOf(subscriber);
      if (socket) await pubsub.subscribe(socket, model.identity, list(ids));
    },
    async unsubscribe(subscriber, ids) {
      const socket = socketOf(subscriber);
      if (socket) await pubsub.unsubscribe(socket, model.identity, list(ids));
    },
    publish(ids, data, omit) {
      pubsub.publish(model.identity, list(ids), data, omit === undefined ? undefined : socketOf(omit));
    },
    getRoomName: (id) => instanceRoom(model.identity, id),
  };
}

function socketOf(subscriber: Subscriber): Socket | undefined {
  // Duck-typed: a Req built by another copy of the runtime module is still a request.
  if (typeof (subscriber as Partial<Req>).allParams === 'function') return (subscriber as Req).socket;
  return subscriber as Socket;
}
