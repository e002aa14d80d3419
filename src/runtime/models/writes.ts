/**
 * The one write path: every create, update, destroy and link change, from a blueprint or from
 * `sails.models.<identity>`, goes through here, and so publishes the same messages (docs/protocol.md
 * 3.1-3.5 and the reverse notices of 3.7), leaving out the requesting socket. Sails only
 * publishes from blueprints; sails-rt publishes from the model API too unless told not to (see
 * docs/runtime.md), so no write is silent by accident.
 *
 * Links never dangle: a to-one must name an existing record, and destroying a record nulls the
 * to-one links pointing at it and removes its join rows.
 *
 * Every write runs in one store transaction (`Store.transaction`): the record, its links, and the
 * links of others it touches commit together or not at all, and no reader sees a half-done write.
 * Messages are collected while the transaction runs and sent only once it has committed, so no
 * client hears of a write that was rolled back.
 *
 * The model's lifecycle callbacks run here too (docs/runtime.md, "Lifecycle callbacks and
 * customToJSON"): a before* callback runs before anything is written (and before the transaction
 * starts), so refusing the write leaves the store as it was and publishes nothing; an after*
 * callback runs once the transaction has committed, before the messages go out (so a throwing
 * after* callback keeps the write but sends none of its messages). Callbacks run outside the
 * transaction because they are app code that may read and write through `sails.models`, which a
 * transaction on SQLite's one connection would make wait. Every record a message carries has its
 * model's customToJSON.
 *
 * Attributes with `encrypt: true` are encrypted once their values are checked, before beforeCreate
 * and beforeUpdate see them, as in Waterline; messages carry them encrypted, as Sails' do.
 */
import type { Socket } from 'socket.io';
import { primaryKeyOf, type LifecycleCallbackName, type NormalizedCollection, type NormalizedModel } from '../../schema/index.js';
import { SailsRtError, type ErrorCode } from '../errors.js';
import type { PubSub } from '../pubsub/index.js';
import { pkOf, type PkValue, type Store, type StoredRecord } from '../store/index.js';
import { encryptValues } from './encryption.js';
import { RecordJson, runLifecycle } from './lifecycle.js';
import { byIds, findLink, isPk, linkedIds, linksOf, modelOf, populate, type Link } from './populate.js';
import { touched, valuesForCreate, valuesForUpdate } from './values.js';

/** The cap of each populated to-many list, hard-coded in Sails' blueprints. */
export const POPULATE_LIMIT = 30;

export interface WriteOptions {
  /** The socket that asked: left out of every message (unless `mirror`). */
  requester?: Socket | undefined;
  /** False: write only, tell nobody. */
  publish: boolean;
  /** Run the model's before* callback (default true); false when the caller ran it once for a whole query. */
  before?: boolean;
  /** Run the model's after* callbacks (default true); sails.models runs them only with `.fetch()`, as Waterline does. */
  after?: boolean;
  /** Waterline's meta keys for attributes with `encrypt: true`: the key to encrypt with (default 'default'), or none. */
  encryption?: { encryptWith?: string; skipEncryption?: boolean };
}

/** An update's values, checked and through beforeUpdate: ready to write to any number of records. */
export interface PreparedUpdate {
  values: Record<string, unknown>;
  collections: Map<string, unknown>;
}

/** What a link change did: the child primary keys newly linked and unlinked. */
export interface LinkChange {
  added: PkValue[];
  removed: PkValue[];
}

type ManyLink = Extract<Link, { kind: 'many' }>;

/** What runs once a writer's transaction has committed, in order: after* callbacks and messages. */
type Outbox = (() => void | Promise<void>)[];

/** One edit of a parent's to-many list: whose, which link, and where its messages go. */
interface LinkEdit {
  model: NormalizedModel;
  parentId: PkValue;
  link: ManyLink;
  options: WriteOptions;
  /** Messages to send once the whole write is done (and only if it publishes). */
  notices: (() => void)[];
  /** Also addedTo/removedFrom on the parent: for add/remove/replace; a create or update says it in its own message. */
  parentNotices: boolean;
}

export class RecordWriter {
  /** Attaches each model's customToJSON to the records that leave the server. */
  readonly json: RecordJson;
  /** The store outside any transaction: what a step queued for after the commit reads through. */
  private readonly root: Store;

  /**
   * `outbox`: set on the writer a transaction hands to its work (`transaction`), which queues its
   * after* callbacks and messages there instead of running them.
   */
  constructor(
    private readonly store: Store,
    private readonly pubsub: PubSub,
    readonly models: ReadonlyMap<string, NormalizedModel>,
    private readonly outbox?: Outbox,
    json?: RecordJson,
    root?: Store,
  ) {
    this.json = json ?? new RecordJson(models);
    this.root = root ?? store;
  }

  /**
   * Runs `work` in one store transaction, with a writer whose writes all go into it; then, once
   * it committed, the after* callbacks and messages those writes queued, in order. Inside a
   * transaction already, `work` joins it. `work` must use only the writer it is given.
   *
   * @example await writer.transaction(async (w) => { for (const id of ids) await w.destroy(pet, id, options); });
   */
  async transaction<T>(work: (writer: RecordWriter) => Promise<T>): Promise<T> {
    if (this.outbox) return work(this);
    let outbox: Outbox = [];
    const result = await this.store.transaction((tx) => {
      // A transaction the store runs again (after a deadlock) starts with an empty outbox.
      outbox = [];
      return work(new RecordWriter(tx, this.pubsub, this.models, outbox, this.json, this.root));
    });
    for (const step of outbox) await step();
    return result;
  }

  /** Queues `step` for after the commit (see `transaction`). */
  private later(step: () => void | Promise<void>): void {
    if (!this.outbox) throw new Error('RecordWriter: a write ran outside a transaction.');
    this.outbox.push(step);
  }

  /** `records` with every link populated, to-many lists capped at 30. */
  populateAll(model: NormalizedModel, records: readonly StoredRecord[]): Promise<StoredRecord[]> {
    return populate(this.store, this.models, records, linksOf(model), { limit: POPULATE_LIMIT });
  }

  async create(model: NormalizedModel, input: unknown, options: WriteOptions): Promise<StoredRecord> {
    const split = splitCollections(model, input);
    let values = valuesForCreate(model, split.rest);
    // Checked, then encrypted, then handed to beforeCreate, in Waterline's order.
    encryptValues(model, values, options.encryption);
    let collections = split.collections;
    if (options.before !== false && model.lifecycle?.beforeCreate) {
      ({ values, collections } = await this.before(model, 'beforeCreate', values, collections));
    }
    const checked = values;
    return this.transaction(async (w) => {
      await w.checkToOne(model, checked, 'E_INVALID_NEW_RECORD');
      const lists = await w.checkCollections(model, collections, 'E_INVALID_NEW_RECORD');
      const record = await w.store.create(model, checked);
      const id = pkOf(model, record);
      const notices: (() => void)[] = [];
      for (const [link, ids] of lists) await w.replaceLinks({ model, parentId: id, link, options, notices, parentNotices: false }, ids);
      w.later(async () => {
        if (options.after !== false) await runLifecycle(model, 'afterCreate', record, 'E_INVALID_NEW_RECORD');
        if (!options.publish) return;
        const identity = model.identity;
        this.pubsub.introduce(identity, id);
        // Populated after afterCreate, as before transactions: the record as the callback left it.
        const [populated] = await populate(this.root, this.models, [record], linksOf(model), { limit: POPULATE_LIMIT });
        // The new record's to-one links: each linked parent hears of its new child (docs/protocol.md 3.7),
        // before `created`, in Sails' order.
        for (const [attribute, parentId] of toOneValues(model, checked)) {
          if (parentId !== null) this.noticeAdded(model, attribute, parentId, id, options, notices);
        }
        notices.forEach((notice) => notice());
        this.pubsub.publishCreated(identity, id, this.json.apply(identity, populated ?? record), options.requester);
      });
      return record;
    });
  }

  /** Undefined when there is no such record. */
  async update(
    model: NormalizedModel,
    id: PkValue,
    input: unknown,
    options: WriteOptions,
  ): Promise<{ previous: StoredRecord; record: StoredRecord } | undefined> {
    const checked = await this.prepareUpdate(model, input, { ...options, before: false });
    if (options.before === false || !model.lifecycle?.beforeUpdate) return this.updatePrepared(model, id, checked, options);
    // As a Sails blueprint finds the record first: no beforeUpdate for a record that is not there.
    if ((await this.store.findOne(model, id)) === undefined) return undefined;
    return this.updatePrepared(model, id, await this.before(model, 'beforeUpdate', checked.values, checked.collections), options);
  }

  /** Checks an update's values and runs beforeUpdate on them (unless `options.before` is false). */
  async prepareUpdate(model: NormalizedModel, input: unknown, options: WriteOptions): Promise<PreparedUpdate> {
    const { rest, collections } = splitCollections(model, input);
    const values = valuesForUpdate(model, rest);
    encryptValues(model, values, options.encryption);
    if (options.before === false || !model.lifecycle?.beforeUpdate) return { values, collections };
    return this.before(model, 'beforeUpdate', values, collections);
  }

  /**
   * `update` with values from prepareUpdate: Waterline's update(criteria) runs beforeUpdate once,
   * then writes each record (through one `transaction` for them all).
   */
  updatePrepared(
    model: NormalizedModel,
    id: PkValue,
    prepared: PreparedUpdate,
    options: WriteOptions,
  ): Promise<{ previous: StoredRecord; record: StoredRecord } | undefined> {
    return this.transaction((w) => w.updateNow(model, id, prepared, options));
  }

  private async updateNow(
    model: NormalizedModel,
    id: PkValue,
    { values, collections }: PreparedUpdate,
    options: WriteOptions,
  ): Promise<{ previous: StoredRecord; record: StoredRecord } | undefined> {
    await this.checkToOne(model, values, 'E_INVALID_VALUES_TO_SET');
    const lists = await this.checkCollections(model, collections, 'E_INVALID_VALUES_TO_SET');
    const before = await this.store.findOne(model, id);
    if (before === undefined) return undefined;
    const previous = options.publish ? (await this.populateAll(model, [before]))[0] : undefined;
    const result = await this.store.update(model, id, values);
    if (result === undefined) return undefined;
    const notices: (() => void)[] = [];
    for (const [link, ids] of lists) await this.replaceLinks({ model, parentId: id, link, options, notices, parentNotices: false }, ids);
    this.later(async () => {
      if (options.after !== false) await runLifecycle(model, 'afterUpdate', result.record, 'E_INVALID_VALUES_TO_SET');
      if (options.publish) this.publishUpdate(model, id, values, lists, before, previous, options, notices);
    });
    return result;
  }

  /** The messages of one record's update, once it committed. */
  private publishUpdate(
    model: NormalizedModel,
    id: PkValue,
    values: Record<string, unknown>,
    lists: [ManyLink, PkValue[]][],
    before: StoredRecord,
    previous: StoredRecord | undefined,
    options: WriteOptions,
    notices: (() => void)[],
  ): void {
    // A to-one that moved: the old parent loses the child, the new one gains it (docs/protocol.md 3.7),
    // before `updated`, in Sails' order.
    for (const [attribute, parentId] of toOneValues(model, values)) {
      const old = before[attribute];
      if (old === parentId) continue;
      if (isPk(old)) this.noticeRemoved(model, attribute, old, id, options, notices);
      if (parentId !== null) this.noticeAdded(model, attribute, parentId, id, options, notices);
    }
    notices.forEach((notice) => notice());
    // As Sails' update blueprint sends it: the changed values with the record's primary key.
    const data: Record<string, unknown> = { ...values, [model.primaryKey]: id };
    for (const [link, ids] of lists) data[link.name] = ids;
    // customToJSON runs on the changed values too: they are a part of the record.
    this.pubsub.publishUpdated(model.identity, id, this.json.apply(model.identity, data), this.json.apply(model.identity, previous), options.requester);
  }

  /** The record as it was, populated; undefined when there is no such record. */
  async destroy(model: NormalizedModel, id: PkValue, options: WriteOptions): Promise<StoredRecord | undefined> {
    if (options.before !== false) {
      // As a Sails blueprint finds the record first: no beforeDestroy for a record that is not there.
      if ((await this.store.findOne(model, id)) === undefined) return undefined;
      await runLifecycle(model, 'beforeDestroy', { where: { [model.primaryKey]: id } }, 'E_INVALID_CRITERIA');
    }
    return this.transaction((w) => w.destroyNow(model, id, options));
  }

  private async destroyNow(model: NormalizedModel, id: PkValue, options: WriteOptions): Promise<StoredRecord | undefined> {
    const before = await this.store.findOne(model, id);
    if (before === undefined) return undefined;
    const [previous = before] = await this.populateAll(model, [before]);
    const notices: (() => void)[] = [];
    const requester = options.requester;
    // Links go before the record does, so a foreign key (server stores) never sees one dangle.
    // To-one links pointing here, from any model, become null.
    for (const other of this.models.values()) {
      for (const attribute of other.attributes) {
        if (attribute.model !== model.identity) continue;
        const children = await this.store.find(other, {
          where: { kind: 'compare', attribute: attribute.name, op: '=', value: id },
          sort: [],
          skip: 0,
          select: [other.primaryKey],
        });
        for (const child of children) {
          const childId = pkOf(other, child);
          await this.store.update(other, childId, { [attribute.name]: null });
          notices.push(() =>
            this.pubsub.publishUpdated(other.identity, childId, this.json.apply(other.identity, { [attribute.name]: null }), undefined, requester),
          );
        }
      }
    }
    // Join rows go; each record on the other side loses this one.
    for (const collection of model.collections) {
      if (!collection.junction) continue;
      for (const otherId of await this.store.unlink(collection.junction, id)) {
        notices.push(() => this.pubsub.publishRemovedFrom(collection.collection, otherId, collection.via, id, requester));
      }
    }
    await this.store.destroy(model, id);
    // Parents of this record's to-one links lose a child.
    for (const [attribute, parentId] of toOneValues(model, before)) {
      if (parentId !== null) this.noticeRemoved(model, attribute, parentId, id, options, notices);
    }
    this.later(async () => {
      if (options.after !== false) await runLifecycle(model, 'afterDestroy', before, 'E_INVALID_CRITERIA');
      if (options.publish) {
        this.pubsub.publishDestroyed(model.identity, id, this.json.apply(model.identity, previous), requester);
        notices.forEach((notice) => notice());
      }
      // Everyone leaves the dead record's room, the requester included (docs/protocol.md 10, item 9).
      this.pubsub.retire(model.identity, id);
    });
    return previous;
  }

  /** Links each child to the parent. Undefined when there is no such parent. */
  add(model: NormalizedModel, parentId: PkValue, alias: string, childIds: unknown, options: WriteOptions): Promise<LinkChange | undefined> {
    return this.change(model, parentId, alias, childIds, options, 'add');
  }

  remove(model: NormalizedModel, parentId: PkValue, alias: string, childIds: unknown, options: WriteOptions): Promise<LinkChange | undefined> {
    return this.change(model, parentId, alias, childIds, options, 'remove');
  }

  /** Makes the parent's list exactly `childIds`. */
  replace(model: NormalizedModel, parentId: PkValue, alias: string, childIds: unknown, options: WriteOptions): Promise<LinkChange | undefined> {
    return this.change(model, parentId, alias, childIds, options, 'replace');
  }

  private async change(
    model: NormalizedModel,
    parentId: PkValue,
    alias: string,
    rawIds: unknown,
    options: WriteOptions,
    how: 'add' | 'remove' | 'replace',
  ): Promise<LinkChange | undefined> {
    const link = manyLink(model, alias);
    const target = modelOf(this.models, link.target);
    const ids = parseAssociatedIds(target, rawIds, `${model.identity}.${alias}`);
    return this.transaction(async (w) => {
      if (how !== 'remove') await w.checkExist(target, ids, 'E_INVALID_ASSOCIATED_IDS', `${model.identity}.${alias}`);
      if ((await w.store.findOne(model, parentId)) === undefined) return undefined;
      const edit: LinkEdit = { model, parentId, link, options, notices: [], parentNotices: true };
      let change: LinkChange;
      if (how === 'replace') change = await w.replaceLinks(edit, ids);
      else if (how === 'add') change = { added: await w.addLinks(edit, ids), removed: [] };
      else change = { added: [], removed: await w.removeLinks(edit, ids) };
      if (options.publish) w.later(() => edit.notices.forEach((notice) => notice()));
      return change;
    });
  }

  private async replaceLinks(edit: LinkEdit, ids: readonly PkValue[]): Promise<LinkChange> {
    const { link, parentId } = edit;
    const current = await linkedIds(this.store, modelOf(this.models, link.target), link, parentId);
    const wanted = new Set(ids);
    // Unlinked first, but told after the additions: Sails sends a replace's addedTo messages before its removedFrom ones.
    const removals: (() => void)[] = [];
    const removed = await this.removeLinks({ ...edit, notices: removals }, current.filter((id) => !wanted.has(id)));
    const added = await this.addLinks(edit, [...wanted].filter((id) => !current.includes(id)));
    edit.notices.push(...removals);
    return { added, removed };
  }

  /** The primary keys newly linked; messages for each go into `notices`. */
  private async addLinks({ model, parentId, link, options, notices, parentNotices }: LinkEdit, ids: readonly PkValue[]): Promise<PkValue[]> {
    const { collection } = link;
    const target = modelOf(this.models, link.target);
    const requester = options.requester;
    const added: PkValue[] = [];
    if (collection.junction) {
      for (const childId of await this.store.link(collection.junction, parentId, ids)) {
        added.push(childId);
        if (parentNotices) notices.push(() => this.pubsub.publishAddedTo(model.identity, parentId, collection.name, childId, requester));
        notices.push(() => this.pubsub.publishAddedTo(target.identity, childId, collection.via, parentId, requester));
      }
      return added;
    }
    const children = ids.length === 0 ? [] : await this.store.find(target, byIds(target, ids));
    for (const child of children) {
      const childId = pkOf(target, child);
      const old = child[collection.via];
      if (old === parentId) continue;
      await this.store.update(target, childId, { [collection.via]: parentId, ...touched(target) });
      added.push(childId);
      if (parentNotices) notices.push(() => this.pubsub.publishAddedTo(model.identity, parentId, collection.name, childId, requester));
      notices.push(() =>
        this.pubsub.publishUpdated(target.identity, childId, this.json.apply(target.identity, { [collection.via]: parentId }), undefined, requester),
      );
      // A stolen child: its old parent loses it.
      if (isPk(old)) {
        for (const inverse of inversesOf(target, collection.via, this.models)) {
          notices.push(() => this.pubsub.publishRemovedFrom(inverse.model, old, inverse.name, childId, requester));
        }
      }
    }
    return added;
  }

  /** The primary keys that were linked and no longer are. */
  private async removeLinks({ model, parentId, link, options, notices, parentNotices }: LinkEdit, ids: readonly PkValue[]): Promise<PkValue[]> {
    const { collection } = link;
    const target = modelOf(this.models, link.target);
    const requester = options.requester;
    if (ids.length === 0) return [];
    const removed: PkValue[] = [];
    if (collection.junction) {
      for (const childId of await this.store.unlink(collection.junction, parentId, ids)) {
        removed.push(childId);
        if (parentNotices) notices.push(() => this.pubsub.publishRemovedFrom(model.identity, parentId, collection.name, childId, requester));
        notices.push(() => this.pubsub.publishRemovedFrom(target.identity, childId, collection.via, parentId, requester));
      }
      return removed;
    }
    for (const child of await this.store.find(target, byIds(target, ids))) {
      if (child[collection.via] !== parentId) continue;
      const childId = pkOf(target, child);
      await this.store.update(target, childId, { [collection.via]: null, ...touched(target) });
      removed.push(childId);
      if (parentNotices) notices.push(() => this.pubsub.publishRemovedFrom(model.identity, parentId, collection.name, childId, requester));
      notices.push(() =>
        this.pubsub.publishUpdated(target.identity, childId, this.json.apply(target.identity, { [collection.via]: null }), undefined, requester),
      );
    }
    return removed;
  }

  /** `model.attribute` (a to-one) now points at `parentId`: the parent's inverse lists gain `childId`. */
  private noticeAdded(model: NormalizedModel, attribute: string, parentId: PkValue, childId: PkValue, options: WriteOptions, notices: (() => void)[]): void {
    for (const inverse of inversesOf(model, attribute, this.models)) {
      notices.push(() => this.pubsub.publishAddedTo(inverse.model, parentId, inverse.name, childId, options.requester));
    }
  }

  private noticeRemoved(model: NormalizedModel, attribute: string, parentId: PkValue, childId: PkValue, options: WriteOptions, notices: (() => void)[]): void {
    for (const inverse of inversesOf(model, attribute, this.models)) {
      notices.push(() => this.pubsub.publishRemovedFrom(inverse.model, parentId, inverse.name, childId, options.requester));
    }
  }

  /**
   * Runs beforeCreate or beforeUpdate on the values (to-many lists as given), and reads back what
   * it left: Waterline writes the values as the callback leaves them, without checking them again.
   */
  private async before(
    model: NormalizedModel,
    name: Extract<LifecycleCallbackName, 'beforeCreate' | 'beforeUpdate'>,
    values: Record<string, unknown>,
    collections: Map<string, unknown>,
  ): Promise<PreparedUpdate> {
    const given: Record<string, unknown> = { ...values, ...Object.fromEntries(collections) };
    await runLifecycle(model, name, given, name === 'beforeCreate' ? 'E_INVALID_NEW_RECORD' : 'E_INVALID_VALUES_TO_SET');
    const after = splitCollections(model, given);
    const rest = after.rest as Record<string, unknown>;
    for (const key of Object.keys(rest)) {
      if (!model.attributes.some((a) => a.name === key)) {
        throw new Error(`${model.className}.${name} set "${key}", which is not an attribute of ${model.identity}${model.file ? ` (${model.file})` : ''}; set only its attributes.`);
      }
    }
    return { values: rest, collections: after.collections };
  }

  /** Each to-one value names an existing record. */
  private async checkToOne(model: NormalizedModel, values: Record<string, unknown>, code: ErrorCode): Promise<void> {
    for (const [attribute, id] of toOneValues(model, values)) {
      if (id === null) continue;
      const target = modelOf(this.models, model.attributes.find((a) => a.name === attribute)?.model ?? '');
      if ((await this.store.findOne(target, id)) === undefined) {
        throw new SailsRtError(
          code,
          `"${attribute}" must be the ${target.primaryKey} of an existing ${target.identity}, and there is no ${target.identity} ${JSON.stringify(id)}; create it first or send another ${target.primaryKey}.`,
        );
      }
    }
  }

  private async checkCollections(model: NormalizedModel, collections: Map<string, unknown>, code: ErrorCode): Promise<[ManyLink, PkValue[]][]> {
    const lists: [ManyLink, PkValue[]][] = [];
    for (const [alias, raw] of collections) {
      const link = manyLink(model, alias);
      const target = modelOf(this.models, link.target);
      const ids = parseAssociatedIds(target, raw, `${model.identity}.${alias}`);
      await this.checkExist(target, ids, code, `${model.identity}.${alias}`);
      lists.push([link, ids]);
    }
    return lists;
  }

  private async checkExist(target: NormalizedModel, ids: readonly PkValue[], code: ErrorCode, where: string): Promise<void> {
    if (ids.length === 0) return;
    const found = new Set((await this.store.find(target, { ...byIds(target, ids), select: [target.primaryKey] })).map((r) => pkOf(target, r)));
    const missing = [...new Set(ids)].filter((id) => !found.has(id));
    if (missing.length > 0) {
      const key = target.primaryKey === 'id' ? 'id' : target.primaryKey;
      throw new SailsRtError(
        code,
        `${where}: there is no ${target.identity} with the ${key}${missing.length > 1 ? 's' : ''} ${missing.map((id) => (typeof id === 'string' ? JSON.stringify(id) : id)).join(', ')}; link existing records only.`,
      );
    }
  }
}

/** A to-many link of `model`, or a usage error naming the ones it has. */
function manyLink(model: NormalizedModel, alias: string): ManyLink {
  const link = findLink(model, alias);
  if (link?.kind === 'many') return link;
  const names = model.collections.map((c) => c.name);
  throw new SailsRtError(
    'E_INVALID_ASSOCIATED_IDS',
    `"${alias}" is not a to-many link of ${model.identity}; ${names.length > 0 ? `its to-many links are ${names.join(', ')}` : 'it has none'}.`,
  );
}

/** The collections (on any model) that list the records whose `attribute` (a to-one of `model`) points at them. */
function inversesOf(model: NormalizedModel, attribute: string, models: ReadonlyMap<string, NormalizedModel>): { model: string; name: string }[] {
  const target = models.get(model.attributes.find((a) => a.name === attribute)?.model ?? '');
  if (!target) return [];
  return target.collections
    .filter((c: NormalizedCollection) => c.collection === model.identity && c.via === attribute)
    .map((c) => ({ model: target.identity, name: c.name }));
}

/** The to-one values among `values`, as [attribute, primary key or null]. */
function toOneValues(model: NormalizedModel, values: Record<string, unknown>): [string, PkValue | null][] {
  const pairs: [string, PkValue | null][] = [];
  for (const attribute of model.attributes) {
    if (attribute.model === undefined || !(attribute.name in values)) continue;
    const value = values[attribute.name];
    pairs.push([attribute.name, isPk(value) ? value : null]);
  }
  return pairs;
}

/** Separates to-many values (`pets: [1, 2]`) from the column values of a create or update. */
function splitCollections(model: NormalizedModel, input: unknown): { rest: unknown; collections: Map<string, unknown> } {
  const collections = new Map<string, unknown>();
  if (typeof input !== 'object' || input === null || Array.isArray(input) || model.collections.length === 0) return { rest: input, collections };
  const rest: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const collection of model.collections) {
    if (rest[collection.name] === undefined) continue;
    collections.set(collection.name, rest[collection.name]);
    delete rest[collection.name];
  }
  return { rest, collections };
}

/**
 * Child primary keys as a client sends them: one, an array, or a JSON array string (a shortcut
 * route's `?pets=[1,2]`). For a number key, numeric strings are accepted; a string key takes
 * non-empty strings only (as Waterline's normalizePkValue). Anything else is E_INVALID_ASSOCIATED_IDS.
 */
export function parseAssociatedIds(target: NormalizedModel, raw: unknown, where: string): PkValue[] {
  let value = raw;
  if (typeof raw === 'string' && raw.trim().startsWith('[')) {
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
  }
  const list = Array.isArray(value) ? value : [value];
  if (primaryKeyOf(target).type === 'string') {
    if (list.every((id) => typeof id === 'string' && id !== '')) return list as string[];
    throw new SailsRtError(
      'E_INVALID_ASSOCIATED_IDS',
      `${where} takes ${target.identity} ${target.primaryKey} values (non-empty strings), as a JSON array such as ["a","b"], got ${JSON.stringify(raw) ?? String(raw)}.`,
    );
  }
  const ids = list.map((item) => (typeof item === 'string' && /^\d+$/.test(item) ? Number(item) : item));
  if (!ids.every((id) => typeof id === 'number' && Number.isSafeInteger(id) && id >= 0)) {
    throw new SailsRtError(
      'E_INVALID_ASSOCIATED_IDS',
      `${where} takes ${target.identity} ids (whole numbers), as a JSON array such as [1,2], got ${JSON.stringify(raw) ?? String(raw)}.`,
    );
  }
  return ids as number[];
}
