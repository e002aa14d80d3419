/**
 * Text edits of a user's config file at positions its syntax tree gives (ts-morph over the
 * text), shared by the route and policy edits: the user's formatting and comments stay as they
 * are, because only the new text is spliced in.
 */
import type { ArrayLiteralExpression, ObjectLiteralExpression, SourceFile } from 'ts-morph';

export type Morph = typeof import('ts-morph');

/** A text splice: insert at `at`, replacing up to `to`. */
export interface Edit {
  at: number;
  to?: number;
  insert: string;
}

/** `export const <name> = { … }`, also with `satisfies`, `as` or parentheses around the object. */
export function exportedObject(morph: Morph, source: SourceFile, name: string): ObjectLiteralExpression | undefined {
  const { Node } = morph;
  const declaration = source.getVariableDeclaration(name);
  let literal = declaration?.isExported() ? declaration.getInitializer() : undefined;
  while (literal && (Node.isSatisfiesExpression(literal) || Node.isAsExpression(literal) || Node.isParenthesizedExpression(literal))) {
    literal = literal.getExpression();
  }
  return Node.isObjectLiteralExpression(literal) ? literal : undefined;
}

/**
 * The edits that append `items` (property or element texts) to an object's properties or an
 * array's elements in `text`. ts-morph's own addPropertyAssignment doubles a trailing comma that
 * a comment follows, so the items are spliced in as text: on lines of their own before the
 * closing bracket's line (after any comment that ends the list), or on the same line when the
 * list is on one line. An empty `{}` is opened onto lines of its own when `expandEmpty` (a
 * top-level config object), and filled on its line otherwise.
 */
export function appendItems(
  morph: Morph,
  text: string,
  list: ObjectLiteralExpression | ArrayLiteralExpression,
  items: readonly string[],
  { expandEmpty = false } = {},
): Edit[] {
  const isObject = morph.Node.isObjectLiteralExpression(list);
  const elements = isObject ? list.getProperties() : list.getElements();
  const trailingComma = isObject ? list.compilerNode.properties.hasTrailingComma : list.compilerNode.elements.hasTrailingComma;
  const last = elements.at(-1);
  const open = list.getStart();
  const close = list.getEnd() - 1;
  const lineStart = text.lastIndexOf('\n', close - 1) + 1;
  const closeOnItsLine = lineStart > open && /^[ \t]*$/.test(text.slice(lineStart, close));
  const pad = isObject ? ' ' : '';
  if (closeOnItsLine) {
    const edits: Edit[] = [];
    if (last && !trailingComma) edits.push({ at: last.getEnd(), insert: ',' });
    const indent = last ? indentOf(text, last.getStart()) : `${text.slice(lineStart, close)}  `;
    edits.push({ at: lineStart, insert: items.map((item) => `${indent}${item},\n`).join('') });
    return edits;
  }
  if (!last && text.slice(open + 1, close).trim() === '') {
    if (expandEmpty) {
      const base = indentOf(text, open);
      return [{ at: open + 1, to: close, insert: `\n${items.map((item) => `${base}  ${item},\n`).join('')}${base}` }];
    }
    return [{ at: open + 1, to: close, insert: `${pad}${items.join(', ')}${pad}` }];
  }
  if (last) {
    const at = trailingComma ? text.indexOf(',', last.getEnd()) + 1 : last.getEnd();
    return [{ at, insert: `${trailingComma ? '' : ','} ${items.join(', ')}${trailingComma ? ',' : ''}` }];
  }
  return [{ at: open + 1, insert: ` ${items.join(', ')}` }];
}

/** `text` with `edits` made, last position first so that earlier positions stay true. */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  let next = text;
  for (const edit of [...edits].sort((x, y) => y.at - x.at)) next = next.slice(0, edit.at) + edit.insert + next.slice(edit.to ?? edit.at);
  return next;
}

/** The spaces and tabs that start the line `position` is on. */
export function indentOf(text: string, position: number): string {
  const start = text.lastIndexOf('\n', position - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
}

/** A single-quoted TypeScript string literal. */
export function quote(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** A property name as written in an object literal: bare when it can be, else quoted. */
export function keyText(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : quote(key);
}
