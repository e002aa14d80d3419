import type { Command } from 'commander';
import {
  diskReader,
  emptyReport,
  generateModel,
  generatePolicy,
  modelDefinitionFromSpecs,
  readTemplates,
  regenerate,
  VirtualTree,
  type FileChange,
  type GenerateReport,
} from '../../generator/index.js';
import { normalizeModels, type ModelSource } from '../../schema/index.js';
import { findApp } from '../app-folder.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { printChanges } from '../output.js';
import { writeChanges } from '../write.js';

interface GenerateFlags {
  dryRun?: boolean;
}

interface OwnedFlags extends GenerateFlags {
  force?: boolean;
}

// The nouns of DESIGN.md that later work adds; named so a user who tries one learns it is coming.
const PLANNED = ['controller', 'api', 'action'];

export function registerGenerate(program: Command, context: CliContext): void {
  const generate = program
    .command('generate')
    .alias('g')
    .description('Add to the app in this folder; with no noun, re-derive generated/ from api/models.')
    .argument('[noun]', 'what to add: model or policy')
    .allowExcessArguments()
    .option('--dry-run', 'list the files that would change, and write nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt generate                      re-derive generated/ from api/models
  $ sails-rt generate --dry-run            list what would change
  $ sails-rt generate model User name:string:required email:string:isEmail age:number
  $ sails-rt generate policy isLoggedIn`,
    )
    .action(async (noun: string | undefined, flags: GenerateFlags) => {
      if (noun !== undefined) {
        const planned = PLANNED.includes(noun) ? ` ("${noun}" is planned but not built yet)` : '';
        throw new CliError(`There is no generator "${noun}"${planned}; use \`sails-rt generate model <Name> [attributes...]\`, \`sails-rt generate policy <name>\`, or no noun to re-derive generated/.`);
      }
      await runRegenerate(context, flags);
    });

  generate
    .command('model')
    .description('Add a model: api/models/<Name>.ts, its controller and test, then re-derive generated/.')
    .argument('<name>', 'the model name, e.g. User or BlogPost')
    .argument('[attributes...]', 'attribute specs name:type[:flag...]; types string, number, boolean, json; flags required, unique, allowNull, isEmail; links name:model:<model> and name:collection:<model>:<via>')
    .option('--force', 'overwrite files you changed, keeping yours as <file>.orig')
    .option('--dry-run', 'list the files that would change, and write nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt generate model User name:string:required email:string:isEmail:unique age:number
  $ sails-rt generate model Pet name:string:required vaccinated:boolean notes:json
  $ sails-rt generate model Pet name:string owner:model:user                 a to-one link
  $ sails-rt generate model User name:string pets:collection:pet:owner       one-to-many, via Pet.owner
  $ sails-rt generate model Tag label:string users:collection:user:tags      many-to-many with User tags:collection:tag:users
  $ sails-rt generate model User name:string --dry-run     lists what would change
  $ sails-rt generate model User name:string --force       overwrites, keeping User.ts.orig`,
    )
    .action(async (name: string, attributes: string[], flags: OwnedFlags, command: Command) => {
      // --dry-run may be parsed by `generate` itself when it comes after the noun.
      const dryRun = Boolean(flags.dryRun || command.parent?.opts<GenerateFlags>().dryRun);
      await runModel(context, name, attributes, { ...flags, dryRun });
    });

  generate
    .command('policy')
    .description('Add a policy: api/policies/<name>.ts, which config/policies.ts can then map to actions.')
    .argument('<name>', 'the policy name in camelCase, e.g. isLoggedIn')
    .option('--force', 'overwrite the policy file if you changed it, keeping yours as <file>.orig')
    .option('--dry-run', 'list the files that would change, and write nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt generate policy isLoggedIn              writes api/policies/isLoggedIn.ts
  $ sails-rt generate policy isLoggedIn --dry-run    lists what would change
  $ sails-rt generate policy isLoggedIn --force      overwrites, keeping isLoggedIn.ts.orig
Then map it in config/policies.ts, e.g. UserController: { '*': 'isLoggedIn', find: true }.`,
    )
    .action(async (name: string, flags: OwnedFlags, command: Command) => {
      const dryRun = Boolean(flags.dryRun || command.parent?.opts<GenerateFlags>().dryRun);
      await runPolicy(context, name, { ...flags, dryRun });
    });
}

/** Reads api/models; loaded on demand because it registers tsx, which `new` does not need. */
async function loadModelSources(appPath: string): Promise<ModelSource[]> {
  const load = await import('../../schema/load/index.js');
  return load.loadModelSources(appPath);
}

async function runRegenerate(context: CliContext, flags: GenerateFlags): Promise<void> {
  const app = await findApp(context.cwd, 'generate');
  const notes: string[] = [];
  const models = normalizeModels(await loadModelSources(app.path), { missingTargets: 'allow', pending: notes });
  const tree = new VirtualTree(diskReader(app.path));
  regenerate(tree, models, readTemplates());
  await finish(context, app.path, tree.listChanges(), emptyReport(), flags);
  printNotes(context, notes);
}

async function runModel(context: CliContext, name: string, specs: string[], flags: OwnedFlags): Promise<void> {
  // The specs first: a typo fails before anything is read or written.
  const definition = modelDefinitionFromSpecs(specs);
  const app = await findApp(context.cwd, 'generate model');
  const existing = await loadModelSources(app.path);
  const tree = new VirtualTree(diskReader(app.path));
  const report = generateModel(tree, { name, definition, existing, force: flags.force, templates: readTemplates() });
  if (report.conflicts.includes(report.modelFile)) {
    printChanges(context, [], report);
    throw new CliError(
      `${report.modelFile} already exists and differs from the model you asked for, so nothing was written; edit it and run \`sails-rt generate\`, or pass --force to replace it (yours is kept as ${report.modelFile}.orig).`,
    );
  }
  await finish(context, app.path, tree.listChanges(), report, flags);
  printNotes(context, report.notes);
}

async function runPolicy(context: CliContext, name: string, flags: OwnedFlags): Promise<void> {
  const app = await findApp(context.cwd, 'generate policy');
  const tree = new VirtualTree(diskReader(app.path));
  // A bad name throws here, before anything is written.
  const report = generatePolicy(tree, { name, force: flags.force, templates: readTemplates() });
  if (report.conflicts.includes(report.policyFile)) {
    printChanges(context, [], report);
    throw new CliError(
      `${report.policyFile} already exists and differs from what sails-rt would write, so nothing was written; keep yours, or pass --force to replace it (yours is kept as ${report.policyFile}.orig).`,
    );
  }
  const changes = tree.listChanges();
  await finish(context, app.path, changes, report, flags);
  if (changes.length > 0 && !flags.dryRun) {
    printNotes(context, [`lift runs it only where config/policies.ts maps it, e.g. UserController: { '*': '${report.policyName}', find: true }.`]);
  }
}

/** E.g. a link to a model that is not generated yet: fine for now, but lift refuses it until it is. */
function printNotes(context: CliContext, notes: readonly string[]): void {
  for (const note of notes) context.stdout(`Note: ${note}\n`);
}

async function finish(context: CliContext, appPath: string, changes: FileChange[], report: GenerateReport, flags: GenerateFlags): Promise<void> {
  printChanges(context, changes, report);
  if (flags.dryRun) {
    context.stdout(`Dry run: nothing was written (${changes.length} files would change).\n`);
    return;
  }
  const trap = context.trapInterrupts();
  try {
    await writeChanges(appPath, changes, trap.signal);
  } finally {
    trap.release();
  }
  if (changes.length === 0 && report.conflicts.length === 0) context.stdout('Nothing to change: every file is up to date.\n');
}
