// written once by sails-rt new; yours to edit
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lift } from 'sails-rt';

// Lifts this app on a free port and checks SayController.hello over sockets and over HTTP.
const appPath = fileURLToPath(new URL('..', import.meta.url));

let app: Awaited<ReturnType<typeof lift>>;
let requester: Socket;
let member: Socket;

/** One Sails virtual request over a socket.io-client 4 socket; resolves with the reply. */
function get(socket: Socket, url: string): Promise<{ statusCode: number; body: unknown }> {
  return new Promise((resolve) => socket.emit('get', { method: 'get', headers: {}, data: {}, url }, resolve));
}

function connect(url: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

beforeAll(async () => {
  // A database of its own, on the store config/datastores.ts names (SQLite in memory; a new
  // PostgreSQL or MySQL database, dropped at lower): each test file starts empty, leaves nothing.
  app = await lift({ appPath, port: 0, log: () => {}, temporaryDatabase: true, config: { log: { level: 'warn' } } });
  [requester, member] = await Promise.all([connect(app.url), connect(app.url)]);
});

afterAll(async () => {
  requester?.close();
  member?.close();
  await app?.lower();
});

describe('GET /say/hello', () => {
  it('broadcasts hello to the other sockets in funSockets, not to the requester', async () => {
    // The member joins funSockets first; nobody else is there yet.
    expect(await get(member, '/say/hello')).toMatchObject({ statusCode: 200 });

    const heard = new Promise((resolve) => member.once('hello', resolve));
    let requesterHeard = false;
    requester.on('hello', () => (requesterHeard = true));

    const reply = await get(requester, '/say/hello');
    expect(reply).toMatchObject({ statusCode: 200, body: { anyData: 'we want to send back' } });
    expect(await heard).toEqual({ howdy: 'hi there!' });
    // A message to the requester would have arrived before its reply.
    expect(requesterHeard).toBe(false);
  });

  it('answers 400 over HTTP: the action is for sockets', async () => {
    const response = await fetch(`${app.url}/say/hello`);
    expect(response.status).toBe(400);
  });
});
