/**
 * Writes JSON-like data as TypeScript source on one line, the way a person would type it:
 * single-quoted strings, unquoted keys where they are identifiers.
 *
 * @example tsLiteral({ type: 'string', required: true }) === "{ type: 'string', required: true }"
 */
export function tsLiteral(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return tsString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(tsLiteral).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{ ${entries.map(([key, v]) => `${tsKey(key)}: ${tsLiteral(v)}`).join(', ')} }`;
  }
  throw new Error(`Cannot write ${typeof value} as a TypeScript literal.`);
}

/** A property key: bare when it is an identifier, quoted otherwise. */
export function tsKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : tsString(key);
}

/** A single-quoted string literal. */
export function tsString(text: string): string {
  return `'${JSON.stringify(text).slice(1, -1).replaceAll("\\\"", '"').replaceAll("'", "\\'")}'`;
}
