#!/usr/bin/env node
// Process entry only: everything lives in dist/cli.
import { main } from '../dist/cli/index.js';

process.exitCode = await main(process.argv);
