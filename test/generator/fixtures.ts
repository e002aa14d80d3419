/** Helpers for the generator tests: the real templates, the fixture model sets, runs in memory. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applyChanges, generateApp, memoryReader, readTemplates, VirtualTree, type AppOptions, type FileChange, type Tree } from '../../src/generator/index.js';
import type { ModelDefinition } from '../../src/schema/index.js';

export const templates = readTemplates();

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export interface FixtureSet {
  name: string;
  models: [className: string, definition: ModelDefinition][];
}

/** Every fixtures/*.json, in the shape { models: { User: { attributes: { ... } } } }. */
export function fixtureSets(): FixtureSet[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const { models } = JSON.parse(readFileSync(`${FIXTURES}${file}`, 'utf8')) as { models: Record<string, ModelDefinition> };
      return { name: file.replace(/\.json$/, ''), models: Object.entries(models) };
    });
}

export type Files = Record<string, string>;

/** Runs a generator on a tree over `files`; returns its result, the changes and the files after. */
export function run<T>(files: Files, generator: (tree: Tree) => T): { result: T; changes: FileChange[]; files: Files } {
  const tree = new VirtualTree(memoryReader(files));
  const result = generator(tree);
  const changes = tree.listChanges();
  return { result, changes, files: applyChanges(files, changes) };
}

export const APP_OPTIONS: AppOptions = {
  name: 'myapp',
  example: true,
  runtimeSpec: '^0.1.0',
  sailsRtVersion: '0.1.0',
  browserClient: { kind: 'sails-rt', version: '0.1.0', source: '/* the browser client */\n' },
  sessionSecret: 'a'.repeat(64),
  templates,
};

/** A fresh app, in memory. */
export function newApp(options: Partial<AppOptions> = {}): Files {
  return run({}, (tree) => generateApp(tree, { ...APP_OPTIONS, ...options })).files;
}

export function summary(changes: readonly FileChange[]): string[] {
  return changes.map((change) => `${change.type} ${change.path}`);
}
