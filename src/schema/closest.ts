/** "Did you mean": the nearest of a list of names to a mistyped one. */

/**
 * The names other tools give sails-rt's attribute types (TypeScript, SQL, YAML habits), for
 * "did you mean": `bool` is too far from `boolean` for an edit distance to find it.
 */
export const TYPE_ALIASES: Readonly<Record<string, string>> = {
  bool: 'boolean',
  int: 'number',
  integer: 'number',
  float: 'number',
  double: 'number',
  decimal: 'number',
  numeric: 'number',
  str: 'string',
  text: 'string',
  varchar: 'string',
  object: 'json',
  array: 'json',
  obj: 'json',
};

/**
 * The candidate `word` most likely meant, if any: one it is a known alias of (`aliases`), one
 * within edit distance 2, or one it starts (`bool` → boolean, at least three letters).
 *
 * @example closest('bool', ['string', 'number', 'boolean', 'json'], TYPE_ALIASES) // 'boolean'
 * @example closest('modle', ['model', 'api']) // 'model'
 */
export function closest(word: string, candidates: readonly string[], aliases: Readonly<Record<string, string>> = {}): string | undefined {
  const lower = word.toLowerCase();
  const alias = Object.hasOwn(aliases, lower) ? aliases[lower] : undefined;
  if (alias !== undefined && candidates.includes(alias)) return alias;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined || lower.length < 3) return best;
  return candidates.find((candidate) => candidate.toLowerCase().startsWith(lower));
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
