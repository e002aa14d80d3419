import { BLUEPRINT_ACTIONS, names } from '../schema/index.js';
import { emptyReport, writeOwnedFile, type GenerateReport } from './owned-files.js';
import { mapPolicy, missingTargetNote, parseMappingTarget, type MappingTarget, type PolicyMapping } from './policies-file.js';
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
  const added = targets.filter((_, index) => mapped.mappings[index]?.outcome !== 'present');
  const guarded = guardedNotes(tree, policyName, added, options.controllers ?? []);
  return { ...report, policyName, policyFile, mappings: mapped.mappings, notes: [...missing, ...mapped.notes, ...guarded] };
}


/**
 * What the new mappings guard, in words (a controller's mapping also covers its model's
 * blueprints and the standalone actions of its folder, which surprises), and which of the app's
 * own tests drive those actions without a session and so are now refused, with the exact edit
 * that lets each test lift with the mapping open: tests only, as NestJS's overrideGuard does;
 * config/policies.ts keeps guarding the app.
 */
function guardedNotes(tree: Tree, policy: string, targets: readonly MappingTarget[], controllers: readonly string[]): string[] {
  const notes: string[] = [];
  /** By test file, the entries that open the new mappings it runs into. */
  const refused = new Map<string, string[]>();
  const refuse = (identity: string, entry: string) => {
    const test = `test/${identity}.test.ts`;
    if (tree.exists(test)) refused.set(test, [...(refused.get(test) ?? []), entry]);
  };
  for (const target of targets) {
    switch (target.kind) {
      case 'default': {
        notes.push(`${policy} now runs before every action that config/policies.ts does not map otherwise: every blueprint of every model, every controller action and every standalone action.`);
        // A controller config/policies.ts maps by itself does not inherit '*' (a text check: it only decides a note).
        const policies = (tree.read('config/policies.ts') ?? '').replace(/\/\/.*$/gm, '');
        for (const controller of controllers) {
          const identity = controller.replace(/Controller$/, '').toLowerCase();
          if (!new RegExp(`(^|[\\s{,'"])(${controller}|${identity}(/[^'"]*)?)['"]?\\s*:`, 'i').test(policies)) refuse(identity, "'*': true");
        }
        break;
      }
      case 'controller': {
        const { className, identity, controller } = target;
        const model = tree.exists(`api/models/${className}.ts`);
        if (!model && !tree.exists(`api/controllers/${controller}.ts`)) break; // missingTargetNote says it guards nothing yet
        const blueprints = model ? `the blueprints of the model ${className} (find, create, update, destroy and the rest), ` : '';
        notes.push(`${policy} now runs before ${blueprints}every action of api/controllers/${controller}.ts, and every standalone action in api/controllers/${identity}/ (such as ${identity}/signup).`);
        refuse(identity, `${controller}: { '*': true }`);
        break;
      }
      case 'action': {
        const test = `test/${target.identity}.test.ts`;
        const blueprint = BLUEPRINT_ACTIONS.some((name) => name.toLowerCase() === target.action.toLowerCase()) && tree.exists(`api/models/${target.className}.ts`);
        // A word check, not a parse: it only decides whether to print a note.
        if (blueprint || new RegExp(`\\b${target.action}\\b`).test(tree.read(test) ?? '')) refuse(target.identity, `${target.controller}: { ${target.action}: true }`);
        break;
      }
      case 'folder':
      case 'standalone':
        // Routes to standalone actions are the app's own; the generated tests do not drive them.
        break;
    }
  }
  for (const [test, entries] of refused) {
    notes.push(
      `${test} drives those actions without a logged-in session, so it is now refused (403). ` +
        `To go on testing the actions apart from ${policy}, add policies: { ${entries.join(', ')} } to the config it passes to lift() ` +
        `(in the tests only: config/policies.ts keeps guarding the app); to test ${policy} itself, log a user in first (req.session.userId).`,
    );
  }
  return notes;
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
