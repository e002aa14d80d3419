/**
 * A failure the user can act on: the message is one sentence naming the file, flag or value
 * and the fix. The top level prints it as `Error: <message>` and exits with `exitCode`: 1, or
 * 130 when the user interrupted the run (Ctrl-C), as shells report it.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The exit code of a run the user interrupted with Ctrl-C (128 + SIGINT). */
export const INTERRUPTED = 130;
