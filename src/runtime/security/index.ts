/**
 * What runs before every action, for HTTP and socket requests alike: the session, the CSRF
 * check, then the action's policies. Also the socket handshake rules and the checks that stop a
 * production lift with an unsafe setup. lift() calls in here; the logic stays out of lift.
 */
import type { ServerOptions, Server } from 'socket.io';
import { blueprintRoutes, type NormalizedModel } from '../../schema/index.js';
import type { SailsConfig } from '../config/index.js';
import type { ActionTable } from '../controllers/index.js';
import { LiftError, SailsRtError } from '../errors.js';
import type { Action, Req, Res } from '../pipeline/index.js';
import { loadPolicies, PolicyMap, runPolicies } from '../policies/index.js';
import type { RouteEntry, Router } from '../router/index.js';
import { checkSessionConfig, openSessionStore, Sessions } from '../session/index.js';
import { CorsRules } from './cors.js';
import { checkCsrf, csrfToken } from './csrf.js';
import { checkOriginSettings, originOptions } from './origins.js';

export { CorsRules, registerCors, type CorsSettings, type RouteCors } from './cors.js';
export { checkCsrf, csrfToken } from './csrf.js';
export type { BeforeConnect, OriginSettings } from './origins.js';

/** The action identity of `GET /csrfToken`, as Sails names it. */
export const GRANT_CSRF_TOKEN = 'security/grant-csrf-token';
/** The action identity of `GET /__getcookie`, sails.io.js's cross-origin cookie bootstrap (docs/protocol.md 1.5). */
export const GET_COOKIE = 'sockets/get-cookie';
/** Reachable whatever the policies say: a login page needs a token, a cross-origin page a cookie. */
const UNGUARDED = new Set([GRANT_CSRF_TOKEN, GET_COOKIE]);
/** Blueprint actions that only read; every other blueprint action writes. */
const READS = new Set(['find', 'findone', 'populate']);

/** How many unguarded routes the production refusal lists before "and N more". */
const SHOWN_ROUTES = 8;

export class Security {
  private constructor(
    readonly sessions: Sessions,
    private readonly policies: PolicyMap,
    private readonly csrf: boolean,
    private readonly socketOptions: Partial<ServerOptions>,
    private readonly originsChecked: boolean,
    private readonly grantCookie: boolean,
    /** security.cors and the routes' own cors, for the HTTP server and lift's route binding. */
    readonly cors: CorsRules,
  ) {}

  /**
   * Reads and checks config/session.ts, config/policies.ts, api/policies, the socket origin
   * settings and CORS, then opens the session store (last, so a refused setting leaves no
   * connection open). `log` takes the line a session store outage writes.
   */
  static async prepare(config: SailsConfig, production: boolean, log: (line: string) => void = () => {}): Promise<Security> {
    const sessionConfig = checkSessionConfig(config['session'], production);
    const policies = new PolicyMap(config['policies'], await loadPolicies(config.appPath));
    checkOriginSettings(config.sockets, production);
    const cors = CorsRules.prepare(config.security.cors, config.routes, production);
    const sessions = new Sessions(sessionConfig, await openSessionStore(sessionConfig, log));
    return new Security(
      sessions,
      policies,
      config.security.csrf === true,
      originOptions(config.sockets),
      config.sockets.onlyAllowOrigins !== undefined,
      config.sockets.grant3rdPartyCookie !== false,
      cors,
    );
  }

  /** Options for the socket.io server (allowRequest, CORS for polling). */
  get serverOptions(): Partial<ServerOptions> {
    return this.socketOptions;
  }

  /** The entry for an action identity (`user/find`; undefined for an inline route function), behind session, CSRF and policies. */
  guard(identity: string | undefined, entry: RouteEntry): RouteEntry {
    const chain = this.policies.chainFor(identity);
    const { sessions, csrf } = this;
    const run = entry.action;
    const exempt = identity !== undefined && UNGUARDED.has(identity);
    const open = exempt || (chain.deny === false && chain.policies.length === 0);
    /** After the session: CSRF, then the policies (if any), then the action. */
    const rest = (req: Req, res: Res): unknown => {
      if (csrf) checkCsrf(req);
      if (open) return res.sent ? undefined : run(req, res);
      return runPolicies(chain, req, res).then((allowed) => (!allowed || res.sent ? undefined : run(req, res)));
    };
    // Not an async function: with a store that answers at once and no policy (every blueprint
    // read of a default app) the action starts in the same turn, with no promise made here. A
    // throw goes to runAction's catch, as a rejection did (pipeline/run-action.ts).
    const action: Action = (req, res) => {
      const attached = sessions.attach(req, res);
      return attached === undefined ? rest(req, res) : attached.then(() => rest(req, res));
    };
    return { action, name: entry.name };
  }

  /**
   * Puts every action of the table behind guard(); adds `security/grant-csrf-token` when CSRF is
   * on and `sockets/get-cookie` unless `sockets.grant3rdPartyCookie` is false.
   */
  guardTable(table: ActionTable): void {
    if (this.csrf && !table.has(GRANT_CSRF_TOKEN)) table.set(GRANT_CSRF_TOKEN, { action: this.grantCsrfToken(), name: GRANT_CSRF_TOKEN });
    if (this.grantCookie && !table.has(GET_COOKIE)) table.set(GET_COOKIE, { action: this.getCookie(), name: GET_COOKIE });
    for (const [identity, entry] of table) table.set(identity, this.guard(identity, entry));
  }

  /** Binds `GET /csrfToken` (CSRF on) and `GET /__getcookie`, after the app's routes, unless the app bound them itself. */
  bindRoutes(router: Router, table: ActionTable): void {
    for (const [identity, path] of [[GRANT_CSRF_TOKEN, '/csrfToken'], [GET_COOKIE, '/__getcookie']] as const) {
      const entry = table.get(identity);
      if (entry !== undefined && !router.has('GET', path)) router.add(['GET'], path, entry);
    }
  }

  /** Sessions for sockets: a cookie-less socket gets a session for its lifetime. */
  attachSockets(io: Server): void {
    this.sessions.connectSockets(io);
  }

  /**
   * In production, blueprint write routes that no policy guards stop lift, unless
   * `blueprints.allowUnguardedWrites` says that is intended.
   */
  checkUnguardedWrites(config: SailsConfig, models: readonly NormalizedModel[], table: ActionTable): void {
    if (config.blueprints.allowUnguardedWrites === true) return;
    // The routes lift binds: shortcut writes (GET /user/create?…) count, with or without REST.
    const routes = blueprintRoutes(models, {
      prefix: config.blueprints.prefix ?? '',
      restPrefix: config.blueprints.restPrefix ?? '',
      rest: config.blueprints.rest !== false,
      shortcuts: config.blueprints.shortcuts === true,
    });
    const open = routes.filter((route) => {
      const identity = `${route.identity}/${route.action}`.toLowerCase();
      if (READS.has(route.action.toLowerCase())) return false;
      // A controller action that replaced the blueprint is the app's own code, not a blueprint.
      if (table.get(identity)?.name !== identity) return false;
      const chain = this.policies.chainFor(identity);
      return chain.deny === false && chain.policies.length === 0;
    });
    if (open.length === 0) return;
    // A short sentence, then a bounded list, one route a line: an app with many models would
    // otherwise get one line of forty routes.
    const shown = open.slice(0, SHOWN_ROUTES).map((route) => `  ${route.method} ${route.path}`);
    if (open.length > SHOWN_ROUTES) shown.push(`  and ${open.length - SHOWN_ROUTES} more`);
    throw new LiftError(
      [
        `In production, anyone could write through ${open.length === 1 ? 'this blueprint route' : `these ${open.length} blueprint routes`}, because no policy guards ${open.length === 1 ? 'it' : 'them'}:`,
        ...shown,
        "Map them to a policy in config/policies.ts (e.g. UserController: { '*': 'isLoggedIn', find: true, findOne: true }, or sails-rt generate policy isLoggedIn --on UserController), or set blueprints.allowUnguardedWrites: true in config/blueprints.ts if that is intended.",
      ].join('\n'),
    );
  }

  close(): Promise<void> {
    return this.sessions.close();
  }

  /**
   * sails.io.js in a page of another origin loads this as a script before it connects, so that
   * the socket's handshake carries the session cookie; it waits for the call to go on.
   */
  private getCookie(): Action {
    return (req, res) => {
      this.sessions.keep(req);
      res.set('content-type', 'application/javascript; charset=utf-8');
      res.send('_sailsIoJSConnect();');
    };
  }

  private grantCsrfToken(): Action {
    return (req, res) => {
      const socket = req.socket;
      // A socket that brought the browser's cookie could have been opened by any page (browsers
      // send cookies with a websocket to any origin), so it reads the token over HTTP unless the
      // origin was checked. A socket whose session was made for it has nothing to steal.
      if (socket !== undefined && !this.originsChecked && !this.sessions.ownsSession(socket)) {
        throw new SailsRtError(
          'E_FORBIDDEN',
          'This socket shares an HTTP session (it connected with a cookie), so it cannot read that session\'s CSRF token; get it over HTTP (GET /csrfToken with fetch), or set sockets.onlyAllowOrigins.',
        );
      }
      res.json({ _csrf: csrfToken(req.session) });
    };
  }
}
