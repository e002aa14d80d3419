#!/usr/bin/env node
// Process entry only: everything lives in the core (src/boot.ts), whose code cache is the command's.
import { core } from '../dist/boot.js';

// A reader that went away (`sails-rt lift | head`) is not a crash: what is left to print is dropped.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

const { main } = core(process.argv[2] ?? 'cli').cli;
const code = await main(process.argv);
// Out at once, rather than when the event loop has emptied: Node then skips tearing down its
// heap (some 10 ms of every command). Only once stdout and stderr have taken everything.
const flushed = (stream) => (stream.writableLength === 0 ? undefined : new Promise((resolve) => stream.once('drain', resolve)));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
