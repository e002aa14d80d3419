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
