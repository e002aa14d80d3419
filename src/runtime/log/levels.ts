/**
 * Sails' log levels (captains-log), most severe first. Sails ranks `debug` above `info`: at the
 * default level 'info', `sails.log.debug()` (and plain `sails.log()`) is written.
 */
export const LOG_LEVELS = ['silent', 'error', 'warn', 'debug', 'info', 'verbose', 'silly'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The pino levels of the app's logger, Sails' order kept: pino's own `debug` (20) sits below
 * `info`, so the whole set is custom. `trace` and `fatal` are there for Fastify, which calls them.
 */
export const PINO_LEVELS = { trace: 5, silly: 10, verbose: 20, info: 30, debug: 35, warn: 40, error: 50, fatal: 60 } as const;

export type PinoLevel = keyof typeof PINO_LEVELS;
