// written once by sails-rt new; yours to edit
import type { SocketsConfig } from 'sails-rt';

/**
 * Merged over config/*.ts when NODE_ENV=production (sails-rt's docs/deploy.md). Everything that
 * differs per deployment comes from the environment, so this file holds no secret:
 *   SESSION_SECRET   signs session cookies (config/session.ts reads it; lift refuses without it)
 *   PORT             the port to listen on (default 1337); `sails-rt lift --port` wins over it
 *   ALLOWED_ORIGINS  the pages that may open a socket, comma-separated, e.g.
 *                    https://example.com,https://www.example.com (lift refuses without it)
 */
export const port = process.env['PORT'] ? Number(process.env['PORT']) : undefined;

export const sockets: SocketsConfig = {
  onlyAllowOrigins: process.env['ALLOWED_ORIGINS']?.split(',').map((origin) => origin.trim()),
};
