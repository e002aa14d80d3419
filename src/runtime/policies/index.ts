/**
 * Policies (Sails' `api/policies/*.ts` and `config/policies.ts`): which policies run before
 * which action, the same for HTTP and socket requests. A controller entry keyed `UserController`
 * or `user` also covers the blueprint actions of the model `user`, as in Sails.
 */
import { basename, join, relative } from 'node:path';
import { isPlainObject } from '../../schema/index.js';
import { listSourceFiles } from '../../schema/load/index.js';
import { importForLift } from '../app-files.js';
import { LiftError, SailsRtError } from '../errors.js';
import type { Req, Res } from '../pipeline/index.js';
import type { Policy } from './define.js';

export { definePolicy, type Policy } from './define.js';

/** `true` lets every request through, `false` answers 403, names run those policies in order. */
export type PolicyTarget = boolean | string | readonly string[];

/**
 * `config/policies.ts`.
 *
 * @example { '*': true, UserController: { '*': 'isLoggedIn', find: true }, SayController: { hello: ['isLoggedIn', 'isAdmin'] } }
 */
export type PoliciesConfig = Record<string, PolicyTarget | Record<string, PolicyTarget>>;

/** What runs before one action: nothing, a refusal, or policies in order. */
export type PolicyChain = { deny: true } | { deny: false; policies: readonly { name: string; policy: Policy }[] };

const OPEN: PolicyChain = { deny: false, policies: [] };
const DENY: PolicyChain = { deny: true };

/** Loads every `api/policies/*.ts`; the file stem is the policy's name. */
export async function loadPolicies(appPath: string): Promise<Map<string, Policy>> {
  const policies = new Map<string, Policy>();
  for (const file of await listSourceFiles(join(appPath, 'api', 'policies'))) {
    const shown = relative(appPath, file);
    const namespace = await importForLift(appPath, file, shown);
    const policy = namespace['default'];
    if (typeof policy !== 'function') {
      throw new LiftError(`${shown} has no default export of a policy; write \`export default definePolicy((req, res, proceed) => …)\`.`);
    }
    policies.set(basename(file).replace(/\.[^.]+$/, ''), policy as Policy);
  }
  return policies;
}

/**
 * The policy mapping of one app, checked once at lift. Every key is read as Sails 1 reads it, as
 * action paths: `'user/signup'` is one action, `'user/*'` every action under `user/`, and the
 * controller style is the same thing written another way (`UserController: { '*': a, find: b }`
 * is `'user/*': a, 'user/find': b`; `UserController: a` is `'user/*': a`). A bare name with one
 * value (`ping: a`) also maps the top-level action `ping`.
 */
export class PolicyMap {
  private readonly global: PolicyTarget;
  /** By lowercased action path: `user/signup`. */
  private readonly actions = new Map<string, PolicyTarget>();
  /** By lowercased folder prefix (`user/`), longest first; of two keys for one folder, the later wins. */
  private readonly prefixes: [string, PolicyTarget][];

  constructor(
    config: unknown,
    private readonly loaded: Map<string, Policy>,
  ) {
    if (config === undefined) config = {};
    if (!isPlainObject(config)) {
      throw new LiftError("The setting \"policies\" (config/policies.ts) must be an object; write `export const policies = { '*': true }`.");
    }
    this.global = true;
    const prefixes = new Map<string, PolicyTarget>();
    const setPrefix = (prefix: string, target: PolicyTarget) => {
      prefixes.delete(prefix);
      prefixes.set(prefix, target);
    };
    for (const [key, value] of Object.entries(config)) {
      if (key === '*') {
        this.global = this.target(value, "'*'");
      } else if (key.slice(0, key.endsWith('/*') ? -2 : undefined).includes('*')) {
        throw new LiftError(
          `config/policies.ts: the key '${key}' has a * that is not a whole last segment, which matches no action; write '*', 'folder/*' or an action path such as 'user/signup'.`,
        );
      } else if (key.endsWith('/*')) {
        setPrefix(key.slice(0, -1).toLowerCase(), this.target(value, `'${key}'`));
      } else if (key.includes('/')) {
        this.actions.set(key.toLowerCase(), this.target(value, `'${key}'`));
      } else if (isPlainObject(value)) {
        const controller = controllerIdentity(key);
        for (const [action, target] of Object.entries(value)) {
          const checked = this.target(target, `${key}.${action}`);
          if (action === '*') setPrefix(`${controller}/`, checked);
          else this.actions.set(`${controller}/${action.toLowerCase()}`, checked);
        }
      } else {
        const target = this.target(value, key);
        setPrefix(`${controllerIdentity(key)}/`, target);
        this.actions.set(key.toLowerCase(), target);
      }
    }
    this.prefixes = [...prefixes].sort(([a], [b]) => b.length - a.length);
  }

  /** The chain for an action identity (`user/find`); `undefined` (an inline route function) gets `'*'`. */
  chainFor(identity: string | undefined): PolicyChain {
    return this.chain(this.resolve(identity));
  }

  /** The most specific mapping: the action's own path, then the longest folder above it, then `'*'`. */
  private resolve(identity: string | undefined): PolicyTarget {
    if (identity === undefined) return this.global;
    return this.actions.get(identity) ?? this.prefixes.find(([prefix]) => identity.startsWith(prefix))?.[1] ?? this.global;
  }

  private chain(target: PolicyTarget): PolicyChain {
    if (target === true) return OPEN;
    if (target === false) return DENY;
    const names = typeof target === 'string' ? [target] : target;
    return { deny: false, policies: names.map((name) => ({ name, policy: this.loaded.get(name) as Policy })) };
  }

  /** Checks one mapping's value; a policy that does not exist stops lift. */
  private target(value: unknown, where: string): PolicyTarget {
    if (typeof value === 'boolean') return value;
    const names = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(names) || !names.every((name) => typeof name === 'string')) {
      throw new LiftError(
        `config/policies.ts: ${where} is ${JSON.stringify(value)}; use true, false, a policy name or an array of policy names.`,
      );
    }
    for (const name of names as string[]) {
      if (!this.loaded.has(name)) {
        const known = [...this.loaded.keys()];
        throw new LiftError(
          `config/policies.ts: ${where} uses the policy "${name}", which does not exist; add api/policies/${name}.ts (\`sails-rt generate policy ${name}\`) or fix the name${known.length > 0 ? ` (policies: ${known.join(', ')})` : ''}.`,
        );
      }
    }
    return names as string[];
  }
}

/**
 * Runs the chain before an action. Resolves true when the action should run, false when a
 * policy answered (or the chain denies, which answers 403 here).
 */
export async function runPolicies(chain: PolicyChain, req: Req, res: Res): Promise<boolean> {
  if (chain.deny) throw new SailsRtError('E_FORBIDDEN', 'You are not allowed to do this.');
  for (const { policy } of chain.policies) {
    if (!(await runPolicy(policy, req, res)) || res.sent) return false;
  }
  return true;
}

function runPolicy(policy: Policy, req: Req, res: Res): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    let settled = false;
    const settle = (value: boolean, error?: unknown): void => {
      if (settled) return;
      settled = true;
      if (error === undefined) resolve(value);
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    // A policy that answers, now or later from a callback, ends the request.
    res.beforeSend(() => settle(false));
    const proceed = (error?: unknown): void => settle(true, error ?? undefined);
    let result: unknown;
    try {
      result = policy(req, res, proceed);
    } catch (error) {
      settle(false, error ?? new Error('A policy threw without an error.'));
      return;
    }
    if (res.sent) return settle(false);
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      // An async policy that resolves without answering lets the request through.
      Promise.resolve(result as PromiseLike<unknown>).then(
        () => settle(!res.sent),
        (error: unknown) => settle(false, error ?? new Error('A policy rejected without an error.')),
      );
    }
    // A synchronous policy that neither proceeded nor answered may still do either from a callback.
  });
}

/** `UserController` and `user` are the same controller; a Sails action key `user/find` is not a controller. */
function controllerIdentity(key: string): string {
  return key.replace(/Controller$/, '').toLowerCase();
}
