// written once by sails-rt new; yours to edit
import type { SocketsConfig } from 'sails-rt';

/**
 * socket.io settings; sails.io.js 1.2.1 and socket.io-client 4 both connect with these.
 * The Redis adapter (REDIS_URL, like config/session.ts) carries rooms and messages between the
 * instances of the app. Websocket only: long-polling would need every request of a socket to
 * reach the same instance (sticky sessions at the load balancer).
 */
export const sockets: SocketsConfig = {
  adapter: 'redis',
  transports: ['websocket'],
  // What one socket may cost the server (sails-rt's docs/runtime.md, Limits). These are the defaults.
  // maxInFlight: 64,                    // requests waiting for an answer; one more gets a 429
  // maxBufferedBytes: 16 * 1024 * 1024, // replies and messages left unread; past it the socket is dropped
};
