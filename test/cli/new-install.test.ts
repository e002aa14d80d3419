/**
 * npm install at the end of `sails-rt new`: our own live line on a terminal, npm's output passed
 * through elsewhere, one finishing line, and a failure explained (a registry without sails-rt by name).
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';
import { VERSION } from '../../src/cli/package-info.js';
import { ExecError } from '../../src/cli/context.js';
import { fakeNpm, inTerminal, stubContext, tempDir } from './helpers.js';

const argv = (...args: string[]) => ['node', 'sails-rt', ...args];

/** What npm 10 and 11 print when the registry has no sails-rt at all. */
const E404 = [
  'npm error code E404',
  'npm error 404 Not Found - GET https://registry.npmjs.org/sails-rt - Not found',
  'npm error 404',
  "npm error 404  'sails-rt@^0.1.0' is not in this registry.",
  'npm error 404',
  'npm error 404 Note that you can also install from a',
  'npm error 404 tarball, folder, http url, or git url.',
  'npm error A complete log of this run can be found in: /home/me/.npm/_logs/debug-0.log',
].join('\n');

const SPINNER = /\r[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Installing dependencies \(npm install\) \d+ s\u001b\[K/g;
const FINISHED = /\r\u001b\[KInstalled dependencies in \d+\.\d s \(added 3 packages\)\.\n/;

function registrySentence(target: string): string {
  return (
    `npm install failed in ${target} because the npm registry has no sails-rt ^0.1.0; ` +
    `run new again with --force and --runtime naming where sails-rt is, e.g. --runtime file:/path/to/sails-rt-${VERSION}.tgz or --runtime file:/path/to/a/sails-rt/checkout.`
  );
}

describe('npm install in sails-rt new, in process', () => {
  const work = tempDir();

  it('on a terminal: npm kept quiet, our live line, then one line with npm summary', async () => {
    const run = stubContext(work, { tty: true });
    run.exec.mockResolvedValue({ output: 'npm warn deprecated glob@7\n\nadded 3 packages, and audited 4 packages in 2s\n\nfound 0 vulnerabilities\n' });
    expect(await main(argv('new', 'live', '--yes'), run.context)).toBe(0);
    expect(run.exec).toHaveBeenCalledWith('npm', ['install'], { cwd: join(work, 'live'), signal: expect.any(AbortSignal), quiet: true });
    expect(run.stdout().match(SPINNER)?.length).toBeGreaterThanOrEqual(1);
    expect(run.stdout()).toMatch(FINISHED);
    expect(run.stdout()).not.toContain('deprecated');
  });

  it('without a terminal: npm shown as it comes, a start line, no redrawn line, the same finishing line', async () => {
    const run = stubContext(work);
    run.exec.mockResolvedValue({ output: 'up to date, audited 5 packages in 1s\n' });
    expect(await main(argv('new', 'logged', '--yes'), run.context)).toBe(0);
    expect(run.exec).toHaveBeenCalledWith('npm', ['install'], { cwd: join(work, 'logged'), signal: expect.any(AbortSignal) });
    expect(run.stdout()).toContain(`\nInstalling dependencies with npm install in ${join(work, 'logged')}...\n`);
    expect(run.stdout()).toMatch(/\nInstalled dependencies in \d+\.\d s \(up to date\)\.\n/);
    expect(run.stdout()).not.toContain('\r');
  });

  it('finishes without a summary when npm printed none', async () => {
    const run = stubContext(work);
    expect(await main(argv('new', 'silent', '--yes'), run.context)).toBe(0);
    expect(run.stdout()).toMatch(/\nInstalled dependencies in \d+\.\d s\.\n/);
  });

  it('on a terminal, a failure clears the live line and prints the end of npm output, then the sentence', async () => {
    const run = stubContext(work, { tty: true });
    const said = Array.from({ length: 45 }, (_, index) => `npm error line ${index + 1}`).join('\n');
    run.exec.mockRejectedValue(new ExecError('Command failed with exit code 1: npm install', said));
    expect(await main(argv('new', 'broken', '--yes'), run.context)).toBe(1);
    expect(run.stdout().endsWith('\r\u001b[K')).toBe(true);
    const lines = run.stderr().split('\n');
    expect(lines.slice(0, 3)).toEqual(["(5 earlier lines of npm's output left out)", 'npm error line 6', 'npm error line 7']);
    expect(lines.slice(-3)).toEqual([
      'npm error line 45',
      `Error: npm install failed in ${join(work, 'broken')} (Command failed with exit code 1: npm install); the app is written, so run npm install there once the problem is fixed.`,
      '',
    ]);
  });

  it('stops the live line at Ctrl-C: it is cleared and drawn no more', async () => {
    const run = stubContext(work, { tty: true });
    run.exec.mockImplementation(async () => {
      run.interrupt();
      throw new Error('Command was canceled: npm install');
    });
    expect(await main(argv('new', 'stopped', '--yes'), run.context)).toBe(130);
    const printed = run.stdout();
    expect(printed.endsWith('\r\u001b[K')).toBe(true);
    // A spinner left running would redraw within a tenth of a second.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(run.stdout()).toBe(printed);
  });

  it.each([
    ['npm 10 and 11', E404],
    ['older npm', E404.replaceAll('npm error', 'npm ERR!')],
    ['no matching version', 'npm error code ETARGET\nnpm error notarget No matching version found for sails-rt@^0.1.0.'],
  ])('says the registry has no sails-rt, and names --runtime, from what %s prints', async (_npm, said) => {
    for (const tty of [true, false]) {
      const run = stubContext(work, { tty });
      run.exec.mockRejectedValue(new ExecError('Command failed with exit code 1: npm install', said));
      const target = join(work, `registry-${String(tty)}-${_npm.replaceAll(' ', '-')}`);
      expect(await main(argv('new', target, '--yes', '--runtime', '^0.1.0'), run.context)).toBe(1);
      expect(run.stderr().endsWith(`Error: ${registrySentence(target)}\n`)).toBe(true);
      expect(existsSync(join(target, 'package.json'))).toBe(true);
    }
  });

  it('does not blame the registry for another package that is missing', async () => {
    const run = stubContext(work);
    const said = 'npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/sails-rt-extras - Not found\n';
    run.exec.mockRejectedValue(new ExecError('Command failed with exit code 1: npm install', said));
    expect(await main(argv('new', 'other-404', '--yes'), run.context)).toBe(1);
    expect(run.stderr()).toContain('(Command failed with exit code 1: npm install); the app is written');
    expect(run.stderr()).not.toContain('registry has no sails-rt');
  });
});

describe.runIf(existsSync('/usr/bin/script'))('npm install in sails-rt new, under a real terminal', () => {
  const work = tempDir();

  it('asks, then shows a live line while npm runs, then one finishing line', async () => {
    const bin = fakeNpm(work, 'echo "npm warn deprecated glob@7"\necho "npm notice working" >&2\nsleep 1.5\necho\necho "added 3 packages in 1s"');
    const run = await inTerminal(work, ['new'], {
      answers: [
        ['Folder for the new app', 'asked\r'],
        ['Include the SayController realtime example?', 'n'],
        ['Database (sqlite, postgres, mysql):', '\r'],
        ['Keep sessions and socket messages in Redis, to run several instances?', '\r'],
        ['Generate models from a definitions file?', '\r'],
        ['Install dependencies now (npm install)?', 'y'],
      ],
      extraEnv: { PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}` },
    });
    expect(run.exitCode).toBe(0);
    expect(run.output).toContain('✔ Include the SayController realtime example? … no');
    // npm sleeps 1.5 s and the line is redrawn ten times a second: many frames, whatever the machine.
    expect(run.output.match(SPINNER)?.length).toBeGreaterThanOrEqual(3);
    expect(run.output).toMatch(FINISHED);
    expect(run.output).not.toContain('npm warn deprecated');
    expect(existsSync(join(work, 'asked', 'package.json'))).toBe(true);
    expect(existsSync(join(work, 'asked', 'api', 'controllers', 'SayController.ts'))).toBe(false);
  });

  it('prints what npm said and the sentence naming --runtime when the registry has no sails-rt', async () => {
    const bin = fakeNpm(work, `cat >&2 <<'EOF'\n${E404}\nEOF\nexit 1`);
    const run = await inTerminal(work, ['new', 'missing', '--yes', '--runtime', '^0.1.0'], {
      extraEnv: { PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}` },
    });
    expect(run.exitCode).toBe(1);
    expect(run.output.match(SPINNER)?.length).toBeGreaterThanOrEqual(1);
    expect(run.output).toContain(`\r\u001b[K${E404}\nError: ${registrySentence(join(work, 'missing'))}\n`);
  });

  it('stops at Ctrl-C during npm install: the live line cleared, exit 130, the app kept', async () => {
    const bin = fakeNpm(work, 'exec sleep 30');
    const run = await inTerminal(work, ['new', 'interrupted', '--yes'], {
      answers: [['Installing dependencies (npm install)', '\u0003']],
      extraEnv: { PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}` },
    });
    expect(run.exitCode).toBe(130);
    expect(run.output).toMatch(/\r\u001b\[K(\^C)?Error: Interrupted during npm install; the app is written, so run npm install in .*interrupted\.\n$/);
    expect(existsSync(join(work, 'interrupted', 'package.json'))).toBe(true);
  });
});
