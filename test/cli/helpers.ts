/** Helpers for the CLI tests: run the built bin/sails-rt.js in temp folders, read what it wrote. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, vi } from 'vitest';
import type { CliContext } from '../../src/cli/index.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/[\\/]$/, '');
const BIN = join(ROOT, 'bin', 'sails-rt.js');

if (!existsSync(join(ROOT, 'dist', 'cli', 'index.js'))) {
  throw new Error('dist/cli is missing: run `npm run build` before the CLI tests (npm test does).');
}

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/sails-rt.js ...args` in `cwd`, with stdin not a terminal (an open pipe that
 * never answers: a prompt would hang until the timeout) and without colours.
 */
export async function cli(cwd: string, ...args: string[]): Promise<CliRun> {
  const result = await execa(process.execPath, [BIN, ...args], {
    cwd,
    reject: false,
    stdin: 'pipe',
    timeout: 20_000,
    env: { NO_COLOR: '1' },
  });
  if (result.timedOut) throw new Error(`sails-rt ${args.join(' ')} did not finish within 20 s (waiting for input?)`);
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A new temp folder, removed after the file's tests. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sails-rt-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir` with its content, by relative path (forward slashes), sorted. */
export function snapshotDir(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    // The compiled copies of the app's TypeScript (docs/runtime.md, Lift): a cache, ignored by git.
    if (relative(dir, full).split(sep).join('/').startsWith('.tmp/sails-rt/')) continue;
    files[relative(dir, full).split(sep).join('/')] = readFileSync(full, 'utf8');
  }
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The change lines (CREATE/UPDATE/DELETE/SKIP/CONFLICT) of a run's output. */
export function changeLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^(CREATE|UPDATE|DELETE|SKIP|CONFLICT) /.test(line));
}

/** A CliContext for main() in process: output collected, questions and npm install stubbed. */
export function stubContext(cwd: string, overrides: Partial<CliContext> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const exec = vi.fn<CliContext['exec']>(async () => ({ output: '' }));
  // Ctrl-C, pressed by calling interrupt(); `release` is the trap's release, spied on.
  const interrupts = new AbortController();
  const release = vi.fn();
  const context: CliContext = {
    cwd,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    color: false,
    tty: false,
    interactive: false,
    ask: async (question) => Promise.reject(new Error(`unexpected question: ${question.message}`)),
    exec,
    trapInterrupts: () => ({ signal: interrupts.signal, release }),
    ...overrides,
  };
  return { context, exec, release, interrupt: () => interrupts.abort(), stdout: () => out.join(''), stderr: () => err.join('') };
}

/** A stand-in `npm` in a new folder of `dir`: `body` is its shell script. Put the folder first on PATH. */
export function fakeNpm(dir: string, body: string): string {
  const bin = mkdtempSync(join(dir, 'fake-npm-'));
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return bin;
}

/** What a run under a pseudo-terminal printed (stdout and stderr together, as the terminal showed them). */
export interface TerminalRun {
  exitCode: number;
  /** With the terminal's \r\n turned back into \n; a lone \r (a redrawn line) is kept. */
  output: string;
}

/**
 * Runs `node bin/sails-rt.js ...args` under a pseudo-terminal (util-linux `script`), so stdin and
 * stdout are TTYs. Each answer is typed once its prompt text has appeared, as a person would:
 * prompts reads raw keys, so `\r` is Enter and `y`/`n` answer a confirm. `extraEnv` adds to a
 * small environment without CI (which turns the spinner off).
 */
export async function inTerminal(
  cwd: string,
  args: readonly string[],
  { answers = [], extraEnv = {} }: { answers?: readonly (readonly [prompt: string, keys: string])[]; extraEnv?: Record<string, string> } = {},
): Promise<TerminalRun> {
  const command = [process.execPath, BIN, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  const child = execa('script', ['-qec', command, '/dev/null'], {
    cwd,
    reject: false,
    timeout: 20_000,
    stripFinalNewline: false,
    extendEnv: false,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? cwd, TERM: 'xterm', NO_COLOR: '1', ...extraEnv },
  });
  const pending = [...answers];
  let seen = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    const next = pending[0];
    if (next && seen.includes(next[0])) {
      pending.shift();
      seen = '';
      child.stdin?.write(next[1]);
    }
  });
  const result = await child;
  if (result.timedOut) throw new Error(`sails-rt ${args.join(' ')} did not finish within 20 s under a terminal (a prompt left unanswered: ${pending[0]?.[0] ?? 'none'})`);
  return { exitCode: result.exitCode ?? -1, output: String(result.stdout).replaceAll('\r\n', '\n') };
}

/**
 * The pids whose parent is `pid`, read from /proc (Linux); with `command`, only those whose
 * command line holds it (e.g. 'sails-rt.js', leaving out esbuild's service).
 */
export function childrenOf(pid: number, command?: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) return false;
        return command === undefined || readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(command);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Whether a process with this pid is running. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
