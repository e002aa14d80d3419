/**
 * `lift`, as the package root exports it. Every model file imports 'sails-rt' for defineModel,
 * and `sails-rt generate` loads the model files, so the root must stay cheap to import: Fastify,
 * socket.io, Kysely and SQLite load only when an app is really lifted.
 */
import type { SailsApp } from '../app/index.js';
import type { LiftOptions } from './index.js';

export type { LiftOptions };

/**
 * Lifts the app in `options.appPath` (default: the current folder): config, models,
 * controllers, routes, blueprints, HTTP and sockets on one port.
 *
 * @example
 * const app = await lift({ port: 0 });
 * console.log(app.url);
 * await app.lower();
 */
export async function lift(options: LiftOptions = {}): Promise<SailsApp> {
  const { lift: start } = await import('./index.js');
  return start(options);
}
