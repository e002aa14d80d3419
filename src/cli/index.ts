/**
 * The sails-rt command line: parses, asks what is missing, calls the generators or the runtime,
 * prints, and turns every failure into `Error: <one sentence>` and exit code 1.
 */
import { Command, CommanderError } from 'commander';
import { registerBuild } from './commands/build.js';
import { registerLift } from './commands/lift.js';
import { defaultContext, type CliContext } from './context.js';
import { CliError } from './errors.js';
import { paint } from './output.js';
import { VERSION } from './package-info.js';

export { CliError } from './errors.js';
export type { CliContext, Exec, InterruptTrap } from './context.js';

/**
 * Runs the CLI and resolves with the exit code; `bin/sails-rt.js` sets process.exitCode to it.
 * Tests may replace any part of the context (output, exec, prompts, cwd).
 *
 * @example process.exitCode = await main(process.argv);
 */
export async function main(argv: readonly string[], overrides: Partial<CliContext> = {}): Promise<number> {
  const context: CliContext = { ...defaultContext(), ...overrides };
  const program = await buildProgram(context, COMMANDS.get(argv[2] ?? ''));
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')) {
      return 0;
    }
    if (error instanceof CommanderError && error.code === 'commander.help') return error.exitCode;
    context.stderr(`${paint(context, 'red', 'Error:')} ${messageOf(error)}\n`);
    if (argv.includes('--verbose') && error instanceof Error && error.stack) context.stderr(`${error.stack}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}

type CommandName = 'new' | 'generate' | 'lift' | 'build' | 'migrate';
/** The first argument that names a command, aliases included. */
const COMMANDS = new Map<string, CommandName>([
  ['new', 'new'],
  ['generate', 'generate'],
  ['g', 'generate'],
  ['lift', 'lift'],
  ['build', 'build'],
  ['migrate', 'migrate'],
]);

/**
 * The program with every command, or with only the one the first argument names: each loads
 * just its own modules (lift, whose start users wait for, none of the generator's; generate
 * none of new's). A command's own help and errors are the same either way; anything else (no
 * command, a mistyped one, --help) gets them all, for the list and the "did you mean".
 */
async function buildProgram(context: CliContext, only: CommandName | undefined): Promise<Command> {
  const program = new Command('sails-rt')
    .description('Sails.js-compatible realtime apps in TypeScript: scaffold them, then lift them.')
    .version(VERSION, '-v, --version', 'print the version of sails-rt')
    .option('--verbose', 'print the stack trace with an error')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => context.stdout(text),
      writeErr: (text) => context.stderr(text),
      // Parse errors are printed once, by main, as one sentence with the fix.
      outputError: () => {},
    })
    .addHelpText(
      'after',
      `
Examples:
  $ sails-rt new myapp --yes
  $ sails-rt generate model User name:string:required age:number
  $ sails-rt generate migration add_age
  $ sails-rt migrate
  $ sails-rt lift --port 1337
  $ sails-rt new --help                  every flag of a command
  $ sails-rt generate --verbose          an error with its stack trace
  $ sails-rt --version`,
    );
  const register: Record<CommandName, () => Promise<void>> = {
    new: async () => (await import('./commands/new.js')).registerNew(program, context),
    generate: async () => (await import('./commands/generate.js')).registerGenerate(program, context),
    lift: async () => registerLift(program, context),
    build: async () => registerBuild(program, context),
    migrate: async () => (await import('./commands/migrate.js')).registerMigrate(program, context),
  };
  for (const name of only ? [only] : (['new', 'generate', 'lift', 'build', 'migrate'] as const)) await register[name]();
  for (const command of [program, ...allCommands(program)]) {
    command.exitOverride((error) => {
      throw usageError(error, command);
    });
  }
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((child) => [child, ...allCommands(child)]);
}

/** A commander parse error as one sentence that names the problem and where to read the usage. */
function usageError(error: CommanderError, command: Command): CommanderError {
  if (error.exitCode === 0 || error.code === 'commander.help') return error;
  const problem = error.message
    .replace(/^error: /, '')
    .replace(/ is invalid\. /, ' is invalid: ')
    .replace(/\s*\n\s*\(Did you mean (.*)\?\)/, ' (did you mean $1?)')
    .replace(/\.\s*$/, '')
    .replace(/\n+/g, ' ');
  const path = commandPath(command);
  return new CommanderError(1, error.code, `${problem}; see \`${path} --help\` for the usage.`);
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

/**
 * CliError, SchemaError and usage errors are written for the user; anything else is a bug or an
 * environment problem, still reported by its message (its stack with --verbose).
 */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
