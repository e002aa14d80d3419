/**
 * Pure planners over a virtual tree: `sails-rt new`, `generate model`, `generate policy`,
 * `generate controller`, `generate action` and `generate` (no noun) each describe their files
 * as changes to a Tree; the CLI prints and flushes them.
 */
export { VirtualTree, memoryReader, applyChanges, type Tree, type TreeReader, type FileChange, type ChangeType } from './tree.js';
export { TemplateSet, outputPath } from './templates.js';
export { diskReader, readTemplates, flushChanges, FlushError, TEMPLATES_DIR, type FlushDenied, type FlushOptions } from './disk.js';
export { BROWSER_CLIENTS, browserClientHeader, DATABASES, databaseNameOf, generateApp, appPackageName, packageJson, TSCONFIG, type AppOptions, type BrowserClient, type Database } from './app.js';
export { generateModel, modelDefinitionFromSpecs, type ModelOptions, type ModelReport } from './model.js';
export { generatePolicy, type PolicyOptions, type PolicyReport } from './policy.js';
export { generateController, type ControllerOptions, type ControllerReport } from './controller.js';
export { generateAction, type ActionOptions, type ActionReport } from './action.js';
export { addRoutes, ROUTES_FILE, type RouteToAdd } from './routes-file.js';
export { handEdit, mapPolicy, missingTargetNote, parseMappingTarget, POLICIES_FILE, type MappingTarget, type PolicyMapping } from './policies-file.js';
export { regenerate, GENERATED_FILES } from './regenerate.js';
export { emptyReport, writeOwnedFile, type GenerateReport, type OwnedWrite } from './owned-files.js';
export { versions, appDevDependencies, NODE_ENGINES, NODE_20_OVERRIDES, ALLOWED_INSTALL_SCRIPTS, type VersionedPackage } from './versions.js';
export { tsLiteral } from './ts-literal.js';
export { generateMigration, migrationName, migrationSource, migrationStamp, MIGRATIONS_DIR, type MigrationOptions, type MigrationReport } from './migration.js';
