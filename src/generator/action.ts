import { emptyReport, writeOwnedFile, type GenerateReport } from './owned-files.js';
import { addRoutes } from './routes-file.js';
import type { TemplateSet } from './templates.js';
import type { Tree } from './tree.js';

export interface ActionOptions {
  /** The action's path under api/controllers, as the user typed it: `user/signup`, `sign-up`. */
  path: string;
  /** Overwrite the action file if it differs, keeping the old content as `<file>.orig`. */
  force?: boolean | undefined;
  templates: TemplateSet;
}

export interface ActionReport extends GenerateReport {
  /** `api/controllers/user/signup.ts`, so the CLI can tell whether it conflicted. */
  actionFile: string;
  /** The route keys added to config/routes.ts: `POST /user/signup`, or none when it was there. */
  routesAdded: string[];
}

// Folders and the file stem: letters and digits, kebab-case allowed, as Sails' action paths.
const SEGMENT = /^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$/;

/**
 * Adds a standalone action, Sails' `api/controllers/<path>` (user-owned, written once), and a
 * `'POST /<path>': '<path>'` route to config/routes.ts. POST because an action of its own is
 * most often a form or a command (signup, login); change the verb in config/routes.ts as needed.
 * Sails' `generate action` routes nothing; this saves the step. Throws, before writing anything,
 * on a bad path, or when config/routes.ts has no routes object.
 *
 * @example await generateAction(tree, { path: 'user/signup', templates }) // api/controllers/user/signup.ts
 */
export async function generateAction(tree: Tree, options: ActionOptions): Promise<ActionReport> {
  const target = actionPathOf(options.path);
  const actionFile = `api/controllers/${target}.ts`;
  const routeKey = `POST /${target}`;
  const report = emptyReport();
  const routesAdded = await addRoutes(tree, [{ key: routeKey, target }]);
  writeOwnedFile(tree, actionFile, options.templates.render('action/action.ts.hbs', { target, routeKey, file: actionFile }), options, report);
  return { ...report, actionFile, routesAdded };
}

function actionPathOf(raw: string): string {
  const segments = raw.split('/');
  const last = segments[segments.length - 1] ?? '';
  if (!segments.every((segment) => SEGMENT.test(segment)) || last.endsWith('Controller')) {
    throw new Error(
      `"${raw}" is not a valid action path: use folder and action names of letters, digits and dashes, starting with a letter, joined by / (for example user/signup).`,
    );
  }
  return segments.join('/');
}
