/**
 * `sails-rt generate migration <name>`: compares api/models with the schema of the last
 * migration's snapshot, settles what the diff cannot decide (flags, else questions at a
 * terminal, else --yes's safe answers, else a refusal naming the flags), and writes the
 * migration and its snapshot. Registered by ./generate.ts.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  diffSchemas,
  describeChange,
  noDecisions,
  normalizeModels,
  snapshotOf,
  tablesOf,
  type Decisions,
  type SchemaQuestion,
} from '../../schema/index.js';
import { diskReader, emptyReport, generateMigration, migrationName, migrationStamp, VirtualTree } from '../../generator/index.js';
import { findApp } from '../app-folder.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { counted, paint, printChanges } from '../output.js';
import { VERSION } from '../package-info.js';
import { confirm, text } from '../prompts.js';
import { writeChanges } from '../write.js';

export interface MigrationFlags {
  rename: string[];
  drop: string[];
  keep: string[];
  changeType: string[];
  fill: string[];
  yes?: boolean;
  dryRun?: boolean;
}

/** Collects a repeatable option's values. */
export function repeatable(value: string, values: string[]): string[] {
  return [...values, value];
}

export async function runGenerateMigration(context: CliContext, name: string, flags: MigrationFlags): Promise<void> {
  let fileName: string;
  try {
    fileName = migrationName(name);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const decisions = decisionsFromFlags(flags);
  const app = await findApp(context.cwd, 'generate migration');
  const [{ loadModelSources }, { lastSnapshot, migrationFiles }] = await Promise.all([import('../../schema/load/index.js'), import('../../schema/load/migrations.js')]);
  const models = normalizeModels(await loadModelSources(app.path));
  const { schema } = await lastSnapshot(app.path).catch((error: unknown) => {
    throw new CliError((error as Error).message);
  });
  const target = tablesOf(models);

  let diff = diffSchemas(schema, target, decisions);
  let asked = false;
  for (;;) {
    if (diff.unsupported.length > 0) throw new CliError(`${diff.unsupported[0]} Nothing was written.`);
    const question = diff.questions[0];
    if (!question) break;
    if (context.interactive && !flags.yes) {
      if (!asked) printQuestionsHeader(context, diff.questions.length);
      asked = true;
      await ask(context, question, decisions);
    } else if (flags.yes) {
      safeAnswer(question, decisions);
    } else {
      throw new CliError(refusal(diff.questions));
    }
    diff = diffSchemas(schema, target, decisions);
  }

  const next = snapshotOf(diff.next);
  if (diff.changes.length === 0 && isDeepStrictEqual(next, snapshotOf(schema))) {
    context.stdout('Nothing to change: the models match the schema of the last migration, so no migration was written.\n');
    return;
  }
  for (const change of diff.changes) context.stdout(`${describeChange(change)}\n`);
  const existing = await migrationFiles(app.path);
  const tree = new VirtualTree(diskReader(app.path));
  const report = generateMigration(tree, { name: fileName, stamp: nextStamp(existing.map((m) => m.name)), changes: diff.changes, next, version: VERSION });
  const changes = tree.listChanges();
  printChanges(context, changes, emptyReport());
  if (flags.dryRun) {
    context.stdout(`Dry run: nothing was written (${counted(changes.length, 'file')} would change).\n`);
    return;
  }
  const trap = context.trapInterrupts();
  try {
    await writeChanges(app.path, changes, trap.signal);
  } finally {
    trap.release();
  }
  context.stdout(`Review ${report.file}, then run \`sails-rt migrate\` (in development, lift applies it too).\n`);
}

function printQuestionsHeader(context: CliContext, count: number): void {
  context.stdout(`${paint(context, 'yellow', 'The models changed in a way that may lose data or is ambiguous;')} ${count === 1 ? 'one question' : 'a few questions'} before anything is written:\n`);
}

/**
 * The flags as decisions: `--rename person=user`, `--rename user.fullName=user.name`,
 * `--drop user.age`, `--change-type user.age`, `--fill user.nick=anonymous` (JSON, else text).
 */
function decisionsFromFlags(flags: MigrationFlags): Decisions {
  const decisions = noDecisions();
  for (const rename of flags.rename) {
    const match = /^([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)?)=([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)?)$/.exec(rename);
    if (!match || match[1]!.includes('.') !== match[2]!.includes('.')) {
      throw new CliError(`--rename ${rename} cannot be read; write --rename oldTable=newTable, or --rename table.oldColumn=table.newColumn (under the table's new name).`);
    }
    decisions.renames.set(match[1]!, match[2]!);
  }
  for (const drop of flags.drop) decisions.drops.add(checkTarget('--drop', drop, 'a table, or table.column'));
  for (const keep of flags.keep) decisions.keeps.add(checkTarget('--keep', keep, 'a table, or table.column'));
  for (const change of flags.changeType) decisions.typeChanges.add(checkTarget('--change-type', change, 'table.column'));
  for (const fill of flags.fill) {
    const equals = fill.indexOf('=');
    const target = equals < 0 ? '' : fill.slice(0, equals);
    if (!/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/.test(target)) throw new CliError(`--fill ${fill} cannot be read; write --fill table.column=value, e.g. --fill user.nick=anonymous.`);
    decisions.fills.set(target, parseValue(fill.slice(equals + 1)));
  }
  return decisions;
}

function checkTarget(flag: string, value: string, what: string): string {
  if (!/^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)?$/.test(value) || (what === 'table.column' && !value.includes('.'))) {
    throw new CliError(`${flag} ${value} cannot be read; it names ${what}, e.g. ${flag} ${what === 'table.column' ? 'user.age' : 'user.age or pet'}.`);
  }
  return value;
}

/** A value typed for --fill or at the prompt: JSON when it reads as JSON (42, true, "x", {…}), else the text itself. */
function parseValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** What --yes takes: not renamed, kept, filled with the empty value. A type change has no safe answer. */
function safeAnswer(question: SchemaQuestion, decisions: Decisions): void {
  switch (question.kind) {
    case 'renameTable':
    case 'renameColumn':
      decisions.notRenamed.add(question.id);
      return;
    case 'dropTable':
    case 'dropColumn':
      decisions.keeps.add(question.id);
      return;
    case 'fill':
      decisions.fills.set(question.id, question.value);
      return;
    case 'changeType':
      throw new CliError(
        `The type of ${question.id} changes from ${question.from} to ${question.to}, which --yes does not decide (no answer keeps every value as it is), so nothing was written; pass --change-type ${question.id} to convert its values, or change the attribute back.`,
      );
  }
}

async function ask(context: CliContext, question: SchemaQuestion, decisions: Decisions): Promise<void> {
  switch (question.kind) {
    case 'renameTable':
    case 'renameColumn': {
      const what = question.kind === 'renameTable' ? `table ${question.from}` : `column ${question.table}.${question.from}`;
      const yes = await confirm(context, `Was ${what} renamed to ${question.to}? (no: ${question.to} is new)`, false);
      if (yes) decisions.renames.set(question.kind === 'renameTable' ? question.from : `${question.table}.${question.from}`, question.kind === 'renameTable' ? question.to : `${question.table}.${question.to}`);
      else decisions.notRenamed.add(question.id);
      return;
    }
    case 'dropTable':
    case 'dropColumn': {
      const what = question.kind === 'dropTable' ? `table ${question.table} and all its rows` : `column ${question.id} and all its values`;
      const yes = await confirm(context, `No model uses ${question.kind === 'dropTable' ? `table ${question.table}` : `column ${question.id}`} any more. Drop the ${what}? (no: keep it)`, false);
      (yes ? decisions.drops : decisions.keeps).add(question.id);
      return;
    }
    case 'changeType': {
      const yes = await confirm(
        context,
        `Change the type of ${question.id} from ${question.from} to ${question.to}? The database converts the values; one that does not convert fails the migration (PostgreSQL) or becomes 0 or NULL (SQLite, MySQL).`,
        false,
      );
      if (!yes) throw new CliError(`The type of ${question.id} was not changed, so nothing was written; change the attribute back, or run generate migration again and answer yes.`);
      decisions.typeChanges.add(question.id);
      return;
    }
    case 'fill': {
      const answer = await text(context, `${question.id} is required and has no defaultsTo. Value for the rows the table already has (JSON or text):`, JSON.stringify(question.value));
      decisions.fills.set(question.id, parseValue(answer));
      return;
    }
  }
}

/** Without a terminal and without --yes: every open question, and the flag that answers each. */
function refusal(questions: readonly SchemaQuestion[]): string {
  const items = questions.map((question) => {
    switch (question.kind) {
      case 'renameTable':
        return `table ${question.from} may have been renamed to ${question.to} (--rename ${question.from}=${question.to})`;
      case 'renameColumn':
        return `column ${question.table}.${question.from} may have been renamed to ${question.to} (--rename ${question.table}.${question.from}=${question.table}.${question.to})`;
      case 'dropTable':
        return `no model uses table ${question.table} (--drop ${question.table} drops it and its rows, --keep ${question.table} keeps them)`;
      case 'dropColumn':
        return `no attribute uses column ${question.id} (--drop ${question.id} drops it and its values, --keep ${question.id} keeps them)`;
      case 'changeType':
        return `the type of ${question.id} changes from ${question.from} to ${question.to} (--change-type ${question.id})`;
      case 'fill':
        return `${question.id} is required, has no defaultsTo, and its table may have rows (--fill ${question.id}=VALUE)`;
    }
  });
  return `The models changed in ways generate migration does not decide alone, and there is no terminal to ask, so nothing was written: ${items.join('; ')}. Pass those flags, or --yes to keep what would be dropped, rename nothing and fill new required columns with an empty value.`;
}

/** A stamp after every existing migration's, even when two are made within a second. */
function nextStamp(existing: readonly string[]): string {
  let stamp = migrationStamp(new Date());
  const last = existing.map((name) => /^(\d{14})_/.exec(name)?.[1]).filter((s): s is string => s !== undefined).sort().at(-1);
  if (last !== undefined && last >= stamp) stamp = String(BigInt(last) + 1n);
  return stamp;
}
