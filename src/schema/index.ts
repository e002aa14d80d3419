/** The model-definition format: types, validation with located errors, names, route table. */
export { defineModel, ATTRIBUTE_TYPES, LIFECYCLE_CALLBACKS } from './model.js';
export type {
  AssociationDefinition,
  AttributeDefinition,
  CollectionDefinition,
  JunctionTable,
  LinkedRecord,
  LifecycleCallbackName,
  LifecycleRecord,
  ModelLifecycle,
  Proceed,
  ModelLinkDefinition,
  NormalizedCollection,
  AttributeRules,
  AttributeType,
  InferCreate,
  InferRecord,
  InferUpdate,
  ModelDefinition,
  NormalizedAttribute,
  NormalizedModel,
} from './model.js';
export { SchemaError, type SchemaLocation } from './errors.js';
export { names, type Names } from './names.js';
export { isPlainObject } from './plain-object.js';
export { normalizeModel, normalizeModels, checkValue, primaryKeyOf, type NormalizeOptions, attributeNameProblem, ATTRIBUTE_OPTIONS, type ModelSource } from './normalize.js';
export { parseAttributeSpec } from './attribute-spec.js';
export { closest } from './closest.js';
export { BLUEPRINT_ACTIONS, blueprintRoutes, type BlueprintAction, type BlueprintRoute, type BlueprintRouteOptions, type HttpMethod } from './blueprint-routes.js';
export {
  tablesOf,
  baseValue,
  snapshotOf,
  schemaDifferences,
  uniqueIndexName,
  objectName,
  columnType,
  COLUMN_KINDS,
  COLUMN_TYPES,
  MYSQL_INDEXED_CHARS,
  type SqlDialect,
  type ColumnKind,
  type ColumnSchema,
  type DatabaseSchema,
  type IndexSchema,
  type LinkSchema,
  type ModelColumn,
  type ModelSchema,
  type ModelTable,
  type TableSchema,
} from './tables.js';
export { diffSchemas, describeChange, noDecisions, type Decisions, type SchemaChange, type SchemaDiff, type SchemaQuestion } from './schema-diff.js';
