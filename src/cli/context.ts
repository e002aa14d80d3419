import { CliError, INTERRUPTED } from './errors.js';

/** Runs a program with the user watching (inherited stdio); rejects if it fails or `signal` aborts it. */
export type Exec = (command: string, args: readonly string[], options: { cwd: string; signal?: AbortSignal }) => Promise<void>;

/** Ctrl-C and SIGTERM, caught: while trapped they abort `signal` instead of ending the process. */
export interface InterruptTrap {
  signal: AbortSignal;
  /** Gives the signals back to their default handling. */
  release: () => void;
}

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
  /**
   * Traps Ctrl-C while the CLI writes files or installs, so that it can stop cleanly (no temp
   * file left, the user told what is on disk) instead of dying mid-write.
   */
  trapInterrupts: () => InterruptTrap;
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
    exec: async (command, args, { cwd, signal }) => {
      const { execa } = await import('execa');
      await execa(command, args, { cwd, stdio: 'inherit', ...(signal ? { cancelSignal: signal } : {}) });
    },
    trapInterrupts: () => {
      const controller = new AbortController();
      const onSignal = () => {
        // A second Ctrl-C means now: the first one is already being honoured, cleanly.
        if (controller.signal.aborted) process.exit(INTERRUPTED);
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      return {
        signal: controller.signal,
        release: () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        },
      };
    },
  };
}
