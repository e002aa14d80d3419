import type { DefinitionsFile } from '../schema/definitions-file.js';
import { names } from '../schema/index.js';
import { generateModel } from './model.js';
import { emptyReport, type GenerateReport } from './owned-files.js';
import type { TemplateSet } from './templates.js';
import type { Tree } from './tree.js';

export interface ModelsOptions {
  /** A parsed definitions file (parseDefinitionsFile): already validated as a set. */
  definitions: DefinitionsFile;
  /** Overwrite user-owned files that differ, keeping the old content as `<file>.orig`. */
  force?: boolean | undefined;
  templates: TemplateSet;
}

/**
 * Adds every model of a definitions file to an app, as `generate model` would one at a time:
 * each model's file, controller and test, and generated/ derived from all of them. Every
 * generateModel call sees the whole set, so no link is ever pending.
 *
 * @example generateModels(tree, { definitions: parseDefinitionsFile('shop.json', text), templates })
 */
export function generateModels(tree: Tree, options: ModelsOptions): GenerateReport {
  const report = emptyReport();
  const existing = options.definitions.sources.map((source) => ({
    className: source.className,
    definition: source.definition,
    file: `api/models/${names(source.className).fileName}.ts`,
  }));
  for (const source of options.definitions.sources) {
    const publishWrites = source.definition.publishWrites;
    const modelFile = `api/models/${names(source.className).fileName}.ts`;
    // Seen without its publishWrites line, a model file this wrote before compares equal to
    // the template's output, so a second run is no conflict; the line goes back just below.
    const current = tree.read(modelFile);
    const line = publishWritesLine(publishWrites);
    if (current !== undefined && line !== '' && current.endsWith(line)) tree.write(modelFile, current.slice(0, -line.length) + CLOSING);
    const result = generateModel(tree, {
      name: source.className,
      definition: { attributes: source.definition.attributes },
      existing,
      force: options.force,
      templates: options.templates,
    });
    report.skipped.push(...result.skipped);
    report.conflicts.push(...result.conflicts);
    if (line !== '' && !result.conflicts.includes(modelFile)) addPublishWrites(tree, modelFile, line);
  }
  return report;
}

const CLOSING = '\n});\n';

function publishWritesLine(publishWrites: boolean | undefined): string {
  return publishWrites === undefined ? '' : `\n  publishWrites: ${publishWrites},${CLOSING}`;
}

/** The model template writes attributes only; a definitions file may also set publishWrites. */
function addPublishWrites(tree: Tree, path: string, line: string): void {
  const content = tree.read(path) ?? '';
  if (content.endsWith(line)) return;
  if (!content.endsWith(CLOSING)) {
    throw new Error(`${path} does not end with "});", so publishWrites cannot be added to its defineModel call; this is a bug in the model template.`);
  }
  tree.write(path, content.slice(0, -CLOSING.length) + line);
}
