/**
 * Waterline's lifecycle callbacks and customToJSON (docs/runtime.md, "Lifecycle callbacks and
 * customToJSON"). The RecordWriter runs the callbacks; `RecordJson` gives records their
 * customToJSON as a non-enumerable `toJSON`, as Waterline does, so every JSON encoding of a
 * record (Fastify's reply, socket.io's packets, `JSON.stringify` in an action) applies it.
 */
import type { LifecycleCallbackName, LifecycleRecord, NormalizedModel } from '../../schema/index.js';
import { isSailsRtError, SailsRtError, type ErrorCode } from '../errors.js';
import { linksOf, type Link } from './populate.js';

/**
 * Runs `model`'s callback `name` with `argument`, if it has one. It ends when the callback calls
 * `proceed`, or, for a callback that returns a promise (an async function), when either `proceed`
 * is called or the promise settles. `proceed(error)`, a throw or a rejection rejects with that
 * error: a SailsRtError as it is, an error named `UsageError` (Waterline's flaverr way of saying
 * the caller is at fault) as `code`, a 400, and anything else as it is, which answers 500.
 */
export async function runLifecycle(model: NormalizedModel, name: LifecycleCallbackName, argument: unknown, code: ErrorCode): Promise<void> {
  const callback = model.lifecycle?.[name] as ((argument: unknown, proceed: (error?: unknown) => void) => unknown) | undefined;
  if (callback === undefined) return;
  try {
    await new Promise<void>((resolve, reject) => {
      const proceed = (error?: unknown): void => (error === undefined || error === null || error === false ? resolve() : reject(error));
      // `this` is the model's callbacks, as Waterline calls them on its `_callbacks` object.
      const returned = callback.call(model.lifecycle, argument, proceed);
      // A callback that takes no proceed ends when it returns (or its promise settles).
      if (isThenable(returned)) returned.then(() => resolve(), reject);
      else if (callback.length < 2) resolve();
    });
  } catch (error) {
    throw refusal(model, name, error, code);
  }
}

function refusal(model: NormalizedModel, name: LifecycleCallbackName, error: unknown, code: ErrorCode): unknown {
  if (isSailsRtError(error)) return error;
  if (error instanceof Error && error.name === 'UsageError') return new SailsRtError(code, error.message);
  if (error instanceof Error) return error;
  // proceed('text'): Waterline passes anything on; a 500 needs an Error to describe.
  return new Error(`${model.className}.${name} refused the write: ${typeof error === 'string' ? error : JSON.stringify(error)}`);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** One model's part: its own customToJSON, and the links whose populated records have one. */
interface Plan {
  own: ((this: LifecycleRecord) => unknown) | undefined;
  links: { link: Link; toJSON: (this: LifecycleRecord) => unknown }[];
}

/**
 * Gives records the customToJSON of their model, and populated records that of theirs. A model
 * without one, whose links lead to none either, costs one map lookup per call.
 */
export class RecordJson {
  private readonly plans = new Map<string, Plan>();

  constructor(models: ReadonlyMap<string, NormalizedModel>) {
    for (const model of models.values()) {
      const links: Plan['links'] = [];
      for (const link of linksOf(model)) {
        const toJSON = models.get(link.target)?.customToJSON;
        if (toJSON) links.push({ link, toJSON });
      }
      if (model.customToJSON || links.length > 0) this.plans.set(model.identity, { own: model.customToJSON, links });
    }
  }

  /** Whether records of `identity` (or the records populated into them) have a customToJSON. */
  has(identity: string): boolean {
    return this.plans.has(identity);
  }

  /** `value` (a record, a list of records, or a partial record) with toJSON attached; returned for chaining. */
  apply<T>(identity: string, value: T): T {
    const plan = this.plans.get(identity);
    if (plan === undefined || value === undefined || value === null) return value;
    for (const record of Array.isArray(value) ? value : [value]) {
      if (typeof record !== 'object' || record === null) continue;
      if (plan.own) attach(record as object, plan.own);
      for (const { link, toJSON } of plan.links) {
        const linked: unknown = (record as Record<string, unknown>)[link.name];
        for (const child of Array.isArray(linked) ? linked : [linked]) {
          if (typeof child === 'object' && child !== null) attach(child as object, toJSON);
        }
      }
    }
    return value;
  }
}

function attach(record: object, toJSON: (this: LifecycleRecord) => unknown): void {
  // Not enumerable: spreading or listing the record's keys does not see it, as in Waterline.
  Object.defineProperty(record, 'toJSON', { value: toJSON, enumerable: false, configurable: true, writable: true });
}
