/**
 * The bounds of the criteria a client may send (docs/runtime.md, "Limits"). Each is checked while
 * the criteria are read, before anything is built or run, so criteria past a bound are a 400 that
 * names it, never a stack overflow, a query SQLite refuses, or a scan that holds the process.
 * The defaults are far above what a real front end sends (a page of 30, a search box, a list of
 * ids on screen) and far below what the store can still compile.
 */
import { SailsRtError } from '../errors.js';

export interface CriteriaLimits {
  /** Entries of one `select`, `omit`, `populate` or `sort` list, as sent (before duplicates are dropped). */
  maxListLength: number;
  /** Conditions in one `and` or `or` array. */
  maxLogicBreadth: number;
  /** How deep `and`/`or` may nest. */
  maxDepth: number;
  /** Values of one `in` or `nin` list (also `!=` with a list, and the `{"name":[…]}` shorthand). */
  maxInValues: number;
  /** Characters of one value compared for equality or order, or listed in `in`/`nin`. */
  maxStringLength: number;
  /** Characters of one `like`, `contains`, `startsWith` or `endsWith` operand, as sent. */
  maxPatternLength: number;
  /** Terms of the whole `where`: each condition, each modifier and each `in`/`nin` value. */
  maxTerms: number;
  /** Characters of every string in the whole `where` together. */
  maxTotalStringLength: number;
}

/**
 * A `like` on a long column costs about (pattern length x string length) comparisons in SQLite
 * ('%' followed by a long literal is the worst case), so pattern operands get a bound far below
 * other strings. SQLite's time to prepare a statement grows with the square of its conditions
 * (about 55 ms for 2,000, 225 ms for 4,000), while in/nin values cost little: maxTerms is what
 * keeps the worst criteria cheap. Figures in the Limits section of docs/runtime.md.
 */
export const DEFAULT_CRITERIA_LIMITS: Readonly<CriteriaLimits> = Object.freeze({
  maxListLength: 200,
  maxLogicBreadth: 500,
  maxDepth: 32,
  maxInValues: 1000,
  maxStringLength: 10_000,
  maxPatternLength: 100,
  maxTerms: 2000,
  maxTotalStringLength: 100_000,
});

/**
 * The highest values the settings accept: past them the SQLite store cannot run what the
 * criteria allow (its expression depth of 1000, its 32,766 variables per statement, its LIKE
 * pattern limit of 50,000 bytes, which an escaped pattern of 16,000 characters stays under at
 * 3 bytes per character), or preparing the worst statement takes seconds (maxTerms).
 */
export const CRITERIA_LIMIT_CEILINGS: Readonly<Partial<CriteriaLimits>> = Object.freeze({
  maxDepth: 64,
  maxInValues: 30_000,
  maxTerms: 10_000,
  maxPatternLength: 16_000,
});

/** Bounds in force, and the setting that changes them (undefined: fixed, as for the model API). */
export interface CriteriaBounds {
  limits: Readonly<CriteriaLimits>;
  setting: string | undefined;
}

/** What the blueprints check when the app sets nothing. */
export const BLUEPRINT_BOUNDS: CriteriaBounds = { limits: DEFAULT_CRITERIA_LIMITS, setting: 'blueprints.criteriaLimits' };

/**
 * The model API is app code, trusted as Waterline trusts it: no bounds but the nesting depth,
 * which protects the process itself (and was there before the other bounds). What SQLite cannot
 * run is still a 400, from the store.
 */
export const MODEL_API_BOUNDS: CriteriaBounds = {
  limits: Object.freeze({
    maxListLength: Infinity,
    maxLogicBreadth: Infinity,
    maxDepth: DEFAULT_CRITERIA_LIMITS.maxDepth,
    maxInValues: Infinity,
    maxStringLength: Infinity,
    maxPatternLength: Infinity,
    maxTerms: Infinity,
    maxTotalStringLength: Infinity,
  }),
  setting: undefined,
};

/** The bounds of an app's `blueprints.criteriaLimits` (already checked by the config). */
export function blueprintBounds(overrides: Partial<CriteriaLimits> | undefined): CriteriaBounds {
  return { limits: Object.freeze({ ...DEFAULT_CRITERIA_LIMITS, ...overrides }), setting: BLUEPRINT_BOUNDS.setting };
}

/**
 * The 400 for a bound: `what` says what was sent ("`or` in `where` has 2,000 conditions"); the
 * sentence adds the bound, its value and the setting, then the fix.
 *
 * @example overBound(bounds, 'maxInValues', '`in` on `age` lists 5,000 values', 'send fewer values')
 */
export function overBound(bounds: CriteriaBounds, key: keyof CriteriaLimits, what: string, fix: string): SailsRtError {
  const bound = count(bounds.limits[key]);
  const where = bounds.setting === undefined ? 'a fixed bound of the model API' : `${bounds.setting}.${key}`;
  const raise = bounds.setting === undefined ? '' : `, or raise ${bounds.setting}.${key}`;
  return new SailsRtError('E_INVALID_CRITERIA', `${what}, more than the ${bound} allowed (${where}); ${fix}${raise}.`);
}

/** 12345 as "12,345", the way the messages and docs write numbers. */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** Running totals of one `where`, against maxTerms and maxTotalStringLength. */
export class CriteriaTally {
  private terms = 0;
  private chars = 0;

  constructor(private readonly bounds: CriteriaBounds) {}

  /** Adds `n` terms (a condition, a modifier, or the values of an in/nin list). */
  term(n = 1): void {
    this.terms += n;
    if (this.terms > this.bounds.limits.maxTerms) {
      throw overBound(this.bounds, 'maxTerms', `\`where\` has at least ${count(this.terms)} terms (conditions, modifiers and in/nin values)`, 'send fewer conditions, or split the request');
    }
  }

  /** Adds the characters of one string operand. */
  text(length: number): void {
    this.chars += length;
    if (this.chars > this.bounds.limits.maxTotalStringLength) {
      throw overBound(this.bounds, 'maxTotalStringLength', `The strings in \`where\` add up to at least ${count(this.chars)} characters`, 'send shorter or fewer values');
    }
  }
}
