import { CliError } from './errors.js';

/** Runs a program with the user watching (inherited stdio); rejects if it fails. */
export type Exec = (command: string, args: readonly string[], options: { cwd: string }) => Promise<void>;

export interface ConfirmQuestion {
  message: string;
  initial: boolean;
}

/** Everything a command touches outside its own arguments, so tests can replace any of it. */
export interface CliContext {
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Colours on: stdout is a terminal and NO_COLOR is not set. */
  color: boolean;
  /** A terminal is attached to stdin and stdout, so a question can be asked. */
  interactive: boolean;
  confirm: (question: ConfirmQuestion) => Promise<boolean>;
  /** The one way the CLI runs other programs (npm install). */
  exec: Exec;
}

export function defaultContext(): CliContext {
  return {
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    color: Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'],
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    // execa and prompts are loaded when first needed: most runs never ask or install.
    confirm: async ({ message, initial }) => {
      const { default: prompts } = await import('prompts');
      const answer = (await prompts(
        { type: 'confirm', name: 'value', message, initial },
        {
          onCancel: () => {
            throw new CliError('Cancelled at a question; nothing was written.');
          },
        },
      )) as { value: boolean };
      return answer.value;
    },
    exec: async (command, args, { cwd }) => {
      const { execa } = await import('execa');
      await execa(command, args, { cwd, stdio: 'inherit' });
    },
  };
}
