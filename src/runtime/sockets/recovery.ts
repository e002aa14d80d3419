/**
 * Connection-state recovery (`sockets.recovery`, docs/runtime.md): socket.io keeps, for a while,
 * what a disconnected socket would have been sent, and gives it back with the socket's rooms when
 * the same client reconnects. socket.io replays the messages sent to the rooms the socket was in
 * when it left; sails-rt also replays, in the same order, the room operations made while it was
 * away (`io.in(room).socketsJoin(…)`: pub-sub's `introduce` and `retire`, `sails.sockets.join` of
 * a socket id, `addRoomMembersToRooms` …). So a socket watching a model that missed a `created`
 * is in the new record's room when it comes back, and got the `updated` sent to that room after
 * the `created`, in order. In one process the operations are kept beside socket.io's packets (see
 * `recoverRoomOperations`); across instances they are entries of the Redis stream already
 * (redis-adapter.ts).
 */
import createDebug from 'debug';
import type { Server } from 'socket.io';

const debug = createDebug('sails-rt:sockets:recovery');

/** socket.io-adapter's BroadcastOptions, as kept in memory (Sets) or decoded from Redis (arrays). */
export interface ReplayTarget {
  rooms: ReadonlySet<string> | readonly string[];
  except?: ReadonlySet<string> | readonly string[];
}

/** One thing that happened while a socket was away: a packet sent, or sockets joining or leaving rooms. */
export type ReplayEntry =
  | { kind: 'packet'; opts: ReplayTarget; data: unknown[] }
  | { kind: 'join' | 'leave'; opts: ReplayTarget; rooms: readonly string[] };

/** What a session as socket.io persists it holds (socket.io's `Session`, not exported by its typings). */
export interface PersistedSession {
  sid: string;
  pid: string;
  rooms: string[];
  data: unknown;
  /** Set by sails-rt's stores (ms since the epoch). */
  disconnectedAt?: number;
}

export interface RestoredSession extends PersistedSession {
  missedPackets: unknown[][];
}

/**
 * Plays `entries`, oldest first, over the rooms a socket had when it left: the packets that reach
 * the rooms it is in at that point are missed, and joins and leaves that reach it change its rooms.
 */
export function replay(rooms: readonly string[], entries: Iterable<ReplayEntry>): { rooms: string[]; missedPackets: unknown[][] } {
  const current = new Set(rooms);
  const missedPackets: unknown[][] = [];
  for (const entry of entries) {
    if (!reaches(current, entry.opts)) continue;
    if (entry.kind === 'packet') missedPackets.push(entry.data);
    else if (entry.kind === 'join') for (const room of entry.rooms) current.add(room);
    else for (const room of entry.rooms) current.delete(room);
  }
  return { rooms: [...current], missedPackets };
}

/** socket.io-adapter's rule: no rooms means everyone; `except` wins. */
function reaches(rooms: ReadonlySet<string>, target: ReplayTarget): boolean {
  const targetRooms = [...target.rooms];
  if (targetRooms.length > 0 && !targetRooms.some((room) => rooms.has(room))) return false;
  for (const room of target.except ?? []) if (rooms.has(room)) return false;
  return true;
}

/** The parts of socket.io-adapter's in-memory SessionAwareAdapter this file reads and replaces. */
interface SessionAwareAdapter {
  sessions: Map<string, PersistedSession & { disconnectedAt: number }>;
  packets: Array<{ id?: string; opts: ReplayTarget; data: unknown[]; emittedAt: number; operation?: 'join' | 'leave'; rooms?: readonly string[] }>;
  maxDisconnectionDuration: number;
  addSockets(opts: ReplayTarget & { flags?: unknown }, rooms: string[]): void;
  delSockets(opts: ReplayTarget & { flags?: unknown }, rooms: string[]): void;
  restoreSession(pid: string, offset: string): Promise<RestoredSession> | null;
}

/**
 * On the in-memory adapter socket.io makes when recovery is on: every room operation is kept in
 * its packet list (which socket.io trims by age) and `restoreSession` replays both. A restored
 * session is removed, so two connections cannot recover the same socket (as with Redis).
 */
export function recoverRoomOperations(io: Server): void {
  const adapter = io.of('/').adapter as unknown as SessionAwareAdapter;
  if (!(adapter.sessions instanceof Map) || !Array.isArray(adapter.packets)) {
    debug('the adapter keeps no sessions: room operations are not recovered');
    return;
  }
  for (const kind of ['join', 'leave'] as const) {
    const method = kind === 'join' ? 'addSockets' : 'delSockets';
    const original = adapter[method].bind(adapter);
    adapter[method] = (opts, rooms) => {
      // Copied: socket.io may reuse the sets it passed.
      adapter.packets.push({
        opts: { rooms: new Set(opts.rooms), except: new Set(opts.except ?? []) },
        data: [],
        emittedAt: Date.now(),
        operation: kind,
        rooms: [...rooms],
      });
      original(opts, rooms);
    };
  }
  adapter.restoreSession = (pid, offset) => {
    const session = adapter.sessions.get(pid);
    if (!session) return null;
    adapter.sessions.delete(pid);
    if (session.disconnectedAt + adapter.maxDisconnectionDuration < Date.now()) return null;
    // Operations have no id, so an offset never names one.
    const index = adapter.packets.findIndex((packet) => packet.id === offset);
    if (index === -1) return null;
    const entries = function* (): Generator<ReplayEntry> {
      for (let i = index + 1; i < adapter.packets.length; i++) {
        const packet = adapter.packets[i];
        if (packet === undefined) continue;
        if (packet.operation) yield { kind: packet.operation, opts: packet.opts, rooms: packet.rooms ?? [] };
        else yield { kind: 'packet', opts: packet.opts, data: packet.data };
      }
    };
    const { rooms, missedPackets } = replay(session.rooms, entries());
    return Promise.resolve({ ...session, rooms, missedPackets });
  };
}
