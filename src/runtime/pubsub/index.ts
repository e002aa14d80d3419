/**
 * Resourceful pub-sub (docs/protocol.md sections 3 and 4) over socket.io rooms, so the socket.io
 * adapter decides how far a message reaches. Every action reads `mirror` the same way (fix of
 * docs/protocol.md 10, item 8), and an id of 0 is a room like any other (item 11). Rooms and the
 * messages' `id` hold the record's primary key value, whatever the key is named, as in Sails.
 */
import type { Server, Socket } from 'socket.io';
import type { PkValue, StoredRecord } from '../store/index.js';

/** `sails_model_user_1:user`, `sails_model_country_FR:country` */
export function instanceRoom(identity: string, id: PkValue): string {
  return `sails_model_${identity}_${id}:${identity}`;
}

/** `sails_model_create_user` */
export function classRoom(identity: string): string {
  return `sails_model_create_${identity}`;
}

export class PubSub {
  constructor(
    private readonly io: Server,
    /** The requester also gets its own messages. */
    private readonly mirror: boolean,
  ) {}

  /** Joins `socket` to the instance room of each id. */
  subscribe(socket: Socket, identity: string, ids: readonly PkValue[]): void | Promise<void> {
    if (ids.length === 1) return socket.join(instanceRoom(identity, ids[0] as PkValue));
    return socket.join(ids.map((id) => instanceRoom(identity, id)));
  }

  async unsubscribe(socket: Socket, identity: string, ids: readonly PkValue[]): Promise<void> {
    await Promise.all(ids.map((id) => socket.leave(instanceRoom(identity, id))));
  }

  /** Joins `socket` to the class room, where `created` messages go. */
  watch(socket: Socket, identity: string): void | Promise<void> {
    return socket.join(classRoom(identity));
  }

  /** Class-room members join the new record's room, so they hear of its updates. */
  introduce(identity: string, id: PkValue): void {
    this.io.in(classRoom(identity)).socketsJoin(instanceRoom(identity, id));
  }

  /** Everyone leaves a destroyed record's room (Sails only removed class-room members, item 9). */
  retire(identity: string, id: PkValue): void {
    const room = instanceRoom(identity, id);
    this.io.in(room).socketsLeave(room);
  }

  publishCreated(identity: string, id: PkValue, record: StoredRecord, requester: Socket | undefined): void {
    this.emit(classRoom(identity), identity, { verb: 'created', data: record, id }, requester);
  }

  /** `previous` is left out of reverse notices (docs/protocol.md 3.2, 3.7). */
  publishUpdated(
    identity: string,
    id: PkValue,
    data: Record<string, unknown>,
    previous: StoredRecord | undefined,
    requester: Socket | undefined,
  ): void {
    const payload = previous === undefined ? { verb: 'updated', data, id } : { verb: 'updated', data, id, previous };
    this.emit(instanceRoom(identity, id), identity, payload, requester);
  }

  /** One message per child id, `addedId` singular, as Sails' code sends it (docs/protocol.md 3.4 and 10, item 7). */
  publishAddedTo(identity: string, id: PkValue, attribute: string, addedId: PkValue, requester: Socket | undefined): void {
    this.emit(instanceRoom(identity, id), identity, { id, verb: 'addedTo', attribute, addedId }, requester);
  }

  /** docs/protocol.md 3.5. */
  publishRemovedFrom(identity: string, id: PkValue, attribute: string, removedId: PkValue, requester: Socket | undefined): void {
    this.emit(instanceRoom(identity, id), identity, { id, verb: 'removedFrom', attribute, removedId }, requester);
  }

  publishDestroyed(identity: string, id: PkValue, previous: StoredRecord, requester: Socket | undefined): void {
    this.emit(instanceRoom(identity, id), identity, { verb: 'destroyed', id, previous }, requester);
  }

  /** `Model.publish(ids, data, req)`: `data` as given, to each record's room. */
  publish(identity: string, ids: readonly PkValue[], data: unknown, omit: Socket | undefined): void {
    // socket.io sends to every socket when given no room at all.
    if (ids.length === 0) return;
    let target = this.io.to(ids.map((id) => instanceRoom(identity, id)));
    if (omit) target = target.except(omit.id);
    target.emit(identity, data);
  }

  private emit(room: string, event: string, payload: unknown, requester: Socket | undefined): void {
    if (requester && !this.mirror) this.io.to(room).except(requester.id).emit(event, payload);
    else this.io.to(room).emit(event, payload);
  }
}
