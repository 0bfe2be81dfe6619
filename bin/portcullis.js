#!/usr/bin/env node
// Entry point for the `portcullis` command: the compiled CLI lives in dist/ (built by `npm ci` through `prepare`).
import { main } from '../dist/src/cli/index.js';

main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { process.stderr.write(`portcullis: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 1; },
);
