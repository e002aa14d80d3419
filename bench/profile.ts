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
 * between `fromMicros` and `toMicros` after the profile started (the load's counted window), and
 * idle ones not at all.
 */
function tally(profile: Profile, fromMicros: number, toMicros: number, keyOf: (node: ProfileNode) => string): { key: string; micros: number; share: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  let all = 0;
  let at = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    const node = byId.get(id);
    if (node === undefined || at < fromMicros || at > toMicros || node.callFrame.functionName === '(idle)') return;
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
  // Only the load's counted window is read (its warm-up lasts until the server is warm, bench/load.ts).
  const load = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'load.ts'), mode === 'http' ? 'http' : 'throughput', url, '50', seconds, `/user/${id}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let fromMicros = 0;
  let toMicros = Infinity;
  load.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (text.includes('counting')) fromMicros = (performance.now() - spawned) * 1000;
    if (text.includes('counted')) toMicros = (performance.now() - spawned) * 1000;
    out += text;
  });
  const code = await new Promise((resolve) => load.once('exit', resolve));
  if (code !== 0) throw new Error(`bench/load.ts exited with ${String(code)}:\n${out}`);
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
  show(`self time by function (${mode}), under load, idle left out:`, tally(profile, fromMicros, toMicros, (node) => `${node.callFrame.functionName || '(anonymous)'}  ${fileOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`));
  show(`self time by file / package (${mode}):`, tally(profile, fromMicros, toMicros, (node) => fileOf(node.callFrame.url)));
  if (process.env['BENCH_PROFILE_KEEP'] === '1') {
    const kept = join(tmpdir(), `sails-rt-${mode}-${Date.now()}.cpuprofile`);
    writeFileSync(kept, JSON.stringify(profile));
    console.log(`\nprofile kept: ${kept} (counted window: ${Math.round(fromMicros / 1000)} to ${Math.round(toMicros / 1000)} ms after it started)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
