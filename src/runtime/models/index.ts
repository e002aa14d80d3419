/**
 * `sails.models.<identity>`: the model layer the blueprints are built on, also open to app code
 * (`await sails.models.user.find({ where: { age: { '>': 30 } } })`).
 */
import type { Socket } from 'socket.io';
import type { NormalizedModel } from '../../schema/index.js';
import type { Req } from '../pipeline/index.js';
import { instanceRoom, type PubSub } from '../pubsub/index.js';
import type { Store, StoredRecord } from '../store/index.js';
import { parseFindCriteria, parseWhere } from './criteria.js';
import { valuesForCreate, valuesForUpdate } from './values.js';

export { DEFAULT_LIMIT, parseFindCriteria, parseId, parseSort, parseWhere, projection } from './criteria.js';
export { valuesForCreate, valuesForUpdate } from './values.js';

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
  /** Validates like the create blueprint; publishes nothing. */
  create(values: Record<string, unknown>): Promise<StoredRecord>;
  /** Validates like the update blueprint; publishes nothing. Undefined when there is no such record. */
  update(id: number, values: Record<string, unknown>): Promise<StoredRecord | undefined>;
  destroy(id: number): Promise<StoredRecord | undefined>;
  /** Joins each record's room (an HTTP request is ignored). */
  subscribe(subscriber: Subscriber, ids: number | readonly number[]): Promise<void>;
  unsubscribe(subscriber: Subscriber, ids: number | readonly number[]): Promise<void>;
  /** Sends `data` as the event `<identity>` to each record's room, leaving out `omit`'s socket. */
  publish(ids: number | readonly number[], data: unknown, omit?: Subscriber): void;
  /** `sails_model_user_1:user` */
  getRoomName(id: number): string;
}

const CRITERIA_KEYS = new Set(['where', 'sort', 'limit', 'skip', 'select', 'omit']);

export function createModelApi(model: NormalizedModel, store: Store, pubsub: PubSub): ModelApi {
  const list = (ids: number | readonly number[]): readonly number[] => (typeof ids === 'number' ? [ids] : ids);
  return {
    identity: model.identity,
    definition: model,
    find(criteria = {}) {
      const params = Object.keys(criteria).some((k) => CRITERIA_KEYS.has(k)) ? criteria : { where: criteria };
      return store.find(model, parseFindCriteria(model, { limit: -1, ...params }));
    },
    findOne: (id) => store.findOne(model, id),
    count: (where) => store.count(model, where === undefined ? undefined : parseWhere(model, where)),
    create: (values) => store.create(model, valuesForCreate(model, values)),
    async update(id, values) {
      return (await store.update(model, id, valuesForUpdate(model, values)))?.record;
    },
    destroy: (id) => store.destroy(model, id),
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
