import type { Command } from 'commander';
import { findApp } from '../app-folder.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';

/**
 * `sails-rt build`: compiles the app's TypeScript into .tmp/sails-rt/compiled ahead of a lift,
 * as a deploy does once (an image build, a release step), so the first lift of each instance
 * compiles nothing. Lift compiles whatever is missing anyway; this only moves the work.
 */
export function registerBuild(program: Command, context: CliContext): void {
  program
    .command('build')
    .description("Compile the app's TypeScript into .tmp/sails-rt/compiled, so that lift compiles nothing (for a deploy).")
    .addHelpText(
      'after',
      `
It does not type-check: run \`npm run typecheck\` for that. Lift compiles any file that changed since.

Examples:
  $ sails-rt build && NODE_ENV=production sails-rt lift`,
    )
    .action(async () => {
      const app = await findApp(context.cwd, 'build');
      const started = performance.now();
      const { compileApp } = await import('../../schema/load/index.js');
      const { files, errors } = await compileApp(app.path);
      if (errors.length > 0) {
        throw new CliError(`${errors.length === 1 ? 'A file does' : `${errors.length} files do`} not compile; fix ${errors.length === 1 ? 'it' : 'them'} and build again:\n  ${errors.join('\n  ')}`);
      }
      const ms = Math.round(performance.now() - started);
      context.stdout(`Compiled ${files} ${files === 1 ? 'file' : 'files'} into .tmp/sails-rt/compiled (${ms} ms).\n`);
    });
}
