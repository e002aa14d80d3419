import { appendItems, applyEdits, exportedObject, quote } from './object-literal.js';
import type { Tree } from './tree.js';

/** The file whose `export const routes = { … }` object the route edits add to. */
export const ROUTES_FILE = 'config/routes.ts';

/** One custom route: `'GET /say/hello'` → `'SayController.hello'` or `'user/signup'`. */
export interface RouteToAdd {
  key: string;
  target: string;
}

/**
 * Adds the routes config/routes.ts lacks to its `export const routes` object literal, on the
 * syntax tree (ts-morph, over the tree's text in an in-memory project), so the user's formatting
 * and comments stay as they are. A route whose key is already there is left alone, whatever its
 * target: it is the user's. Returns the keys it added; does nothing, and does not load ts-morph,
 * when `routes` is empty. Throws a sentence naming the file and the missing anchor when there is
 * no such object.
 *
 * @example await addRoutes(tree, [{ key: 'GET /say/hello', target: 'SayController.hello' }]) // ['GET /say/hello']
 */
export async function addRoutes(tree: Tree, routes: readonly RouteToAdd[]): Promise<string[]> {
  if (routes.length === 0) return [];
  const text = tree.read(ROUTES_FILE);
  if (text === undefined) throw missingAnchor(routes, 'file');
  // Loaded here only: most commands (--version, generate model) never edit a file.
  const morph = await import('ts-morph');
  const { Node } = morph;
  const project = new morph.Project({ useInMemoryFileSystem: true });
  const object = exportedObject(morph, project.createSourceFile(ROUTES_FILE, text), 'routes');
  if (!object) throw missingAnchor(routes, 'object');

  const present = new Set<string>();
  for (const property of object.getProperties()) {
    if (!Node.isPropertyAssignment(property) && !Node.isShorthandPropertyAssignment(property)) continue;
    const name = property.getNameNode();
    present.add(Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name) ? name.getLiteralValue() : name.getText());
  }
  const missing = routes.filter((route) => !present.has(route.key));
  if (missing.length === 0) return [];

  const lines = missing.map((route) => `${quote(route.key)}: ${quote(route.target)}`);
  const next = applyEdits(text, appendItems(morph, text, object, lines, { expandEmpty: true }));
  tree.write(ROUTES_FILE, next);
  return missing.map((route) => route.key);
}

function missingAnchor(routes: readonly RouteToAdd[], what: 'file' | 'object'): Error {
  const first = routes[0];
  const example = first ? `, or add ${quote(first.key)}: ${quote(first.target)} to your routes yourself` : '';
  const where = what === 'file' ? `${ROUTES_FILE} does not exist` : `${ROUTES_FILE} has no \`export const routes = { … }\` object to add routes to`;
  return new Error(`${where}; restore it as \`sails-rt new\` writes it (export const routes: RoutesConfig = {};)${example}.`);
}
