import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { generateModels } from '../../generator/definitions.js';
import { appPackageName, BROWSER_CLIENTS, DATABASES, diskReader, generateApp, readTemplates, VirtualTree, type BrowserClient, type Database, type FileChange, type GenerateReport } from '../../generator/index.js';
import { closest } from '../../schema/closest.js';
import { parseDefinitionsFile, type DefinitionsFile } from '../../schema/definitions-file.js';
import { ExecError, type CliContext } from '../context.js';
import { CliError, INTERRUPTED } from '../errors.js';
import { counted, paint, printChanges, shellWord } from '../output.js';
import { startSpinner } from '../progress.js';
import { askUntil, confirm, text } from '../prompts.js';
import { defaultRuntime, PACKAGE_ROOT, readBrowserClient, VERSION, type RuntimeDependency } from '../package-info.js';
import { runtimeTarball } from '../runtime-tarball/index.js';
import { writeChanges } from '../write.js';

interface NewFlags {
  yes?: boolean;
  dryRun?: boolean;
  force?: boolean;
  skipInstall?: boolean;
  example: boolean;
  runtime?: string;
  models?: string;
  database?: string;
  redis?: boolean;
  client?: string;
}

/** Every choice of `new`, settled from its flags, the answers to its questions, or the defaults. */
interface NewPlan {
  target: string;
  example: boolean;
  definitions: DefinitionsFile | undefined;
  install: boolean;
  runtime: RuntimeDependency;
  database: Database;
  redis: boolean;
  client: BrowserClient;
  force: boolean;
  dryRun: boolean;
}

const MISSING_DIR = "missing required argument 'dir'; see `sails-rt new --help` for the usage.";
const DEFAULT_DIR = 'my-app';

export function registerNew(program: Command, context: CliContext): void {
  program
    .command('new')
    .description('Generate a new sails-rt app in <dir>.')
    .argument('[dir]', 'the folder to create; its name becomes the package name (asked for on a terminal when left out)')
    .option('-y, --yes', 'take every default instead of asking')
    .option('--dry-run', 'list the files that would be written, and write nothing')
    .option('--force', 'write into a folder that is not empty (a changed file is kept as <file>.orig)')
    .option('--skip-install', 'do not run npm install')
    .option('--no-example', 'leave out the SayController realtime example, its route and its test')
    .option('--database <kind>', `where the models are stored: ${DATABASES.join(', ')} (default sqlite, a file under .tmp/)`)
    .option('--redis', 'keep sessions and socket messages in Redis (REDIS_URL), to run several instances (default: neither)')
    .option('--client <name>', 'the browser client the page loads: sails-rt (the default, which reconnects and resyncs) or sails.io.js (the official 1.2.1)')
    .option('--models <file>', 'also generate every model of a definitions file (.json, .yaml or .yml; see schema/models.schema.json)')
    .option('--runtime <spec>', 'the npm spec the app depends on sails-rt with (default: a tarball of this copy in vendor/, or ^<version> when installed from the npm registry)')
    .addHelpText(
      'after',
      `
On a terminal, new asks for each of <dir>, --no-example, --models and --skip-install that is
not given, and for --database and --redis; --yes asks nothing and takes the defaults.

Examples:
  $ sails-rt new                                asks for the folder and every choice, then installs
  $ sails-rt new myapp                          asks what is missing, then installs
  $ sails-rt new myapp --yes                    every default: the example is included
  $ sails-rt new myapp --yes --no-example       without the SayController example
  $ sails-rt new myapp --dry-run                lists the files, writes nothing
  $ sails-rt new myapp --models models.json     with every model of models.json (or .yaml)
  $ sails-rt new shop --database postgres       on PostgreSQL (DATABASE_URL), with .env.example
  $ sails-rt new shop --database postgres --redis   ready for several instances (REDIS_URL too)
  $ sails-rt new myapp --client sails.io.js     with the official sails.io.js 1.2.1 in the page
  $ sails-rt new . --force                      into the current, non-empty folder
  $ sails-rt new myapp --skip-install           no npm install
  $ sails-rt new myapp --runtime ^0.1.0         depend on sails-rt from the registry
  $ sails-rt new myapp --runtime file:../sails-rt`,
    )
    .action(async (dir: string | undefined, flags: NewFlags, command: Command) => {
      await runNew(context, await settle(context, dir, flags, command));
    });
}

/**
 * Turns flags into a plan, asking on a terminal for each choice whose flag was not given.
 * What the flags say is checked first, so that a bad flag does not cost the user their answers;
 * a bad answer is explained and asked again.
 */
async function settle(context: CliContext, dir: string | undefined, flags: NewFlags, command: Command): Promise<NewPlan> {
  const asking = context.interactive && !flags.yes;
  const given = (option: keyof NewFlags) => {
    const source = command.getOptionValueSource(option);
    return source !== undefined && source !== 'default';
  };
  if (dir === undefined && !asking) throw new CliError(MISSING_DIR);
  const force = Boolean(flags.force);
  const databaseFlag = flags.database === undefined ? undefined : checkDatabase(flags.database);
  const client = checkClient(flags.client ?? 'sails-rt');
  const modelsFlag = flags.models === undefined ? undefined : await readDefinitions(context, flags.models, 'pass --models the path of a .json or .yaml definitions file');
  const target = dir === undefined ? await askTarget(context, force) : await checkTarget(context, dir, force);
  const example = asking && !given('example') ? await confirm(context, 'Include the SayController realtime example?', true) : flags.example;
  const database =
    databaseFlag ?? (asking ? await askUntil(context, () => text(context, `Database (${DATABASES.join(', ')}):`, 'sqlite'), async (answer) => checkDatabase(answer)) : 'sqlite');
  const redis =
    asking && !given('redis') ? await confirm(context, 'Keep sessions and socket messages in Redis, to run several instances?', false) : flags.redis === true;
  const definitions = asking && !given('models') ? await askDefinitions(context) : modelsFlag;
  const install =
    !flags.dryRun && (asking && !given('skipInstall') ? await confirm(context, 'Install dependencies now (npm install)?', true) : !flags.skipInstall);
  return { target, example, definitions, install, runtime: flags.runtime === undefined ? defaultRuntime() : { spec: flags.runtime }, database, redis, client, force, dryRun: Boolean(flags.dryRun) };
}

/** `--database`'s value, or a sentence naming the ones there are. */
function checkDatabase(value: string): Database {
  const kind = value.trim().toLowerCase();
  if ((DATABASES as readonly string[]).includes(kind)) return kind as Database;
  const guess = closest(kind, DATABASES, DATABASE_ALIASES);
  throw new CliError(`"${value}" is not a database sails-rt stores models in${guess === undefined ? '' : ` (did you mean ${guess}?)`}; use --database ${DATABASES.join(', --database ')}.`);
}

/** `--client`'s value, or a sentence naming the ones there are. */
function checkClient(value: string): BrowserClient {
  const name = value.trim().toLowerCase();
  if ((BROWSER_CLIENTS as readonly string[]).includes(name)) return name as BrowserClient;
  const guess = closest(name, BROWSER_CLIENTS, { 'sails.io': 'sails.io.js', sailsio: 'sails.io.js', 'sails-io': 'sails.io.js', sails: 'sails.io.js', 'sails-rt.js': 'sails-rt' });
  throw new CliError(`"${value}" is not a browser client sails-rt new writes${guess === undefined ? '' : ` (did you mean ${guess}?)`}; use --client ${BROWSER_CLIENTS.join(' or --client ')}.`);
}

/** What else people call the three, for "did you mean". */
const DATABASE_ALIASES: Readonly<Record<string, string>> = { postgresql: 'postgres', pg: 'postgres', psql: 'postgres', mariadb: 'mysql', sqlite3: 'sqlite' };

async function runNew(context: CliContext, plan: NewPlan): Promise<void> {
  const { target } = plan;
  const tree = new VirtualTree(diskReader(target));
  const report = generateApp(tree, {
    name: appPackageName(basename(target)),
    example: plan.example,
    database: plan.database,
    redis: plan.redis,
    runtimeSpec: plan.runtime.spec,
    sailsRtVersion: VERSION,
    browserClient: readBrowserClient(plan.client),
    // Drawn here, not in the generator, which stays a pure function of its options.
    sessionSecret: randomBytes(32).toString('hex'),
    force: plan.force,
    templates: readTemplates(),
  });
  if (plan.definitions) {
    const models = generateModels(tree, { definitions: plan.definitions, force: plan.force, templates: readTemplates() });
    report.skipped.push(...models.skipped);
    report.conflicts.push(...models.conflicts);
  }
  const changes = tree.listChanges();
  if (plan.runtime.vendored !== undefined) await vendorRuntime(target, plan.runtime.vendored, changes, report);
  printChanges(context, changes, report);
  if (plan.dryRun) {
    context.stdout(`\nDry run: nothing was written (${counted(changes.length, 'file')} would change).\n`);
    return;
  }
  const trap = context.trapInterrupts();
  try {
    await writeChanges(target, changes, trap.signal);
    if (plan.install) await install(context, plan, trap.signal);
    else if (trap.signal.aborted) throw new CliError(`Interrupted; the app is written in ${target}.`, INTERRUPTED);
  } finally {
    trap.release();
  }

  const shown = relative(context.cwd, target) || '.';
  const steps = [
    ...(shown === '.' ? [] : [`cd ${shellWord(shown)}`]),
    ...(plan.install ? [] : ['npm install']),
    'npx sails-rt lift',
    'npm test',
  ];
  context.stdout(`\n${paint(context, 'green', 'Done.')} Next:\n${steps.map((step) => `  ${step}\n`).join('')}`);
}

/**
 * Adds this copy of sails-rt, packed, to the changes as `path` (vendor/sails-rt-<version>.tgz),
 * which the app's package.json names: the app then installs without a registry that has sails-rt.
 */
async function vendorRuntime(target: string, path: string, changes: FileChange[], report: GenerateReport): Promise<void> {
  let tarball: Buffer;
  try {
    tarball = runtimeTarball(PACKAGE_ROOT);
  } catch (error) {
    throw new CliError(
      `Could not pack sails-rt from ${PACKAGE_ROOT} into ${path} (${(error as Error).message}); pass --runtime with the npm spec the app should depend on sails-rt with instead.`,
      1,
      { cause: error },
    );
  }
  const existing = await readFile(join(target, path)).catch(() => undefined);
  if (existing?.equals(tarball)) report.skipped.push(path);
  else changes.push({ path, type: existing ? 'UPDATE' : 'CREATE', content: tarball });
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function askTarget(context: CliContext, force: boolean): Promise<string> {
  return askUntil(
    context,
    () => text(context, 'Folder for the new app (its name becomes the package name):', DEFAULT_DIR),
    (dir) => checkTarget(context, dir, force),
  );
}

function askDefinitions(context: CliContext): Promise<DefinitionsFile | undefined> {
  return askUntil(
    context,
    () => text(context, 'Generate models from a definitions file? Its path (.json, .yaml or .yml), or nothing for none:', ''),
    async (file) => (file === '' ? undefined : readDefinitions(context, file, 'answer with the path of a .json or .yaml definitions file, or with nothing for none')),
  );
}

/** The absolute folder for `dir`, refused when it is a file, or not empty without --force. */
async function checkTarget(context: CliContext, dir: string, force: boolean): Promise<string> {
  const target = resolve(context.cwd, dir);
  // Read even with --force: a file where the folder should be is refused either way.
  const existing = await entries(target);
  if (!force && existing.length > 0) {
    throw new CliError(`The folder ${target} is not empty; choose a new folder, or pass --force to write into it.`);
  }
  return target;
}

/**
 * npm install in the new app. On a terminal, our own spinner stands in for npm's output, which
 * is kept to explain a failure; elsewhere (CI logs, pipes) npm's output goes through as it comes.
 */
async function install(context: CliContext, plan: NewPlan, signal: AbortSignal): Promise<void> {
  const { target } = plan;
  if (signal.aborted) {
    throw new CliError(`Interrupted before npm install; the app is written, so run npm install in ${target}.`, INTERRUPTED);
  }
  const started = performance.now();
  let output: string;
  if (context.tty) context.stdout('\n');
  else context.stdout(`\nInstalling dependencies with npm install in ${target}...\n`);
  const spinner = context.tty ? startSpinner(context, 'Installing dependencies (npm install)') : undefined;
  try {
    ({ output } = await context.exec('npm', ['install'], { cwd: target, signal, ...(context.tty ? { quiet: true } : {}) }));
  } catch (error) {
    spinner?.stop();
    if (signal.aborted) {
      throw new CliError(`Interrupted during npm install; the app is written, so run npm install in ${target}.`, INTERRUPTED);
    }
    const said = error instanceof ExecError ? error.output : '';
    if (context.tty && said.trim() !== '') context.stderr(`${tail(said)}\n`);
    throw new CliError(installFailure(plan, error, said));
  } finally {
    spinner?.stop();
  }
  const summary = npmSummary(output);
  context.stdout(`Installed dependencies in ${((performance.now() - started) / 1000).toFixed(1)} s${summary ? ` (${summary})` : ''}.\n`);
}

/** The sentence for a failed npm install: why, when npm's output says, and what to do next. */
function installFailure(plan: NewPlan, error: unknown, output: string): string {
  if (registryLacksSailsRt(output)) {
    return (
      `npm install failed in ${plan.target} because the npm registry has no sails-rt ${plan.runtime.spec}; ` +
      `run new again with --force and --runtime naming where sails-rt is, e.g. --runtime file:/path/to/sails-rt-${VERSION}.tgz or --runtime file:/path/to/a/sails-rt/checkout.`
    );
  }
  const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  return `npm install failed in ${plan.target} (${reason}); the app is written, so run npm install there once the problem is fixed.`;
}

/**
 * npm said the registry has no sails-rt: a 404 for the package itself (E404, `404 Not Found - GET
 * .../sails-rt`, `'sails-rt@^0.1.0' is not in this registry`), or no version matching the spec
 * (ETARGET). A 404 for another package (sails-rt-foo) is some other problem.
 */
function registryLacksSailsRt(output: string): boolean {
  return /^npm (?:error|ERR!) 404\b.*(?:\/sails-rt(?=\s|$)|'sails-rt@)/m.test(output) || /No matching version found for sails-rt@/.test(output);
}

/** npm's closing summary without the audit and the time, e.g. `added 187 packages`; undefined if it printed none. */
function npmSummary(output: string): string | undefined {
  return /^((?:added|removed|changed|up to date)\b.*?)(?:,? (?:and )?audited .*)? in [\d.]+m?s$/m.exec(output)?.[1];
}

const TAIL_LINES = 40;

/** The last lines of a program's output, saying how many were left out above them. */
function tail(output: string): string {
  const lines = output.trimEnd().split('\n');
  if (lines.length <= TAIL_LINES) return lines.join('\n');
  return [`(${counted(lines.length - TAIL_LINES, 'earlier line')} of npm's output left out)`, ...lines.slice(-TAIL_LINES)].join('\n');
}

/** Reads and validates a definitions file before anything is generated, so a bad file writes nothing. */
async function readDefinitions(context: CliContext, file: string, fix: string): Promise<DefinitionsFile> {
  let source: string;
  try {
    source = await readFile(resolve(context.cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`The models file ${file} does not exist; ${fix}.`);
    if (code === 'EISDIR') throw new CliError(`The models file ${file} is a folder; ${fix}.`);
    throw error;
  }
  return parseDefinitionsFile(file, source);
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new CliError(`${dir} is a file, not a folder; choose another name for the app.`);
    }
    throw error;
  }
}
