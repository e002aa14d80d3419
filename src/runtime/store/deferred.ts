/**
 * A store that is wired into the app before its database is opened. lift() builds every route
 * and action first and opens the database last, so that `lift --watch` can load and check a
 * new version of the app while the old one still holds the (exclusively locked) database file.
 */
import type { JunctionTable, NormalizedModel } from '../../schema/index.js';
import type { Condition, Criteria } from './criteria.js';
import type { FindOptions, LinkedRow, LinkPath, PkValue, SchemaChanges, Store, StoredRecord } from './store.js';

export class DeferredStore implements Store {
  #inner: Store | undefined;

  /** Hands every call from now on to `inner`. */
  open(inner: Store): void {
    this.#inner = inner;
  }

  get changes(): SchemaChanges {
    return this.#store().changes;
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return this.#store().transaction(fn);
  }

  find(model: NormalizedModel, criteria: Criteria, options?: FindOptions): Promise<StoredRecord[]> {
    return this.#store().find(model, criteria, options);
  }

  findOne(model: NormalizedModel, id: PkValue): StoredRecord | undefined | Promise<StoredRecord | undefined> {
    return this.#store().findOne(model, id);
  }

  count(model: NormalizedModel, where?: Condition): Promise<number> {
    return this.#store().count(model, where);
  }

  create(model: NormalizedModel, values: Record<string, unknown>): Promise<StoredRecord> {
    return this.#store().create(model, values);
  }

  update(model: NormalizedModel, id: PkValue, values: Record<string, unknown>): Promise<{ previous: StoredRecord; record: StoredRecord } | undefined> {
    return this.#store().update(model, id, values);
  }

  destroy(model: NormalizedModel, id: PkValue): Promise<StoredRecord | undefined> {
    return this.#store().destroy(model, id);
  }

  findLinked(model: NormalizedModel, path: LinkPath, parentIds: readonly PkValue[], criteria: Criteria, options?: FindOptions): Promise<LinkedRow[]> {
    return this.#store().findLinked(model, path, parentIds, criteria, options);
  }

  linkedIds(junction: JunctionTable, id: PkValue): Promise<PkValue[]> {
    return this.#store().linkedIds(junction, id);
  }

  link(junction: JunctionTable, id: PkValue, otherIds: readonly PkValue[]): Promise<PkValue[]> {
    return this.#store().link(junction, id, otherIds);
  }

  unlink(junction: JunctionTable, id: PkValue, otherIds?: readonly PkValue[]): Promise<PkValue[]> {
    return this.#store().unlink(junction, id, otherIds);
  }

  async close(): Promise<void> {
    await this.#inner?.close();
  }

  #store(): Store {
    if (!this.#inner) throw new Error('The database is not open yet: lift() opens it after the app is wired, before it listens.');
    return this.#inner;
  }
}
