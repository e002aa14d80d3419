import { names } from '../schema/index.js';
import { emptyReport, writeOwnedFile, type GenerateReport } from './owned-files.js';
import type { TemplateSet } from './templates.js';
import type { Tree } from './tree.js';

export interface PolicyOptions {
  /** As the user typed it: `isLoggedIn`, `is-logged-in`. */
  name: string;
  /** Overwrite the policy file if it differs, keeping the old content as `<file>.orig`. */
  force?: boolean | undefined;
  templates: TemplateSet;
}

export interface PolicyReport extends GenerateReport {
  /** `isLoggedIn`: the file stem, which is the name config/policies.ts maps actions to. */
  policyName: string;
  /** `api/policies/isLoggedIn.ts`, so the CLI can tell whether it conflicted. */
  policyFile: string;
}

/**
 * Adds a policy, Sails' `api/policies/<name>`: user-owned, written once. Throws, before writing
 * anything, when the name cannot be a policy name.
 *
 * @example generatePolicy(tree, { name: 'isLoggedIn', templates }) // writes api/policies/isLoggedIn.ts
 */
export function generatePolicy(tree: Tree, options: PolicyOptions): PolicyReport {
  const policyName = policyNameOf(options.name);
  const policyFile = `api/policies/${policyName}.ts`;
  const report = emptyReport();
  writeOwnedFile(tree, policyFile, options.templates.render('policy/policy.ts.hbs', { policyName }), options, report);
  return { ...report, policyName, policyFile };
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
