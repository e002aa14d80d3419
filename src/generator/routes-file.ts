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
  const { Project, SyntaxKind, Node } = await import('ts-morph');
  const project = new Project({ useInMemoryFileSystem: true });
  const source = project.createSourceFile(ROUTES_FILE, text);
  const declaration = source.getVariableDeclaration('routes');
  let literal = declaration?.isExported() ? declaration.getInitializer() : undefined;
  // `{ … } satisfies RoutesConfig`, `{ … } as RoutesConfig`, `({ … })` are the same object.
  while (literal && (Node.isSatisfiesExpression(literal) || Node.isAsExpression(literal) || Node.isParenthesizedExpression(literal))) {
    literal = literal.getExpression();
  }
  const object = literal?.asKind(SyntaxKind.ObjectLiteralExpression);
  if (!object) throw missingAnchor(routes, 'object');

  const present = new Set<string>();
  for (const property of object.getProperties()) {
    if (!Node.isPropertyAssignment(property) && !Node.isShorthandPropertyAssignment(property)) continue;
    const name = property.getNameNode();
    present.add(Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name) ? name.getLiteralValue() : name.getText());
  }
  const missing = routes.filter((route) => !present.has(route.key));
  if (missing.length === 0) return [];

  // ts-morph's own addPropertyAssignment doubles a trailing comma that a comment follows, so the
  // new properties are spliced in as text at positions the syntax tree gives: before the line of
  // the closing brace, after any comment that ends the object.
  const properties = object.getProperties();
  const last = properties.at(-1);
  const close = object.getEnd() - 1;
  const lineStart = text.lastIndexOf('\n', close - 1) + 1;
  const braceOnItsLine = /^[ \t]*$/.test(text.slice(lineStart, close));
  const lines = missing.map((route) => `${quote(route.key)}: ${quote(route.target)}`);
  const trailingComma = object.compilerNode.properties.hasTrailingComma;
  const edits: { at: number; insert: string; to?: number }[] = [];
  if (braceOnItsLine) {
    if (last && !trailingComma) edits.push({ at: last.getEnd(), insert: ',' });
    const indent = last ? indentOf(text, last.getStart()) : `${text.slice(lineStart, close)}  `;
    edits.push({ at: lineStart, insert: lines.map((line) => `${indent}${line},\n`).join('') });
  } else if (!last && text.slice(object.getStart() + 1, close).trim() === '') {
    // `{}`: opened onto lines of their own, indented one step past the declaration.
    const base = indentOf(text, object.getStart());
    edits.push({ at: object.getStart() + 1, to: close, insert: `\n${lines.map((line) => `${base}  ${line},\n`).join('')}${base}` });
  } else if (last) {
    // `{ 'GET /': 'A.b' }` on one line stays on one line.
    const at = trailingComma ? text.indexOf(',', last.getEnd()) + 1 : last.getEnd();
    edits.push({ at, insert: `${trailingComma ? '' : ','} ${lines.join(', ')}${trailingComma ? ',' : ''}` });
  } else {
    edits.push({ at: object.getStart() + 1, insert: ` ${lines.join(', ')}` });
  }
  let next = text;
  for (const edit of edits.sort((x, y) => y.at - x.at)) next = next.slice(0, edit.at) + edit.insert + next.slice(edit.to ?? edit.at);
  tree.write(ROUTES_FILE, next);
  return missing.map((route) => route.key);
}

/** The spaces and tabs that start the line `position` is on. */
function indentOf(text: string, position: number): string {
  const start = text.lastIndexOf('\n', position - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
}

function missingAnchor(routes: readonly RouteToAdd[], what: 'file' | 'object'): Error {
  const first = routes[0];
  const example = first ? `, or add ${quote(first.key)}: ${quote(first.target)} to your routes yourself` : '';
  const where = what === 'file' ? `${ROUTES_FILE} does not exist` : `${ROUTES_FILE} has no \`export const routes = { … }\` object to add routes to`;
  return new Error(`${where}; restore it as \`sails-rt new\` writes it (export const routes: RoutesConfig = {};)${example}.`);
}

/** A single-quoted TypeScript string literal. */
function quote(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}
