/**
 * The HTTP baseline for `npm run bench`: a bare Node `http` server that answers every request
 * with the record in BENCH_RECORD as JSON (the one the app answers `GET /user/:id` with), with
 * the content type the app sends. No framework, no routing, no store: what Node's HTTP costs.
 * Prints `listening <url>` once it listens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const record = JSON.parse(process.env['BENCH_RECORD'] ?? '{"id":1,"createdAt":0,"updatedAt":0,"name":"bench","email":"","age":0}') as unknown;

const server = createServer((_req, res) => {
  // Serialized per request, as a server answering from a database would.
  const body = JSON.stringify(record);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});

server.listen(0, '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
