#!/usr/bin/env node
// k8ts entry point: runs the compiled CLI (npm ci builds it into dist/).
import { main } from '../dist/src/cli/main.js';
main(process.argv).catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
