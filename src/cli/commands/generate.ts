import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  diskReader,
  emptyReport,
  generateAction,
  generateController,
  generateModel,
  generatePolicy,
  handEdit,
  parseMappingTarget,
  modelDefinitionFromSpecs,
  readTemplates,
  regenerate,
  VirtualTree,
  type FileChange,
  type GenerateReport,
} from '../../generator/index.js';
import { closest, normalizeModels, type ModelSource } from '../../schema/index.js';
import { findApp } from '../app-folder.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { counted, printChanges } from '../output.js';
import { writeChanges } from '../write.js';
import { repeatable, runGenerateMigration, type MigrationFlags } from './generate-migration.js';

interface GenerateFlags {
  dryRun?: boolean;
}

interface OwnedFlags extends GenerateFlags {
  force?: boolean;
}

interface PolicyFlags extends OwnedFlags {
  on: string[];
}

/** The nouns of `generate`, for "did you mean". */
const NOUNS = ['model', 'api', 'controller', 'action', 'policy', 'migration'];

export function registerGenerate(program: Command, context: CliContext): void {
  const generate = program
    .command('generate')
    .alias('g')
    .description('Add to the app in this folder; with no noun, re-derive generated/ from api/models.')
    .argument('[noun]', 'what to add: model, api, controller, action, policy or migration')
    .allowExcessArguments()
    .option('--dry-run', 'list the files that would change, and write nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt generate                      re-derive generated/ from api/models
  $ sails-rt generate --dry-run            list what would change
  $ sails-rt generate model User name:string:required email:string:isEmail age:number
  $ sails-rt generate api Pet name:string   the model and its controller, as Sails' generate api
  $ sails-rt generate controller Say hello goodbye
  $ sails-rt generate action user/signup
  $ sails-rt generate policy isLoggedIn
  $ sails-rt generate migration add_age    a migration from what changed in api/models`,
    )
    .action(async (noun: string | undefined, flags: GenerateFlags) => {
      if (noun !== undefined) {
        const guess = closest(noun, NOUNS);
        throw new CliError(`There is no generator "${noun}"${guess ? ` (did you mean ${guess}?)` : ''}; use \`sails-rt generate model|api <Name> [attributes...]\`, \`sails-rt generate controller <Name> [actions...]\`, \`sails-rt generate action <path>\`, \`sails-rt generate policy <name>\`, or no noun to re-derive generated/.`);
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
    .command('api')
    .description("Add a model and its controller, as Sails' generate api: the same files as generate model.")
    .argument('<name>', 'the model name, e.g. Pet or BlogPost')
    .argument('[attributes...]', 'attribute specs name:type[:flag...], as for generate model')
    .option('--force', 'overwrite files you changed, keeping yours as <file>.orig')
    .option('--dry-run', 'list the files that would change, and write nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt generate api Pet name:string             api/models/Pet.ts, api/controllers/PetController.ts, its test
  $ sails-rt generate api Pet name:string --dry-run   lists what would change
  $ sails-rt generate api Pet name:string --force     overwrites, keeping yours as .orig
The blueprints serve the model's routes; add actions with sails-rt generate controller Pet <actions...>.`,
    )
    .action(async (name: string, attributes: string[], flags: OwnedFlags, command: Command) => {
      const dryRun = Boolean(flags.dryRun || command.parent?.opts<GenerateFlags>().dryRun);
      await runModel(context, name, attributes, { ...flags, dryRun });
    });

  generate
    .command('controller')
    .description('Add a controller: api/controllers/<Name>Controller.ts with an action per name, and a GET route per action in config/routes.ts.')
    .argument('<name>', 'the controller name, e.g. Say (writes SayController.ts)')
    .argument('[actions...]', 'action names, e.g. hello goodbye')
    .option('--force', 'overwrite the controller file if you changed it, keeping yours as <file>.orig')
    .option('--dry-run', 'list the files that would change, and write nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt generate controller Say hello goodbye             SayController.ts; 'GET /say/hello': 'SayController.hello', ...
  $ sails-rt generate controller Say hello --dry-run           lists what would change
  $ sails-rt generate controller Say hello goodbye --force     overwrites, keeping SayController.ts.orig
A controller you changed is left alone and the command writes nothing, routes included: add the
actions and their routes yourself (the error names them), or pass --force.`,
    )
    .action(async (name: string, actions: string[], flags: OwnedFlags, command: Command) => {
      const dryRun = Boolean(flags.dryRun || command.parent?.opts<GenerateFlags>().dryRun);
      await runController(context, name, actions, { ...flags, dryRun });
    });

  generate
    .command('action')
    .description("Add a standalone action, Sails' api/controllers/<path>.ts, and a POST route to it in config/routes.ts.")
    .argument('<path>', 'the action path, e.g. user/signup')
    .option('--force', 'overwrite the action file if you changed it, keeping yours as <file>.orig')
    .option('--dry-run', 'list the files that would change, and write nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt generate action user/signup             api/controllers/user/signup.ts; 'POST /user/signup': 'user/signup'
  $ sails-rt generate action user/signup --dry-run   lists what would change
  $ sails-rt generate action user/signup --force     overwrites, keeping signup.ts.orig
Unlike Sails' generate action, this also adds the route (POST; change the verb in config/routes.ts).`,
    )
    .action(async (path: string, flags: OwnedFlags, command: Command) => {
      const dryRun = Boolean(flags.dryRun || command.parent?.opts<GenerateFlags>().dryRun);
      await runAction(context, path, { ...flags, dryRun });
    });

  generate
    .command('migration')
    .description('Write migrations/<stamp>_<name>.ts: what changes the schema of the last migration into the one api/models need (and its snapshot, .json).')
    .argument('<name>', 'what the migration does, e.g. init or add_age')
    .option('--rename <from=to>', 'a table (person=user) or column (user.fullName=user.name, under the table\'s new name) that was renamed; repeatable', repeatable, [] as string[])
    .option('--drop <what>', 'drop a table (pet) or column (user.age) no model uses, with its data; repeatable', repeatable, [] as string[])
    .option('--keep <what>', 'keep a table or column no model uses, with its data (what --yes does); repeatable', repeatable, [] as string[])
    .option('--change-type <table.column>', "convert a column's values to its attribute's new type; repeatable", repeatable, [] as string[])
    .option('--fill <table.column=value>', 'the value the rows a table already has get in a new required column (JSON, else text); repeatable', repeatable, [] as string[])
    .option('-y, --yes', 'answer what is not said by a flag safely: drop nothing (keep it), rename nothing, fill new required columns with the empty value of their type')
    .option('--dry-run', 'list the changes and files, and write nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt generate migration init                      the first one: every table
  $ sails-rt generate migration add_age                   after adding age to api/models/User.ts
  $ sails-rt generate migration rename_name --rename user.fullName=user.name
  $ sails-rt generate migration drop_age --drop user.age
  $ sails-rt generate migration nick --fill user.nick=anonymous
  $ sails-rt generate migration cleanup --yes             keeps what no model uses, asks nothing
A drop, a rename, a type change or a new required column without defaultsTo is never decided
silently: it is asked at a terminal, said by a flag, or (without either) the command writes nothing
and names the flags. It needs no database: the schema so far is the last migrations/*.json.`,
    )
    .action(async (name: string, flags: MigrationFlags, command: Command) => {
      const dryRun = Boolean(flags.dryRun || command.parent?.opts<GenerateFlags>().dryRun);
      await runGenerateMigration(context, name, { ...flags, dryRun });
    });

  generate
    .command('policy')
    .description('Add a policy: api/policies/<name>.ts; with --on, also map it in config/policies.ts.')
    .argument('<name>', 'the policy name in camelCase, e.g. isLoggedIn')
    .option(
      '--on <target>',
      "map it in config/policies.ts to UserController (every action), UserController.create, user/signup (a standalone action), 'user/*' (every standalone action of a folder) or '*' (the default); repeatable",
      (target: string, targets: string[]) => [...targets, target],
      [] as string[],
    )
    .option('--force', 'overwrite the policy file if you changed it, keeping yours as <file>.orig')
    .option('--dry-run', 'list the files that would change, and write nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt generate policy isLoggedIn                                 writes api/policies/isLoggedIn.ts
  $ sails-rt generate policy isLoggedIn --on UserController             and maps it: UserController: { '*': 'isLoggedIn' }
  $ sails-rt generate policy isAdmin --on UserController.destroy --on user/signup
  $ sails-rt generate policy isLoggedIn --on 'user/*'                   every standalone action in api/controllers/user/
  $ sails-rt generate policy isLoggedIn --on '*'                        the default for every action
  $ sails-rt generate policy isLoggedIn --dry-run                       lists what would change
  $ sails-rt generate policy isLoggedIn --force                         overwrites, keeping isLoggedIn.ts.orig
--on keeps your comments and formatting, and keeps what a key already runs: 'isAdmin' becomes
['isAdmin', 'isLoggedIn'], true (open) becomes 'isLoggedIn', a key that runs it already is left
alone, and false (denied to everyone) is refused.`,
    )
    .action(async (name: string, flags: PolicyFlags, command: Command) => {
      const dryRun = Boolean(flags.dryRun || command.parent?.opts<GenerateFlags>().dryRun);
      await runPolicy(context, name, { ...flags, dryRun });
    });
}

/** Reads api/models; loaded on demand because it compiles them (esbuild), which `new` does not need. */
async function loadModelSources(appPath: string): Promise<ModelSource[]> {
  const load = await import('../../schema/load/index.js');
  return load.loadModelSources(appPath);
}

async function runRegenerate(context: CliContext, flags: GenerateFlags): Promise<void> {
  const app = await findApp(context.cwd, 'generate');
  await regenerateApp(context, app.path, flags);
}

/**
 * `sails-rt generate` with no noun, for the app at `appPath`. `lift --watch` runs it in the child
 * that is about to lift, which imports the same models next, from its module cache.
 */
export async function regenerateApp(context: CliContext, appPath: string, flags: GenerateFlags = {}): Promise<void> {
  const notes: string[] = [];
  const models = normalizeModels(await loadModelSources(appPath), { missingTargets: 'allow', pending: notes });
  const tree = new VirtualTree(diskReader(appPath));
  regenerate(tree, models, readTemplates());
  await finish(context, appPath, tree.listChanges(), emptyReport(), flags);
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

async function runPolicy(context: CliContext, name: string, flags: PolicyFlags): Promise<void> {
  const app = await findApp(context.cwd, 'generate policy');
  const tree = new VirtualTree(diskReader(app.path));
  // A bad name or target, or a config/policies.ts that refuses the mapping, throws here before anything is written.
  const controllers = flags.on.length === 0 ? [] : await controllerNames(app.path);
  const report = await generatePolicy(tree, { name, on: flags.on, controllers, force: flags.force, templates: readTemplates() });
  if (report.conflicts.includes(report.policyFile)) {
    // All or nothing: the mapping is not written either, so that a refused command leaves the app as it was.
    const added = report.mappings.filter((mapping) => mapping.outcome !== 'present');
    const entries = added.map((mapping) => handEdit(report.policyName, parseMappingTarget(mapping.target)));
    const byHand = entries.length === 0 ? '' : `to map yours, add ${entries.join(', ')} to config/policies.ts yourself`;
    refuseConflict(context, report, report.policyFile, byHand);
  }
  const changes = tree.listChanges();
  await finish(context, app.path, changes, report, flags);
  if (!flags.dryRun) for (const mapping of report.mappings) context.stdout(`${mapping.message}\n`);
  printNotes(context, report.notes);
  if (report.mappings.length === 0 && changes.length > 0 && !flags.dryRun) {
    printNotes(context, [
      `lift runs it only where config/policies.ts maps it, e.g. UserController: { '*': '${report.policyName}', find: true }.`,
      `sails-rt generate policy ${report.policyName} --on UserController (or UserController.create, user/signup, 'user/*', '*') writes the mapping for you.`,
    ]);
  }
}

async function runController(context: CliContext, name: string, actions: string[], flags: OwnedFlags): Promise<void> {
  const app = await findApp(context.cwd, 'generate controller');
  const tree = new VirtualTree(diskReader(app.path));
  // A bad name or action, or a routes file without its object, throws here before anything is written.
  const report = await generateController(tree, { name, actions, force: flags.force, templates: readTemplates() });
  if (report.conflicts.includes(report.controllerFile)) {
    const controller = report.controllerFile.replace(/^.*\//, '').replace(/\.ts$/, '');
    const missing = report.routesAdded.map((key) => ({ key, action: key.replace(/^.*\//, '') }));
    refuseConflict(
      context,
      report,
      report.controllerFile,
      missing.length === 0
        ? ''
        : `to keep yours, add ${missing.map(({ action }) => action).join(', ')} to it and ${missing.map(({ key, action }) => `'${key}': '${controller}.${action}'`).join(', ')} to config/routes.ts yourself`,
    );
  }
  await finish(context, app.path, tree.listChanges(), report, flags);
}

async function runAction(context: CliContext, path: string, flags: OwnedFlags): Promise<void> {
  const app = await findApp(context.cwd, 'generate action');
  const tree = new VirtualTree(diskReader(app.path));
  const report = await generateAction(tree, { path, force: flags.force, templates: readTemplates() });
  if (report.conflicts.includes(report.actionFile)) {
    const target = report.actionFile.replace(/^api\/controllers\//, '').replace(/\.ts$/, '');
    refuseConflict(context, report, report.actionFile, report.routesAdded.map((key) => `to keep yours, add '${key}': '${target}' to config/routes.ts yourself`).join(''));
  }
  await finish(context, app.path, tree.listChanges(), report, flags);
}

/**
 * A user-owned file the command would replace differs from what sails-rt writes: the command is
 * refused whole, routes and policies included, so that nothing points at code that is not there
 * (a route to an action your controller lacks stops the next lift). `byHand` is how to get the
 * rest without --force; nothing when there is no rest.
 */
function refuseConflict(context: CliContext, report: GenerateReport, file: string, byHand: string): never {
  printChanges(context, [], report);
  throw new CliError(
    `${file} already exists and differs from what sails-rt would write, so nothing was written; ${byHand || 'keep yours'}, or pass --force to replace it (yours is kept as ${file}.orig).`,
  );
}

/** `UserController` for each api/controllers/UserController.ts and each api/models/User.ts. */
async function controllerNames(appPath: string): Promise<string[]> {
  const stems = async (folder: string) => (await readdir(join(appPath, folder)).catch(() => [] as string[])).map((file) => file.replace(/\.[cm]?[jt]s$/, ''));
  const controllers = (await stems('api/controllers')).filter((stem) => /^[A-Za-z0-9]+Controller$/.test(stem));
  const models = (await stems('api/models')).filter((stem) => /^[A-Za-z][A-Za-z0-9]*$/.test(stem)).map((stem) => `${stem}Controller`);
  return [...new Set([...controllers, ...models])];
}

/** E.g. a link to a model that is not generated yet: fine for now, but lift refuses it until it is. */
function printNotes(context: CliContext, notes: readonly string[]): void {
  for (const note of notes) context.stdout(`Note: ${note}\n`);
}

async function finish(context: CliContext, appPath: string, changes: FileChange[], report: GenerateReport, flags: GenerateFlags): Promise<void> {
  printChanges(context, changes, report);
  if (flags.dryRun) {
    context.stdout(`Dry run: nothing was written (${counted(changes.length, 'file')} would change).\n`);
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
