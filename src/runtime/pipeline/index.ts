/** The request pipeline shared by HTTP and sockets: Req, Res, actions and how they run. */
export { Req, splitUrl, type Query, type Transport } from './request.js';
export { internalError, Res, type RequestTrace, type ResponseSink } from './response.js';
export { runAction, type Action } from './run-action.js';
export { emptyUpstream, type FileSource, type IncomingFile, type UploadCallback, type UploadedFile, type UploadOptions, type Upstream } from './uploads.js';
