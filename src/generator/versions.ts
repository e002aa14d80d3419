/**
 * The versions of the packages a generated app receives, in one place (its devDependencies). typescript stays on 5.9:
 * the registry's latest (7.x) is the native compiler, which sails-rt does not support yet.
 */
export const versions = {
  typescript: '~5.9.3',
  vitest: '^4.1.0',
  '@types/node': '^20.19.0',
  'socket.io-client': '^4.8.1',
  // app.ts runs as `node --import tsx app.ts`; sails-rt's own tsx is not reachable from the app
  // when sails-rt is linked (file: spec), so the app names it.
  tsx: '^4.20.0',
} as const satisfies Record<string, string>;

export type VersionedPackage = keyof typeof versions;

/** The devDependencies of a generated app, sorted by name as npm writes them. */
export function appDevDependencies(): Record<VersionedPackage, string> {
  return Object.fromEntries(Object.entries(versions).sort(([a], [b]) => (a < b ? -1 : 1))) as Record<VersionedPackage, string>;
}
