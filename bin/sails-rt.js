#!/usr/bin/env node
// Process entry only: everything lives in dist/cli.
import { main } from '../dist/cli/index.js';

// A reader that went away (`sails-rt lift | head`) is not a crash: what is left to print is dropped.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

process.exitCode = await main(process.argv);
