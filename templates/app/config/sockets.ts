// written once by sails-rt new; yours to edit
import type { SocketsConfig } from 'sails-rt';

/** socket.io settings; sails.io.js 1.2.1 and socket.io-client 4 both connect with these. */
export const sockets: SocketsConfig = {
  transports: ['websocket', 'polling'],
};
