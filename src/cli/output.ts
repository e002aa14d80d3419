import { styleText } from 'node:util';
import type { FileChange, GenerateReport } from '../generator/index.js';
import type { CliContext } from './context.js';

type Style = Parameters<typeof styleText>[0];

/**
 * `text` in `style` when the context has colours, else as it is. The context decides (it checked
 * the terminal once), so styleText is told not to check process.stdout again.
 */
export function paint(context: Pick<CliContext, 'color'>, style: Style, text: string): string {
  return context.color ? styleText(style, text, { validateStream: false }) : text;
}

const STYLES: Record<FileChange['type'], Style> = { CREATE: 'green', UPDATE: 'cyan', DELETE: 'red' };

/**
 * Prints what a generator did: CREATE/UPDATE/DELETE for the tree's changes, SKIP for user-owned
 * files already as they would be written, CONFLICT for those the user changed.
 */
export function printChanges(context: CliContext, changes: readonly FileChange[], report: GenerateReport): void {
  const lines: [string, string][] = [
    ...changes.map((change): [string, string] => [paint(context, STYLES[change.type], change.type), change.path]),
    ...report.skipped.map((path): [string, string] => [paint(context, 'dim', 'SKIP'), `${path} (unchanged)`]),
    ...report.conflicts.map((path): [string, string] => [
      paint(context, ['red', 'bold'], 'CONFLICT'),
      `${path} (yours differs from what sails-rt would write; left as it is, --force overwrites it and keeps yours as ${path}.orig)`,
    ]),
  ];
  for (const [label, text] of lines) context.stdout(`${label} ${text}\n`);
}

/**
 * `count` with its noun, singular or plural as English needs: `1 file`, `2 files`, `0 files`.
 *
 * @example counted(1, 'file') // '1 file'
 */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/**
 * A word as a POSIX shell reads it back: as it is when it has only safe characters, else in
 * single quotes (a quote inside written as '\''), so a printed `cd` can be pasted as it is.
 *
 * @example shellWord('My App') // "'My App'"
 */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", "'\\''")}'`;
}
