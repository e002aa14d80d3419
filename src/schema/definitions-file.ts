import { parseDocument } from 'yaml';
import { closest } from './closest.js';
import { SchemaError } from './errors.js';
import type { ModelDefinition, NormalizedModel } from './model.js';
import { names } from './names.js';
import { normalizeModel, normalizeModels, type ModelSource } from './normalize.js';
import { isPlainObject } from './plain-object.js';

/** The keys a definitions file may have at its top level. `$schema` lets editors validate it. */
export const DEFINITIONS_FILE_KEYS = ['$schema', 'models'] as const;

/** Where the JSON Schema of a definitions file ships, relative to the package root. */
export const DEFINITIONS_SCHEMA_PATH = 'schema/models.schema.json';

export interface DefinitionsFile {
  /** One source per model, in file order; `definition` is exactly what the file gave. */
  sources: (ModelSource & { definition: ModelDefinition })[];
  /** The same models, validated and normalized together (links checked against each other). */
  models: NormalizedModel[];
}

/**
 * Not exported from src/schema/index.ts: the runtime imports that, and need not load yaml.
 *
 * Parses and validates a models definitions file (`sails-rt new --models`): JSON or YAML by its
 * extension, `{ models: { User: { attributes: { ... } } } }`, with exactly the attribute
 * vocabulary of defineModel. Pure: the caller reads the file. Throws a SchemaError whose message
 * names the file (with line and column for a syntax error), the model and the attribute.
 *
 * @example parseDefinitionsFile('models.yaml', 'models:\n  User:\n    attributes:\n      name: { type: string }\n')
 */
export function parseDefinitionsFile(file: string, text: string): DefinitionsFile {
  const data = parseText(file, text);
  if (!isPlainObject(data)) {
    throw new SchemaError('must be an object with a "models" key, as in { "models": { "User": { "attributes": { "name": { "type": "string" } } } } }.', { file });
  }
  for (const key of Object.keys(data)) {
    if (!(DEFINITIONS_FILE_KEYS as readonly string[]).includes(key)) {
      throw new SchemaError(`unknown top-level key "${key}"; allowed: ${DEFINITIONS_FILE_KEYS.join(', ')} (models go under "models").`, { file });
    }
  }
  if (data['$schema'] !== undefined && typeof data['$schema'] !== 'string') {
    throw new SchemaError('"$schema" must be a string: the path or URL of models.schema.json.', { file });
  }
  const models = data['models'];
  if (!isPlainObject(models)) {
    throw new SchemaError(
      `${models === undefined ? 'has no "models" key' : '"models" is not an object'}; give "models" as an object mapping model names to { "attributes": { ... } }.`,
      { file },
    );
  }
  const entries = Object.entries(models);
  if (entries.length === 0) throw new SchemaError('"models" is empty; add at least one model, e.g. "User": { "attributes": {} }.', { file });

  const sources: DefinitionsFile['sources'] = [];
  const keys = new Map<string, string>();
  for (const [name, definition] of entries) {
    let className: string;
    let identity: string;
    try {
      ({ className, identity } = names(name));
    } catch (error) {
      throw new SchemaError(error instanceof SchemaError ? error.problem : String(error), { file, model: name });
    }
    const twin = keys.get(identity);
    if (twin !== undefined) {
      throw new SchemaError(`"${twin}" and "${name}" are the same model (identity "${identity}"); rename or merge one of them.`, { file, model: className });
    }
    keys.set(identity, name);
    if (!isPlainObject(definition)) {
      throw new SchemaError('must be an object with "attributes", as in { "attributes": { "name": { "type": "string" } } }.', { file, model: className });
    }
    // Checks the model alone first, so a broken attribute is reported before a link to it.
    normalizeModel(className, definition, { file });
    sources.push({ className, definition: definition as unknown as ModelDefinition, file });
  }
  refuseMissingTargets(file, sources);
  return { sources, models: normalizeModels(sources) };
}

/**
 * A link to a model the file does not define, said in terms of the file (normalizeModels would
 * suggest adding api/models/<Name>.ts, which does not apply before the app exists).
 */
function refuseMissingTargets(file: string, sources: readonly ModelSource[]): void {
  const models = sources.map((source) => normalizeModel(source.className, source.definition, { file }));
  const known = new Set(models.map((model) => model.identity));
  for (const model of models) {
    const links = [
      ...model.attributes.filter((a) => a.model !== undefined).map((a) => [a.name, a.model ?? ''] as const),
      ...model.collections.map((c) => [c.name, c.collection] as const),
    ];
    for (const [attribute, target] of links) {
      if (known.has(target)) continue;
      const guess = closest(target, [...known]);
      throw new SchemaError(
        `links to the model "${target}", which the file does not define${guess ? ` (did you mean "${guess}"?)` : ''}; add "${names(target).className}" under "models" or fix the link (models: ${models.map((m) => m.identity).join(', ')}).`,
        { file, model: model.className, attribute },
      );
    }
  }
}

function parseText(file: string, text: string): unknown {
  const extension = /\.([^./\\]+)$/.exec(file)?.[1]?.toLowerCase();
  if (extension === 'json') return parseJson(file, text);
  if (extension === 'yaml' || extension === 'yml') return parseYaml(file, text);
  throw new SchemaError(
    `cannot tell the format of the file${extension ? ` from its extension ".${extension}"` : ' without an extension'}; name it with .json, .yaml or .yml.`,
    { file },
  );
}

function parseJson(file: string, text: string): unknown {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    const where = position ? `${file}:${lineColumn(text, Number(position[1]))}` : file;
    const problem = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '');
    throw new SchemaError(`${problem.charAt(0).toLowerCase()}${problem.slice(1)}; fix the JSON syntax.`, { file: where });
  }
  // JSON.parse keeps the last of two equal keys silently; a second "User" would hide the first.
  const duplicate = parseDocument(text, { uniqueKeys: true }).errors.find((e) => e.code === 'DUPLICATE_KEY');
  if (duplicate) {
    const at = duplicate.linePos?.[0];
    throw new SchemaError('a key appears twice in the same object; give each model and attribute once.', {
      file: at ? `${file}:${at.line}:${at.col}` : file,
    });
  }
  return data;
}

function parseYaml(file: string, text: string): unknown {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const error = document.errors[0];
  if (error) {
    const at = error.linePos?.[0];
    const problem = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '');
    throw new SchemaError(`${problem.charAt(0).toLowerCase()}${problem.slice(1)}; fix the YAML syntax.`, {
      file: at ? `${file}:${at.line}:${at.col}` : file,
    });
  }
  return document.toJS();
}

/** `line:column`, both from 1, of a 0-based offset into `text`. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}
