import { describe, expect, it } from 'vitest';
import { addRoutes, applyChanges, generateAction, generateController, memoryReader, VirtualTree, type FileChange, type Tree } from '../../src/generator/index.js';
import { newApp, summary, templates, type Files } from './fixtures.js';

/** run() of fixtures.ts, for the generators that are async because they may load ts-morph. */
async function runAsync<T>(files: Files, generator: (tree: Tree) => Promise<T>): Promise<{ result: T; changes: FileChange[]; files: Files }> {
  const tree = new VirtualTree(memoryReader(files));
  const result = await generator(tree);
  const changes = tree.listChanges();
  return { result, changes, files: applyChanges(files, changes) };
}

async function message(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const app = newApp({ example: false });

describe('generateController', () => {
  it('writes api/controllers/<Name>Controller.ts with a placeholder per action, and a GET route per action', async () => {
    const { changes, files, result } = await runAsync(app, (tree) => generateController(tree, { name: 'Say', actions: ['hello', 'goodbye'], templates }));
    expect(summary(changes)).toEqual(['CREATE api/controllers/SayController.ts', 'UPDATE config/routes.ts']);
    expect(result).toEqual({
      skipped: [],
      conflicts: [],
      controllerFile: 'api/controllers/SayController.ts',
      routesAdded: ['GET /say/hello', 'GET /say/goodbye'],
    });
    const controller = files['api/controllers/SayController.ts'] ?? '';
    expect(controller.split('\n')[0]).toBe('// written once by sails-rt generate controller; yours to edit');
    expect(controller).toContain(
      [
        'export default defineController({',
        '  hello(req, res) {',
        "    return res.json({ action: 'SayController.hello', todo: 'Write this action in api/controllers/SayController.ts.' });",
        '  },',
        '  goodbye(req, res) {',
        "    return res.json({ action: 'SayController.goodbye', todo: 'Write this action in api/controllers/SayController.ts.' });",
        '  },',
        '});',
      ].join('\n'),
    );
    expect(files['config/routes.ts']).toBe(
      (app['config/routes.ts'] ?? '').replace(
        'export const routes: RoutesConfig = {};',
        "export const routes: RoutesConfig = {\n  'GET /say/hello': 'SayController.hello',\n  'GET /say/goodbye': 'SayController.goodbye',\n};",
      ),
    );
  });

  it('changes nothing when run again over its own output', async () => {
    const first = await runAsync(app, (tree) => generateController(tree, { name: 'Say', actions: ['hello', 'goodbye'], templates }));
    const again = await runAsync(first.files, (tree) => generateController(tree, { name: 'Say', actions: ['hello', 'goodbye'], templates }));
    expect(again.changes).toEqual([]);
    expect(again.result).toMatchObject({ skipped: ['api/controllers/SayController.ts'], conflicts: [], routesAdded: [] });
  });

  it('takes Say, say and SayController as the same controller', async () => {
    for (const name of ['Say', 'say', 'SayController']) {
      const { changes } = await runAsync(app, (tree) => generateController(tree, { name, actions: [], templates }));
      expect(summary(changes), name).toEqual(['CREATE api/controllers/SayController.ts']);
    }
  });

  it('leaves a controller you changed alone as a conflict, but still adds its missing routes', async () => {
    const mine = "import { defineController } from 'sails-rt';\nexport default defineController({});\n";
    const { changes, result } = await runAsync({ ...app, 'api/controllers/SayController.ts': mine }, (tree) =>
      generateController(tree, { name: 'Say', actions: ['hello'], templates }),
    );
    expect(summary(changes)).toEqual(['UPDATE config/routes.ts']);
    expect(result.conflicts).toEqual(['api/controllers/SayController.ts']);
  });

  it('refuses a bad controller or action name in one sentence, before writing anything', async () => {
    for (const [name, actions, expected] of [
      ['../x', [], '"../x" is not a valid controller name: use letters and digits, starting with a letter (for example Say, which writes api/controllers/SayController.ts).'],
      ['1abc', [], '"1abc" is not a valid controller name: use letters and digits, starting with a letter (for example Say, which writes api/controllers/SayController.ts).'],
      ['Say', ['say-hi'], '"say-hi" is not a valid action name: use letters and digits, starting with a letter (for example hello or sayHi).'],
      ['Say', ['../x'], '"../x" is not a valid action name: use letters and digits, starting with a letter (for example hello or sayHi).'],
      ['Say', ['hi', 'hi'], 'The action "hi" is given twice; give each action once.'],
    ] as const) {
      const tree = new VirtualTree(memoryReader(app));
      expect(await message(generateController(tree, { name, actions, templates })), name).toBe(expected);
      expect(tree.listChanges(), name).toEqual([]);
    }
  });
});

describe('generateAction', () => {
  it("writes Sails' standalone action file and a POST route to it", async () => {
    const { changes, files, result } = await runAsync(app, (tree) => generateAction(tree, { path: 'user/signup', templates }));
    expect(summary(changes)).toEqual(['CREATE api/controllers/user/signup.ts', 'UPDATE config/routes.ts']);
    expect(result).toEqual({ skipped: [], conflicts: [], actionFile: 'api/controllers/user/signup.ts', routesAdded: ['POST /user/signup'] });
    const action = files['api/controllers/user/signup.ts'] ?? '';
    expect(action.split('\n')[0]).toBe('// written once by sails-rt generate action; yours to edit');
    expect(action).toContain(
      [
        'const action: Action = (req, res) => {',
        "  return res.json({ action: 'user/signup', todo: 'Write this action in api/controllers/user/signup.ts.' });",
        '};',
        '',
        'export default action;',
      ].join('\n'),
    );
    expect(files['config/routes.ts']).toContain("export const routes: RoutesConfig = {\n  'POST /user/signup': 'user/signup',\n};");
  });

  it('changes nothing when run again over its own output', async () => {
    const first = await runAsync(app, (tree) => generateAction(tree, { path: 'user/signup', templates }));
    const again = await runAsync(first.files, (tree) => generateAction(tree, { path: 'user/signup', templates }));
    expect(again.changes).toEqual([]);
    expect(again.result).toMatchObject({ skipped: ['api/controllers/user/signup.ts'], conflicts: [], routesAdded: [] });
  });

  it('refuses a path that is not one, in one sentence, before writing anything', async () => {
    for (const path of ['../x', 'user/../x', '/x', 'x/', '1abc', 'user/sign up', 'x.ts', 'SayController', '']) {
      const tree = new VirtualTree(memoryReader(app));
      expect(await message(generateAction(tree, { path, templates })), path).toBe(
        `"${path}" is not a valid action path: use folder and action names of letters, digits and dashes, starting with a letter, joined by / (for example user/signup).`,
      );
      expect(tree.listChanges(), path).toEqual([]);
    }
  });
});

describe('addRoutes', () => {
  const ODD = `// my routes, hand-kept
import type { RoutesConfig } from 'sails-rt';

export const routes = {
    // the home page
    'GET /':   { view: 'home' },   // trailing comment
  "GET /say/hello" :'Mine.hello',
  /* keep me */
} satisfies RoutesConfig;

// after
`;

  it('adds the missing routes on the syntax tree, keeping your comments, formatting and targets', async () => {
    const tree = new VirtualTree(memoryReader({ 'config/routes.ts': ODD }));
    const added = await addRoutes(tree, [
      { key: 'GET /say/hello', target: 'SayController.hello' },
      { key: 'POST /user/signup', target: 'user/signup' },
    ]);
    expect(added).toEqual(['POST /user/signup']);
    expect(tree.read('config/routes.ts')).toBe(`// my routes, hand-kept
import type { RoutesConfig } from 'sails-rt';

export const routes = {
    // the home page
    'GET /':   { view: 'home' },   // trailing comment
  "GET /say/hello" :'Mine.hello',
  /* keep me */
  'POST /user/signup': 'user/signup',
} satisfies RoutesConfig;

// after
`);
  });

  it('adds a comma where the last route has none, before its comment; keeps a one-line object on one line', async () => {
    const route = [{ key: 'POST /user/signup', target: 'user/signup' }];
    for (const [before, after] of [
      [
        "export const routes = {\n\t'GET /': 'A.b' // home\n};\n",
        "export const routes = {\n\t'GET /': 'A.b', // home\n\t'POST /user/signup': 'user/signup',\n};\n",
      ],
      ["export const routes = { 'GET /': 'A.b' };\n", "export const routes = { 'GET /': 'A.b', 'POST /user/signup': 'user/signup' };\n"],
      ["export const routes = { 'GET /': 'A.b', };\n", "export const routes = { 'GET /': 'A.b', 'POST /user/signup': 'user/signup', };\n"],
      ["  export const routes = {};\n", "  export const routes = {\n    'POST /user/signup': 'user/signup',\n  };\n"],
      [
        "export const routes = {\n  // 'GET /x': 'X.y',\n};\n",
        "export const routes = {\n  // 'GET /x': 'X.y',\n  'POST /user/signup': 'user/signup',\n};\n",
      ],
    ] as const) {
      const tree = new VirtualTree(memoryReader({ 'config/routes.ts': before }));
      expect(await addRoutes(tree, route), before).toEqual(['POST /user/signup']);
      expect(tree.read('config/routes.ts'), before).toBe(after);
    }
  });

  it('does nothing when every route is there, or when there is none to add', async () => {
    const tree = new VirtualTree(memoryReader({ 'config/routes.ts': ODD }));
    expect(await addRoutes(tree, [{ key: 'GET /say/hello', target: 'SayController.hello' }])).toEqual([]);
    expect(await addRoutes(tree, [])).toEqual([]);
    expect(tree.listChanges()).toEqual([]);
  });

  it('fails in one sentence naming the file and the missing anchor', async () => {
    const route = [{ key: 'GET /say/hello', target: 'SayController.hello' }];
    for (const text of ['export default {};\n', 'const routes = {};\n', "export const routes = makeRoutes();\n"]) {
      const tree = new VirtualTree(memoryReader({ 'config/routes.ts': text }));
      expect(await message(addRoutes(tree, route)), text).toBe(
        "config/routes.ts has no `export const routes = { … }` object to add routes to; restore it as `sails-rt new` writes it (export const routes: RoutesConfig = {};), or add 'GET /say/hello': 'SayController.hello' to your routes yourself.",
      );
    }
    const none = new VirtualTree(memoryReader({}));
    expect(await message(addRoutes(none, route))).toBe(
      "config/routes.ts does not exist; restore it as `sails-rt new` writes it (export const routes: RoutesConfig = {};), or add 'GET /say/hello': 'SayController.hello' to your routes yourself.",
    );
  });
});

describe('ts-morph', () => {
  it('is imported only dynamically, so --version and generate model never load it', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const src = new URL('../../src/', import.meta.url);
    const statics = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /^\s*(?:import|export)\s+(?!type\b)[^;]*from\s+'ts-morph'/m.test(readFileSync(new URL(file, src), 'utf8')));
    expect(statics).toEqual([]);
    expect(readFileSync(new URL('generator/routes-file.ts', src), 'utf8')).toContain("await import('ts-morph')");
  });
});
