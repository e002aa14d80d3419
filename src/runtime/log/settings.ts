/**
 * `config/log.ts` (Sails' `sails.config.log`): the settings Sails 1 hands to captains-log, which
 * of them sails-rt honours, and the check that refuses the rest at lift.
 */
import type { InspectOptions } from 'node:util';
import { isPlainObject } from '../../schema/index.js';
import { LOG_LEVELS, type LogLevel } from './levels.js';

/** The levels `sails.log` writes at: every level but `silent`. */
export type SailsLevel = Exclude<LogLevel, 'silent'>;

export const SAILS_LEVELS = LOG_LEVELS.filter((level): level is SailsLevel => level !== 'silent');

/**
 * A logger for `log.custom`, such as a winston logger: each Sails level calls the method of the
 * same name (`sails.log()` calls `debug`), as captains-log does. A missing `warn` falls back to
 * `error`; any other missing method drops its lines.
 *
 * @example export const log = { custom: winston.createLogger({ … }), inspect: false };
 */
export type CustomLogger = object & Partial<Record<SailsLevel, (...args: never[]) => unknown>>;

/** `config/log.ts`, as Sails' `sails.config.log` (docs/runtime.md, Logs). */
export interface LogConfig {
  /** The least severe level written (default 'info'): silent, error, warn, debug, info, verbose, silly. */
  level?: LogLevel;
  /** A logger (winston, pino, …) that receives every line instead of stdout; see CustomLogger. */
  custom?: CustomLogger;
  /**
   * true (default): a line's arguments are formatted into one string, its prefix first. false:
   * `log.custom` receives the arguments as they were passed, and lines have no prefix.
   */
  inspect?: boolean;
  /** Options of `util.inspect` for the objects in a line, e.g. `{ depth: null }`. */
  inspectOptions?: InspectOptions;
  /** One prefix for every level, instead of `<level>: ` (false, null or '' keep the default, as in Sails). */
  prefix?: string | false | null;
  /** The prefix of each level; a level left out has none. Wins over `prefix`. */
  prefixes?: Partial<Record<SailsLevel, string>>;
  /** Accepted for Sails apps; sails-rt's lines have no colours. */
  colors?: boolean | Record<string, string>;
  /** Accepted for Sails apps; sails-rt draws no ship at lift. */
  noShip?: boolean;
}

/** What a bad `log` setting is, and how to fix it: `The setting <setting> <problem>; <fix>.` */
export interface LogSettingProblem {
  setting: string;
  problem: string;
  fix: string;
}

const HONOURED = ['level', 'custom', 'inspect', 'inspectOptions', 'prefix', 'prefixes', 'colors', 'noShip'] as const;

/** captains-log options Sails 1 passes on from `sails.config.log`, which sails-rt does not build: the fix for each. */
const NOT_SUPPORTED: Record<string, string> = {
  prefixTheme: "write the prefixes you want as log.prefixes, e.g. { warn: '[!] ', error: '[err] ' }",
  prefixThemes: "write the prefixes you want as log.prefixes, e.g. { warn: '[!] ', error: '[err] ' }",
  logLevels: `remove it: sails-rt has Sails' levels only (${LOG_LEVELS.join(', ')})`,
  globalizeAs: "remove it and reach the log as sails.log (import { sails } from 'sails-rt')",
  rc: 'remove it: sails-rt reads log settings from config/ only, never a .captainslogrc file',
  ignoreCLIArgs: 'remove it: sails-rt reads log settings from config/ only, never the command line',
};

/** A wrong value as a message shows it: `"loud"`, `3`, `a function`; never a throw (a cyclic object is `an object`). */
function typeOf(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return `an ${typeof value}`;
  }
}

/** The first problem with `log`, or undefined when every key is one sails-rt reads, with a value of the right type. */
export function logSettingProblem(log: unknown): LogSettingProblem | undefined {
  const at = (key: string): string => `log.${key} (config/log.ts)`;
  if (!isPlainObject(log)) return { setting: '"log" (config/log.ts)', problem: `is ${typeOf(log)}`, fix: "write `export const log = { level: 'info' }`" };
  for (const [key, value] of Object.entries(log)) {
    if (value === undefined) continue;
    const fix = NOT_SUPPORTED[key];
    if (fix !== undefined) return { setting: at(key), problem: 'is a captains-log setting sails-rt does not support', fix };
    if (!(HONOURED as readonly string[]).includes(key)) {
      return { setting: at(key), problem: 'is not a log setting of Sails 1', fix: `use ${HONOURED.slice(0, -1).join(', ')} or ${HONOURED.at(-1)}` };
    }
  }
  if (log['level'] !== undefined && !(LOG_LEVELS as readonly unknown[]).includes(log['level'])) {
    return { setting: at('level'), problem: `is ${typeOf(log['level'])}`, fix: `use one of ${LOG_LEVELS.join(', ')}` };
  }
  const custom = log['custom'];
  if (custom !== undefined) {
    if ((typeof custom !== 'object' && typeof custom !== 'function') || custom === null) {
      return { setting: at('custom'), problem: `is ${typeOf(custom)}`, fix: 'use a logger object such as a winston logger, or remove it to log to stdout' };
    }
    if (!SAILS_LEVELS.some((level) => typeof (custom as Record<string, unknown>)[level] === 'function')) {
      return {
        setting: at('custom'),
        problem: `has none of the methods Sails calls (${SAILS_LEVELS.join(', ')}), so nothing would be logged`,
        fix: 'use a logger object such as a winston logger, or remove it to log to stdout',
      };
    }
  }
  for (const key of ['inspect', 'noShip'] as const) {
    if (log[key] !== undefined && typeof log[key] !== 'boolean') return { setting: at(key), problem: `is ${typeOf(log[key])}`, fix: 'use true or false' };
  }
  if (log['inspectOptions'] !== undefined && !isPlainObject(log['inspectOptions'])) {
    return { setting: at('inspectOptions'), problem: `is ${typeOf(log['inspectOptions'])}`, fix: 'use options of util.inspect, such as { depth: null }' };
  }
  const prefix = log['prefix'];
  if (prefix !== undefined && prefix !== null && prefix !== false && typeof prefix !== 'string') {
    return { setting: at('prefix'), problem: `is ${typeOf(prefix)}`, fix: "use a string such as '[app] '" };
  }
  const prefixes = log['prefixes'];
  if (prefixes !== undefined) {
    if (!isPlainObject(prefixes)) return { setting: at('prefixes'), problem: `is ${typeOf(prefixes)}`, fix: "use an object such as { warn: '[!] ', error: '[err] ' }" };
    for (const [level, text] of Object.entries(prefixes)) {
      if (!(SAILS_LEVELS as readonly string[]).includes(level)) {
        return { setting: at(`prefixes.${level}`), problem: 'is not a level', fix: `use ${SAILS_LEVELS.join(', ')}` };
      }
      if (typeof text !== 'string') return { setting: at(`prefixes.${level}`), problem: `is ${typeOf(text)}`, fix: "use a string such as '[!] '" };
    }
  }
  const colors = log['colors'];
  if (colors !== undefined && typeof colors !== 'boolean' && !isPlainObject(colors)) {
    return { setting: at('colors'), problem: `is ${typeOf(colors)}`, fix: 'use true, false or an object of colour names (sails-rt writes no colours either way)' };
  }
  return undefined;
}

/**
 * The prefix of each level's lines, as captains-log picks it: none with `inspect: false`, else
 * `prefixes` when set (a level left out has none), else `prefix` when it is a non-empty string,
 * else sails-rt's `<level>: ` (where Sails has its padded, coloured ' info: ').
 */
export function prefixer(config: LogConfig): (level: string) => string {
  if (config.inspect === false) return () => '';
  const { prefixes, prefix } = config;
  if (prefixes !== undefined) return (level) => prefixes[level as SailsLevel] ?? '';
  if (typeof prefix === 'string' && prefix !== '') return () => prefix;
  return (level) => `${level}: `;
}
