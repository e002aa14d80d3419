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

/**
 * The Node versions sails-rt and its apps run on, as package.json `engines.node`: 20 from 20.19
 * (require of ES modules without a flag, which vite and vitest need), 22 from 22.12, and 24 on.
 */
export const NODE_ENGINES = '^20.19.0 || ^22.12.0 || >=24.0.0';

/**
 * Held back so that npm on Node 20 prints no EBADENGINE warning: the latest cookie (2.x, from
 * fastify's light-my-request 6.8) declares node >=22; light-my-request 6.6 is the last on cookie 1
 * and only serves fastify.inject. npm reads overrides from the root package.json alone, so
 * sails-rt's own package.json and each app's carry the same map. Drop it once Node 20 is no
 * longer supported.
 */
export const NODE_20_OVERRIDES = {
  'light-my-request': '~6.6.0',
} as const satisfies Record<string, string>;

/**
 * The dependencies whose install scripts npm 11 may run, as package.json `allowScripts`
 * (`npm install-scripts approve --no-allow-scripts-pin`): better-sqlite3 builds or downloads its
 * native module, esbuild (under tsx and vitest) checks its binary. Name-only, so an upgrade
 * stays approved; npm lists any other package with install scripts after each install.
 */
export const ALLOWED_INSTALL_SCRIPTS = {
  'better-sqlite3': true,
  esbuild: true,
} as const satisfies Record<string, boolean>;

/** The devDependencies of a generated app, sorted by name as npm writes them. */
export function appDevDependencies(): Record<VersionedPackage, string> {
  return Object.fromEntries(Object.entries(versions).sort(([a], [b]) => (a < b ? -1 : 1))) as Record<VersionedPackage, string>;
}
