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
process.exitCode = await main(process.argv);
