/**
 * The baseline for `npm run bench`: a bare socket.io 4 server that answers the Sails envelope
 * with a constant body (the record in BENCH_RECORD, the one the app answers with), and broadcasts
 * a constant `created` message on post. No routing, no store: what socket.io itself costs.
 * Prints `listening <url>` once it listens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const record = JSON.parse(process.env['BENCH_RECORD'] ?? '{"id":1,"createdAt":0,"updatedAt":0,"name":"bench","email":"","age":0}') as Record<string, unknown>;
const http = createServer();
const io = new Server(http, { allowEIO3: true, transports: ['websocket'], pingInterval: 25_000, pingTimeout: 60_000 });
let nextId = 2;

io.on('connection', (socket) => {
  socket.on('get', (_envelope: unknown, ack?: (jwr: unknown) => void) => {
    void socket.join('sails_model_create_user');
    ack?.({ body: record, headers: {}, statusCode: 200 });
  });
  socket.on('post', (envelope: { data?: Record<string, unknown> }, ack?: (jwr: unknown) => void) => {
    const id = nextId++;
    const data = { ...record, ...envelope.data, id };
    socket.broadcast.to('sails_model_create_user').emit('user', { verb: 'created', data, id });
    ack?.({ body: data, headers: {}, statusCode: 200 });
  });
});

http.listen(0, '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${(http.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  void io.close();
  process.exit(0);
});
