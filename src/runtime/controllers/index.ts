/**
 * Loading `api/controllers/<Name>Controller.ts`: the default export is an object of actions.
 * Each action gets Sails' action identity, `<name>/<action>` lowercased (`say/hello`).
 */
import { basename, join, relative } from 'node:path';
import { describeLoadError, importAppFile, listSourceFiles } from '../../schema/load/index.js';
import { LiftError } from '../errors.js';
import type { Action } from '../pipeline/index.js';
import type { RouteEntry } from '../router/index.js';

export { defineController } from './define.js';

/** Every loaded action, keyed by its lowercased identity (`say/hello`). */
export type ActionTable = Map<string, RouteEntry>;

export async function loadControllers(appPath: string): Promise<ActionTable> {
  const table: ActionTable = new Map();
  for (const file of await listSourceFiles(join(appPath, 'api', 'controllers'))) {
    const shown = relative(appPath, file);
    const stem = basename(file).replace(/\.[^.]+$/, '');
    if (!stem.endsWith('Controller') || stem === 'Controller') {
      throw new LiftError(`${shown} is not named like a controller; rename it to <Name>Controller.ts (for example SayController.ts).`);
    }
    let namespace: Record<string, unknown>;
    try {
      namespace = await importAppFile(file);
    } catch (error) {
      throw new LiftError(`${shown} could not be loaded (${describeLoadError(error)}); fix the error in that file.`, { cause: error });
    }
    const actions = namespace['default'];
    if (typeof actions !== 'object' || actions === null || Array.isArray(actions)) {
      throw new LiftError(`${shown} has no default export of actions; write \`export default defineController({ … })\`.`);
    }
    const className = stem.slice(0, -'Controller'.length);
    for (const [name, action] of Object.entries(actions)) {
      if (typeof action !== 'function') {
        throw new LiftError(`${shown}: "${name}" is not a function; every property of the default export must be an action (req, res) => ….`);
      }
      table.set(actionIdentity(className, name), { action: action as Action, name: `${stem}.${name}` });
    }
  }
  return table;
}

/** `('Say', 'hello')` → `say/hello`. */
export function actionIdentity(controller: string, action: string): string {
  return `${controller.replace(/Controller$/, '')}/${action}`.toLowerCase();
}
