/**
 * Asks the built package's loader (src/boot.ts) to write the code cache of its core now that a
 * lift listens: the functions a start runs are compiled by then, and V8 keeps them in it. Off the
 * start's path, and nothing at all when running from source.
 */
export function keepCompileCache(): void {
  const loaded = (globalThis as unknown as Record<symbol, { keep(): void } | undefined>)[Symbol.for('sails-rt.core')];
  if (loaded !== undefined) setImmediate(() => loaded.keep()).unref();
}
