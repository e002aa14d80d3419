import type { ArrayLiteralExpression, Node as SyntaxNode, ObjectLiteralExpression, SourceFile } from 'ts-morph';
import { BLUEPRINT_ACTIONS, closest, names } from '../schema/index.js';
import { appendItems, applyEdits, exportedObject, keyText, quote, type Edit, type Morph } from './object-literal.js';
import type { Tree } from './tree.js';

/** The file whose `export const policies = { … }` object the policy mappings are added to. */
export const POLICIES_FILE = 'config/policies.ts';

/**
 * Where a policy is mapped, in Sails' shape: `'*'` (every action), a controller's `'*'`, one
 * action of a controller, a standalone action by its path, or every standalone action of a
 * folder (`user/*`).
 */
export type MappingTarget =
  | { kind: 'default'; raw: string }
  | { kind: 'controller'; raw: string; controller: string; className: string; identity: string }
  | { kind: 'action'; raw: string; controller: string; className: string; identity: string; action: string }
  | { kind: 'standalone'; raw: string; path: string }
  | { kind: 'folder'; raw: string; path: string };

/** What one mapping did to config/policies.ts. */
export interface PolicyMapping {
  /** The target as it was given: `UserController.create`. */
  target: string;
  /** `present`: the policy already ran there, nothing changed. */
  outcome: 'added' | 'appended' | 'replaced' | 'present';
  /** One sentence saying what the action runs now, for the CLI to print. */
  message: string;
}

const ACTION = /^[A-Za-z][A-Za-z0-9]*$/;
// As generate action's paths: folders and a file stem of letters, digits and dashes.
const SEGMENT = /^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$/;
const SOURCE_EXTENSIONS = ['ts', 'mts', 'js', 'mjs'];
const BLUEPRINTS_LOWERCASE = new Set<string>(BLUEPRINT_ACTIONS.map((name) => name.toLowerCase()));

/**
 * Reads a `--on` target: `*`, `UserController` or `user`, `UserController.create`, `user/signup`, `user/*`.
 * Throws a sentence listing the accepted forms when it is none of them.
 *
 * @example parseMappingTarget('user.create') // { kind: 'action', controller: 'UserController', action: 'create', … }
 */
export function parseMappingTarget(raw: string): MappingTarget {
  if (raw === '*') return { kind: 'default', raw };
  if (raw.includes('/')) {
    const segments = raw.split('/');
    if (segments.at(-1) === '*' && segments.length > 1 && segments.slice(0, -1).every((segment) => SEGMENT.test(segment))) {
      return { kind: 'folder', raw, path: raw };
    }
    // A file named like a controller is a controller to lift, not a standalone action.
    if (segments.every((segment) => SEGMENT.test(segment)) && !raw.endsWith('Controller')) return { kind: 'standalone', raw, path: raw };
    throw notATarget(raw);
  }
  const [stem = '', action, ...rest] = raw.split('.');
  if (rest.length > 0 || (action !== undefined && !ACTION.test(action))) throw notATarget(raw);
  let className: string;
  try {
    className = names(/^.+Controller$/.test(stem) ? stem.slice(0, -'Controller'.length) : stem).className;
  } catch (error) {
    throw notATarget(raw, error);
  }
  const controller = { raw, controller: `${className}Controller`, className, identity: className.toLowerCase() };
  return action === undefined ? { kind: 'controller', ...controller } : { kind: 'action', ...controller, action };
}

function notATarget(raw: string, cause?: unknown): Error {
  return new Error(
    `"${raw}" is not a policy target: use '*' (every action), a controller (UserController or user), one of its actions (UserController.create), a standalone action (user/signup) or a folder of them (user/*).`,
    { cause },
  );
}

/**
 * Says when a target names nothing the app has yet: the mapping is still made (a policy may be
 * mapped before its controller is generated), but it guards nothing until the action exists.
 * `controllers` are the app's controllers by name (`UserController`, one per model too), for a
 * "did you mean" when the target names none of them.
 */
export function missingTargetNote(tree: Tree, target: MappingTarget, controllers: readonly string[] = []): string | undefined {
  const exists = (stem: string): string | undefined => SOURCE_EXTENSIONS.map((ext) => `${stem}.${ext}`).find((path) => tree.exists(path));
  if (target.kind === 'default') return undefined;
  // A folder's actions are not listed by the tree, and a wildcard may well come before them.
  if (target.kind === 'folder') return undefined;
  if (target.kind === 'standalone') {
    if (exists(`api/controllers/${target.path}`)) return undefined;
    return `there is no api/controllers/${target.path}.ts yet, so the mapping for ${target.path} guards nothing until you add it (sails-rt generate action ${target.path}).`;
  }
  const controllerFile = exists(`api/controllers/${target.controller}`);
  const modelFile = exists(`api/models/${target.className}`);
  if (target.kind === 'controller') {
    if (controllerFile || modelFile) return undefined;
    return `there is no api/controllers/${target.controller}.ts or api/models/${target.className}.ts yet, so the mapping for ${target.controller} guards nothing until you add one${guessOf(target.controller, controllers)}.`;
  }
  if (modelFile && BLUEPRINTS_LOWERCASE.has(target.action.toLowerCase())) return undefined;
  // A word check, not a parse: it only decides whether to print a note.
  if (controllerFile && new RegExp(`\\b${target.action}\\b`, 'i').test(tree.read(controllerFile) ?? '')) return undefined;
  const guess = controllerFile || modelFile ? '' : guessOf(target.controller, controllers);
  return `sails-rt found no action ${target.controller}.${target.action} (neither in api/controllers/${target.controller}.ts nor among the blueprint actions of a model ${target.className}), so the mapping guards nothing until there is one${guess}.`;
}

/** ` (did you mean PetController?)` when one of `controllers` is close to `controller`. */
function guessOf(controller: string, controllers: readonly string[]): string {
  const stem = (name: string) => name.replace(/Controller$/, '');
  const guess = closest(stem(controller), [...new Set(controllers.map(stem))]);
  return guess === undefined ? '' : ` (did you mean ${guess}Controller?)`;
}

/**
 * Maps `policy` to each target in config/policies.ts, on the syntax tree (ts-morph, over the
 * tree's text in an in-memory project), so the user's formatting and comments stay as they are.
 * Adding a policy never takes one away, as Sails reads the file (a key's value replaces what it
 * would inherit):
 * - a key that already runs the policy, or inherits it, is left alone (`present`);
 * - a key that runs other policies gets this one after them (`'isAdmin'` → `['isAdmin', 'isLoggedIn']`);
 * - `true` (open) becomes the policy; a new key copies the policies it inherited before it;
 * - `false` (deny) on the key itself, or a value that is not a literal, is refused.
 * Throws, before changing anything, a sentence naming the file, the key and the fix; does
 * nothing, and does not load ts-morph, when `targets` is empty.
 *
 * @example await mapPolicy(tree, 'isLoggedIn', [parseMappingTarget('UserController')]) // UserController: { '*': 'isLoggedIn' }
 */
export async function mapPolicy(tree: Tree, policy: string, targets: readonly MappingTarget[]): Promise<{ mappings: PolicyMapping[]; notes: string[] }> {
  if (targets.length === 0) return { mappings: [], notes: [] };
  const original = tree.read(POLICIES_FILE);
  if (original === undefined) throw missingAnchor(policy, targets, 'file');
  // Loaded here only: most commands (--version, generate model) never edit a file.
  const morph = await import('ts-morph');
  const project = new morph.Project({ useInMemoryFileSystem: true });
  const parse = (text: string) => project.createSourceFile(POLICIES_FILE, text, { overwrite: true });
  let text = original;
  const mappings: PolicyMapping[] = [];
  for (const target of targets) {
    // Parsed again for each target: each edit is made on the text the previous one left.
    const { mapping, edits } = new PoliciesEdit(morph, parse(text), policy, target, targets).plan();
    text = applyEdits(text, edits);
    mappings.push(mapping);
  }
  // On the final text, so that a key a later target mapped is not pointed out.
  const final = parse(text);
  const notes = targets.map((target) => new PoliciesEdit(morph, final, policy, target, targets).uncoveredNote()).filter((note) => note !== undefined);
  if (text !== original) tree.write(POLICIES_FILE, text);
  return { mappings, notes: [...new Set(notes)] };
}


/** One property of an object literal; `value` is undefined for a shorthand or a method. */
interface Entry {
  key: string;
  node: SyntaxNode;
  value: SyntaxNode | undefined;
}

/** A mapping's value as Sails reads it, with its node; `unreadable` when it is not a literal. */
type Value =
  | { kind: 'boolean'; value: boolean; node: SyntaxNode }
  | { kind: 'names'; names: string[]; node: SyntaxNode; array: ArrayLiteralExpression | undefined }
  | { kind: 'object'; object: ObjectLiteralExpression }
  | { kind: 'unreadable' };

/** What a key inherits when it has no value of its own, and from which entry (`'*'`, `UserController`). */
interface Inherited {
  value: Value;
  entry: Entry | undefined;
  from: string;
}

class PoliciesEdit {
  private readonly top: ObjectLiteralExpression;
  private readonly entries: Entry[];

  constructor(
    private readonly morph: Morph,
    private readonly source: SourceFile,
    private readonly policy: string,
    private readonly target: MappingTarget,
    targets: readonly MappingTarget[],
  ) {
    const object = exportedObject(morph, source, 'policies');
    if (!object) throw missingAnchor(policy, targets, 'object');
    this.top = object;
    this.entries = this.entriesOf(object, 'policies');
  }

  plan(): { mapping: PolicyMapping; edits: Edit[] } {
    const target = this.target;
    const globalEntry = this.entries.findLast((entry) => entry.key === '*');
    const global: Inherited = globalEntry
      ? { value: this.read(globalEntry.value), entry: globalEntry, from: "'*'" }
      : // No '*' is Sails' default: open.
        { value: { kind: 'boolean', value: true, node: this.top }, entry: undefined, from: "'*'" };

    if (target.kind === 'default') {
      return this.map("every action ('*')", globalEntry, global, (value) => this.addTo(this.top, [`'*': ${value}`]));
    }
    if (target.kind === 'standalone' || target.kind === 'folder') {
      const entry = this.entries.findLast((candidate) => candidate.key.toLowerCase() === target.path.toLowerCase());
      const inherited = this.inheritedByPath(target.path, global);
      return this.map(target.path, entry, inherited, (value) => this.addTo(this.top, [`${keyText(target.path)}: ${value}`]));
    }

    const controller = this.controllerEntry(target.identity);
    // `'user/*'` is the same folder written as a path: of the two, lift reads the later one.
    const folder = this.entries.findLast((entry) => entry.key.toLowerCase() === `${target.identity}/*`);
    if (target.kind === 'controller' && folder && (!controller || this.entries.indexOf(folder) > this.entries.indexOf(controller))) {
      return this.map(quote(folder.key), folder, global, () => []);
    }
    // What a new controller `'*'` replaces, and so keeps: an earlier `'user/*'`, else `'*'`.
    const folderDefault: Inherited = folder ? { value: this.read(folder.value), entry: folder, from: quote(folder.key) } : global;
    const controllerValue = controller ? this.read(controller.value) : undefined;
    const action = target.kind === 'action' ? target.action : '*';
    const shown = target.kind === 'action' ? `${controller?.key ?? target.controller}.${target.action}` : `every action of ${controller?.key ?? target.controller}`;
    if (!controller) {
      const inherited = target.kind === 'action' ? this.inheritedByPath(`${target.identity}/${target.action}`, global) : global;
      return this.map(shown, undefined, inherited, (value) => this.addTo(this.top, [`${target.controller}: { ${keyText(action)}: ${value} }`]));
    }
    if (controllerValue?.kind !== 'object') {
      // `UserController: 'isAdmin'`: one value for every action.
      if (target.kind === 'controller') return this.map(shown, controller, folderDefault, () => []);
      const node = controller.value;
      if (node === undefined) throw this.unreadable(controller.key, controller);
      const inherited: Inherited = { value: this.read(node), entry: controller, from: controller.key };
      return this.map(shown, undefined, inherited, (value) => [{ at: node.getStart(), to: node.getEnd(), insert: `{ '*': ${node.getText()}, ${keyText(action)}: ${value} }` }]);
    }
    const actions = this.entriesOf(controllerValue.object, controller.key);
    const star = actions.findLast((entry) => entry.key === '*');
    if (target.kind === 'controller') {
      return this.map(shown, star, folderDefault, (value) => this.addTo(controllerValue.object, [`'*': ${value}`]));
    }
    const entry = actions.findLast((candidate) => candidate.key.toLowerCase() === target.action.toLowerCase());
    const inherited = this.inheritedByPath(`${target.identity}/${target.action}`, global);
    return this.map(shown, entry, inherited, (value) => this.addTo(controllerValue.object, [`${keyText(target.action)}: ${value}`]));
  }

  /**
   * The decision of mapPolicy's doc comment, for one key: `entry` is the key's own value if it
   * has one, `inherited` what it runs without one, `add` the edit that gives it `value`.
   */
  private map(shown: string, entry: Entry | undefined, inherited: Inherited, add: (value: string) => Edit[]): { mapping: PolicyMapping; edits: Edit[] } {
    const { policy } = this;
    const done = (outcome: PolicyMapping['outcome'], message: string, edits: Edit[] = []) => ({
      mapping: { target: this.target.raw, outcome, message },
      edits,
    });
    if (entry) {
      const value = this.read(entry.value);
      if (value.kind === 'boolean' && !value.value) {
        throw new Error(
          `${POLICIES_FILE} maps ${shown} to false, which already denies everyone, so nothing was written; remove that mapping first, or map ${policy} there by hand.`,
        );
      }
      if (value.kind === 'boolean' || value.kind === 'names') {
        if (value.kind === 'names' && value.names.includes(policy)) {
          return done('present', `${POLICIES_FILE} already maps ${shown} to ${policy}; nothing to change.`);
        }
        const { node } = value;
        if (value.kind === 'boolean') {
          return done('replaced', `${POLICIES_FILE}: ${shown} was open to everyone (true) and now runs ${policy}.`, [{ at: node.getStart(), to: node.getEnd(), insert: quote(policy) }]);
        }
        const edits = value.array ? this.addTo(value.array, [quote(policy)]) : [{ at: node.getStart(), to: node.getEnd(), insert: `[${node.getText()}, ${quote(policy)}]` }];
        const before = value.names.length > 0 ? `${value.names.join(', ')}, then ` : '';
        return done('appended', `${POLICIES_FILE}: ${shown} now runs ${before}${policy}.`, edits);
      }
      throw this.unreadable(shown, entry);
    }
    const value = inherited.value;
    if (value.kind === 'names' && value.names.includes(policy)) {
      return done('present', `${POLICIES_FILE} already runs ${policy} before ${shown}, through ${inherited.from}; nothing to change.`);
    }
    if (value.kind === 'boolean' && value.value) {
      return done('added', `${POLICIES_FILE}: ${shown} now runs ${policy}.`, add(quote(policy)));
    }
    if (value.kind === 'boolean') {
      return done(
        'added',
        `${POLICIES_FILE}: ${shown} was denied to everyone by ${inherited.from} (false) and now runs ${policy} instead, so whoever ${policy} lets through gets in.`,
        add(quote(policy)),
      );
    }
    if (value.kind === 'names') {
      // A key's own value replaces what it inherits: keep the inherited policies, in front.
      const all = [...value.names, policy];
      return done('added', `${POLICIES_FILE}: ${shown} now runs ${value.names.join(', ')} (kept from ${inherited.from}), then ${policy}.`, add(`[${all.map(quote).join(', ')}]`));
    }
    // Only an entry's value can be unreadable: the '*' that is not there reads as true.
    throw this.unreadable(inherited.from, inherited.entry ?? { key: inherited.from, node: this.top, value: undefined });
  }

  /**
   * What `path` (an action path, or a folder's `user/*`) runs without a key of its own, as lift
   * resolves it (Sails 1 reads the controller style as paths): the same action under its
   * controller's entry, else the longest folder above it, where `'user/*'`, a controller's `'*'`
   * and a controller's one value all stand for `user/` and the later of them wins, else `'*'`.
   */
  private inheritedByPath(path: string, global: Inherited): Inherited {
    const lower = path.toLowerCase();
    const [first = '', ...rest] = lower.split('/');
    const controller = this.controllerEntry(first);
    const controllerValue = controller ? this.read(controller.value) : undefined;
    const actions = controller && controllerValue?.kind === 'object' ? this.entriesOf(controllerValue.object, controller.key) : [];
    const own = rest.length === 1 && rest[0] !== '*' ? actions.findLast((entry) => entry.key.toLowerCase() === rest[0]) : undefined;
    if (controller && own) return { value: this.read(own.value), entry: own, from: `${controller.key}.${own.key}` };

    const folders: { prefix: string; order: number; inherited: Inherited }[] = [];
    this.entries.forEach((entry, order) => {
      const prefix = entry.key.endsWith('/*') ? entry.key.slice(0, -1).toLowerCase() : undefined;
      if (prefix !== undefined && entry.key.toLowerCase() !== lower && lower.startsWith(prefix)) {
        folders.push({ prefix, order, inherited: { value: this.read(entry.value), entry, from: quote(entry.key) } });
      }
    });
    if (controller && rest.length > 0) {
      const order = this.entries.indexOf(controller);
      const star = actions.findLast((entry) => entry.key === '*');
      if (controllerValue?.kind !== 'object') folders.push({ prefix: `${first}/`, order, inherited: { value: controllerValue ?? this.read(undefined), entry: controller, from: controller.key } });
      else if (star) folders.push({ prefix: `${first}/`, order, inherited: { value: this.read(star.value), entry: star, from: `${controller.key}'s '*'` } });
    }
    const nearest = folders.sort((a, b) => b.prefix.length - a.prefix.length || b.order - a.order)[0];
    return nearest?.inherited ?? global;
  }

  /** The entry lift reads for a controller: `UserController` and `user` are the same, the last wins. */
  private controllerEntry(identity: string): Entry | undefined {
    return this.entries.findLast((entry) => entry.key !== '*' && !entry.key.includes('/') && entry.key.replace(/Controller$/, '').toLowerCase() === identity);
  }

  /**
   * A `'*'` is only the default: keys of their own replace it. For a `'*'` target, names the
   * keys that do not run the policy, so that "every action" is not taken for more than it is.
   */
  uncoveredNote(): string | undefined {
    const target = this.target;
    const uncovered: string[] = [];
    if (target.kind === 'default') {
      for (const entry of this.entries) {
        if (entry.key === '*') continue;
        const value = this.read(entry.value);
        if (value.kind !== 'object') {
          if (!this.runsOrDenies(value)) uncovered.push(entry.key);
          continue;
        }
        for (const action of this.entriesOrNone(value.object)) {
          if (!this.runsOrDenies(this.read(action.value))) uncovered.push(action.key === '*' ? entry.key : `${entry.key}.${action.key}`);
        }
      }
    } else if (target.kind === 'controller') {
      const controller = this.controllerEntry(target.identity);
      const value = controller ? this.read(controller.value) : undefined;
      if (controller && value?.kind === 'object') {
        for (const action of this.entriesOrNone(value.object)) {
          if (action.key !== '*' && !this.runsOrDenies(this.read(action.value))) uncovered.push(`${controller.key}.${action.key}`);
        }
      }
    }
    const [first] = uncovered;
    if (first === undefined) return undefined;
    if (uncovered.length === 1) {
      return `${POLICIES_FILE} maps ${first} separately, so ${this.policy} does not run before it; pass --on ${first} too if it should.`;
    }
    return `${POLICIES_FILE} maps ${uncovered.join(', ')} separately, so ${this.policy} does not run before them; pass --on for each that should run it.`;
  }

  /** Runs the policy already, or answers 403 to everyone: either way nothing to point out. */
  private runsOrDenies(value: Value): boolean {
    return (value.kind === 'names' && value.names.includes(this.policy)) || (value.kind === 'boolean' && !value.value);
  }

  private read(node: SyntaxNode | undefined): Value {
    const { Node } = this.morph;
    if (node === undefined) return { kind: 'unreadable' };
    if (Node.isTrueLiteral(node)) return { kind: 'boolean', value: true, node };
    if (Node.isFalseLiteral(node)) return { kind: 'boolean', value: false, node };
    if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return { kind: 'names', names: [node.getLiteralValue()], node, array: undefined };
    if (Node.isObjectLiteralExpression(node)) return { kind: 'object', object: node };
    if (Node.isArrayLiteralExpression(node)) {
      const names: string[] = [];
      for (const element of node.getElements()) {
        if (!Node.isStringLiteral(element) && !Node.isNoSubstitutionTemplateLiteral(element)) return { kind: 'unreadable' };
        names.push(element.getLiteralValue());
      }
      return { kind: 'names', names, node, array: node };
    }
    return { kind: 'unreadable' };
  }

  /**
   * The properties of an object literal by key. A spread or a computed key could hold any key,
   * so nothing can be said about the object: refused, naming it (`where`).
   */
  private entriesOf(object: ObjectLiteralExpression, where: string): Entry[] {
    const { Node } = this.morph;
    const entries: Entry[] = [];
    for (const property of object.getProperties()) {
      if (Node.isSpreadAssignment(property)) {
        throw new Error(
          `${POLICIES_FILE} spreads \`${property.getText()}\` into ${where === 'policies' ? 'its policies' : where}, so sails-rt cannot tell what it maps and nothing was written; add ${this.handEdit()} there by hand.`,
        );
      }
      const name = property.getNameNode();
      let key: string;
      if (Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name) || Node.isNumericLiteral(name)) {
        key = String(name.getLiteralValue());
      } else if (Node.isComputedPropertyName(name)) {
        const expression = name.getExpression();
        if (!Node.isStringLiteral(expression) && !Node.isNoSubstitutionTemplateLiteral(expression)) {
          throw new Error(
            `${POLICIES_FILE} has the computed key \`${name.getText()}\` in ${where === 'policies' ? 'its policies' : where}, so sails-rt cannot tell what it maps and nothing was written; add ${this.handEdit()} there by hand.`,
          );
        }
        key = expression.getLiteralValue();
      } else {
        key = name.getText();
      }
      entries.push({ key, node: property, value: Node.isPropertyAssignment(property) ? property.getInitializer() : undefined });
    }
    return entries;
  }

  /** entriesOf() for a note: an object it cannot read is left out of the note, not refused. */
  private entriesOrNone(object: ObjectLiteralExpression): Entry[] {
    try {
      return this.entriesOf(object, '');
    } catch {
      return [];
    }
  }

  private unreadable(shown: string, entry: Entry): Error {
    const text = oneLine((entry.value ?? entry.node).getText());
    return new Error(
      `${POLICIES_FILE} maps ${shown} to \`${text}\`, which sails-rt cannot read as true, false or policy names, so nothing was written; add ${this.policy} there by hand.`,
    );
  }

  /** What the user would add by hand: the entry this target writes into an object of its own. */
  private handEdit(): string {
    return handEdit(this.policy, this.target);
  }

  private addTo(list: ObjectLiteralExpression | ArrayLiteralExpression, items: readonly string[]): Edit[] {
    return appendItems(this.morph, this.source.getFullText(), list, items, { expandEmpty: list === this.top });
  }
}

/**
 * The entry that maps `policy` to `target`, as a person would add it to config/policies.ts.
 *
 * @example handEdit('isLoggedIn', parseMappingTarget('UserController')) // UserController: { '*': 'isLoggedIn' }
 */
export function handEdit(policy: string, target: MappingTarget): string {
  switch (target.kind) {
    case 'default':
      return `'*': ${quote(policy)}`;
    case 'controller':
      return `${target.controller}: { '*': ${quote(policy)} }`;
    case 'action':
      return `${target.controller}: { ${keyText(target.action)}: ${quote(policy)} }`;
    case 'standalone':
    case 'folder':
      return `${quote(target.path)}: ${quote(policy)}`;
  }
}

function missingAnchor(policy: string, targets: readonly MappingTarget[], what: 'file' | 'object'): Error {
  const first = targets[0];
  const example = first ? `, or add ${handEdit(policy, first)} to your policies yourself` : '';
  const where = what === 'file' ? `${POLICIES_FILE} does not exist` : `${POLICIES_FILE} has no \`export const policies = { … }\` object to map ${policy} in`;
  return new Error(`${where}; restore it as \`sails-rt new\` writes it (export const policies: PoliciesConfig = { '*': true };)${example}.`);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}

