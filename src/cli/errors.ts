/**
 * A failure the user can act on: the message is one sentence naming the file, flag or value
 * and the fix. The top level prints it as `Error: <message>` and exits 1.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
}
