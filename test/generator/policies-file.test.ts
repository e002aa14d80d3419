import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapPolicy, memoryReader, missingTargetNote, parseMappingTarget, VirtualTree, type PolicyMapping } from '../../src/generator/index.js';
import { newApp } from './fixtures.js';

const TEMPLATE = newApp()['config/policies.ts'] ?? '';

/** Maps `policy` to `targets` in a config/policies.ts of `text`; the file after, what was done, or the refusal. */
async function mapIn(text: string | undefined, targets: string[], policy = 'isLoggedIn') {
  const tree = new VirtualTree(memoryReader(text === undefined ? {} : { 'config/policies.ts': text }));
  try {
    const { mappings, notes } = await mapPolicy(tree, policy, targets.map(parseMappingTarget));
    return { text: tree.read('config/policies.ts'), changed: tree.listChanges().length > 0, mappings, notes, error: undefined };
  } catch (error) {
    expect(tree.listChanges(), 'a refusal changes nothing').toEqual([]);
    return { text: undefined, changed: false, mappings: [] as PolicyMapping[], notes: [] as string[], error: (error as Error).message };
  }
}

/** The text of a one-line policies file, for the table tests. */
const file = (object: string): string => `export const policies = ${object};\n`;

/** One test per row: mapping `target` in a file of `before` leaves `after` (undefined: unchanged), and says `message`. */
function itMaps(rows: readonly (readonly [name: string, before: string, target: string, after: string | undefined, outcome: PolicyMapping['outcome'], message: string])[]): void {
  for (const [name, before, target, after, outcome, message] of rows) {
    it(name, async () => {
      const result = await mapIn(file(before), [target]);
      expect(result.error).toBeUndefined();
      expect(result.text).toBe(file(after ?? before));
      expect(result.changed).toBe(after !== undefined);
      expect(result.mappings).toEqual([{ target, outcome, message }]);
    });
  }
}

describe('mapPolicy on the config/policies.ts `sails-rt new` writes', () => {
  it('adds UserController: { * } after the commented examples, keeping them and the doc comment', async () => {
    expect(TEMPLATE).toContain("export const policies: PoliciesConfig = {\n  '*': true,\n  // UserController:");
    const { text, mappings, notes } = await mapIn(TEMPLATE, ['UserController']);
    expect(text).toBe(
      TEMPLATE.replace(
        "  // SayController: { hello: ['isLoggedIn', 'isAdmin'] },\n};",
        "  // SayController: { hello: ['isLoggedIn', 'isAdmin'] },\n  UserController: { '*': 'isLoggedIn' },\n};",
      ),
    );
    expect(mappings).toEqual([{ target: 'UserController', outcome: 'added', message: 'config/policies.ts: every action of UserController now runs isLoggedIn.' }]);
    expect(notes).toEqual([]);
  });

  it('adds an action to its controller entry, and a standalone action as a key of its own', async () => {
    const { text, mappings } = await mapIn(TEMPLATE, ['UserController.create', 'user/signup', 'user.find']);
    expect(text).toBe(`// written once by sails-rt new; yours to edit
import type { PoliciesConfig } from 'sails-rt';

/**
 * Which policies (api/policies/<name>.ts, made by \`sails-rt generate policy <name>\`) run before
 * which actions, in Sails' shape: \`'*'\` is the default, \`true\` lets requests through, \`false\`
 * answers 403, and a name or an array of names runs those policies in order. A controller entry
 * also covers the blueprint actions of the model of that name.
 */
export const policies: PoliciesConfig = {
  '*': true,
  // UserController: { '*': 'isLoggedIn', find: true },
  // SayController: { hello: ['isLoggedIn', 'isAdmin'] },
  UserController: { create: 'isLoggedIn', find: 'isLoggedIn' },
  'user/signup': 'isLoggedIn',
};
`);
    expect(mappings.map((mapping) => mapping.message)).toEqual([
      'config/policies.ts: UserController.create now runs isLoggedIn.',
      'config/policies.ts: user/signup now runs isLoggedIn.',
      'config/policies.ts: UserController.find now runs isLoggedIn.',
    ]);
  });

  it("replaces '*': true by the policy, and says it was open", async () => {
    const { text, mappings } = await mapIn(TEMPLATE, ['*']);
    expect(text).toBe(TEMPLATE.replace("  '*': true,\n", "  '*': 'isLoggedIn',\n"));
    expect(mappings).toEqual([
      { target: '*', outcome: 'replaced', message: "config/policies.ts: every action ('*') was open to everyone (true) and now runs isLoggedIn." },
    ]);
  });

  it('changes nothing, byte for byte, when run again over its own output', async () => {
    const targets = ['user/signup', 'UserController', 'SayController.hello', '*'];
    const first = await mapIn(TEMPLATE, targets);
    expect(first.mappings.map((mapping) => mapping.outcome)).toEqual(['added', 'added', 'added', 'replaced']);
    const again = await mapIn(first.text, targets);
    expect(again.changed).toBe(false);
    expect(again.text).toBe(first.text);
    expect(again.mappings.map((mapping) => `${mapping.outcome}: ${mapping.message}`)).toEqual([
      'present: config/policies.ts already maps user/signup to isLoggedIn; nothing to change.',
      'present: config/policies.ts already maps every action of UserController to isLoggedIn; nothing to change.',
      'present: config/policies.ts already maps SayController.hello to isLoggedIn; nothing to change.',
      "present: config/policies.ts already maps every action ('*') to isLoggedIn; nothing to change.",
    ]);
  });
});

describe('mapPolicy: what a key that has a value already becomes', () => {
  itMaps([
    ['the policy: left alone', "{ UserController: { create: 'isLoggedIn' } }", 'UserController.create', undefined, 'present', 'config/policies.ts already maps UserController.create to isLoggedIn; nothing to change.'],
    ['an array that has it: left alone', "{ UserController: { create: ['isAdmin', 'isLoggedIn'] } }", 'UserController.create', undefined, 'present', 'config/policies.ts already maps UserController.create to isLoggedIn; nothing to change.'],
    ['another policy: this one after it', "{ UserController: { create: 'isAdmin' } }", 'UserController.create', "{ UserController: { create: ['isAdmin', 'isLoggedIn'] } }", 'appended', 'config/policies.ts: UserController.create now runs isAdmin, then isLoggedIn.'],
    ['another policy in double quotes: kept as written', '{ "*": "isAdmin" }', '*', '{ "*": ["isAdmin", \'isLoggedIn\'] }', 'appended', "config/policies.ts: every action ('*') now runs isAdmin, then isLoggedIn."],
    ['an array: appended, in order', "{ user: { find: ['a', 'b', ] } }", 'UserController.find', "{ user: { find: ['a', 'b', 'isLoggedIn', ] } }", 'appended', 'config/policies.ts: user.find now runs a, b, then isLoggedIn.'],
    ['an empty array: the policy in it', '{ UserController: { find: [] } }', 'user.find', "{ UserController: { find: ['isLoggedIn'] } }", 'appended', 'config/policies.ts: UserController.find now runs isLoggedIn.'],
    ['true: replaced', '{ UserController: { find: true } }', 'UserController.find', "{ UserController: { find: 'isLoggedIn' } }", 'replaced', 'config/policies.ts: UserController.find was open to everyone (true) and now runs isLoggedIn.'],
    ["a controller's one value: appended", "{ UserController: 'isAdmin' }", 'UserController', "{ UserController: ['isAdmin', 'isLoggedIn'] }", 'appended', 'config/policies.ts: every action of UserController now runs isAdmin, then isLoggedIn.'],
    ["a controller's '*': appended", "{ UserController: { '*': 'isAdmin', find: false } }", 'user', "{ UserController: { '*': ['isAdmin', 'isLoggedIn'], find: false } }", 'appended', 'config/policies.ts: every action of UserController now runs isAdmin, then isLoggedIn.'],
    ['a standalone action, case aside', "{ 'User/SignUp': true }", 'user/signup', "{ 'User/SignUp': 'isLoggedIn' }", 'replaced', 'config/policies.ts: user/signup was open to everyone (true) and now runs isLoggedIn.'],
  ]);

  it('refuses false on the key itself: it denies everyone already', async () => {
    for (const [before, target, shown] of [
      ["{ UserController: { create: false } }", 'UserController.create', 'UserController.create'],
      ["{ '*': false }", '*', "every action ('*')"],
      ['{ UserController: false }', 'UserController', 'every action of UserController'],
      ["{ UserController: { '*': false } }", 'UserController', 'every action of UserController'],
    ] as const) {
      expect((await mapIn(file(before), [target])).error, before).toBe(
        `config/policies.ts maps ${shown} to false, which already denies everyone, so nothing was written; remove that mapping first, or map isLoggedIn there by hand.`,
      );
    }
  });

  it('refuses a value it cannot read, naming the key and the value', async () => {
    for (const [before, target, message] of [
      ['{ UserController: { create: loggedIn } }', 'UserController.create', 'config/policies.ts maps UserController.create to `loggedIn`, which sails-rt cannot read as true, false or policy names, so nothing was written; add isLoggedIn there by hand.'],
      ["{ UserController: { create: pick('isAdmin') } }", 'UserController.create', "config/policies.ts maps UserController.create to `pick('isAdmin')`, which sails-rt cannot read as true, false or policy names, so nothing was written; add isLoggedIn there by hand."],
      ["{ UserController: { create: ['isAdmin', admin] } }", 'UserController.create', "config/policies.ts maps UserController.create to `['isAdmin', admin]`, which sails-rt cannot read as true, false or policy names, so nothing was written; add isLoggedIn there by hand."],
      ['{ UserController }', 'UserController', 'config/policies.ts maps every action of UserController to `UserController`, which sails-rt cannot read as true, false or policy names, so nothing was written; add isLoggedIn there by hand.'],
      ["{ '*': { find: true } }", '*', "config/policies.ts maps every action ('*') to `{ find: true }`, which sails-rt cannot read as true, false or policy names, so nothing was written; add isLoggedIn there by hand."],
      // What the key would inherit has to be read too.
      ["{ '*': open }", 'UserController', "config/policies.ts maps '*' to `open`, which sails-rt cannot read as true, false or policy names, so nothing was written; add isLoggedIn there by hand."],
      ['{ UserController: guard }', 'UserController.create', 'config/policies.ts maps UserController to `guard`, which sails-rt cannot read as true, false or policy names, so nothing was written; add isLoggedIn there by hand.'],
      ["{ ...base, '*': true }", '*', "config/policies.ts spreads `...base` into its policies, so sails-rt cannot tell what it maps and nothing was written; add '*': 'isLoggedIn' there by hand."],
      ['{ UserController: { ...crud, find: true } }', 'UserController.create', "config/policies.ts spreads `...crud` into UserController, so sails-rt cannot tell what it maps and nothing was written; add UserController: { create: 'isLoggedIn' } there by hand."],
      ['{ [key]: true }', 'user/signup', "config/policies.ts has the computed key `[key]` in its policies, so sails-rt cannot tell what it maps and nothing was written; add 'user/signup': 'isLoggedIn' there by hand."],
    ] as const) {
      expect((await mapIn(file(before), [target])).error, before).toBe(message);
    }
  });

  it("reads a computed key that is a string, and a controller keyed by its identity, as lift does", async () => {
    const result = await mapIn(file("{ ['*']: true, user: { find: true } }"), ['UserController.find']);
    expect(result.text).toBe(file("{ ['*']: true, user: { find: 'isLoggedIn' } }"));
  });
});

describe('mapPolicy: a new key keeps what it inherited', () => {
  itMaps([
    ["a folder of standalone actions: its own key", "{ '*': true }", 'user/*', "{ '*': true, 'user/*': 'isLoggedIn' }", 'added', 'config/policies.ts: user/* now runs isLoggedIn.'],
    ["a standalone action inherits its folder's wildcard: left alone", "{ 'User/*': 'isLoggedIn' }", 'user/signup', undefined, 'present', "config/policies.ts already runs isLoggedIn before user/signup, through 'User/*'; nothing to change."],
    ["other policies from the longest folder wildcard: copied in front", "{ 'user/*': 'isAdmin', 'user/profile/*': 'isOwner' }", 'user/profile/show', "{ 'user/*': 'isAdmin', 'user/profile/*': 'isOwner', 'user/profile/show': ['isOwner', 'isLoggedIn'] }", 'added', "config/policies.ts: user/profile/show now runs isOwner (kept from 'user/profile/*'), then isLoggedIn."],
    ["a folder inside another inherits the outer wildcard", "{ 'user/*': 'isAdmin' }", 'user/profile/*', "{ 'user/*': 'isAdmin', 'user/profile/*': ['isAdmin', 'isLoggedIn'] }", 'added', "config/policies.ts: user/profile/* now runs isAdmin (kept from 'user/*'), then isLoggedIn."],
    ["the controller of the folder comes before the wildcard, as lift resolves it", "{ 'user/*': 'isAdmin', UserController: { signup: true } }", 'user/signup', "{ 'user/*': 'isAdmin', UserController: { signup: true }, 'user/signup': 'isLoggedIn' }", 'added', 'config/policies.ts: user/signup now runs isLoggedIn.'],
    ["a controller whose folder is written as a path later: that key, which lift reads", "{ UserController: { '*': 'isAdmin' }, 'user/*': 'isOwner' }", 'UserController', "{ UserController: { '*': 'isAdmin' }, 'user/*': ['isOwner', 'isLoggedIn'] }", 'appended', "config/policies.ts: 'user/*' now runs isOwner, then isLoggedIn."],
    ["a controller written only as its folder: that key", "{ 'User/*': true }", 'user', "{ 'User/*': 'isLoggedIn' }", 'replaced', "config/policies.ts: 'User/*' was open to everyone (true) and now runs isLoggedIn."],
    ["a controller's folder written as a path earlier: the controller's '*', which lift reads, keeping it", "{ 'user/*': 'isOwner', UserController: { find: true } }", 'UserController', "{ 'user/*': 'isOwner', UserController: { find: true, '*': ['isOwner', 'isLoggedIn'] } }", 'added', "config/policies.ts: every action of UserController now runs isOwner (kept from 'user/*'), then isLoggedIn."],
    ["a controller's action inherits the folder written as a path", "{ 'user/*': 'isAdmin' }", 'UserController.create', "{ 'user/*': 'isAdmin', UserController: { create: ['isAdmin', 'isLoggedIn'] } }", 'added', "config/policies.ts: UserController.create now runs isAdmin (kept from 'user/*'), then isLoggedIn."],
    ["a deeper folder wins over the controller's '*'", "{ UserController: { '*': 'isAdmin' }, 'user/admin/*': 'isOwner' }", 'user/admin/ban', "{ UserController: { '*': 'isAdmin' }, 'user/admin/*': 'isOwner', 'user/admin/ban': ['isOwner', 'isLoggedIn'] }", 'added', "config/policies.ts: user/admin/ban now runs isOwner (kept from 'user/admin/*'), then isLoggedIn."],
    ["of two keys for one folder, the later one", "{ UserController: { '*': 'isAdmin' }, 'user/*': 'isOwner' }", 'user/signup', "{ UserController: { '*': 'isAdmin' }, 'user/*': 'isOwner', 'user/signup': ['isOwner', 'isLoggedIn'] }", 'added', "config/policies.ts: user/signup now runs isOwner (kept from 'user/*'), then isLoggedIn."],
    ["inherits the policy from '*': left alone", "{ '*': 'isLoggedIn' }", 'UserController.create', undefined, 'present', "config/policies.ts already runs isLoggedIn before UserController.create, through '*'; nothing to change."],
    ["inherits it from its controller's '*': left alone", "{ UserController: { '*': ['isLoggedIn'] } }", 'UserController.find', undefined, 'present', "config/policies.ts already runs isLoggedIn before UserController.find, through UserController's '*'; nothing to change."],
    ['a standalone action inherits from the controller of its folder, as lift resolves it', "{ UserController: { signup: 'isLoggedIn' } }", 'user/signup', undefined, 'present', 'config/policies.ts already runs isLoggedIn before user/signup, through UserController.signup; nothing to change.'],
    ["other policies from '*': copied in front, so they still run", "{ '*': 'isAdmin' }", 'UserController.create', "{ '*': 'isAdmin', UserController: { create: ['isAdmin', 'isLoggedIn'] } }", 'added', "config/policies.ts: UserController.create now runs isAdmin (kept from '*'), then isLoggedIn."],
    ["other policies from the controller's one value: it becomes its '*'", "{ UserController: ['isAdmin'] }", 'UserController.create', "{ UserController: { '*': ['isAdmin'], create: ['isAdmin', 'isLoggedIn'] } }", 'added', "config/policies.ts: UserController.create now runs isAdmin (kept from UserController), then isLoggedIn."],
    ["denied by '*': false, the more specific key lets the policy decide, and says so", "{ '*': false }", 'PetController', "{ '*': false, PetController: { '*': 'isLoggedIn' } }", 'added', "config/policies.ts: every action of PetController was denied to everyone by '*' (false) and now runs isLoggedIn instead, so whoever isLoggedIn lets through gets in."],
    ["no '*' at all is Sails' default, open", '{}', 'user/signup', "{\n  'user/signup': 'isLoggedIn',\n}", 'added', 'config/policies.ts: user/signup now runs isLoggedIn.'],
  ]);
});

describe('mapPolicy keeps your formatting and comments', () => {
  const ODD = `// my policies, hand-kept
import type { PoliciesConfig } from 'sails-rt';

export const policies = {
    '*': true,   // open by default
    UserController: {
        find: true,
        /* create: 'isAdmin', */
    },
  "SayController" :{ hello: "isAdmin" } // no comma
} satisfies PoliciesConfig;

// after
`;

  it('adds to the object it belongs in, at its indentation, after its last comment', async () => {
    const { text } = await mapIn(ODD, ['UserController.create', 'SayController.bye', 'user/signup', 'SayController.hello']);
    expect(text).toBe(`// my policies, hand-kept
import type { PoliciesConfig } from 'sails-rt';

export const policies = {
    '*': true,   // open by default
    UserController: {
        find: true,
        /* create: 'isAdmin', */
        create: 'isLoggedIn',
    },
  "SayController" :{ hello: ["isAdmin", 'isLoggedIn'], bye: 'isLoggedIn' }, // no comma
  'user/signup': 'isLoggedIn',
} satisfies PoliciesConfig;

// after
`);
  });

  it('keeps a one-line object on one line, opens an empty one onto lines, and takes the `as` form', async () => {
    for (const [before, after] of [
      ["export const policies = { '*': true };\n", "export const policies = { '*': true, UserController: { '*': 'isLoggedIn' } };\n"],
      ["export const policies = { '*': true, };\n", "export const policies = { '*': true, UserController: { '*': 'isLoggedIn' }, };\n"],
      ['  export const policies = {};\n', "  export const policies = {\n    UserController: { '*': 'isLoggedIn' },\n  };\n"],
      ['export const policies = ({ UserController: {} }) as PoliciesConfig;\n', "export const policies = ({ UserController: { '*': 'isLoggedIn' } }) as PoliciesConfig;\n"],
      ["export const policies = {\n\tUserController: {\n\t}\n};\n", "export const policies = {\n\tUserController: {\n\t  '*': 'isLoggedIn',\n\t}\n};\n"],
    ] as const) {
      expect((await mapIn(before, ['UserController'])).text, before).toBe(after);
    }
  });

  it('refuses a file without the policies object, naming the file and the fix', async () => {
    for (const text of ['export default {};\n', 'const policies = {};\n', 'export const policies = makePolicies();\n', 'export const rules = {};\n']) {
      expect((await mapIn(text, ['UserController.create'])).error, text).toBe(
        "config/policies.ts has no `export const policies = { … }` object to map isLoggedIn in; restore it as `sails-rt new` writes it (export const policies: PoliciesConfig = { '*': true };), or add UserController: { create: 'isLoggedIn' } to your policies yourself.",
      );
    }
    expect((await mapIn(undefined, ['*'])).error).toBe(
      "config/policies.ts does not exist; restore it as `sails-rt new` writes it (export const policies: PoliciesConfig = { '*': true };), or add '*': 'isLoggedIn' to your policies yourself.",
    );
  });

  it('does nothing, and reads no file, with no target', async () => {
    const tree = new VirtualTree(memoryReader({}));
    expect(await mapPolicy(tree, 'isLoggedIn', [])).toEqual({ mappings: [], notes: [] });
    expect(tree.listChanges()).toEqual([]);
  });

  it('loads ts-morph only when it edits', () => {
    const source = readFileSync(new URL('../../src/generator/policies-file.ts', import.meta.url), 'utf8');
    expect(source).toContain("await import('ts-morph')");
    expect(source).not.toMatch(/^import (?!type\b).*'ts-morph'/m);
  });
});

describe("mapPolicy notes what a '*' does not cover", () => {
  it("names the keys of their own that do not run the policy, after every target is mapped", async () => {
    const before = file("{ '*': true, UserController: { find: true, destroy: false, create: 'isLoggedIn' }, 'user/signup': 'isAdmin', SayController: true }");
    expect((await mapIn(before, ['UserController'])).notes).toEqual([
      'config/policies.ts maps UserController.find separately, so isLoggedIn does not run before it; pass --on UserController.find too if it should.',
    ]);
    expect((await mapIn(before, ['UserController', 'UserController.find'])).notes).toEqual([]);
    expect((await mapIn(before, ['*'])).notes).toEqual([
      'config/policies.ts maps UserController.find, user/signup, SayController separately, so isLoggedIn does not run before them; pass --on for each that should run it.',
    ]);
    expect((await mapIn(before, ['UserController.create', 'user/signup'])).notes).toEqual([]);
  });
});

describe('parseMappingTarget', () => {
  it('takes *, a controller, a controller action and a standalone action path', () => {
    expect(parseMappingTarget('*')).toEqual({ kind: 'default', raw: '*' });
    for (const raw of ['UserController', 'User', 'user']) {
      expect(parseMappingTarget(raw), raw).toEqual({ kind: 'controller', raw, controller: 'UserController', className: 'User', identity: 'user' });
    }
    expect(parseMappingTarget('user-profile.sayHi')).toEqual({
      kind: 'action',
      raw: 'user-profile.sayHi',
      controller: 'UserProfileController',
      className: 'UserProfile',
      identity: 'userprofile',
      action: 'sayHi',
    });
    expect(parseMappingTarget('admin/user/sign-up')).toEqual({ kind: 'standalone', raw: 'admin/user/sign-up', path: 'admin/user/sign-up' });
    expect(parseMappingTarget('admin/user/*')).toEqual({ kind: 'folder', raw: 'admin/user/*', path: 'admin/user/*' });
  });

  it('refuses anything else with the accepted forms', () => {
    for (const raw of ['User..create', 'a b', '', '.create', 'User.', 'User.create.now', 'UserController.*', 'user/', '/signup', 'x/../y', 'user/sign up', '**', '/*', 'user/*/x', 'user/**', 'admin/UserController', '1User']) {
      expect(() => parseMappingTarget(raw), raw).toThrow(
        `"${raw}" is not a policy target: use '*' (every action), a controller (UserController or user), one of its actions (UserController.create), a standalone action (user/signup) or a folder of them (user/*).`,
      );
    }
  });
});

describe('missingTargetNote', () => {
  const app = {
    'api/models/User.ts': 'export default {};\n',
    'api/controllers/SayController.ts': 'export default defineController({ hello(req, res) {} });\n',
    'api/controllers/user/signup.ts': 'export default () => {};\n',
  };
  const note = (raw: string) => missingTargetNote(new VirtualTree(memoryReader(app)), parseMappingTarget(raw));

  it('says nothing for what the app has: a controller, a model and its blueprint actions, a standalone action', () => {
    for (const raw of ['*', 'UserController', 'SayController', 'SayController.hello', 'User.findOne', 'user.create', 'user/signup']) expect(note(raw), raw).toBeUndefined();
  });

  it('notes a target the app does not have yet: mapped anyway, guarding nothing until it exists', () => {
    expect(note('PetController')).toBe(
      'there is no api/controllers/PetController.ts or api/models/Pet.ts yet, so the mapping for PetController guards nothing until you add one.',
    );
    expect(note('SayController.bye')).toBe(
      'sails-rt found no action SayController.bye (neither in api/controllers/SayController.ts nor among the blueprint actions of a model Say), so the mapping guards nothing until there is one.',
    );
    expect(note('user.signup')).toBe(
      'sails-rt found no action UserController.signup (neither in api/controllers/UserController.ts nor among the blueprint actions of a model User), so the mapping guards nothing until there is one.',
    );
    // A blueprint action needs its model.
    expect(note('SayController.create')).toBe(
      'sails-rt found no action SayController.create (neither in api/controllers/SayController.ts nor among the blueprint actions of a model Say), so the mapping guards nothing until there is one.',
    );
    expect(note('user/login')).toBe(
      'there is no api/controllers/user/login.ts yet, so the mapping for user/login guards nothing until you add it (sails-rt generate action user/login).',
    );
  });
});
