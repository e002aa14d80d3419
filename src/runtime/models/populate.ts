/**
 * Links read back (docs/protocol.md 6.2, 7.4): which aliases a request populates, and filling them
 * in. A populated to-one is the linked record or null; a populated to-many is the list of linked
 * records (capped at 30 by the blueprints, as in Sails). Linked records come as stored: their
 * own to-one links as ids, their to-many links left out.
 */
import type { NormalizedAttribute, NormalizedCollection, NormalizedModel } from '../../schema/index.js';
import { SailsRtError } from '../errors.js';
import type { Criteria, Store, StoredRecord } from '../store/index.js';
import type { PageBudget } from './page-budget.js';
import { checkListLength, show, splitNames } from './criteria.js';
import { BLUEPRINT_BOUNDS, type CriteriaBounds } from './limits.js';

/** One link of a model: a to-one (an attribute holding an id) or a to-many. */
export type Link =
  | { kind: 'one'; name: string; target: string; attribute: NormalizedAttribute }
  | { kind: 'many'; name: string; target: string; collection: NormalizedCollection };

/** Every link of `model`, in definition order of each kind (to-one first). */
export function linksOf(model: NormalizedModel): Link[] {
  const links: Link[] = [];
  for (const attribute of model.attributes) {
    if (attribute.model !== undefined) links.push({ kind: 'one', name: attribute.name, target: attribute.model, attribute });
  }
  for (const collection of model.collections) links.push({ kind: 'many', name: collection.name, target: collection.collection, collection });
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
 * `records` with `links` filled in; to-many keys come first, as Sails sends them
 * (`{"pets":[],"tags":[],"id":1,…}`).
 */
export async function populate(
  store: Store,
  models: ReadonlyMap<string, NormalizedModel>,
  records: readonly StoredRecord[],
  links: readonly Link[],
  options: PopulateOptions = {},
): Promise<StoredRecord[]> {
  if (links.length === 0 || records.length === 0) return [...records];
  const { budget } = options;
  const filled = records.map(() => ({ many: {} as Record<string, unknown>, one: {} as Record<string, unknown> }));
  // Without a budget, a record linked from several is read once.
  const seen = new Map<string, StoredRecord | null>();
  // Record by record, so a budget knows what each page record holds when it runs out.
  for (const [i, record] of records.entries()) {
    budget?.into(i);
    for (const link of links) {
      const target = modelOf(models, link.target);
      if (link.kind === 'one') {
        const id = record[link.name];
        let linked: StoredRecord | null = null;
        if (typeof id === 'number') {
          const key = `${link.target}:${id}`;
          if (budget) {
            // Charged per record that shows it: the answer repeats it that many times.
            linked = (await store.find(target, byIds([id]), { budget }))[0] ?? null;
          } else if (seen.has(key)) {
            linked = seen.get(key) ?? null;
          } else {
            linked = (await store.findOne(target, id)) ?? null;
            seen.set(key, linked);
          }
        }
        (filled[i] as { one: Record<string, unknown> }).one[link.name] = linked;
      } else {
        (filled[i] as { many: Record<string, unknown> }).many[link.name] = await linkedRecords(store, target, link, record.id, options.limit, undefined, budget);
      }
      // The caller turns a spent budget into its answer: what was read so far is not used.
      if (budget?.spent) return [...records];
    }
  }
  return records.map((record, i) => ({ ...filled[i]?.many, ...record, ...filled[i]?.one }) as StoredRecord);
}

/** The records linked to `parentId` through a to-many link, oldest first. */
export async function linkedRecords(
  store: Store,
  target: NormalizedModel,
  link: Extract<Link, { kind: 'many' }>,
  parentId: number,
  limit?: number,
  criteria?: Criteria,
  budget?: PageBudget,
): Promise<StoredRecord[]> {
  const { collection } = link;
  const options = budget ? { budget } : {};
  const base: Criteria = criteria ?? { sort: [], skip: 0, ...(limit === undefined ? {} : { limit }) };
  if (collection.junction) {
    const ids = await store.linkedIds(collection.junction, parentId);
    if (ids.length === 0) return [];
    const where = { kind: 'in' as const, attribute: 'id', values: ids };
    return store.find(target, { ...base, where: base.where ? { kind: 'and', items: [where, base.where] } : where }, options);
  }
  const where = { kind: 'compare' as const, attribute: collection.via, op: '=' as const, value: parentId };
  return store.find(target, { ...base, where: base.where ? { kind: 'and', items: [where, base.where] } : where }, options);
}

/** The ids of the records linked to `parentId` through a to-many link, without a cap. */
export async function linkedIds(store: Store, target: NormalizedModel, link: Extract<Link, { kind: 'many' }>, parentId: number): Promise<number[]> {
  if (link.collection.junction) return store.linkedIds(link.collection.junction, parentId);
  const records = await linkedRecords(store, target, link, parentId, undefined, { sort: [], skip: 0, select: ['id'] });
  return records.map((r) => r.id);
}

export function byIds(ids: readonly number[]): Criteria {
  return { where: { kind: 'in', attribute: 'id', values: [...ids] }, sort: [], skip: 0 };
}

export function modelOf(models: ReadonlyMap<string, NormalizedModel>, identity: string): NormalizedModel {
  const model = models.get(identity);
  // normalizeModels refuses links to missing models before lift gets here.
  if (!model) throw new Error(`The model "${identity}" is not loaded.`);
  return model;
}
