/**
 * Blueprint actions (PROTOCOL.md section 6): find, findOne, create, update, destroy for every
 * model, with the subscriptions and messages of 6.2. They are ordinary actions, registered as
 * `<identity>/<action>` so a controller action of the same name replaces one, as in Sails.
 */
import type { BlueprintAction, NormalizedModel } from '../../schema/index.js';
import { parseFindCriteria, parseId, projection, valuesForCreate, valuesForUpdate } from '../models/index.js';
import type { Action, Req } from '../pipeline/index.js';
import type { PubSub } from '../pubsub/index.js';
import type { Store, StoredRecord } from '../store/index.js';

export interface BlueprintContext {
  store: Store;
  pubsub: PubSub;
  /** find also watches the class room (`blueprints.autoWatch`, default true). */
  autoWatch: boolean;
}

/** The five blueprint actions of one model. */
export function blueprintActions(model: NormalizedModel, { store, pubsub, autoWatch }: BlueprintContext): Record<BlueprintAction, Action> {
  const identity = model.identity;
  const idOf = (req: Req): number => parseId(model, req.params['id'], `${req.method} ${req.path}`);

  return {
    async find(req, res) {
      const records = await store.find(model, parseFindCriteria(model, req.allParams()));
      const socket = req.socket;
      if (socket) {
        if (records.length > 0) await pubsub.subscribe(socket, identity, records.map((r) => r.id));
        if (autoWatch) await pubsub.watch(socket, identity);
      }
      res.ok(records);
    },

    async findOne(req, res) {
      const id = idOf(req);
      // Read before anything happens: a bad select/omit must not leave the socket subscribed.
      const columns = selectedColumns(model, req);
      const record = await store.findOne(model, id);
      if (record === undefined) return res.notFound();
      if (req.socket) await pubsub.subscribe(req.socket, identity, [id]);
      res.ok(columns === undefined ? record : pick(record, columns));
    },

    async create(req, res) {
      const values = valuesForCreate(model, Array.isArray(req.body) ? req.body : req.allParams());
      const record = await store.create(model, values);
      const socket = req.socket;
      pubsub.introduce(identity, record.id);
      if (socket) await pubsub.subscribe(socket, identity, [record.id]);
      pubsub.publishCreated(identity, record, socket);
      res.ok(record);
    },

    async update(req, res) {
      const id = idOf(req);
      const params = req.allParams();
      delete params['id'];
      const values = valuesForUpdate(model, Array.isArray(req.body) ? req.body : params);
      const result = await store.update(model, id, values);
      if (result === undefined) return res.notFound();
      const socket = req.socket;
      if (socket) await pubsub.subscribe(socket, identity, [id]);
      pubsub.publishUpdated(identity, id, { ...values, id }, result.previous, socket);
      res.ok(result.record);
    },

    async destroy(req, res) {
      const id = idOf(req);
      const previous = await store.destroy(model, id);
      if (previous === undefined) return res.notFound();
      pubsub.publishDestroyed(identity, id, previous, req.socket);
      // Everyone leaves the dead record's room, the requester included.
      pubsub.retire(identity, id);
      res.ok(previous);
    },
  };
}

/** The columns findOne answers with (`select`/`omit`), or undefined for all of them. */
function selectedColumns(model: NormalizedModel, req: Req): string[] | undefined {
  const select = req.param('select');
  const omit = req.param('omit');
  if (select === undefined && omit === undefined) return undefined;
  return projection(model, { select, omit }).select;
}

function pick(record: StoredRecord, columns: readonly string[]): StoredRecord {
  const picked: Record<string, unknown> = {};
  for (const column of columns) picked[column] = record[column];
  return picked as StoredRecord;
}
