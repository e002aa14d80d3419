/**
 * Links read back (docs/protocol.md 6.2, 7.4): which aliases a request populates, and filling them
 * in. A populated to-one is the linked record or null; a populated to-many is the list of linked
 * records (capped at 30 by the blueprints, as in Sails). Linked records come as stored: their
 * own to-one links as ids, their to-many links left out.
 */
import type { NormalizedAttribute, NormalizedCollection, NormalizedModel } from '../../schema/index.js';
import { SailsRtError } from '../errors.js';
import { pkOf, type Criteria, type LinkPath, type PkValue, type ReadBudget, type Store, type StoredRecord } from '../store/index.js';
import type { PageBudget } from './page-budget.js';
import { checkListLength, show, splitNames } from './criteria.js';
import { BLUEPRINT_BOUNDS, type CriteriaBounds } from './limits.js';

/**
 * One link of a model: a to-one (an attribute holding a primary key) or a to-many, whose lists are
 * keyed by the owning model's primary key (`parentKey`).
 */
export type Link =
  | { kind: 'one'; name: string; target: string; attribute: NormalizedAttribute }
  | { kind: 'many'; name: string; target: string; collection: NormalizedCollection; parentKey: string };

/** Every link of `model`, in definition order of each kind (to-one first). */
export function linksOf(model: NormalizedModel): Link[] {
  const links: Link[] = [];
  for (const attribute of model.attributes) {
    if (attribute.model !== undefined) links.push({ kind: 'one', name: attribute.name, target: attribute.model, attribute });
  }
  for (const collection of model.collections) {
    links.push({ kind: 'many', name: collection.name, target: collection.collection, collection, parentKey: model.primaryKey });
  }
  return links;
}

export function findLink(model: NormalizedModel, alias: string): Link | undefined {
  return linksOf(model).find((link) => link.name === alias);
}

/**
 * The links a `populate` param asks for: every link when it is missing, none for `false`, else a
 * comma-separated string or an array of aliases (a JSON array string too; Sails refused arrays).
 */
export function parsePopulate(model: NormalizedModel, raw: unknown, bounds: CriteriaBounds = BLUEPRINT_BOUNDS): Link[] {
  const links = linksOf(model);
  if (raw === undefined || raw === null || raw === '' || raw === true || raw === 'true') return links;
  if (raw === false || raw === 'false') return [];
  // Broken JSON is refused below with the same sentence as any other bad value.
  const list = splitNames(raw);
  const names = links.map((link) => link.name);
  const known = names.length > 0 ? `the links of ${model.identity} are ${names.join(', ')}` : `${model.identity} has no links`;
  if (list === undefined || list === 'unparsable') {
    throw new SailsRtError(
      'E_INVALID_POPULATES',
      `\`populate\` must be false, a comma-separated string such as "pets,tags" or an array of link names, got ${show(raw)}; ${known}.`,
    );
  }
  checkListLength(bounds, 'populate', list.length);
  const chosen: Link[] = [];
  for (const name of list) {
    const link = links.find((l) => l.name === name);
    if (!link) {
      const shown = name.length > 64 ? `${name.slice(0, 64)}...` : name;
      throw new SailsRtError('E_INVALID_POPULATES', `Could not populate \`${shown}\`: it is not a link of ${model.identity}; ${known}.`);
    }
    if (!chosen.includes(link)) chosen.push(link);
  }
  return chosen;
}

export interface PopulateOptions {
  /** Cap of each to-many list (the blueprints use 30); undefined: no cap. */
  limit?: number;
  /** Charged for every linked record, per page record; populating stops once it is spent. */
  budget?: PageBudget;
}

/**
 * Ids per to-one read: far below SQLite's 32,766 variables (and other databases' limits), and
 * few enough that one statement never holds the event loop for long.
 */
const ID_CHUNK = 1000;

/** What one link holds for each of the records read, and what each of them is charged for it. */
interface LinkFill {
  values: unknown[];
  bytes: number[];
}

/**
 * How a read meets a page budget. `room`: a trial read that gives up (resolves undefined) once what
 * it read passes that many bytes, charging nothing. `budget`: the store charges it as it reads,
 * for one record at a time, so in the order a record-by-record populate charged.
 */
type Reading = { room: number } | { budget: PageBudget };

/**
 * `records` with `links` filled in; to-many keys come first, as Sails sends them
 * (`{"pets":[],"tags":[],"id":1,…}`). Each link costs a few statements for the whole page, not
 * one per record: see readLinks.
 */
export async function populate(
  store: Store,
  models: ReadonlyMap<string, NormalizedModel>,
  records: readonly StoredRecord[],
  links: readonly Link[],
  options: PopulateOptions = {},
): Promise<StoredRecord[]> {
  if (links.length === 0 || records.length === 0) return [...records];
  const read = (part: readonly StoredRecord[], reading?: Reading): Promise<LinkFill[] | undefined> =>
    readLinks(store, models, part, links, options.limit, reading);
  const fills = options.budget ? await readWithin(read, records, options.budget) : await read(records);
  // The caller turns a spent budget into its answer: what was read so far is not used.
  if (fills === undefined) return [...records];
  return records.map((record, i) => {
    const many: Record<string, unknown> = {};
    const one: Record<string, unknown> = {};
    for (const [k, link] of links.entries()) (link.kind === 'one' ? one : many)[link.name] = fills[k]?.values[i];
    return { ...many, ...record, ...one } as StoredRecord;
  });
}

/**
 * Populating within a page budget charges exactly what record-by-record populating charged: each
 * record is charged for everything populated into it (a to-one once per record that shows it),
 * records in page order, so `fit()` names the same record. The whole page is first read on trial,
 * which stops as soon as it passes what is left of the budget: when it fits, it is charged as if
 * read record by record. When it does not, the page is read again in chunks of √n records, each on
 * trial, to find the one chunk the budget runs out in; that chunk alone is read record by record.
 * A page that does not fit costs O(√n) statements per link instead of O(n); one that fits, O(1).
 */
async function readWithin(
  read: (part: readonly StoredRecord[], reading?: Reading) => Promise<LinkFill[] | undefined>,
  records: readonly StoredRecord[],
  budget: PageBudget,
): Promise<LinkFill[] | undefined> {
  if (budget.spent) return undefined;
  const whole = await read(records, { room: budget.remaining });
  if (whole) {
    charge(budget, whole, 0);
    return whole;
  }
  const fills: LinkFill[] = [];
  const step = Math.ceil(Math.sqrt(records.length));
  for (let start = 0; start < records.length; start += step) {
    const chunk = records.slice(start, start + step);
    const part = await read(chunk, { room: budget.remaining });
    if (part) {
      charge(budget, part, start);
      append(fills, part);
      continue;
    }
    for (const [j, record] of chunk.entries()) {
      budget.into(start + j);
      const one = await read([record], { budget });
      if (one === undefined || budget.spent) return undefined;
      append(fills, one);
    }
  }
  // Reached only when writes between the reads made the page fit after all.
  return fills;
}

/** Charges what a trial read found, record by record from page record `offset`; it all fits. */
function charge(budget: PageBudget, fills: readonly LinkFill[], offset: number): void {
  const count = fills[0]?.values.length ?? 0;
  for (let i = 0; i < count; i++) {
    budget.into(offset + i);
    // One charge for a record's whole list charges what one per row did: none is refused.
    for (const fill of fills) {
      const bytes = fill.bytes[i] ?? 0;
      if (bytes > 0) budget.charge(bytes);
    }
  }
}

function append(fills: LinkFill[], part: readonly LinkFill[]): void {
  for (const [k, fill] of part.entries()) {
    const into = fills[k];
    if (into) {
      into.values.push(...fill.values);
      into.bytes.push(...fill.bytes);
    } else {
      fills[k] = { values: [...fill.values], bytes: [...fill.bytes] };
    }
  }
}

/**
 * What each link holds for each of `records`: per to-one link, one read of the distinct ids (per
 * 1,000); per to-many link, one store.findLinked for all the records. Undefined when a trial read
 * passed its room, or the budget it was charging got spent.
 */
async function readLinks(
  store: Store,
  models: ReadonlyMap<string, NormalizedModel>,
  records: readonly StoredRecord[],
  links: readonly Link[],
  limit: number | undefined,
  reading?: Reading,
): Promise<LinkFill[] | undefined> {
  const fills: LinkFill[] = [];
  let used = 0;
  for (const link of links) {
    const target = modelOf(models, link.target);
    // A trial read stops the store once this link's rows alone pass what is left of the room.
    const meter = reading && 'room' in reading ? new Meter(reading.room - used) : undefined;
    const budget = meter ?? (reading && 'budget' in reading ? reading.budget : undefined);
    const fill = link.kind === 'one' ? await toOne(store, target, link, records, budget, meter) : await toMany(store, target, link, records, limit, budget, meter);
    if (fill === undefined) return undefined;
    if (reading && 'budget' in reading && reading.budget.spent) return undefined;
    if (meter) {
      for (const bytes of fill.bytes) used += bytes;
      if (used > (reading as { room: number }).room) return undefined;
    }
    fills.push(fill);
  }
  return fills;
}

/** Records the size of every row a store charges, in order, and refuses past its room. */
class Meter implements ReadBudget {
  readonly sizes: number[] = [];
  over = false;
  private used = 0;

  constructor(private readonly room: number) {}

  charge(bytes: number): boolean {
    if (this.used + bytes > this.room) {
      this.over = true;
      return false;
    }
    this.used += bytes;
    this.sizes.push(bytes);
    return true;
  }
}

async function toOne(
  store: Store,
  target: NormalizedModel,
  link: Extract<Link, { kind: 'one' }>,
  records: readonly StoredRecord[],
  budget: ReadBudget | undefined,
  meter: Meter | undefined,
): Promise<LinkFill | undefined> {
  const ids = [...new Set(records.map((record) => record[link.name]).filter(isPk))];
  const found = new Map<PkValue, { record: StoredRecord; bytes: number }>();
  for (let start = 0; start < ids.length; start += ID_CHUNK) {
    const first = meter?.sizes.length ?? 0;
    const rows = await store.find(target, byIds(target, ids.slice(start, start + ID_CHUNK)), budget ? { budget } : {});
    for (const [j, record] of rows.entries()) found.set(pkOf(target, record), { record, bytes: meter?.sizes[first + j] ?? 0 });
    if (meter?.over) return undefined;
  }
  const linked = records.map((record) => {
    const id = record[link.name];
    return isPk(id) ? found.get(id) : undefined;
  });
  // Charged per record that shows it: the answer repeats it that many times.
  return { values: linked.map((entry) => entry?.record ?? null), bytes: linked.map((entry) => entry?.bytes ?? 0) };
}

async function toMany(
  store: Store,
  target: NormalizedModel,
  link: Extract<Link, { kind: 'many' }>,
  records: readonly StoredRecord[],
  limit: number | undefined,
  budget: ReadBudget | undefined,
  meter: Meter | undefined,
): Promise<LinkFill | undefined> {
  const criteria: Criteria = { sort: [], skip: 0, ...(limit === undefined ? {} : { limit }) };
  const parentIds = records.map((record) => record[link.parentKey] as PkValue);
  const rows = await store.findLinked(target, pathOf(link), parentIds, criteria, budget ? { budget } : {});
  if (meter?.over) return undefined;
  const lists = new Map<PkValue, { records: StoredRecord[]; bytes: number }>();
  for (const [j, { parentId, record }] of rows.entries()) {
    let list = lists.get(parentId);
    if (!list) lists.set(parentId, (list = { records: [], bytes: 0 }));
    list.records.push(record);
    list.bytes += meter?.sizes[j] ?? 0;
  }
  return {
    values: parentIds.map((id) => [...(lists.get(id)?.records ?? [])]),
    bytes: parentIds.map((id) => lists.get(id)?.bytes ?? 0),
  };
}

/**
 * The lists of many parents through a to-many link, in one store.findLinked: `criteria` applies to
 * each list on its own. A parent with nothing linked has no entry.
 */
export async function linkedLists(
  store: Store,
  target: NormalizedModel,
  link: Extract<Link, { kind: 'many' }>,
  parentIds: readonly PkValue[],
  criteria: Criteria,
  budget?: PageBudget,
): Promise<Map<PkValue, StoredRecord[]>> {
  const lists = new Map<PkValue, StoredRecord[]>();
  for (const { parentId, record } of await store.findLinked(target, pathOf(link), parentIds, criteria, budget ? { budget } : {})) {
    const list = lists.get(parentId);
    if (list) list.push(record);
    else lists.set(parentId, [record]);
  }
  return lists;
}

/** The records linked to `parentId` through a to-many link, oldest first. */
export async function linkedRecords(
  store: Store,
  target: NormalizedModel,
  link: Extract<Link, { kind: 'many' }>,
  parentId: PkValue,
  limit?: number,
  criteria?: Criteria,
  budget?: PageBudget,
): Promise<StoredRecord[]> {
  const base: Criteria = criteria ?? { sort: [], skip: 0, ...(limit === undefined ? {} : { limit }) };
  return (await linkedLists(store, target, link, [parentId], base, budget)).get(parentId) ?? [];
}

function pathOf(link: Extract<Link, { kind: 'many' }>): LinkPath {
  const { junction, via } = link.collection;
  return junction ? { junction } : { via };
}

/** The primary keys of the records linked to `parentId` through a to-many link, without a cap. */
export async function linkedIds(store: Store, target: NormalizedModel, link: Extract<Link, { kind: 'many' }>, parentId: PkValue): Promise<PkValue[]> {
  if (link.collection.junction) return store.linkedIds(link.collection.junction, parentId);
  const records = await linkedRecords(store, target, link, parentId, undefined, { sort: [], skip: 0, select: [target.primaryKey] });
  return records.map((r) => pkOf(target, r));
}

/** The records of `model` whose primary key is one of `ids`. */
export function byIds(model: NormalizedModel, ids: readonly PkValue[]): Criteria {
  return { where: { kind: 'in', attribute: model.primaryKey, values: [...ids] }, sort: [], skip: 0 };
}

/** Whether a value read from a link column is a primary key (null: not linked). */
export function isPk(value: unknown): value is PkValue {
  return typeof value === 'number' || (typeof value === 'string' && value !== '');
}

export function modelOf(models: ReadonlyMap<string, NormalizedModel>, identity: string): NormalizedModel {
  const model = models.get(identity);
  // normalizeModels refuses links to missing models before lift gets here.
  if (!model) throw new Error(`The model "${identity}" is not loaded.`);
  return model;
}
