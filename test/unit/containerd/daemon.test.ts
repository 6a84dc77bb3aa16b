// startContainerd's failure reporting (a daemon that exits at once names its exit and log) and
// the runtime discovery helpers.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findCniBinDir, startContainerd, tailFile, which } from '../../../src/containerd/daemon.js';

describe('containerd daemon helpers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-daemon-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a daemon that exits before its CRI answers is reported with its exit and last log lines', async () => {
    const fake = join(dir, 'fake-containerd');
    writeFileSync(fake, '#!/bin/sh\necho "level=fatal msg=\\"cannot do it\\"" >&2\nexit 3\n', { mode: 0o755 });
    const err = await startContainerd({ root: join(dir, 'root'), state: join(dir, 'state'), address: join(dir, 'c.sock'), binary: fake, timeoutMs: 20_000 }).catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    assert.match(err.message, /containerd exited \(3\) before its CRI answered/);
    assert.match(err.message, /cannot do it/);
    assert.ok(existsSync(join(dir, 'state', 'config.toml')), 'the config it was given is kept for inspection');
    assert.match(readFileSync(join(dir, 'state', 'config.toml'), 'utf8'), /address = ".*c\.sock"/);
  });

  it('tailFile returns the last lines, or says there is no log', () => {
    const f = join(dir, 'log');
    writeFileSync(f, Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n') + '\n');
    assert.equal(tailFile(f, 2), 'line 28\nline 29');
    assert.equal(tailFile(join(dir, 'missing')), '(no log)');
  });

  it('which finds executables on PATH and in the sbin dirs', () => {
    assert.equal(which('sh') !== undefined, true);
    assert.equal(which('k8ts-no-such-binary'), undefined);
  });

  it('findCniBinDir wants every plugin the seeds use in one directory', () => {
    const partial = join(dir, 'cni-partial');
    const full = join(dir, 'cni-full');
    for (const [d, plugins] of [[partial, ['bridge']], [full, ['bridge', 'host-local', 'loopback']]] as const) {
      mkdirSync(d, { recursive: true });
      for (const p of plugins) writeFileSync(join(d, p), '');
    }
    assert.equal(findCniBinDir([partial, full]), full);
    assert.equal(findCniBinDir([partial]), undefined);
  });
});

