/**
 * Questions at the terminal, typed: each goes through the one injectable CliContext.ask, so a
 * command never loads prompts itself and tests answer without a terminal.
 */
import type { CliContext } from './context.js';
import { CliError } from './errors.js';
import { paint } from './output.js';
import { SchemaError } from '../schema/errors.js';

/**
 * Yes or no.
 *
 * @example const example = await confirm(context, 'Include the SayController realtime example?', true);
 */
export async function confirm(context: CliContext, message: string, initial: boolean): Promise<boolean> {
  const answer = await context.ask({ kind: 'confirm', message, initial });
  if (typeof answer !== 'boolean') throw new TypeError(`CliContext.ask answered "${message}" with a ${typeof answer}, not a boolean.`);
  return answer;
}

/**
 * A line of text, trimmed and without control characters; nothing typed means `initial`.
 *
 * @example const dir = await text(context, 'Folder for the new app:', 'my-app');
 */
export async function text(context: CliContext, message: string, initial: string): Promise<string> {
  const answer = await context.ask({ kind: 'text', message, initial });
  if (typeof answer !== 'string') throw new TypeError(`CliContext.ask answered "${message}" with a ${typeof answer}, not a string.`);
  // Control keys the prompt does not handle (Ctrl-U, Ctrl-W) arrive as characters: never part of a path or name.
  // eslint-disable-next-line no-control-regex
  return answer.replace(/[\u0000-\u001f\u007f]/g, '').trim() || initial;
}

/**
 * Asks until `accept` takes the answer. A refusal written for the user (a CliError or a
 * SchemaError, one sentence with the fix) is printed and the question asked again, as the user
 * at a terminal can fix it at once; any other error ends the run.
 *
 * @example const target = await askUntil(context, () => text(context, 'Folder:', 'my-app'), (dir) => checkTarget(dir));
 */
export async function askUntil<T>(context: CliContext, question: () => Promise<string>, accept: (answer: string) => Promise<T>): Promise<T> {
  for (;;) {
    const answer = await question();
    try {
      return await accept(answer);
    } catch (error) {
      if (!(error instanceof CliError || error instanceof SchemaError)) throw error;
      context.stderr(`${paint(context, 'yellow', 'Try again:')} ${error.message}\n`);
    }
  }
}
