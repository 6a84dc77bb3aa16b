#!/usr/bin/env node
// Runs the compiled test files (dist/test/<group>/**/*.test.js) with node's built-in test runner.
// Usage: node scripts/run-tests.mjs [unit|e2e|<path substring>...]
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = 'dist/test';
function walk(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}
const filters = process.argv.slice(2);
const groups = [
  { name: 'unit', concurrency: 2 },
  { name: 'e2e', concurrency: 1 },
];
let failed = false;
for (const g of groups) {
  let files = walk(join(root, g.name));
  if (filters.length && !filters.includes(g.name)) {
    files = files.filter((f) => filters.some((x) => f.includes(x)));
  }
  if (!files.length) continue;
  console.log(`# ${g.name}: ${files.length} test files`);
  const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', `--test-concurrency=${g.concurrency}`, ...files], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
