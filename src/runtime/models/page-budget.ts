/**
 * The byte budget of one blueprint read (`blueprints.maxPageBytes`): the page and everything
 * populated into it, charged by the store row by row while it reads, so a `limit=-1` on a big
 * table, or a page of large records, stops at the budget instead of filling memory. A page past
 * it is a 400 that says how many records fit, never a short page: Sails front ends page with
 * `skip`, and a silently short page would make them skip records they never got.
 */
import { SailsRtError } from '../errors.js';
import type { ReadBudget } from '../store/index.js';
import { count } from './limits.js';

export class PageBudget implements ReadBudget {
  /** Bytes of each page record so far: its own row, plus what was populated into it. */
  private readonly sizes: number[] = [];
  /** The page record that charges go to; -1 while the page itself is read (each row is a new record). */
  private current = -1;
  private used = 0;
  /** Where the budget ran out: the page record being filled, or -1 while the page itself was read. */
  private spentAt: number | undefined;

  constructor(readonly maxBytes: number) {}

  get spent(): boolean {
    return this.spentAt !== undefined;
  }

  /** Bytes left before the budget is spent. */
  get remaining(): number {
    return this.maxBytes - this.used;
  }

  charge(bytes: number): boolean {
    if (this.spent) return false;
    if (this.used + bytes > this.maxBytes) {
      this.spentAt = this.current;
      return false;
    }
    this.used += bytes;
    if (this.current === -1) this.sizes.push(bytes);
    else this.sizes[this.current] = (this.sizes[this.current] ?? 0) + bytes;
    return true;
  }

  /** From now on, what is read is populated into page record `index`. */
  into(index: number): void {
    this.current = index;
  }

  /**
   * How many records, from the first, fit whole: every record before the one being filled when
   * the budget ran out (all of them were charged in full within it), or every row read.
   */
  fit(): number {
    return this.spentAt === undefined || this.spentAt === -1 ? this.sizes.length : this.spentAt;
  }
}

/** "8 MiB", or the bytes when not a whole number of MiB. */
export function showBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${count(bytes)} bytes`;
}

/**
 * The 400 for a page past its budget. `limit` is what was asked (undefined: every record).
 *
 * @example pageTooLarge(budget, 'user', 30, 'blueprints.maxPageBytes')
 * // The page of 30 user records would exceed 8 MiB (blueprints.maxPageBytes); 12 fit: send limit=12 or less and page with skip.
 */
export function pageTooLarge(budget: PageBudget, identity: string, limit: number | undefined, setting: string): SailsRtError {
  const page = limit === undefined ? `every ${identity} record (limit=-1)` : `${count(limit)} ${identity} records`;
  const fit = budget.fit();
  const fix =
    fit === 0
      ? `not even one fits with what is populated into it: leave large attributes out with omit, populate fewer links, or raise ${setting}`
      : `${count(fit)} fit: send limit=${fit} or less and page with skip`;
  return new SailsRtError('E_INVALID_CRITERIA', `The page of ${page} would exceed ${showBytes(budget.maxBytes)} (${setting}); ${fix}.`);
}
