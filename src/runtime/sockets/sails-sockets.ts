/**
 * `sails.sockets` (docs/protocol.md section 5) over socket.io rooms. Differences from Sails, all
 * fixes from docs/protocol.md section 10: `omit` is honoured in every argument form of broadcast and blast
 * (item 2), and join/leave return a promise (and call `cb`) once the join has happened (item 19).
 */
import createDebug from 'debug';
import type { Server, Socket } from 'socket.io';
import { SailsRtError } from '../errors.js';
import type { Req } from '../pipeline/index.js';

const debug = createDebug('sails-rt:sockets');

/** A socket.io Socket, a socket request (its socket is used), or a socket id. */
export type SocketTarget = Socket | Req | string;
type Callback = (error?: Error | null) => void;

export interface SocketsApi {
  readonly DEFAULT_EVENT_NAME: 'message';
  /** Joins each socket to `room`; settles (and calls `cb`) once joined. An HTTP request is ignored. */
  join(sockets: SocketTarget | readonly SocketTarget[], room: string, cb?: Callback): Promise<void>;
  leave(sockets: SocketTarget | readonly SocketTarget[], room: string, cb?: Callback): Promise<void>;
  /**
   * Sends `event` (default 'message') with `data` to everyone in `rooms`, except `omit`'s socket.
   *
   * @example sails.sockets.broadcast('funSockets', 'hello', { howdy: 'hi there!' }, req);
   */
  broadcast(rooms: string | readonly string[], data: unknown): void;
  broadcast(rooms: string | readonly string[], data: unknown, omit: Socket | Req): void;
  broadcast(rooms: string | readonly string[], event: string, data: unknown, omit?: SocketTarget): void;
  /** Sends to every connected socket, except `omit`'s. */
  blast(data: unknown): void;
  blast(data: unknown, omit: Socket | Req): void;
  blast(event: string, data: unknown, omit?: SocketTarget): void;
  /** The socket id of a socket or socket request; undefined for anything else. */
  getId(target: unknown): string | undefined;
  /** The connected socket with this id; throws SAILS:HOOK:SOCKETS:NO_SUCH_SOCKET (status 404) if there is none. */
  get(id: string): Socket;
  parseSocket(target: unknown): Socket | undefined;
  /** Every member of `sourceRoom` joins each of `destRooms`. */
  addRoomMembersToRooms(sourceRoom: string, destRooms: string | readonly string[], cb?: Callback): Promise<void>;
  removeRoomMembersFromRooms(sourceRoom: string, destRooms: string | readonly string[], cb?: Callback): Promise<void>;
  /** Every member of `sourceRoom` leaves all its rooms (but its own id room). */
  leaveAll(sourceRoom: string, cb?: Callback): Promise<void>;
}

export function createSocketsApi(io: Server): SocketsApi {
  const local = (id: string): Socket | undefined => io.of('/').sockets.get(id);

  const membership = (kind: 'join' | 'leave') =>
    (targets: SocketTarget | readonly SocketTarget[], room: string, cb?: Callback): Promise<void> => {
      if (typeof room !== 'string' || room === '') throw usage(`sails.sockets.${kind}() needs a room name (a non-empty string), got ${JSON.stringify(room)}.`);
      const pending: Promise<void>[] = [];
      for (const target of Array.isArray(targets) ? (targets as readonly SocketTarget[]) : [targets as SocketTarget]) {
        const socket = typeof target === 'string' ? local(target) : parseSocket(target);
        // Done synchronously where the adapter allows it, so a broadcast right after join() reaches the socket.
        if (socket) {
          const done = kind === 'join' ? socket.join(room) : socket.leave(room);
          if (done instanceof Promise) pending.push(done);
        } else if (typeof target === 'string') {
          // Not on this server: the adapter forwards it to the server that has it.
          pending.push(moveMembers(io, kind, [target], [room]));
        } else if (debug.enabled) {
          debug('sails.sockets.%s(): ignored something that is not a socket (an HTTP request?)', kind);
        }
      }
      return settle(Promise.all(pending), cb);
    };

  const parseSocket = (target: unknown): Socket | undefined => {
    if (target === null || typeof target !== 'object') return undefined;
    const maybeReq = target as Partial<Req>;
    if (typeof maybeReq.allParams === 'function') return maybeReq.socket;
    const maybeSocket = target as Partial<Socket>;
    if (typeof maybeSocket.emit === 'function' && typeof maybeSocket.join === 'function' && typeof maybeSocket.id === 'string') {
      return target as Socket;
    }
    return undefined;
  };

  const omitId = (omit: unknown): string | undefined => (typeof omit === 'string' ? omit : parseSocket(omit)?.id);
  // A request counts even when it came over HTTP (it has no socket to omit): read as the data,
  // it would go out to the room, headers and cookies included, under the data as event name.
  const isSocketOrRequest = (value: unknown): boolean =>
    parseSocket(value) !== undefined || (value !== null && typeof value === 'object' && typeof (value as Partial<Req>).allParams === 'function');

  function broadcast(rooms: string | readonly string[], ...rest: unknown[]): void {
    let event = 'message';
    let data: unknown;
    let omit: unknown;
    if (rest.length <= 1) data = rest[0];
    else if (rest.length === 2 && !(typeof rest[0] === 'string' && !isSocketOrRequest(rest[1]))) [data, omit] = rest;
    else if (rest.length === 2) [event, data] = rest as [string, unknown];
    else [event, data, omit] = rest as [string, unknown, unknown];
    if (typeof event !== 'string') throw usage(`sails.sockets.broadcast() needs an event name string, got ${JSON.stringify(event)}.`);
    const roomList = typeof rooms === 'string' ? [rooms] : [...rooms];
    // socket.io sends to every socket when given no room at all; no room means nobody here.
    if (roomList.length === 0) {
      if (debug.enabled) debug('sails.sockets.broadcast(): no rooms given, nothing sent');
      return;
    }
    let target = io.to(roomList);
    const except = omitId(omit);
    if (except !== undefined) target = target.except(except);
    target.emit(event, data);
  }

  function blast(...args: unknown[]): void {
    let event = 'message';
    let data: unknown;
    let omit: unknown;
    if (args.length <= 1) data = args[0];
    else if (args.length === 2 && !(typeof args[0] === 'string' && !isSocketOrRequest(args[1]))) [data, omit] = args;
    else if (args.length === 2) [event, data] = args as [string, unknown];
    else [event, data, omit] = args as [string, unknown, unknown];
    if (typeof event !== 'string') throw usage(`sails.sockets.blast() needs an event name string, got ${JSON.stringify(event)}.`);
    const except = omitId(omit);
    if (except !== undefined) io.except(except).emit(event, data);
    else io.emit(event, data);
  }

  const roomsToRooms = (kind: 'join' | 'leave') =>
    (sourceRoom: string, destRooms: string | readonly string[], cb?: Callback): Promise<void> => {
      if (typeof sourceRoom !== 'string') throw usage(`The source room must be a string, got ${JSON.stringify(sourceRoom)}.`);
      const rooms = (typeof destRooms === 'string' ? [destRooms] : [...destRooms]).filter((r) => typeof r === 'string');
      return settle(moveMembers(io, kind, [sourceRoom], rooms), cb);
    };

  return {
    DEFAULT_EVENT_NAME: 'message',
    join: membership('join'),
    leave: membership('leave'),
    broadcast: broadcast as SocketsApi['broadcast'],
    blast: blast as SocketsApi['blast'],
    getId: (target) => parseSocket(target)?.id,
    get(id) {
      if (typeof id !== 'string' || id === '') throw usage(`sails.sockets.get() needs a socket id string, got ${JSON.stringify(id)}.`);
      const socket = local(id);
      if (!socket) {
        throw new SailsRtError('SAILS:HOOK:SOCKETS:NO_SUCH_SOCKET', `There is no connected socket with the id ${JSON.stringify(id)} on this server.`);
      }
      return socket;
    },
    parseSocket,
    addRoomMembersToRooms: roomsToRooms('join'),
    removeRoomMembersFromRooms: roomsToRooms('leave'),
    async leaveAll(sourceRoom, cb) {
      const work = (async () => {
        // Sockets on every instance, with their rooms as their own instance knows them.
        const members = await io.in(sourceRoom).fetchSockets();
        await Promise.all(members.map((socket) => moveMembers(io, 'leave', [socket.id], [...socket.rooms].filter((room) => room !== socket.id))));
      })();
      return settle(work, cb);
    },
  };
}

/**
 * Every socket in `from`, on any instance, joins or leaves `rooms`. In one process that is done
 * when this returns; with the Redis adapter it resolves once the operation is in the stream (after
 * anything this instance sent before it, before anything it sends after) and applied here.
 */
export function moveMembers(io: Server, kind: 'join' | 'leave', from: readonly string[], rooms: readonly string[]): Promise<void> {
  if (rooms.length === 0) return Promise.resolve();
  const adapter = io.of('/').adapter;
  const target = { rooms: new Set(from), except: new Set<string>(), flags: {} };
  // socket.io types these as void; the cluster adapters (Redis among them) return the promise of their publish.
  const done: unknown = kind === 'join' ? adapter.addSockets(target, [...rooms]) : adapter.delSockets(target, [...rooms]);
  return Promise.resolve(done).then(() => {});
}

function usage(message: string): SailsRtError {
  return new SailsRtError('SAILS:HOOK:SOCKETS:USAGE', message);
}

/** Resolves once `work` is done, calling `cb` too. The returned promise is pre-handled, so an unawaited join never crashes the process. */
function settle(work: Promise<unknown>, cb: Callback | undefined): Promise<void> {
  const done = work.then(
    () => {
      cb?.(null);
    },
    (error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      if (debug.enabled) debug('a join or leave failed: %O', failure);
      cb?.(failure);
      if (!cb) throw failure;
    },
  );
  done.catch(() => {});
  return done;
}
