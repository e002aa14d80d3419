/**
 * Sails 1.5 as the peer `npm run bench` measures sails-rt against. It lives in bench/sails, a
 * package of its own (its package.json and package-lock.json), installed only when the bench runs
 * and finds it missing, so the project's own install stays lean. Its apps are made by its own CLI:
 * `sails new --fast` (the Empty template, which the prompt would offer as choice 2) and
 * `sails generate model`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Sails CLI in bench/sails, installed first (`npm ci --prefix bench/sails`) if it is missing. */
export function sailsCli(root: string): string {
  const dir = join(root, 'bench', 'sails');
  const cli = join(dir, 'node_modules', 'sails', 'bin', 'sails.js');
  if (!existsSync(cli)) {
    console.log('Installing Sails 1.5 into bench/sails (npm ci --prefix bench/sails), once …');
    execFileSync('npm', ['ci', '--prefix', dir, '--no-audit', '--no-fund'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return cli;
}

/** `sails new <app> --fast` with the Empty template, the one `sails new` offers by default. */
export function sailsNewArgs(app: string): string[] {
  return ['new', app, '--fast', '--traditional'];
}

/** The User model of the bench app, in Sails' generator syntax (it has no `required` modifier). */
export const SAILS_MODEL_ARGS = ['generate', 'model', 'User', 'name:string', 'email:string', 'age:number'];

/**
 * A Sails app made by its CLI with the bench's User model, ready to lift: `required` added to
 * name as in the sails-rt app, Sails' modules linked from bench/sails, and config/local.js with
 * what a headless lift needs (a migrate setting, else sails-hook-orm prompts; no Grunt, which
 * `--fast` did not install) and the bench's log level.
 */
export function makeSailsApp(cli: string, root: string, app: string): void {
  execFileSync(process.execPath, [cli, ...sailsNewArgs(app)], { stdio: 'ignore' });
  execFileSync(process.execPath, [cli, ...SAILS_MODEL_ARGS], { cwd: app, stdio: 'ignore' });
  writeFileSync(
    join(app, 'api', 'models', 'User.js'),
    "module.exports = {\n  attributes: {\n    name: { type: 'string', required: true },\n    email: { type: 'string' },\n    age: { type: 'number' },\n  },\n};\n",
  );
  writeFileSync(join(app, 'config', 'local.js'), "module.exports = { models: { migrate: 'alter' }, hooks: { grunt: false }, log: { level: 'warn' } };\n");
  symlinkSync(join(root, 'bench', 'sails', 'node_modules'), join(app, 'node_modules'), 'dir');
}
