/**
 * Wall-clock times of the CLI as a user meets them, each the median of a few runs of
 * `node bin/sails-rt.js …` in its own process: `new --skip-install`, `generate model` and
 * `generate` in an app with 50 models, and the `lift --watch` change-to-listening time.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const MODELS = 50;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function describe(values: number[]): string {
  return `median ${Math.round(median(values))} ms (min ${Math.round(Math.min(...values))}, max ${Math.round(Math.max(...values))}, ${values.length} runs)`;
}

/** Milliseconds one `node bin/sails-rt.js …` takes, from spawn to exit. */
function time(cli: string, args: string[], cwd: string): number {
  const start = performance.now();
  execFileSync(process.execPath, [cli, ...args], { cwd, stdio: 'ignore' });
  return performance.now() - start;
}

function modelSource(index: number): string {
  return `import { defineModel } from 'sails-rt';

export default defineModel({
  attributes: {
    name: { type: 'string', required: true },
    email: { type: 'string', isEmail: true },
    count${index}: { type: 'number' },
    active: { type: 'boolean' },
  },
});
`;
}

/**
 * Lifts `app` with --watch, appends a comment to `file` `runs` times, and returns, per edit, the
 * time the supervisor reports (first change event to listening) and the time from the write to
 * that report (adds the debounce and the watcher's latency). Edits are EDIT_PAUSE_MS apart.
 */
const EDIT_PAUSE_MS = 2000;

async function watchRestarts(cli: string, app: string, file: string, runs: number): Promise<{ reported: number[]; wall: number[] }> {
  const child = spawn(process.execPath, [cli, 'lift', '--watch', '--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'development' } });
  let output = '';
  const waitFor = (pattern: RegExp, from: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output.slice(from));
        if (!match) return;
        child.stdout!.off('data', check);
        clearTimeout(timer);
        resolve(match);
      };
      const timer = setTimeout(() => reject(new Error(`no ${pattern} within 30 s:\n${output}`)), 30_000);
      child.stdout!.on('data', check);
      check();
    });
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  try {
    await waitFor(/app lifted at/, 0);
    await waitFor(/watching api\//, 0);
    const reported: number[] = [];
    const wall: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      // A person's pace between saves: the supervisor's spare child has loaded the runtime by then.
      await new Promise((resolve) => setTimeout(resolve, EDIT_PAUSE_MS));
      const from = output.length;
      const start = performance.now();
      appendFileSync(file, `// bench edit ${run}\n`);
      const match = await waitFor(/changed; (?:regenerated and )?restarted in (\d+) ms/, from);
      wall.push(performance.now() - start);
      reported.push(Number(match[1]));
    }
    return { reported, wall };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

/** Prints the CLI figures; `work` is a temp folder the caller removes. */
export async function measureCliTimes(root: string, work: string): Promise<void> {
  const cli = join(root, 'bin', 'sails-rt.js');
  console.log(`sails-rt CLI times: wall clock of \`node bin/sails-rt.js …\`, ${RUNS} runs each.`);

  const fresh: number[] = [];
  for (let run = 0; run < RUNS; run += 1) fresh.push(time(cli, ['new', join(work, `new-${run}`), '--yes', '--skip-install'], work));
  console.log(`new --skip-install:                       ${describe(fresh)}`);

  const app = join(work, 'fifty-models');
  execFileSync(process.execPath, [cli, 'new', app, '--yes', '--skip-install'], { stdio: 'ignore' });
  for (let index = 1; index <= MODELS; index += 1) {
    writeFileSync(join(app, 'api', 'models', `Model${String(index).padStart(2, '0')}.ts`), modelSource(index));
  }
  execFileSync(process.execPath, [cli, 'generate'], { cwd: app, stdio: 'ignore' });

  const regenerate: number[] = [];
  for (let run = 0; run < RUNS; run += 1) regenerate.push(time(cli, ['generate'], app));
  console.log(`generate (no noun), ${MODELS} models:           ${describe(regenerate)}`);

  const model: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    model.push(time(cli, ['generate', 'model', 'Extra', 'name:string:required', 'age:number'], app));
    // Back to 50 models: the next run adds the same model again, to an app of the same size.
    for (const file of ['api/models/Extra.ts', 'api/controllers/ExtraController.ts', 'test/extra.test.ts']) rmSync(join(app, file), { force: true });
  }
  execFileSync(process.execPath, [cli, 'generate'], { cwd: app, stdio: 'ignore' });
  console.log(`generate model (app with ${MODELS} models):      ${describe(model)}`);

  const small = join(work, 'watched');
  execFileSync(process.execPath, [cli, 'new', small, '--yes', '--skip-install'], { stdio: 'ignore' });
  execFileSync(process.execPath, [cli, 'generate', 'model', 'User', 'name:string'], { cwd: small, stdio: 'ignore' });
  for (const dir of [small, app]) {
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(root, join(dir, 'node_modules', 'sails-rt'), 'dir');
  }
  for (const [label, dir, file] of [
    ['1 model, model edited', small, 'api/models/User.ts'],
    ['1 model, controller edited', small, 'api/controllers/UserController.ts'],
    [`${MODELS} models, model edited`, app, 'api/models/Model01.ts'],
  ] as const) {
    const { reported, wall } = await watchRestarts(cli, dir, join(dir, file), RUNS);
    console.log(`lift --watch change-to-listening, ${label}: ${describe(reported)} as reported; save-to-report ${describe(wall)}`);
  }
}
