/**
 * Loading api/controllers, as Sails does:
 * - `api/controllers/<Name>Controller.ts`: the default export is an object of actions; each gets
 *   Sails' action identity, `<name>/<action>` lowercased (`say/hello`).
 * - any other file, e.g. `api/controllers/user/signup.ts`: a standalone action, its default
 *   export one action; its identity is its path without the extension, lowercased (`user/signup`).
 */
import { basename, join, relative, sep } from 'node:path';
import { listSourceFiles } from '../../schema/load/index.js';
import { importForLift } from '../app-files.js';
import { LiftError } from '../errors.js';
import type { Action } from '../pipeline/index.js';
import type { RouteEntry } from '../router/index.js';

export { defineController } from './define.js';

/** Every loaded action, keyed by its lowercased identity (`say/hello`). */
export type ActionTable = Map<string, RouteEntry>;

export async function loadControllers(appPath: string): Promise<ActionTable> {
  const table: ActionTable = new Map();
  const folder = join(appPath, 'api', 'controllers');
  for (const file of await listSourceFiles(folder, { recursive: true })) {
    const shown = relative(appPath, file).split(sep).join('/');
    const path = relative(folder, file).split(sep).join('/').replace(/\.[^.]+$/, '');
    const stem = basename(path);
    const isController = path === stem && stem.endsWith('Controller') && stem !== 'Controller';
    const namespace = await importForLift(appPath, file, shown);
    const exported = namespace['default'];
    if (!isController) {
      if (typeof exported !== 'function') {
        throw new LiftError(
          path === stem
            ? `${shown} is not named like a controller and has no default export of one action; rename it to <Name>Controller.ts (for example SayController.ts), or default-export a standalone action (req, res) => ….`
            : `${shown} has no default export of one action; a file in a folder of api/controllers is a standalone action: write \`export default action\` with const action: Action = (req, res) => ….`,
        );
      }
      add(table, shown, path.toLowerCase(), { action: exported as Action, name: path });
      continue;
    }
    if (typeof exported !== 'object' || exported === null || Array.isArray(exported)) {
      throw new LiftError(`${shown} has no default export of actions; write \`export default defineController({ … })\`.`);
    }
    const className = stem.slice(0, -'Controller'.length);
    for (const [name, action] of Object.entries(exported)) {
      if (typeof action !== 'function') {
        throw new LiftError(`${shown}: "${name}" is not a function; every property of the default export must be an action (req, res) => ….`);
      }
      add(table, shown, actionIdentity(className, name), { action: action as Action, name: `${stem}.${name}` });
    }
  }
  return table;
}

/** `('Say', 'hello')` → `say/hello`. */
export function actionIdentity(controller: string, action: string): string {
  return `${controller.replace(/Controller$/, '')}/${action}`.toLowerCase();
}

/** A standalone `say/hello.ts` and `SayController.hello` would be one action: refuse to guess which. */
function add(table: ActionTable, shown: string, identity: string, entry: RouteEntry): void {
  const other = table.get(identity);
  if (other) {
    throw new LiftError(`${shown}: the action ${identity} is also defined as ${other.name}; remove or rename one of them.`);
  }
  table.set(identity, entry);
}
