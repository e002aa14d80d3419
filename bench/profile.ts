/**
 * Where the server's time goes on `GET /user/:id`: lifts the bench app (a generated app with the
 * User model, logging at warn) under `node --cpu-prof`, runs the closed loops of bench/load.ts
 * against it over HTTP or sockets, lowers it, and prints the profile's self time by function and
 * by file (packages grouped). Not part of `npm run bench`; a tool for cutting the per-request CPU.
 *
 *   npm run build && node --import tsx bench/profile.ts http|socket [seconds] [top]
 *
 * BENCH_PROFILE_KEEP=1 keeps the .cpuprofile (its path is printed), to open in Chrome's DevTools.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const [mode = 'http', seconds = '5', top = '30'] = process.argv.slice(2);
if (mode !== 'http' && mode !== 'socket') throw new Error(`Unknown mode "${mode}": use http or socket.`);
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(root, 'bin', 'sails-rt.js');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time (µs) by key, largest first, with each key's share of the busy time: only samples
 * `skipMicros` or more after the profile started (the lift is left out), and idle ones not at all.
 */
function tally(profile: Profile, skipMicros: number, keyOf: (node: ProfileNode) => string): { key: string; micros: number; share: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  let all = 0;
  let at = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    const node = byId.get(id);
    if (node === undefined || at < skipMicros || node.callFrame.functionName === '(idle)') return;
    all += delta;
    const key = keyOf(node);
    totals.set(key, (totals.get(key) ?? 0) + delta);
  });
  return [...totals].map(([key, micros]) => ({ key, micros, share: micros / all })).sort((a, b) => b.micros - a.micros);
}

/** A file under node_modules is shown as its package; the runtime's own files by their path in the repo. */
function fileOf(url: string): string {
  if (url === '') return '(native / VM)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = path.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const rest = path.slice(modules + 'node_modules/'.length).split('/');
    return `[${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}]`;
  }
  return path.startsWith(root) ? relative(root, path) : path;
}

const work = mkdtempSync(join(tmpdir(), 'sails-rt-profile-'));
const app = join(work, 'bench-app');
const profiles = join(work, 'profiles');
try {
  execFileSync(process.execPath, [cli, 'new', app, '--yes', '--skip-install'], { stdio: 'ignore' });
  execFileSync(process.execPath, [cli, 'generate', 'model', 'User', 'name:string:required', 'email:string', 'age:number'], { cwd: app, stdio: 'ignore' });
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(root, join(app, 'node_modules', 'sails-rt'), 'dir');
  writeFileSync(join(app, 'config', 'log.ts'), "export const log = { level: 'warn' };\n");

  const spawned = performance.now();
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profiles}`, cli, 'lift', '--port', '0'], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'development' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(output);
      if (match) resolve(match[0]);
    });
    child.once('exit', (code) => reject(new Error(`lift exited with ${code}:\n${output}`)));
  });
  const created = await fetch(`${url}/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', email: 'bench@example.com', age: 30 }) });
  const { id } = (await created.json()) as { id: number };
  // The load's own first second is warm-up: the profile is read from the second after it.
  const skipMicros = (performance.now() - spawned + 1500) * 1000;
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'load.ts'), mode === 'http' ? 'http' : 'throughput', url, '50', seconds, `/user/${id}`], { encoding: 'utf8' });
  console.log(`load: ${out.trim().split('\n').at(-1)}`);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;

  const file = readdirSync(profiles).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`No .cpuprofile was written in ${profiles}.`);
  const profile = JSON.parse(readFileSync(join(profiles, file), 'utf8')) as Profile;
  const count = Number(top);
  const show = (title: string, rows: { key: string; micros: number; share: number }[]): void => {
    console.log(`\n${title}`);
    for (const row of rows.slice(0, count)) console.log(`${(row.share * 100).toFixed(1).padStart(5)}%  ${(row.micros / 1000).toFixed(0).padStart(6)} ms  ${row.key}`);
  };
  show(`self time by function (${mode}), under load, idle left out:`, tally(profile, skipMicros, (node) => `${node.callFrame.functionName || '(anonymous)'}  ${fileOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`));
  show(`self time by file / package (${mode}):`, tally(profile, skipMicros, (node) => fileOf(node.callFrame.url)));
  if (process.env['BENCH_PROFILE_KEEP'] === '1') {
    const kept = join(tmpdir(), `sails-rt-${mode}-${Date.now()}.cpuprofile`);
    writeFileSync(kept, JSON.stringify(profile));
    console.log(`\nprofile kept: ${kept}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
