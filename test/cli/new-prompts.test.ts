/** `sails-rt new` asks on a terminal for each choice no flag gave, in process, with the answers scripted. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError, main, type CliContext } from '../../src/cli/index.js';
import { ROOT, stubContext, tempDir } from './helpers.js';

const argv = (...args: string[]) => ['node', 'sails-rt', ...args];

const FOLDER = 'Folder for the new app (its name becomes the package name):';
const EXAMPLE = 'Include the SayController realtime example?';
const DATABASE = 'Database (sqlite, postgres, mysql):';
const REDIS = 'Keep sessions and socket messages in Redis, to run several instances?';
const MODELS = 'Generate models from a definitions file? Its path (.json, .yaml or .yml), or nothing for none:';
const INSTALL = 'Install dependencies now (npm install)?';

/**
 * A terminal whose user gives `answers` in order; `asked` lists the questions as they came.
 * A question beyond the script fails the run, so an extra question cannot go unnoticed.
 */
function user(cwd: string, answers: (boolean | string)[], overrides: Partial<CliContext> = {}) {
  const asked: string[] = [];
  const run = stubContext(cwd, {
    interactive: true,
    ask: async (question) => {
      asked.push(question.message);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unscripted question: ${question.message}`);
      return answer;
    },
    ...overrides,
  });
  return { ...run, asked };
}

describe('sails-rt new on a terminal', () => {
  const work = tempDir();

  it('asks for the folder, the example, the database, Redis, a definitions file and the install, and makes what was answered', async () => {
    const run = user(work, ['shop', false, 'postgres', true, join(ROOT, 'fixtures/shop.json'), true]);
    expect(await main(argv('new'), run.context)).toBe(0);
    expect(run.asked).toEqual([FOLDER, EXAMPLE, DATABASE, REDIS, MODELS, INSTALL]);
    expect(readFileSync(join(work, 'shop', 'config', 'datastores.ts'), 'utf8')).toContain("adapter: 'postgres'");
    expect(readFileSync(join(work, 'shop', 'config', 'session.ts'), 'utf8')).toContain("store: 'redis'");
    expect(existsSync(join(work, 'shop', 'api', 'controllers', 'SayController.ts'))).toBe(false);
    expect(existsSync(join(work, 'shop', 'api', 'models', 'Product.ts'))).toBe(true);
    expect(run.exec).toHaveBeenCalledTimes(1);
    expect(run.exec.mock.calls[0]?.[2].cwd).toBe(join(work, 'shop'));
  });

  it('drops control keys typed into an answer (Ctrl-U arrives as a character)', async () => {
    const run = user(work, ['\u0015keyed\u0017', false, '', false, `\u0015${join(ROOT, 'fixtures/single.json')}`, false]);
    expect(await main(argv('new'), run.context)).toBe(0);
    expect(existsSync(join(work, 'keyed', 'api', 'models'))).toBe(true);
  });

  it.each([
    [['given'], [EXAMPLE, DATABASE, REDIS, MODELS, INSTALL]],
    [['given', '--no-example', '--skip-install'], [DATABASE, REDIS, MODELS]],
    [['given', '--models', join(ROOT, 'fixtures/single.json')], [EXAMPLE, DATABASE, REDIS, INSTALL]],
    [['given', '--dry-run'], [EXAMPLE, DATABASE, REDIS, MODELS]],
    [['given', '--redis', '--dry-run'], [EXAMPLE, DATABASE, MODELS]],
    [['given', '--no-example', '--database', 'mysql', '--redis', '--models', join(ROOT, 'fixtures/single.json'), '--skip-install'], []],
    [['--no-example'], [FOLDER, DATABASE, REDIS, MODELS, INSTALL]],
  ])('with %j asks only %j', async (args, questions) => {
    const cwd = mkdtempSync(join(work, 'only-'));
    // Each question answered as its default would be: the folder named, yes, no Redis, no file, yes.
    const answers = questions.map((question) => (question === FOLDER ? 'given' : question === MODELS || question === DATABASE ? '' : question !== REDIS));
    const run = user(cwd, answers);
    expect(await main(argv('new', ...args), run.context)).toBe(0);
    expect(run.asked).toEqual(questions);
  });

  it('asks nothing with --yes, and takes every default', async () => {
    const run = user(work, []);
    expect(await main(argv('new', 'defaults', '--yes'), run.context)).toBe(0);
    expect(run.asked).toEqual([]);
    expect(existsSync(join(work, 'defaults', 'api', 'controllers', 'SayController.ts'))).toBe(true);
    expect(run.exec).toHaveBeenCalledTimes(1);
  });

  it('asks nothing without a terminal, and takes every default', async () => {
    const run = user(work, [], { interactive: false });
    expect(await main(argv('new', 'headless'), run.context)).toBe(0);
    expect(run.asked).toEqual([]);
    expect(existsSync(join(work, 'headless', 'api', 'controllers', 'SayController.ts'))).toBe(true);
    expect(run.exec).toHaveBeenCalledTimes(1);
  });

  it('refuses a missing folder without a terminal or with --yes, in one sentence, asking nothing', async () => {
    for (const [args, interactive] of [[['new', '--yes'], true], [['new'], false]] as const) {
      const run = user(work, [], { interactive });
      expect(await main(argv(...args), run.context)).toBe(1);
      expect(run.stderr()).toBe("Error: missing required argument 'dir'; see `sails-rt new --help` for the usage.\n");
      expect(run.asked).toEqual([]);
    }
  });

  it('does not install when the answer is no, and says to', async () => {
    const run = user(work, [true, '', false, '', false]);
    expect(await main(argv('new', 'uninstalled'), run.context)).toBe(0);
    expect(run.exec).not.toHaveBeenCalled();
    expect(run.stdout()).toContain('Next:\n  cd uninstalled\n  npm install\n');
  });

  it('takes my-app for an empty folder answer', async () => {
    const cwd = join(work, 'empty-answer');
    mkdirSync(cwd);
    const run = user(cwd, ['', true, '', false, '', false]);
    expect(await main(argv('new'), run.context)).toBe(0);
    expect(existsSync(join(cwd, 'my-app', 'package.json'))).toBe(true);
  });

  it('explains a folder that is not empty and asks again', async () => {
    const cwd = join(work, 'busy');
    mkdirSync(join(cwd, 'taken'), { recursive: true });
    writeFileSync(join(cwd, 'taken', 'notes.txt'), 'mine');
    const run = user(cwd, ['taken', 'free', true, '', false, '', false]);
    expect(await main(argv('new'), run.context)).toBe(0);
    expect(run.asked).toEqual([FOLDER, FOLDER, EXAMPLE, DATABASE, REDIS, MODELS, INSTALL]);
    expect(run.stderr()).toBe(`Try again: The folder ${join(cwd, 'taken')} is not empty; choose a new folder, or pass --force to write into it.\n`);
    expect(existsSync(join(cwd, 'free', 'package.json'))).toBe(true);
    expect(existsSync(join(cwd, 'taken', 'package.json'))).toBe(false);
  });

  it('explains an unknown database and a definitions file that is missing or does not parse, with its location, and asks again', async () => {
    const cwd = join(work, 'definitions');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'bad.json'), '{ "models": {');
    const run = user(cwd, ['app', true, 'mongo', '', false, 'missing.json', 'bad.json', join(ROOT, 'fixtures/single.json'), false]);
    expect(await main(argv('new'), run.context)).toBe(0);
    expect(run.asked).toEqual([FOLDER, EXAMPLE, DATABASE, DATABASE, REDIS, MODELS, MODELS, MODELS, INSTALL]);
    expect(run.stderr()).toBe(
      'Try again: "mongo" is not a database sails-rt stores models in; use --database sqlite, --database postgres, --database mysql.\n' +
        'Try again: The models file missing.json does not exist; answer with the path of a .json or .yaml definitions file, or with nothing for none.\n' +
        "Try again: bad.json:1:14: expected property name or '}'; fix the JSON syntax.\n",
    );
    expect(run.stdout()).toMatch(/^CREATE api\/models\/\w+\.ts$/m);
  });

  it('checks the flags before asking: a bad --models fails at once, without a question', async () => {
    const run = user(work, []);
    expect(await main(argv('new', 'flagged', '--models', 'missing.json'), run.context)).toBe(1);
    expect(run.stderr()).toBe('Error: The models file missing.json does not exist; pass --models the path of a .json or .yaml definitions file.\n');
    expect(run.asked).toEqual([]);
  });

  it('writes nothing when a later question is cancelled', async () => {
    const answers = new Map<string, boolean | string>([[FOLDER, 'late'], [EXAMPLE, true]]);
    const run = stubContext(work, {
      interactive: true,
      ask: async (question) => answers.get(question.message) ?? Promise.reject(new CliError('Cancelled at a question; nothing was written.')),
    });
    expect(await main(argv('new'), run.context)).toBe(1);
    expect(run.stderr()).toBe('Error: Cancelled at a question; nothing was written.\n');
    expect(existsSync(join(work, 'late'))).toBe(false);
  });
});
