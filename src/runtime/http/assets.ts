/**
 * assets/, served as Sails serves its public folder: each file found at lift answers GET and HEAD
 * at its own path, and a folder's index.html at the folder's path (`/`, `/docs/`); every other
 * path reaches the router. Only files found at lift are routes, so no part of a request's path is
 * ever joined to a folder on disk.
 *
 * Files are sent by @fastify/send (ETag and Last-Modified, conditional and range requests, the
 * Content-Type with its charset), which the first asset request loads: a lift does not pay for
 * it, nor for a plugin that globs the folder (about 35 ms of a lift's CPU).
 */
import { readdirSync } from 'node:fs';
import { posix, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The name of a folder's page, as in Sails. */
const INDEX = 'index.html';

/**
 * Registers a GET and HEAD route for every file under `root`; hidden files and folders are not
 * served. Returns the routes' URLs: the direct path (./index.ts) leaves those to Fastify.
 */
export function registerAssets(app: FastifyInstance, root: string): ReadonlySet<string> {
  const routes = new Map<string, string>();
  for (const file of listFiles(root)) {
    routes.set(`/${file}`, file);
    if (posix.basename(file) === INDEX) {
      const folder = posix.dirname(file);
      routes.set(folder === '.' ? '/' : `/${folder}/`, file);
    }
  }
  for (const [url, file] of routes) {
    app.route({ method: ['HEAD', 'GET'], url, handler: (request, reply) => sendAsset(request, reply, root, file) });
  }
  return new Set(routes.keys());
}

/** Every file under `root`, as a path relative to it with forward slashes, skipping names that start with a dot. */
function listFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, `${entry.parentPath}${sep}${entry.name}`).split(sep).join('/'))
    .filter((file) => !file.split('/').some((part) => part.startsWith('.')))
    .sort();
}

async function sendAsset(request: FastifyRequest, reply: FastifyReply, root: string, file: string): Promise<void> {
  const { default: send } = await import('@fastify/send');
  // send() decodes the path it is given, so the file's name goes in encoded.
  const { statusCode, headers, stream, type, metadata } = await send(request.raw, encodeURI(`/${file}`), { root });
  if (type === 'file') {
    await reply.code(statusCode).headers(headers).send(stream);
    return;
  }
  // The file went away since lift (or is now a folder): as if it had never been there.
  const error = (metadata as { error?: Error & { code?: string; status?: number } }).error;
  if (type === 'directory' || error?.code === 'ENOENT' || error?.status === 404) return reply.callNotFound();
  await reply.send(error);
}
