/**
 * The typed client: blueprint calls and pub-sub messages of one model over a socket, typed from
 * the model definitions (the app's generated/client.ts fills the type parameters in).
 *
 * It runs in browsers and in Node: no node: imports.
 */

/** The JWR a sails-rt (or Sails) server acks a virtual request with (docs/protocol.md 2.3). */
export interface Jwr<B = unknown> {
  body: B;
  headers: Record<string, string>;
  statusCode: number;
}

type Ack = (response: unknown) => void;
// any: socket.io's own listener type takes any[]; payloads are typed where they are handled.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;

/** A socket.io-client 4 `Socket`: requests are events with an ack (docs/protocol.md 2.1). */
export interface SocketIoLike {
  emit(event: string, ...args: unknown[]): unknown;
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
}

/** A sails.io.js `SailsSocket` (`io.socket` or `io.sails.connect()`). */
export interface SailsSocketLike {
  request(options: { method: string; url: string; data?: unknown; headers?: Record<string, string> }, cb: (body: unknown, jwr: Jwr) => void): unknown;
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
}

export type SocketLike = SocketIoLike | SailsSocketLike;

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Milliseconds before the request fails; Sails' SDK waits forever (docs/protocol.md 10, item 20). */
  timeout?: number;
}

export const DEFAULT_TIMEOUT = 15_000;

/** A request that did not succeed: a 4xx/5xx answer, a timeout (statusCode 0) or a bad reply. */
export class SailsRequestError<B = unknown> extends Error {
  override readonly name = 'SailsRequestError';

  constructor(
    message: string,
    readonly jwr: Jwr<B>,
  ) {
    super(message);
  }

  get statusCode(): number {
    return this.jwr.statusCode;
  }

  get body(): B {
    return this.jwr.body;
  }
}

/**
 * Sends one virtual request and resolves with the JWR when the server answers 2xx or 3xx.
 *
 * @example const { body } = await request(socket, 'get', '/user', { where: { age: { '>': 18 } } });
 */
export function request<B = unknown>(
  socket: SocketLike,
  method: Method,
  url: string,
  data?: unknown,
  options: RequestOptions = {},
): Promise<Jwr<B>> {
  const headers = options.headers ?? {};
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  return new Promise<Jwr<B>>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settle(new SailsRequestError(`${method.toUpperCase()} ${url} got no answer within ${timeout} ms.`, { body: undefined as B, headers: {}, statusCode: 0 }));
    }, timeout);
    // Settles once, whatever the transport does afterwards (docs/protocol.md 10, item 5).
    function settle(outcome: Jwr<B> | SailsRequestError<B>): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome instanceof SailsRequestError) reject(outcome);
      else if (outcome.statusCode >= 200 && outcome.statusCode < 400) resolve(outcome);
      else reject(new SailsRequestError(`${method.toUpperCase()} ${url} failed with status ${outcome.statusCode}: ${summarize(outcome.body)}`, outcome));
    }
    const onReply = (reply: unknown): void => settle(toJwr<B>(reply));
    if (isSailsSocket(socket)) {
      socket.request({ method, url, data: data ?? {}, headers }, (_body, jwr) => onReply(jwr));
    } else {
      const ack: Ack = onReply;
      socket.emit(method, { method, headers, data: data ?? {}, url }, ack);
    }
  });
}

function isSailsSocket(socket: SocketLike): socket is SailsSocketLike {
  return typeof (socket as Partial<SailsSocketLike>).request === 'function';
}

function toJwr<B>(reply: unknown): Jwr<B> {
  if (typeof reply === 'object' && reply !== null && typeof (reply as Jwr).statusCode === 'number') {
    const jwr = reply as Jwr<B>;
    return { body: jwr.body, headers: jwr.headers ?? {}, statusCode: jwr.statusCode };
  }
  // A bare error object (old Sails parse errors) has no statusCode: report it as what it is.
  return { body: reply as B, headers: {}, statusCode: 0 };
}

function summarize(body: unknown): string {
  if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text === undefined ? 'no body' : text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** A primary key value: a number, or a string for a model whose key is one. */
export type Pk = string | number;

/**
 * The pub-sub messages a model's subscribers receive (docs/protocol.md 3.1-3.3). `id` is the
 * record's primary key value (`Id`), whatever the key is named; a linked record's key may be of another type.
 */
export type ModelMessage<R, Id extends Pk = number> =
  | { verb: 'created'; id: Id; data: R }
  | { verb: 'updated'; id: Id; data: Partial<R>; previous?: R }
  | { verb: 'destroyed'; id: Id; previous?: R }
  /** A record was linked to this one's to-many link `attribute` (one message per id). */
  | { verb: 'addedTo'; id: Id; attribute: string; addedId: Pk }
  | { verb: 'removedFrom'; id: Id; attribute: string; removedId: Pk };

export type Verb = ModelMessage<unknown>['verb'];

type Where<R> = { [K in keyof R]?: R[K] | R[K][] | Record<string, unknown> } & {
  or?: Where<R>[];
  and?: Where<R>[];
};

/** Blueprint find criteria (docs/protocol.md 7). */
export interface Criteria<R> {
  where?: Where<R>;
  limit?: number;
  skip?: number;
  sort?: string | Record<string, 1 | -1> | (string | Record<string, 'ASC' | 'DESC'>)[];
  select?: (keyof R & string)[];
  omit?: (keyof R & string)[];
}

/** What `populate(parentId, alias)` answers: the list of a to-many link, the record of a to-one. */
export type Populated<R, K> = K extends keyof R ? (undefined extends R[K] ? NonNullable<R[K]> : Exclude<R[K], number | null>) : unknown;

export interface ModelClientOptions {
  /**
   * Repeat the find, findOne and populate calls that subscribed this socket once it reconnects
   * without its state (default true). A socket.io-client 4 socket the server recovered
   * (`socket.recovered`, within `sockets.recovery` of the drop) kept its rooms and got the
   * messages it missed, so nothing is repeated; otherwise (recovery off or too late, another
   * instance crashed, sails.io.js) the server forgot its rooms (docs/protocol.md 9.4 and 10,
   * item 1) and what was sent meanwhile is lost.
   */
  resubscribe?: boolean;
  /**
   * Called after a reconnect that was not recovered, once the subscribing reads are sent again:
   * messages may have been missed, so the app should read again what it shows.
   *
   * @example createModelClient<User>(socket, 'user', { onResync: () => void reloadUsers() });
   */
  onResync?: () => void;
}

/**
 * The blueprint calls of one model. `Many` names its to-many links (add, remove, replace) and
 * `One` its to-one links (populate takes both); `Id` is the type of its primary key, which `:id`
 * holds whatever the key is named (a linked record's key may be of another type, so children take `Pk`).
 */
export interface ModelClient<R, C, U, Many extends string = string, One extends string = string, Id extends Pk = number> {
  /** `GET /<identity>`; the socket is subscribed to every record returned and to new ones. */
  find(criteria?: Criteria<R>, options?: RequestOptions): Promise<R[]>;
  /** `GET /<identity>/:id`; the socket is subscribed to the record. */
  findOne(id: Id, options?: RequestOptions): Promise<R>;
  /** `POST /<identity>`. */
  create(values: C, options?: RequestOptions): Promise<R>;
  /** `PATCH /<identity>/:id`. */
  update(id: Id, values: U, options?: RequestOptions): Promise<R>;
  /** `DELETE /<identity>/:id`; answers the record as it was. */
  destroy(id: Id, options?: RequestOptions): Promise<R>;
  /** `PUT /<identity>/:parentId/:alias/:childId`: links a record; answers the parent, populated. */
  add(parentId: Id, alias: Many, childId: Pk, options?: RequestOptions): Promise<R>;
  /** `DELETE /<identity>/:parentId/:alias/:childId`: unlinks a record; answers the parent, populated. */
  remove(parentId: Id, alias: Many, childId: Pk, options?: RequestOptions): Promise<R>;
  /** `PUT /<identity>/:parentId/:alias` with the ids as the body: the link then holds exactly those. */
  replace(parentId: Id, alias: Many, ids: readonly Pk[], options?: RequestOptions): Promise<R>;
  /** `GET /<identity>/:parentId/:alias`: the linked records (criteria apply to a to-many list); subscribes to them. */
  populate<K extends Many | One>(parentId: Id, alias: K, criteria?: Criteria<Record<string, unknown>>, options?: RequestOptions): Promise<Populated<R, K>>;
  /** Listens to one verb of this model's messages; returns the function that stops listening. */
  on<V extends Verb>(verb: V, handler: (message: Extract<ModelMessage<R, Id>, { verb: V }>) => void): () => void;
}

/**
 * The client of one model.
 *
 * @example
 * const users = createModelClient<User, UserCreate, UserUpdate, 'pets'>(socket, 'user');
 * users.on('created', ({ data }) => console.log(data.name));
 * await users.find({ where: { age: { '>=': 18 } }, sort: 'name ASC' });
 * await users.add(1, 'pets', 2);
 */
export function createModelClient<R, C = Partial<R>, U = Partial<C>, Many extends string = string, One extends string = string, Id extends Pk = number>(
  socket: SocketLike,
  identity: string,
  clientOptions: ModelClientOptions = {},
): ModelClient<R, C, U, Many, One, Id> {
  const path = `/${identity}`;
  const body = async <T>(method: Method, url: string, data: unknown, options?: RequestOptions): Promise<T> =>
    (await request<T>(socket, method, url, data, options)).body;
  const reconnects = resubscriber(socket);
  if (clientOptions.onResync) reconnects.onResync(clientOptions.onResync);
  const subscriptions = clientOptions.resubscribe === false ? undefined : reconnects;
  /** A read that subscribes: remembered once it succeeded, to be repeated after a reconnect. */
  const subscribing = async <T>(url: string, data: unknown, options?: RequestOptions): Promise<T> => {
    const result = await body<T>('get', url, data, options);
    subscriptions?.remember(url, data, options?.headers);
    return result;
  };
  const at = (id: Pk, ...rest: string[]): string => [path, encodeURIComponent(id), ...rest.map(encodeURIComponent)].join('/');
  return {
    find: (criteria, options) => subscribing<R[]>(path, criteria ?? {}, options),
    findOne: (id, options) => subscribing<R>(at(id), {}, options),
    create: (values, options) => body<R>('post', path, values, options),
    update: (id, values, options) => body<R>('patch', at(id), values, options),
    destroy: (id, options) => body<R>('delete', at(id), {}, options),
    add: (parentId, alias, childId, options) => body<R>('put', at(parentId, alias, String(childId)), {}, options),
    remove: (parentId, alias, childId, options) => body<R>('delete', at(parentId, alias, String(childId)), {}, options),
    replace: (parentId, alias, ids, options) => body<R>('put', at(parentId, alias), [...ids], options),
    populate: (parentId, alias, criteria, options) => subscribing(at(parentId, alias), criteria ?? {}, options),
    on(verb, handler) {
      const listener = (message: ModelMessage<R, Id>): void => {
        if (message && message.verb === verb) handler(message as Extract<ModelMessage<R, Id>, { verb: typeof verb }>);
      };
      socket.on(identity, listener);
      return () => {
        socket.off(identity, listener);
      };
    },
  };
}

interface Resubscriber {
  remember(url: string, data: unknown, headers: Record<string, string> | undefined): void;
  onResync(handler: () => void): void;
}

const RESUBSCRIBERS = new WeakMap<SocketLike, Resubscriber>();

/**
 * One per socket, shared by its model clients: after a `disconnect`, the next `connect` (a
 * reconnection; socket.io-client 4 and sails.io.js both emit it) repeats every remembered read
 * and calls the resync handlers, unless socket.io-client 4 says the server recovered the socket.
 */
function resubscriber(socket: SocketLike): Resubscriber {
  const existing = RESUBSCRIBERS.get(socket);
  if (existing) return existing;
  const reads = new Map<string, { url: string; data: unknown; headers: Record<string, string> | undefined }>();
  const handlers = new Set<() => void>();
  let dropped = false;
  let listening = false;
  const replay = (): void => {
    if (!dropped) return;
    dropped = false;
    // socket.io-client 4 sets `recovered` before it emits connect; sails.io.js has no such thing.
    if ((socket as { recovered?: unknown }).recovered === true) return;
    for (const read of reads.values()) {
      // A record destroyed meanwhile answers 404: nothing to subscribe to, nothing to report.
      request(socket, 'get', read.url, read.data, read.headers ? { headers: read.headers } : {}).catch(() => {});
    }
    for (const handler of handlers) handler();
  };
  const listen = (): void => {
    if (listening) return;
    listening = true;
    socket.on('disconnect', () => (dropped = true));
    socket.on('connect', replay);
  };
  const created: Resubscriber = {
    remember(url, data, headers) {
      listen();
      reads.set(JSON.stringify([url, data, headers ?? null]), { url, data, headers });
    },
    onResync(handler) {
      listen();
      handlers.add(handler);
    },
  };
  RESUBSCRIBERS.set(socket, created);
  return created;
}
