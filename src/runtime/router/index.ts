/**
 * The one router both transports dispatch to: find-my-way, filled with the app's custom routes
 * first and the blueprint routes after them, as Sails binds them.
 */
import FindMyWay from 'find-my-way';
import type { FindResult, HTTPMethod, HTTPVersion } from 'find-my-way';
import { runAction, type Action, type Req, type Res } from '../pipeline/index.js';

/** The verbs a route can answer; also the socket events the server listens for, lowercased. */
export const VERBS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const;
export type Verb = (typeof VERBS)[number];

export interface RouteEntry {
  action: Action;
  /** For logs and errors: `SayController.hello`, `user/find`. */
  name: string;
}

interface Match {
  entry: RouteEntry;
  params: Record<string, string>;
}

export class Router {
  private readonly fmw = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: false });

  /** Binds `entry` to each verb; throws find-my-way's error on a conflicting route. */
  add(verbs: readonly Verb[], path: string, entry: RouteEntry): void {
    this.fmw.on(verbs as HTTPMethod[], path, noop, entry);
  }

  has(verb: Verb, path: string): boolean {
    return this.fmw.hasRoute(verb, path);
  }

  find(method: string, path: string): Match | undefined {
    const found = this.lookup(method, path);
    if (found === null) return undefined;
    return { entry: found.store as RouteEntry, params: found.params as Record<string, string> };
  }

  /** find-my-way's own match, which route() reads without building a Match per request. */
  private lookup(method: string, path: string): FindResult<HTTPVersion.V1> | null {
    const found = this.fmw.find(method as HTTPMethod, path);
    // HEAD answers like GET unless a HEAD route exists, as in Express.
    if (found === null && method === 'HEAD') return this.fmw.find('GET', path);
    return found;
  }

  /** Routes `req` and runs its action; answers OPTIONS itself when no route takes it; else 404 "Not Found". */
  /** Never throws: a request dispatched from a queue (pipeline/backpressure.ts) has nobody above it to catch. */
  dispatch(req: Req, res: Res): void {
    try {
      this.route(req, res);
    } catch (error) {
      res.serverError(error);
    }
  }

  private route(req: Req, res: Res): void {
    const match = this.lookup(req.method, req.path);
    if (match === null) {
      const allow = req.method === 'OPTIONS' ? this.allowed(req.path) : '';
      if (allow === '') {
        res.notFound();
        return;
      }
      // Express's automatic OPTIONS: the verbs in `Allow`, and as the text body over HTTP. Over a
      // socket Sails sent no body key at all (docs/protocol.md 2.3).
      res.set('allow', allow);
      if (req.isSocket) res.send();
      else res.send(allow);
      return;
    }
    req.params = match.params as Record<string, string>;
    runAction((match.store as RouteEntry).action, req, res);
  }

  /** The verbs `path` answers, as Express lists them in `Allow`: sorted, HEAD wherever GET is. */
  private allowed(path: string): string {
    const verbs = VERBS.filter((verb) => verb !== 'OPTIONS' && this.find(verb, path) !== undefined);
    return [...verbs].sort().join(', ');
  }

  /** The bound routes, one line each, for debugging. */
  describe(): string {
    return this.fmw.prettyPrint();
  }
}

function noop(): void {}
