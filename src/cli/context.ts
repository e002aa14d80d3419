import { createRequire } from 'node:module';
import { CliError, INTERRUPTED } from './errors.js';

/**
 * Runs a program and resolves with what it printed; rejects if it fails (with an ExecError,
 * which keeps the output) or if `signal` aborts it. The user watches the output as it comes,
 * unless `quiet`: then the caller shows progress of its own and decides what of the output to print.
 */
export type Exec = (command: string, args: readonly string[], options: { cwd: string; signal?: AbortSignal; quiet?: boolean }) => Promise<ExecResult>;

export interface ExecResult {
  /** stdout and stderr interleaved as they came, the way a terminal would have shown them. */
  output: string;
}

/** A program that failed; `output` is what it printed, so the caller can explain or show it. */
export class ExecError extends Error {
  override readonly name = 'ExecError';

  constructor(
    message: string,
    readonly output: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

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
  /**
   * stdout is a terminal that can redraw a line in place (not TERM=dumb, not a CI log), so
   * progress is shown as one live line rather than as lines of log.
   */
  tty: boolean;
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
    tty: Boolean(process.stdout.isTTY) && process.env['TERM'] !== 'dumb' && !process.env['CI'],
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    ask: (question) => askOnTerminal(question, color),
    exec: execProgram,
    trapInterrupts,
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

/** CliContext.exec with execa, loaded when first needed: most runs never install. */
const execProgram: Exec = async (command, args, { cwd, signal, quiet }) => {
  const { execa, ExecaError } = await import('execa');
  // Captured either way, so that a failure can be explained from what the program said.
  const stream = quiet ? 'pipe' : (['pipe', 'inherit'] as const);
  try {
    const result = await execa(command, args, {
      cwd,
      all: true,
      stdin: 'inherit',
      stdout: stream,
      stderr: stream,
      ...(signal ? { cancelSignal: signal } : {}),
    });
    return { output: result.all };
  } catch (error) {
    if (error instanceof ExecaError) throw new ExecError(error.shortMessage, typeof error.all === 'string' ? error.all : '', { cause: error });
    throw error;
  }
};

function trapInterrupts(): InterruptTrap {
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
}
