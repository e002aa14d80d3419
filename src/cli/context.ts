import { createRequire } from 'node:module';
import { CliError, INTERRUPTED } from './errors.js';

/** Runs a program with the user watching (inherited stdio); rejects if it fails or `signal` aborts it. */
export type Exec = (command: string, args: readonly string[], options: { cwd: string; signal?: AbortSignal }) => Promise<void>;

/** Ctrl-C and SIGTERM, caught: while trapped they abort `signal` instead of ending the process. */
export interface InterruptTrap {
  signal: AbortSignal;
  /** Gives the signals back to their default handling. */
  release: () => void;
}

/**
 * A question for the user at the terminal: yes or no (answered with a boolean), or a line of
 * text (answered with a string; an empty answer means `initial`).
 */
export type Question =
  | { kind: 'confirm'; message: string; initial: boolean }
  | { kind: 'text'; message: string; initial: string };

/** Everything a command touches outside its own arguments, so tests can replace any of it. */
export interface CliContext {
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Colours on: stdout is a terminal and NO_COLOR is not set. */
  color: boolean;
  /** A terminal is attached to stdin and stdout, so a question can be asked. */
  interactive: boolean;
  /**
   * Asks one question and resolves with the answer: a boolean for `confirm`, a string for `text`.
   * Cancelling (Ctrl-C, Esc) rejects with a CliError, as nothing has been written while asking.
   */
  ask: (question: Question) => Promise<boolean | string>;
  /** The one way the CLI runs other programs (npm install). */
  exec: Exec;
  /**
   * Traps Ctrl-C while the CLI writes files or installs, so that it can stop cleanly (no temp
   * file left, the user told what is on disk) instead of dying mid-write.
   */
  trapInterrupts: () => InterruptTrap;
}

export function defaultContext(): CliContext {
  const color = Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'];
  return {
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    color,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    ask: (question) => askOnTerminal(question, color),
    // execa is loaded when first needed: most runs never install.
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

/** CliContext.ask with the prompts package, loaded when first needed: most runs never ask. */
async function askOnTerminal(question: Question, color: boolean): Promise<boolean | string> {
  // prompts colours through its own kleur, which ignores NO_COLOR; that kleur is switched off
  // before prompts loads, as prompts paints some of its symbols once, when it loads.
  if (!color) (createRequire(createRequire(import.meta.url).resolve('prompts'))('kleur') as { enabled: boolean }).enabled = false;
  const { default: prompts } = await import('prompts');
  const answer = (await prompts(
    { type: question.kind, name: 'value', message: question.message, initial: question.initial },
    {
      onCancel: () => {
        throw new CliError('Cancelled at a question; nothing was written.');
      },
    },
  )) as { value: boolean | string };
  return answer.value;
}
