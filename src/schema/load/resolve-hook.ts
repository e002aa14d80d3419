/**
 * A module.register() resolve hook: when an app file imports 'sails-rt' (or 'sails-rt/client')
 * and the app has not installed sails-rt yet (right after `new --skip-install`), resolve it to
 * the copy of sails-rt that is running. An installed copy always wins.
 */
interface HookData {
  runtimeUrl: string;
  clientUrl: string;
}

interface ResolveResult {
  url: string;
  shortCircuit?: boolean;
  format?: string | null;
}

type NextResolve = (specifier: string, context: unknown) => Promise<ResolveResult>;

let targets: HookData | undefined;

export function initialize(data: HookData): void {
  targets = data;
}

export async function resolve(specifier: string, context: unknown, next: NextResolve): Promise<ResolveResult> {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (targets && specifier === 'sails-rt') return { url: targets.runtimeUrl, shortCircuit: true };
    if (targets && specifier === 'sails-rt/client') return { url: targets.clientUrl, shortCircuit: true };
    throw error;
  }
}
