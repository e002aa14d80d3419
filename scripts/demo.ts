/**
 * `npm run demo`: the main job on a fresh machine. Generates an app with the defaults in
 * ./demo-app (once; later runs reuse it), adds a User model, and lifts it on the embedded
 * SQLite default. Ctrl-C stops it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(root, 'bin', 'sails-rt.js');
const app = process.env['DEMO_DIR'] ?? join(root, 'demo-app');
const port = process.env['PORT'] ?? '1337';

if (!existsSync(join(app, 'package.json'))) {
  // Linked to this checkout (by a relative path, which survives moving both together): the demo
  // runs what was just built, and its install reuses the checkout's dependencies.
  execFileSync(process.execPath, [cli, 'new', app, '--yes', '--runtime', `file:${relative(app, root) || '.'}`], { stdio: 'inherit' });
  execFileSync(process.execPath, [cli, 'generate', 'model', 'User', 'name:string:required', 'email:string', 'age:number'], {
    cwd: app,
    stdio: 'inherit',
  });
} else {
  console.log(`Reusing the app in ${app} (delete it to start over).`);
}

const lift = spawn(process.execPath, [cli, 'lift', '--port', port], { cwd: app, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => lift.kill(signal));
lift.on('exit', (code) => process.exit(code ?? 0));
