#!/usr/bin/env node
// Links bin/k8ts.js into node_modules/.bin so `npx k8ts ...` runs this checkout's CLI
// (npm links only dependencies' bins, not the project's own).
import { mkdirSync, symlinkSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

const binDir = join('node_modules', '.bin');
mkdirSync(binDir, { recursive: true });
const link = join(binDir, 'k8ts');
rmSync(link, { force: true });
symlinkSync(join('..', '..', 'bin', 'k8ts.js'), link);
chmodSync(join('bin', 'k8ts.js'), 0o755);
