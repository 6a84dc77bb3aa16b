#!/usr/bin/env node
// Runs the compiled test files (dist/test/<group>/**/*.test.js) with node's built-in test runner.
// Usage: node scripts/run-tests.mjs [unit|e2e|e2e-etcd|<path substring>...]
// e2e-etcd runs the API-only e2e files a second time with every server on a private etcd
// (K8TS_E2E_STORE=etcd, see test/e2e/harness.ts).
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
/** API-only e2e files (no real node) re-run on etcd; kept to a few minutes of CI time. */
const ON_ETCD = ['kubectl.test.js', 'workloads.test.js', 'malformed.test.js', 'authz.test.js', 'batch-sets.test.js'];
const groups = [
  { name: 'unit', dir: 'unit', concurrency: 2 },
  { name: 'e2e', dir: 'e2e', concurrency: 1 },
  { name: 'e2e-etcd', dir: 'e2e', concurrency: 1, env: { K8TS_E2E_STORE: 'etcd' }, only: ON_ETCD },
];
let failed = false;
for (const g of groups) {
  let files = walk(join(root, g.dir));
  if (g.only) files = files.filter((f) => g.only.some((n) => f.endsWith(`/${n}`)));
  if (filters.length && !filters.includes(g.name)) {
    // a file filter selects from the plain groups; the etcd pass runs when named
    if (g.only) continue;
    files = files.filter((f) => filters.some((x) => f.includes(x)));
  }
  if (!files.length) continue;
  console.log(`# ${g.name}: ${files.length} test files`);
  const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', `--test-concurrency=${g.concurrency}`, ...files], { stdio: 'inherit', env: { ...process.env, ...g.env } });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
