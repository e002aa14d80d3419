/**
 * One instance of an app in a process of its own, for the scale-out tests (the pattern socket.io's
 * adapter tests use): `node --import tsx test/support/lift-instance.ts <appPath> '<config JSON>'`.
 * Prints `listening <url>` once lifted, writes the app's log to stderr, and lowers on SIGTERM.
 */
import { lift } from '../../src/runtime/index.js';

const [appPath, configJson = '{}'] = process.argv.slice(2);
const app = await lift({ appPath, port: 0, environment: 'development', config: JSON.parse(configJson) as Record<string, unknown>, log: () => {}, logDestination: process.stderr });
process.stdout.write(`listening ${app.url}\n`);
process.once('SIGTERM', () => {
  void app.lower().then(() => process.exit(0));
});
