/**
 * Who sent a request when the app runs behind a proxy (`http.trustProxy`, Sails'
 * `sails.config.http.trustProxy`): the client's address, the proxies it came through and the
 * protocol, read from X-Forwarded-For and X-Forwarded-Proto only as far as the setting trusts
 * the addresses that sent them. One function serves HTTP requests and socket handshakes, so
 * `req.ip`, `req.ips`, `req.protocol` and `req.secure` agree over both transports.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/**
 * What `http.trustProxy` accepts, as Express and Fastify do: `true` (every hop), a number of hops
 * in front of the app, an address, CIDR range or name (`'loopback'`, `'linklocal'`,
 * `'uniquelocal'`), a comma-separated string or a list of those, or a function
 * `(address, hop) => boolean`.
 *
 * @example export const http = { trustProxy: ['loopback', '10.0.0.0/8'] };
 */
export type TrustProxy = boolean | number | string | string[] | ((address: string, hop: number) => boolean);

/** Decides whether the address `hop` steps away from the app is a proxy to believe. */
export type TrustFunction = (address: string, hop: number) => boolean;

export const TRUST_NOTHING: TrustFunction = () => false;

/** The trust function of a checked `trustProxy` value (`undefined` and false trust nothing). */
export function compileTrust(value: TrustProxy | undefined): TrustFunction {
  if (value === undefined || value === false) return TRUST_NOTHING;
  if (value === true) return () => true;
  // Express's hop count: the first `value` addresses from the app's side are proxies, whoever
  // they are. Only safe when nothing reaches the app but through them (docs/runtime.md, Proxies).
  if (typeof value === 'number') return (_address, hop) => hop < value;
  if (typeof value === 'function') return value;
  const list = typeof value === 'string' ? value.split(',').map((part) => part.trim()) : value;
  return proxyAddr.compile(list);
}

/** Why `value` is not a trustProxy setting, or undefined when it is one. */
export function trustProxyProblem(value: unknown): string | undefined {
  if (value === undefined || typeof value === 'boolean' || typeof value === 'function') return undefined;
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? undefined : `is ${value}; a number of hops is a whole number of 0 or more`;
  }
  if (typeof value === 'string' || (Array.isArray(value) && value.every((entry) => typeof entry === 'string'))) {
    try {
      compileTrust(value as string | string[]);
      return undefined;
    } catch (error) {
      return `is ${JSON.stringify(value)}, which holds something that is not an address, a CIDR range or one of loopback, linklocal, uniquelocal (${(error as Error).message})`;
    }
  }
  return `is ${describe(value)}`;
}

/** Where a request came from, proxies taken into account. */
export interface Origin {
  /** The client's address: the last address the proxies vouch for, else the peer's. */
  ip: string;
  /** The addresses the proxies vouch for, client first, the app's nearest proxy last (Express's `req.ips`); empty without a trusted proxy. */
  ips: readonly string[];
  /** From a trusted X-Forwarded-Proto (its first entry, as Express reads it), else the connection's own. */
  protocol: 'http' | 'https';
}

const NO_IPS: readonly string[] = Object.freeze([]);

/**
 * Reads the origin of a request from `peer` (the connection's remote address), its headers and
 * whether the connection itself is TLS.
 */
export function originOf(peer: string | undefined, headers: IncomingMessage['headers'], encrypted: boolean, trust: TrustFunction): Origin {
  const own = encrypted ? 'https' : 'http';
  const address = peer ?? '';
  if (trust === TRUST_NOTHING || address === '') return { ip: address, ips: NO_IPS, protocol: own };
  // proxy-addr reads only these two fields; a handshake's headers are those of its first request.
  const addresses = proxyAddr.all({ headers, socket: { remoteAddress: address } } as unknown as IncomingMessage, trust);
  const ip = addresses[addresses.length - 1] ?? address;
  const ips = addresses.length > 1 ? Object.freeze(addresses.slice(1).reverse()) : NO_IPS;
  let protocol: 'http' | 'https' = own;
  const proto = headers['x-forwarded-proto'];
  if (typeof proto === 'string' && proto !== '' && trust(address, 0)) {
    const comma = proto.indexOf(',');
    const first = (comma === -1 ? proto : proto.slice(0, comma)).trim().toLowerCase();
    if (first === 'https' || first === 'http') protocol = first;
  }
  return { ip, ips, protocol };
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return 'an object that cannot be shown';
  }
}
