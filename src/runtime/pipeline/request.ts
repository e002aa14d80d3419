import { parse as parseQueryString } from 'node:querystring';
import type { Socket } from 'socket.io';
import { SailsRtError } from '../errors.js';
import type { SessionData } from '../session/store.js';
import { emptyUpstream, type FileSource, type Upstream } from './uploads.js';

export type Transport = 'socket.io' | 'http';

const NO_IPS: readonly string[] = Object.freeze([]);

/** `req.query`: flat, as Node's `querystring` parses it (`a[b]=1` stays the key `a[b]`). */
export type Query = Record<string, string | string[] | undefined>;

/**
 * The request an action gets, the same class for both transports. `isSocket` and `transport`
 * come only from the transport that built it: nothing a client sends can change them.
 *
 * @example hello(req, res) { if (!req.isSocket) return res.badRequest(); … }
 */
export class Req {
  /** Route params, filled by the router. */
  params: Record<string, string> = {};
  /** The session, shared by HTTP and the sockets that connected with the same cookie (filled before policies run). */
  session: SessionData = {};
  /** Values policies hand to the action, e.g. `req.locals.me` (Sails apps set arbitrary props on req). */
  locals: Record<string, unknown> = {};
  /**
   * `http` or `https`; `ws` for a socket request (docs/protocol.md 2.2), `wss` when its handshake
   * was `https`. Behind a proxy that `http.trustProxy` trusts, from its X-Forwarded-Proto.
   */
  protocol: 'http' | 'https' | 'ws' | 'wss';
  /**
   * The addresses trusted proxies forwarded the request for, client first, as Express's
   * `req.ips`; empty unless `http.trustProxy` trusts the peer. Over a socket, its handshake's.
   */
  ips: readonly string[] = NO_IPS;
  /** The port an HTTP request came in on; null for a socket request, as in Sails. */
  port: number | null = null;
  /** The files of a multipart HTTP body, set by the HTTP transport. */
  uploads: FileSource | undefined;

  constructor(
    /** Upper case: `GET`. Over a socket, the event name. */
    readonly method: string,
    /** As sent, with the query string. */
    readonly url: string,
    /** The pathname of `url`. */
    readonly path: string,
    readonly query: Query,
    // `any` on purpose: the client decides the body's shape (an object, or from a socket an
    // array), and actions check it themselves, as with Express's req.body.
    public body: any,
    /** Lowercased names, string values. */
    readonly headers: Record<string, string>,
    readonly transport: Transport,
    /** The socket.io socket, for socket requests only. */
    readonly socket: Socket | undefined,
    /** The client's address: the peer's, or behind trusted proxies the one they forwarded for (docs/runtime.md, Proxies). */
    readonly ip: string,
  ) {
    this.protocol = transport === 'socket.io' ? 'ws' : 'http';
  }

  /** True when the request came over TLS (`https`, or `wss` for a socket), as the proxies tell it. */
  get secure(): boolean {
    return this.protocol === 'https' || this.protocol === 'wss';
  }

  /** True only for a socket virtual request. */
  get isSocket(): boolean {
    return this.transport === 'socket.io';
  }

  /**
   * Whether to answer with JSON rather than a page, as Sails decides it: always over a socket;
   * over HTTP for an XHR, a JSON body, or a client that does not ask for HTML.
   */
  get wantsJSON(): boolean {
    if (this.isSocket) return true;
    const { accept = '', 'content-type': type = '', 'x-requested-with': requestedWith = '' } = this.headers;
    return requestedWith.toLowerCase() === 'xmlhttprequest' || type.includes('json') || !accept.includes('html');
  }

  /** A param from the route, then the body, then the query string. */
  param(name: string): unknown {
    const fromParams = this.params[name];
    if (fromParams !== undefined) return fromParams;
    const body = this.body as unknown;
    if (body !== null && typeof body === 'object') {
      const fromBody = (body as Record<string, unknown>)[name];
      if (fromBody !== undefined) return fromBody;
    }
    return this.query[name];
  }

  /**
   * The files sent under a form field, with skipper's API. A request without a multipart body
   * uploads none. A socket request cannot carry files: this throws a 400.
   *
   * @example const [avatar] = await req.file('avatar').upload({ maxBytes: 2_000_000 });
   */
  file(name: string): Upstream {
    if (this.isSocket) {
      throw new SailsRtError(
        'E_UPLOAD_OVER_SOCKET',
        `${this.method} ${this.path} called req.file(${JSON.stringify(name)}) for a socket request, and sockets cannot carry files (in Sails neither); send the file over HTTP as multipart/form-data.`,
      );
    }
    return this.uploads?.file(name) ?? emptyUpstream(name);
  }

  /** Every param: the query string, the body over it, the route params over both. */
  allParams(): Record<string, unknown> {
    const body = this.body as unknown;
    return {
      ...this.query,
      ...(body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {}),
      ...this.params,
    };
  }
}

/** Splits a URL into its pathname and its flat query object. */
export function splitUrl(url: string): { path: string; query: Query } {
  const mark = url.indexOf('?');
  if (mark === -1) return { path: url === '' ? '/' : url, query: {} };
  const path = mark === 0 ? '/' : url.slice(0, mark);
  // querystring returns a null-prototype object; copy it so `query.hasOwnProperty` works as usual.
  return { path, query: { ...parseQueryString(url.slice(mark + 1)) } };
}
