import { names } from '../schema/index.js';
import { emptyReport, writeOwnedFile, type GenerateReport } from './owned-files.js';
import { addRoutes, type RouteToAdd } from './routes-file.js';
import type { TemplateSet } from './templates.js';
import type { Tree } from './tree.js';

export interface ControllerOptions {
  /** As the user typed it: `Say`, `say`, `user-profile`, `SayController`. */
  name: string;
  /** Action names, e.g. `hello`, `goodbye`: each gets a placeholder and a GET route. */
  actions: readonly string[];
  /** Overwrite the controller file if it differs, keeping the old content as `<file>.orig`. */
  force?: boolean | undefined;
  templates: TemplateSet;
}

export interface ControllerReport extends GenerateReport {
  /** `api/controllers/SayController.ts`, so the CLI can tell whether it conflicted. */
  controllerFile: string;
  /** The route keys added to config/routes.ts, e.g. `GET /say/hello`. */
  routesAdded: string[];
}

const ACTION = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * Adds a controller, `api/controllers/<Name>Controller.ts` (user-owned, written once), with a
 * placeholder per action, and a `'GET /<identity>/<action>': '<Name>Controller.<action>'` route
 * per action to config/routes.ts. An existing controller is left alone (skip or conflict, as any
 * user-owned file) but its missing routes are still added. Throws, before writing anything, on a
 * bad name or action, or when config/routes.ts has no routes object.
 *
 * @example await generateController(tree, { name: 'Say', actions: ['hello'], templates })
 */
export async function generateController(tree: Tree, options: ControllerOptions): Promise<ControllerReport> {
  const controllerNames = controllerNamesOf(options.name);
  const controllerName = `${controllerNames.className}Controller`;
  const controllerFile = `api/controllers/${controllerName}.ts`;
  const actions = actionNamesOf(options.actions);
  const routes: RouteToAdd[] = actions.map((action) => ({
    key: `GET ${controllerNames.routePath}/${action}`,
    target: `${controllerName}.${action}`,
  }));

  const report = emptyReport();
  // The routes first: a routes file without its anchor fails before the controller is written.
  const routesAdded = await addRoutes(tree, routes);
  const content = options.templates.render('controller/controller.ts.hbs', {
    controllerName,
    routePath: controllerNames.routePath,
    file: controllerFile,
    actions: actions.map((name) => ({ name, target: `${controllerName}.${name}` })),
  });
  writeOwnedFile(tree, controllerFile, content, options, report);
  return { ...report, controllerFile, routesAdded };
}

/** `Say`, `say`, `SayController` all name SayController, as in Sails. */
function controllerNamesOf(raw: string) {
  const stem = /^.+Controller$/.test(raw) ? raw.slice(0, -'Controller'.length) : raw;
  try {
    return names(stem);
  } catch (error) {
    throw new Error(
      `"${raw}" is not a valid controller name: use letters and digits, starting with a letter (for example Say, which writes api/controllers/SayController.ts).`,
      { cause: error },
    );
  }
}

function actionNamesOf(raw: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const action of raw) {
    if (!ACTION.test(action)) {
      throw new Error(`"${action}" is not a valid action name: use letters and digits, starting with a letter (for example hello or sayHi).`);
    }
    if (seen.has(action)) throw new Error(`The action "${action}" is given twice; give each action once.`);
    seen.add(action);
  }
  return [...seen];
}
