/** socket.io 4 on the app's HTTP server, speaking to sails.io.js 1.2.1 (EIO3) and socket.io-client 4 alike. */
import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions } from 'socket.io';
import { connectionLimits, recoveryWindow, socketTransports, type SocketsConfig } from '../config/index.js';
import type { AppLog } from '../log/index.js';
import type { TrustFunction } from '../proxies/index.js';
import type { Router } from '../router/index.js';
import { recoverRoomOperations } from './recovery.js';
import { handleVirtualRequests } from './virtual-request.js';

export { createSocketsApi, type SocketsApi, type SocketTarget } from './sails-sockets.js';
export { createRedisAdapter, FIRST_CONNECT_TIMEOUT, redisNames, type RedisAdapter, type RedisAdapterOptions } from './redis-adapter.js';

export const DEFAULT_SOCKET_PATH = '/socket.io';

/**
 * `extra`: options from other layers, e.g. the handshake checks of security/ (allowRequest, cors),
 * or the Redis adapter (`createRedisAdapter`).
 */
export function createSocketServer(
  http: HttpServer,
  config: SocketsConfig,
  router: Router,
  production: boolean,
  log: (line: string) => void,
  logging: { appLog: AppLog; trust: TrustFunction },
  extra: Partial<ServerOptions> = {},
): Server {
  const window = recoveryWindow(config);
  const io = new Server(http, {
    // sails.io.js 1.2.1 bundles socket.io-client 2.0.3, which speaks Engine.IO 3.
    allowEIO3: true,
    path: config.path ?? DEFAULT_SOCKET_PATH,
    transports: socketTransports(config),
    pingInterval: 25_000,
    pingTimeout: 60_000,
    maxHttpBufferSize: config.maxHttpBufferSize ?? 1e6,
    serveClient: false,
    cookie: false,
    ...(window === undefined
      ? {}
      : {
          connectionStateRecovery: {
            maxDisconnectionDuration: window,
            // The handshake middlewares run again for a recovered socket: the session one binds the
            // socket to the session of the cookie it brings now, which socket.io does not restore.
            skipMiddlewares: false,
          },
        }),
    ...extra,
  });
  // The Redis adapter replays room operations itself (redis-adapter.ts).
  if (window !== undefined && extra.adapter === undefined) recoverRoomOperations(io);
  handleVirtualRequests(io, router, {
    production,
    shape: { headers: config.sendResponseHeaders !== false, statusCode: config.sendStatusCode !== false },
    limits: connectionLimits(config),
    log,
    ...logging,
  });
  return io;
}
