/**
 * Waterline's query shapes over the model layer: `User.find(criteria).populate('pets')`,
 * `User.updateOne({ id }).set(values)`, `User.create(values).fetch()`,
 * `User.addToCollection(id, 'pets').members([1, 2])`, each with `.meta({ req })`.
 *
 * A query is a thenable. It starts on the microtask after it was built, so the modifiers chained
 * in the same expression (`.set()`, `.fetch()`, `.meta()`, `.populate()`) apply, and a write
 * that is never awaited still happens (the model API ran eagerly before these shapes existed).
 * Changing a query after it started throws rather than being ignored.
 */
import { SailsRtError } from '../errors.js';
import type { PkValue, StoredRecord } from '../store/index.js';
import type { LinkChange } from './writes.js';

/** How a model API call is told about its request (`.meta({ req })`, or the last argument of the id forms). */
export interface QueryMeta {
  /** A request or socket: that socket is left out of the published messages, as the blueprints leave out the requester. */
  req?: unknown;
  /** False: write and tell nobody. True: publish even when `models.publishWrites` or the model says not to. */
  publish?: boolean;
  /** Waterline's meta key, the same as chaining `.fetch()`: the after* lifecycle callbacks run only with it. */
  fetch?: boolean;
  /** Waterline's meta key: run none of the model's lifecycle callbacks. */
  skipAllLifecycleCallbacks?: boolean;
  /** Waterline's meta key, the same as chaining `.decrypt()`: attributes with `encrypt: true` come back decrypted. */
  decrypt?: boolean;
  /** Waterline's meta key: the data encryption key to encrypt with (default 'default'). */
  encryptWith?: string;
  /** Waterline's (experimental) meta key: write encrypted attributes as given, without encrypting them. */
  skipEncryption?: boolean;
}

/** Waterline criteria: `{ where, sort, limit, skip, select, omit }`, or a bare where such as `{ age: 3 }`. */
export type QueryCriteria<R = StoredRecord> =
  | ({ [K in keyof R]?: unknown } & { or?: unknown[]; and?: unknown[] })
  | {
      where?: { [K in keyof R]?: unknown } & { or?: unknown[]; and?: unknown[] };
      sort?: unknown;
      limit?: number;
      skip?: number;
      select?: (keyof R & string)[];
      omit?: (keyof R & string)[];
    };

/** A query that resolves with `T` when awaited. */
export interface ModelQuery<T> extends PromiseLike<T> {
  /** `{ req }` leaves that socket out of the messages; `{ publish: false }` tells nobody. */
  meta(meta: QueryMeta): this;
  /** Attributes with `encrypt: true` come back decrypted (they are ciphertext otherwise), as in Waterline. */
  decrypt(): this;
  catch<E = never>(onrejected?: ((reason: unknown) => E | PromiseLike<E>) | null): Promise<T | E>;
}

/**
 * A write. sails-rt always resolves with the records written; `.fetch()` decides, as in Waterline,
 * whether the model's afterCreate/afterUpdate/afterDestroy run.
 */
export interface WriteQuery<T> extends ModelQuery<T> {
  fetch(): this;
}

/** `update(criteria)` / `updateOne(criteria)`: nothing happens until `.set(values)`. */
export interface SetQuery<T, U> extends ModelQuery<T> {
  set(values: U): WriteQuery<T>;
}

/** `addToCollection(id, alias)`: nothing happens until `.members(ids)`. */
export interface MembersQuery extends ModelQuery<LinkChange | undefined> {
  members(childIds: PkValue | readonly PkValue[]): WriteQuery<LinkChange | undefined>;
}

/** find / findOne: Waterline's chainable modifiers. */
export interface FindQuery<T, R> extends ModelQuery<T> {
  where(where: Record<string, unknown>): this;
  sort(sort: unknown): this;
  limit(limit: number): this;
  skip(skip: number): this;
  select(attributes: readonly (keyof R & string)[]): this;
  omit(attributes: readonly (keyof R & string)[]): this;
  /** Fills in a link: a to-one becomes the record, a to-many the list (criteria apply to the list). */
  populate(alias: string, criteria?: Record<string, unknown>): this;
}

/** What a query knows when it runs. */
export interface QueryState {
  meta: QueryMeta;
  /** Set by `.fetch()`. */
  fetch?: boolean;
  /** Set by `.set()`. */
  values?: unknown;
  /** Set by `.members()`. */
  members?: PkValue | readonly PkValue[];
  /** Criteria modifiers chained after find(). */
  criteria: Record<string, unknown>;
  populate: { alias: string; criteria?: Record<string, unknown> | undefined }[];
}

// any: one object serves every query shape; ModelApi's overloads give each call its own type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyQuery = FindQuery<any, any> & SetQuery<any, any> & WriteQuery<any> & Pick<MembersQuery, 'members'>;

/**
 * A query that runs `run(state)` once. `needs` names the modifier a query cannot run without
 * (`set` for update(criteria), `members` for addToCollection(id, alias)).
 */
export function buildQuery<T>(run: (state: QueryState) => Promise<T>, initial: Partial<QueryState> = {}, needs?: 'set' | 'members'): AnyQuery {
  const state: QueryState = { meta: {}, criteria: {}, populate: [], ...initial };
  let started: Promise<T> | undefined;
  const start = (): Promise<T> => {
    if (!started) {
      if (needs === 'set' && !('values' in state)) {
        started = Promise.reject(new SailsRtError('E_INVALID_VALUES_TO_SET', 'This update has no values: chain .set({ ... }) with the values to write, as in User.updateOne({ id }).set({ name }).'));
      } else if (needs === 'members' && state.members === undefined) {
        started = Promise.reject(new SailsRtError('E_INVALID_ASSOCIATED_IDS', 'This link change has no ids: chain .members([...]) with the child ids, as in User.addToCollection(id, \'pets\').members([1, 2]).'));
      } else {
        // A throw while reading the arguments becomes the query's rejection, as Waterline's would.
        started = Promise.resolve().then(() => run(state));
      }
    }
    return started;
  };
  // An unawaited write still runs, and its failure is an unhandled rejection, as a promise's is.
  queueMicrotask(() => void start());
  const change = (what: string, apply: () => void): AnyQuery => {
    if (started) throw new Error(`.${what}() came after the query had started; chain it in the same expression, e.g. await User.find().${what}(...).`);
    apply();
    return query;
  };
  const query: AnyQuery = {
    then: (onfulfilled, onrejected) => start().then(onfulfilled, onrejected),
    catch: (onrejected) => start().catch(onrejected),
    meta: (meta) => change('meta', () => Object.assign(state.meta, meta)),
    fetch: () => change('fetch', () => (state.fetch = true)),
    decrypt: () => change('decrypt', () => (state.meta.decrypt = true)),
    set: (values) => change('set', () => (state.values = values)),
    members: (ids) => change('members', () => (state.members = ids)),
    where: (where) => change('where', () => (state.criteria['where'] = where)),
    sort: (sort) => change('sort', () => (state.criteria['sort'] = sort)),
    limit: (limit) => change('limit', () => (state.criteria['limit'] = limit)),
    skip: (skip) => change('skip', () => (state.criteria['skip'] = skip)),
    select: (names) => change('select', () => (state.criteria['select'] = [...names])),
    omit: (names) => change('omit', () => (state.criteria['omit'] = [...names])),
    populate: (alias, criteria) => change('populate', () => state.populate.push({ alias, criteria })),
  };
  return query;
}
