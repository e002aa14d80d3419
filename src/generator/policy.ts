import { names } from '../schema/index.js';
import { emptyReport, writeOwnedFile, type GenerateReport } from './owned-files.js';
import { mapPolicy, missingTargetNote, parseMappingTarget, type PolicyMapping } from './policies-file.js';
import type { TemplateSet } from './templates.js';
import type { Tree } from './tree.js';

export interface PolicyOptions {
  /** As the user typed it: `isLoggedIn`, `is-logged-in`. */
  name: string;
  /**
   * Where to map it in config/policies.ts, as `--on` takes them: `UserController`, `user`,
   * `UserController.create`, `user/signup`, `*`.
   */
  on?: readonly string[] | undefined;
  /**
   * The app's controllers by name, `UserController` (one per model too: its blueprints), for a
   * "did you mean" when a target names none of them. The tree cannot list folders.
   */
  controllers?: readonly string[] | undefined;
  /** Overwrite the policy file if it differs, keeping the old content as `<file>.orig`. */
  force?: boolean | undefined;
  templates: TemplateSet;
}

export interface PolicyReport extends GenerateReport {
  /** `isLoggedIn`: the file stem, which is the name config/policies.ts maps actions to. */
  policyName: string;
  /** `api/policies/isLoggedIn.ts`, so the CLI can tell whether it conflicted. */
  policyFile: string;
  /** What each `on` target did to config/policies.ts, in the order given. */
  mappings: PolicyMapping[];
  /** Sentences worth printing: a target the app does not have yet, keys a `'*'` does not cover. */
  notes: string[];
}

/**
 * Adds a policy, Sails' `api/policies/<name>` (user-owned, written once), and maps it to the
 * `on` targets in config/policies.ts (see mapPolicy). Throws, before writing anything, when the
 * name cannot be a policy name, a target is not one, or config/policies.ts refuses the mapping.
 * An existing policy file is left alone (skip or conflict, as any user-owned file), but it is
 * still mapped.
 *
 * @example await generatePolicy(tree, { name: 'isLoggedIn', on: ['UserController'], templates })
 */
export async function generatePolicy(tree: Tree, options: PolicyOptions): Promise<PolicyReport> {
  const policyName = policyNameOf(options.name);
  const policyFile = `api/policies/${policyName}.ts`;
  const targets = (options.on ?? []).map(parseMappingTarget);
  const report = emptyReport();
  // The mapping first: a policies file that refuses it fails before the policy is written.
  const mapped = await mapPolicy(tree, policyName, targets);
  const missing = targets.map((target) => missingTargetNote(tree, target, options.controllers)).filter((note) => note !== undefined);
  writeOwnedFile(tree, policyFile, options.templates.render('policy/policy.ts.hbs', { policyName }), options, report);
  return { ...report, policyName, policyFile, mappings: mapped.mappings, notes: [...missing, ...mapped.notes] };
}

/**
 * The name a policy is written and mapped under: camelCase, as Sails names them (`isLoggedIn`;
 * `is-logged-in` becomes `isLoggedIn`). Derived by names(), the one place names come from.
 */
function policyNameOf(raw: string): string {
  try {
    return names(raw).propertyName;
  } catch (error) {
    throw new Error(
      `"${raw}" is not a valid policy name: use letters and digits, starting with a letter, in camelCase as Sails does (for example isLoggedIn).`,
      { cause: error },
    );
  }
}
