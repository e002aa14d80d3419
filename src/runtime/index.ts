/**
 * 'sails-rt': what an app imports. Lift an app, declare models and controllers, and reach the
 * lifted app through `sails`.
 *
 * @example
 * import { lift } from 'sails-rt';
 * const app = await lift({ port: 0 });
 */
export { defineModel } from '../schema/index.js';
export type { InferCreate, InferRecord, InferUpdate, LifecycleRecord, LinkedRecord, Proceed } from '../schema/index.js';
export { lift, type LiftOptions } from './lift/lazy.js';
export { sails, type AppModels, type Models, type SailsApp } from './app/index.js';
export { defineController } from './controllers/define.js';
export { definePolicy, type Policy } from './policies/define.js';
export type { PoliciesConfig, PolicyTarget } from './policies/index.js';
export type { SessionConfig, SessionCookieConfig, SessionData, SessionStore } from './session/index.js';
/** The default session store (this process's memory), e.g. to keep a reference to it: `session.store = new MemorySessionStore()`. */
export { MemorySessionStore } from './session/store.js';
export type { BeforeConnect, CorsSettings, RouteCors } from './security/index.js';
export type { Action, Req, Res, Query, Transport, IncomingFile, UploadCallback, UploadedFile, UploadOptions, Upstream } from './pipeline/index.js';
export type {
  BlueprintsConfig,
  DatastoreConfig,
  DatastoresConfig,
  HttpConfig,
  LogConfig,
  ModelsConfig,
  RoutesConfig,
  RouteTarget,
  SailsConfig,
  SecurityConfig,
  SocketsConfig,
} from './config/index.js';
export type {
  FindQuery,
  LinkChange,
  MembersQuery,
  ModelApi,
  ModelQuery,
  QueryCriteria,
  QueryMeta,
  SetQuery,
  WriteMeta,
  WriteQuery,
} from './models/index.js';
export type { SocketsApi, SocketTarget } from './sockets/index.js';
export type { CustomLogger, LogDestination, LogLevel, SailsLog } from './log/index.js';
export type { TrustProxy } from './proxies/index.js';
export type { StoredRecord } from './store/index.js';
export type { CriteriaLimits } from './models/limits.js';
export { SailsRtError, LiftError, ERROR_CATALOG, type ErrorCode, type ErrorBody } from './errors.js';
