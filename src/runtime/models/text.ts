/**
 * Text a store cannot keep as it was sent. A lone surrogate (invalid UTF-16, e.g. "x\ud800y")
 * becomes U+FFFD on its way into SQLite's UTF-8, and PostgreSQL refuses it; U+0000 (NUL) cannot
 * be stored in a PostgreSQL text or jsonb column at all. Both are refused with a 400 rather than
 * stored changed on one store and refused on another.
 */

/**
 * Why `text` cannot be stored as given, or `undefined` when it can.
 *
 * @example unstorableText('x\ud800y') // 'holds a lone surrogate …'
 */
export function unstorableText(text: string): string | undefined {
  if (!text.isWellFormed()) {
    return 'holds a lone surrogate (half of a UTF-16 pair, invalid Unicode), which cannot be stored as sent; send well-formed text';
  }
  if (text.includes('\u0000')) return 'holds a NUL character (U+0000), which sails-rt does not store; remove it';
  return undefined;
}
