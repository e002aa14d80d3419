import {
  names,
  normalizeModel,
  normalizeModels,
  parseAttributeSpec,
  SchemaError,
  type AssociationDefinition,
  type AttributeDefinition,
  type ModelDefinition,
  type ModelSource,
} from '../schema/index.js';
import { emptyReport, writeOwnedFile, type GenerateReport } from './owned-files.js';
import { regenerate } from './regenerate.js';
import { sampleValues } from './sample-values.js';
import type { TemplateSet } from './templates.js';
import { tsKey, tsLiteral } from './ts-literal.js';
import type { Tree } from './tree.js';

export interface ModelOptions {
  /** As the user typed it: `User`, `user`, `blog-post`. */
  name: string;
  definition: ModelDefinition;
  /** The app's models as they are on disk now (loadModelSources), for re-deriving generated/. */
  existing: readonly ModelSource[];
  /** Overwrite user-owned files that differ, keeping the old content as `<file>.orig`. */
  force?: boolean | undefined;
  templates: TemplateSet;
}

export interface ModelReport extends GenerateReport {
  /** The model file, so the CLI can tell whether the model itself conflicted. */
  modelFile: string;
  /** Sentences for the user, e.g. a link to a model that is not generated yet (lift refuses it until it is). */
  notes: string[];
}

/**
 * Adds a model to an app: its definition, an empty controller and a socket test (all
 * user-owned), then re-derives generated/ from every model. Throws SchemaError, before writing
 * anything, when the name or the definition is not usable.
 *
 * @example generateModel(tree, { name: 'User', definition: modelDefinitionFromSpecs(['name:string:required']), existing: [], templates })
 */
export function generateModel(tree: Tree, options: ModelOptions): ModelReport {
  const modelNames = names(options.name);
  const modelFile = `api/models/${modelNames.fileName}.ts`;
  const model = normalizeModel(modelNames.className, options.definition, { file: modelFile });
  const others = options.existing.filter((source) => source.className !== modelNames.className);
  // Checked before writing: the new model must fit with the others (no shared identity, links
  // that point back the right way). A link to a model not generated yet is only noted.
  const notes: string[] = [];
  normalizeModels([...others, { className: model.className, definition: options.definition, file: modelFile }], {
    missingTargets: 'allow',
    pending: notes,
  });

  const report = emptyReport();
  const data = {
    ...modelNames,
    attributes: attributesSource(options.definition),
  };
  const written = writeOwnedFile(tree, modelFile, options.templates.render('model/model.ts.hbs', data), options, report);
  writeOwnedFile(
    tree,
    `api/controllers/${modelNames.className}Controller.ts`,
    options.templates.render('model/controller.ts.hbs', data),
    options,
    report,
  );
  const samples = sampleValues(model);
  writeOwnedFile(
    tree,
    `test/${modelNames.identity}.test.ts`,
    options.templates.render('model/model.test.ts.hbs', {
      ...data,
      createValues: samples.create,
      // The messages' id and the client's calls take the primary key's value, whatever it is named.
      primaryKey: model.primaryKey,
      hasUpdate: samples.update !== undefined,
      updateValues: samples.update ?? '',
    }),
    options,
    report,
  );

  // generated/ follows the model files as they will be on disk: the user's version wins a conflict.
  const current = options.existing.find((source) => source.className === modelNames.className);
  const kept = written === 'conflict' && current ? current : { className: model.className, definition: options.definition, file: modelFile };
  regenerate(tree, normalizeModels([...others, kept], { missingTargets: 'allow' }), options.templates);
  return { ...report, modelFile, notes };
}

/**
 * The model definition that `generate model` attribute specs describe.
 *
 * @example modelDefinitionFromSpecs(['name:string:required', 'age:number'])
 *   // { attributes: { name: { type: 'string', required: true }, age: { type: 'number' } } }
 */
export function modelDefinitionFromSpecs(specs: readonly string[]): ModelDefinition {
  const attributes: Record<string, AttributeDefinition | AssociationDefinition> = {};
  for (const spec of specs) {
    const { name, definition } = parseAttributeSpec(spec);
    if (Object.hasOwn(attributes, name)) {
      throw new SchemaError(`attribute spec "${spec}": the attribute "${name}" is given twice; give each attribute once.`);
    }
    attributes[name] = definition;
  }
  return { attributes };
}

/** The `attributes` object of a model file, one attribute per line. */
function attributesSource(definition: ModelDefinition): string {
  const entries = Object.entries(definition.attributes);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([name, attribute]) => `    ${tsKey(name)}: ${tsLiteral(attribute)},\n`).join('')}  }`;
}
