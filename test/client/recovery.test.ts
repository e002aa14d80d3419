/**
 * The typed client and sockets.recovery: a recovered socket reads nothing again; one that comes
 * back without its state reads again what subscribed it, and `onResync` tells the app.
 */
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createModelClient } from '../../src/client/index.js';
import { liftFixture, type Lifted } from '../runtime/helpers.js';

interface User {
  id: number;
  name: string;
  age?: number;
}

let opened: { lifted?: Lifted; sockets: Socket[] } = { sockets: [] };

afterEach(async () => {
  for (const socket of opened.sockets) socket.close();
  await opened.lifted?.close();
  opened = { sockets: [] };
});

async function socketTo(url: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 1_000, reconnectionDelayMax: 1_000, randomizationFactor: 0 });
  opened.sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Watches users, hears one created (the offset to come back with), drops for a second while a user is created. */
async function dropWhileCreating(recovery: number | undefined): Promise<{ socket: Socket; onResync: ReturnType<typeof vi.fn>; reads: string[]; heard: string[] }> {
  const lifted = await liftFixture(recovery === undefined ? {} : { sockets: { recovery } });
  opened.lifted = lifted;
  const socket = await socketTo(lifted.app.url);
  const writer = createModelClient<User>(await socketTo(lifted.app.url), 'user');
  const onResync = vi.fn();
  const users = createModelClient<User>(socket, 'user', { onResync });
  const heard: string[] = [];
  users.on('created', ({ data }) => heard.push(data.name));
  await users.find();
  const reads: string[] = [];
  socket.onAnyOutgoing((event: string, envelope: { url?: string }) => reads.push(`${event} ${envelope.url}`));
  await writer.create({ name: 'bob' });
  await expect.poll(() => heard).toEqual(['bob']);
  const id = socket.id ?? '';
  const back = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.io.engine.close();
  await expect.poll(() => lifted.app.io.of('/').sockets.has(id)).toBe(false);
  await writer.create({ name: 'ann' });
  await back;
  return { socket, onResync, reads, heard };
}

describe('the typed client and sockets.recovery', () => {
  it('recovered: nothing is read again, onResync is not called, and the message sent meanwhile arrives', async () => {
    const { socket, onResync, reads, heard } = await dropWhileCreating(undefined);
    expect(socket.recovered).toBe(true);
    await expect.poll(() => heard).toEqual(['bob', 'ann']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reads).toStrictEqual([]);
    expect(onResync).not.toHaveBeenCalled();
  });

  it('not recovered (away longer than sockets.recovery): the find is sent again and onResync is called once', async () => {
    const { socket, onResync, reads, heard } = await dropWhileCreating(500);
    expect(socket.recovered).toBe(false);
    expect(reads).toStrictEqual(['get /user']);
    expect(onResync).toHaveBeenCalledTimes(1);
    expect(heard).toStrictEqual(['bob']);
  });
});
