import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { generateModels } from '../../generator/definitions.js';
import { appPackageName, diskReader, generateApp, readTemplates, VirtualTree } from '../../generator/index.js';
import { parseDefinitionsFile, type DefinitionsFile } from '../../schema/definitions-file.js';
import type { CliContext } from '../context.js';
import { CliError, INTERRUPTED } from '../errors.js';
import { paint, printChanges } from '../output.js';
import { defaultRuntimeSpec, readSailsIoJs, VERSION } from '../package-info.js';
import { writeChanges } from '../write.js';

interface NewFlags {
  yes?: boolean;
  dryRun?: boolean;
  force?: boolean;
  skipInstall?: boolean;
  example: boolean;
  runtime?: string;
  models?: string;
}

export function registerNew(program: Command, context: CliContext): void {
  program
    .command('new')
    .description('Generate a new sails-rt app in <dir>.')
    .argument('<dir>', 'the folder to create; its name becomes the package name')
    .option('-y, --yes', 'take every default instead of asking')
    .option('--dry-run', 'list the files that would be written, and write nothing')
    .option('--force', 'write into a folder that is not empty (a changed file is kept as <file>.orig)')
    .option('--skip-install', 'do not run npm install')
    .option('--no-example', 'leave out the SayController realtime example, its route and its test')
    .option('--models <file>', 'also generate every model of a definitions file (.json, .yaml or .yml; see schema/models.schema.json)')
    .option('--runtime <spec>', 'the npm spec the app depends on sails-rt with (default: this checkout, or ^<version> when installed)')
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt new myapp                          asks what is missing, then installs
  $ sails-rt new myapp --yes                    every default: the example is included
  $ sails-rt new myapp --yes --no-example       without the SayController example
  $ sails-rt new myapp --dry-run                lists the files, writes nothing
  $ sails-rt new myapp --models models.json     with every model of models.json (or .yaml)
  $ sails-rt new . --force                      into the current, non-empty folder
  $ sails-rt new myapp --skip-install           no npm install
  $ sails-rt new myapp --runtime ^0.1.0         depend on sails-rt from the registry
  $ sails-rt new myapp --runtime file:../sails-rt`,
    )
    .action(async (dir: string, flags: NewFlags, command: Command) => {
      const askExample = command.getOptionValueSource('example') === 'default' && !flags.yes && context.interactive;
      await runNew(context, dir, {
        ...flags,
        example: askExample
          ? await context.confirm({ message: 'Include the SayController realtime example?', initial: true })
          : flags.example,
      });
    });
}

async function runNew(context: CliContext, dir: string, flags: NewFlags): Promise<void> {
  const target = resolve(context.cwd, dir);
  const name = appPackageName(basename(target));
  const definitions = flags.models === undefined ? undefined : await readDefinitions(context, flags.models);
  // Read even with --force: a file where the folder should be is refused either way.
  const existing = await entries(target);
  if (!flags.force && existing.length > 0) {
    throw new CliError(`The folder ${target} is not empty; choose a new folder, or pass --force to write into it.`);
  }

  const tree = new VirtualTree(diskReader(target));
  const report = generateApp(tree, {
    name,
    example: flags.example,
    runtimeSpec: flags.runtime ?? defaultRuntimeSpec(),
    sailsRtVersion: VERSION,
    sailsIoJs: readSailsIoJs(),
    // Drawn here, not in the generator, which stays a pure function of its options.
    sessionSecret: randomBytes(32).toString('hex'),
    force: flags.force,
    templates: readTemplates(),
  });
  if (definitions) {
    const models = generateModels(tree, { definitions, force: flags.force, templates: readTemplates() });
    report.skipped.push(...models.skipped);
    report.conflicts.push(...models.conflicts);
  }
  const changes = tree.listChanges();
  printChanges(context, changes, report);
  if (flags.dryRun) {
    context.stdout(`\nDry run: nothing was written (${changes.length} files would change).\n`);
    return;
  }
  const trap = context.trapInterrupts();
  try {
    await writeChanges(target, changes, trap.signal);
    if (!flags.skipInstall) await install(context, target, trap.signal);
    else if (trap.signal.aborted) throw new CliError(`Interrupted; the app is written in ${target}.`, INTERRUPTED);
  } finally {
    trap.release();
  }

  const shown = relative(context.cwd, target) || '.';
  const steps = [
    ...(shown === '.' ? [] : [`cd ${shown}`]),
    ...(flags.skipInstall ? ['npm install'] : []),
    'npx sails-rt lift',
    'npm test',
  ];
  context.stdout(`\n${paint(context, 'green', 'Done.')} Next:\n${steps.map((step) => `  ${step}\n`).join('')}`);
}

async function install(context: CliContext, target: string, signal: AbortSignal): Promise<void> {
  if (signal.aborted) {
    throw new CliError(`Interrupted before npm install; the app is written, so run npm install in ${target}.`, INTERRUPTED);
  }
  context.stdout(`\nInstalling dependencies with npm install in ${target}...\n`);
  try {
    await context.exec('npm', ['install'], { cwd: target, signal });
  } catch (error) {
    if (signal.aborted) {
      throw new CliError(`Interrupted during npm install; the app is written, so run npm install in ${target}.`, INTERRUPTED);
    }
    throw new CliError(
      `npm install failed in ${target} (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); the app is written, so run npm install there once the problem is fixed.`,
    );
  }
}

/** Reads and validates --models before anything is generated, so a bad file writes nothing. */
async function readDefinitions(context: CliContext, file: string): Promise<DefinitionsFile> {
  let text: string;
  try {
    text = await readFile(resolve(context.cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`The models file ${file} does not exist; pass --models the path of a .json or .yaml definitions file.`);
    if (code === 'EISDIR') throw new CliError(`The models file ${file} is a folder; pass --models the path of a .json or .yaml definitions file.`);
    throw error;
  }
  return parseDefinitionsFile(file, text);
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
