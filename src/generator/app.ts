import { emptyReport, writeOwnedFile, type GenerateReport } from './owned-files.js';
import { regenerate } from './regenerate.js';
import { outputPath, type TemplateSet } from './templates.js';
import type { Tree } from './tree.js';
import { ALLOWED_INSTALL_SCRIPTS, appDevDependencies, NODE_20_OVERRIDES, NODE_ENGINES } from './versions.js';

export interface AppOptions {
  /** The npm package name of the app (see appPackageName). */
  name: string;
  /** Include the SayController realtime example, its route and its test. */
  example: boolean;
  /** Where the models are stored (default sqlite): config/datastores.ts, .env.example and the README follow it. */
  database?: Database | undefined;
  /**
   * Sessions and socket messages on Redis (REDIS_URL), for several instances: config/session.ts
   * and config/sockets.ts from templates/redis/, REDIS_URL in .env.example, a README section.
   */
  redis?: boolean | undefined;
  /** The npm spec the app depends on sails-rt with: `^0.1.0`, `file:/path/to/sails-rt`. */
  runtimeSpec: string;
  /** The version of sails-rt that generates the app, recorded in its package.json. */
  sailsRtVersion: string;
  /** The browser client served from assets/js/dependencies/sails.io.js: which, its version and its code. */
  browserClient: { kind: BrowserClient; version: string; source: string };
  /**
   * Signs the app's session cookies on the developer's machine: written into config/local.ts,
   * which the app's .gitignore keeps out of git. 64 hex characters the caller draws from a secure
   * random source, so that each app gets its own and this function stays pure.
   */
  sessionSecret: string;
  /** Overwrite user-owned files that differ, keeping the old content as `<file>.orig`. */
  force?: boolean | undefined;
  templates: TemplateSet;
}

const SESSION_SECRET = /^[0-9a-f]{64}$/;

/**
 * The browser clients `new --client` offers: sails-rt's own (dist/browser/sails.io.js, the
 * default), or the official sails.io.js 1.2.1, which the server still speaks to over Engine.IO 3.
 */
export const BROWSER_CLIENTS = ['sails-rt', 'sails.io.js'] as const;
export type BrowserClient = (typeof BROWSER_CLIENTS)[number];

/** The one line above the client's code in assets/js/dependencies/sails.io.js. */
export function browserClientHeader(client: AppOptions['browserClient']): string {
  return client.kind === 'sails-rt'
    ? `// sails-rt browser client ${client.version} (sails.io.js 1.2.1's io.socket API over socket.io-client 4), written by sails-rt new; replace it to upgrade`
    : `// sails.io.js ${client.version}, the official Sails browser SDK, copied by sails-rt new from sails.io.js-dist; replace it to upgrade`;
}

/** The databases `new --database` offers. */
export const DATABASES = ['sqlite', 'postgres', 'mysql'] as const;
export type Database = (typeof DATABASES)[number];

const OWNED_HEADER = '// written once by sails-rt new; yours to edit';

/**
 * A complete app: templates/app, overlaid with templates/example when the example is wanted,
 * plus package.json and tsconfig.json built as data, the browser client, and generated/ for no
 * models yet.
 *
 * @example generateApp(tree, { name: 'myapp', example: true, runtimeSpec: '^0.1.0', ... })
 */
export function generateApp(tree: Tree, options: AppOptions): GenerateReport {
  if (!SESSION_SECRET.test(options.sessionSecret)) {
    throw new Error('The session secret given to generateApp must be 64 hex characters, e.g. randomBytes(32).toString(\'hex\') from node:crypto.');
  }
  const report = emptyReport();
  const database = options.database ?? 'sqlite';
  const { templates } = options;
  const databaseName = databaseNameOf(options.name);
  const readme = templates.list('readme').find((path) => outputPath(path) === `database-${database}.md`);
  if (readme === undefined) throw new Error(`templates/readme has no database-${database}.md: the templates of this copy of sails-rt are incomplete.`);
  const redis = options.redis === true;
  const data = {
    name: options.name,
    example: options.example,
    sessionSecret: options.sessionSecret,
    databaseName,
    databaseSection: templates.render(`readme/${readme}`, { databaseName }),
    redis,
    // Its own section after the database's, a blank line between.
    redisSection: redis ? `\n${templates.render('readme/redis.md')}` : '',
  };

  // Whole-file variants: a file under example/, database/<database>/ or redis/ replaces the one of the same path under app/.
  const sources = new Map<string, string>();
  for (const path of templates.list('app')) sources.set(outputPath(path), `app/${path}`);
  if (options.example) {
    for (const path of templates.list('example')) sources.set(outputPath(path), `example/${path}`);
  }
  for (const path of templates.list(`database/${database}`)) sources.set(outputPath(path), `database/${database}/${path}`);
  if (redis) {
    for (const path of templates.list('redis')) sources.set(outputPath(path), `redis/${path}`);
  }
  for (const [path, template] of sources) {
    writeOwnedFile(tree, path, options.templates.render(template, data), options, report);
  }

  writeOwnedFile(tree, 'package.json', json(packageJson(options)), options, report);
  writeOwnedFile(tree, 'tsconfig.json', `${OWNED_HEADER}\n${json(TSCONFIG)}`, options, report);
  writeOwnedFile(
    tree,
    'assets/js/dependencies/sails.io.js',
    `${browserClientHeader(options.browserClient)}\n${options.browserClient.source}`,
    options,
    report,
  );
  regenerate(tree, [], options.templates);
  return report;
}

/**
 * The database name a new app's config suggests: the package name in lowercase letters, digits
 * and underscores, which every database takes unquoted.
 *
 * @example databaseNameOf('@acme/my-shop') // 'acme_my_shop'
 */
export function databaseNameOf(packageName: string): string {
  const name = packageName.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(name) ? name : `app_${name}`;
}

/** The app's package.json, as data. JSON has no comments: the `sailsRt` key marks the app. */
export function packageJson(options: Pick<AppOptions, 'name' | 'runtimeSpec' | 'sailsRtVersion'>) {
  return {
    name: options.name,
    private: true,
    type: 'module',
    scripts: {
      lift: 'sails-rt lift',
      // An app without the example has no tests until its first model: that is not a failure.
      test: 'vitest run --passWithNoTests',
      typecheck: 'tsc --noEmit',
    },
    dependencies: {
      'sails-rt': options.runtimeSpec,
    },
    devDependencies: appDevDependencies(),
    engines: { node: NODE_ENGINES },
    overrides: { ...NODE_20_OVERRIDES },
    allowScripts: { ...ALLOWED_INSTALL_SCRIPTS },
    sailsRt: {
      version: options.sailsRtVersion,
    },
  };
}

/** The app's tsconfig.json, as data: strict, ESM with NodeNext, checked only (lift compiles it with esbuild). */
export const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    noImplicitReturns: true,
    isolatedModules: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    forceConsistentCasingInFileNames: true,
    noEmit: true,
  },
  include: ['app.ts', 'vitest.config.ts', 'api', 'config', 'generated', 'migrations', 'test'],
} as const;

/**
 * The npm package name for an app folder's name: lowercased, with anything npm does not allow
 * turned into '-'. Throws with a sentence when nothing usable is left.
 *
 * @example appPackageName('My App') === 'my-app'
 */
export function appPackageName(folderName: string): string {
  const name = folderName
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+/, '')
    .replace(/-+$/, '');
  if (name === '' || name.length > 214 || name === 'node_modules' || name === 'favicon.ico') {
    throw new Error(`"${folderName}" cannot be turned into an npm package name; name the app folder with letters and digits, e.g. myapp.`);
  }
  return name;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
