// The atomic writer: timestamped data directory behind the ..data symlink, user-visible
// symlinks, exact modes, updates, removed keys, and no rewrite of an unchanged payload.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomicWriter, validatePath } from '../../../../src/kubelet/volumes/atomic-writer.js';
import type { Payload } from '../../../../src/kubelet/volumes/atomic-writer.js';

const p = (entries: Record<string, string | [string, number]>): Payload =>
  new Map(Object.entries(entries).map(([k, v]) => [k, Array.isArray(v) ? { data: Buffer.from(v[0]), mode: v[1] } : { data: Buffer.from(v), mode: 0o644 }]));

describe('AtomicWriter', () => {
  let root: string;
  let n = 0;
  const target = () => {
    const d = join(root, `t${n++}`);
    mkdirSync(d);
    return d;
  };
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'k8ts-aw-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes into a timestamped directory behind ..data, with symlinks for the user-visible names', async () => {
    const dir = target();
    const w = new AtomicWriter(dir);
    assert.equal(await w.write(p({ a: 'A', 'sub/b': ['B', 0o600], 'sub/deeper/c': 'C' })), true);
    const ts = readlinkSync(join(dir, '..data'));
    assert.match(ts, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$/);
    assert.equal(statSync(join(dir, ts)).mode & 0o777, 0o755);
    assert.equal(readlinkSync(join(dir, 'a')), '..data/a');
    assert.equal(readlinkSync(join(dir, 'sub')), '..data/sub');
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'A');
    assert.equal(readFileSync(join(dir, 'sub/b'), 'utf8'), 'B');
    assert.equal(readFileSync(join(dir, 'sub/deeper/c'), 'utf8'), 'C');
    assert.equal(statSync(join(dir, 'sub/b')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'a')).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(dir).sort(), ['..data', ts, 'a', 'sub'].sort());
  });

  it('modes are exact whatever the umask', async () => {
    const dir = target();
    const old = process.umask(0o077);
    try {
      await new AtomicWriter(dir).write(p({ x: ['X', 0o444], y: ['Y', 0o755] }));
    } finally {
      process.umask(old);
    }
    assert.equal(statSync(join(dir, 'x')).mode & 0o777, 0o444);
    assert.equal(statSync(join(dir, 'y')).mode & 0o777, 0o755);
  });

  it('an update swaps ..data to a new directory, removes the old one and keys no longer present', async () => {
    const dir = target();
    const w = new AtomicWriter(dir);
    await w.write(p({ a: 'A1', b: 'B1', 'nested/c': 'C1' }));
    const first = readlinkSync(join(dir, '..data'));
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(await w.write(p({ a: 'A2', d: 'D' })), true);
    const second = readlinkSync(join(dir, '..data'));
    assert.notEqual(second, first);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'A2');
    assert.equal(readFileSync(join(dir, 'd'), 'utf8'), 'D');
    assert.throws(() => lstatSync(join(dir, 'b')), /ENOENT/);
    assert.throws(() => lstatSync(join(dir, 'nested')), /ENOENT/);
    assert.throws(() => lstatSync(join(dir, first)), /ENOENT/);
    assert.deepEqual(readdirSync(dir).sort(), ['..data', second, 'a', 'd'].sort());
  });

  it('an unchanged payload is not rewritten (same data directory, same inode)', async () => {
    const dir = target();
    const w = new AtomicWriter(dir);
    await w.write(p({ a: 'A', b: 'B' }));
    const ts = readlinkSync(join(dir, '..data'));
    const ino = statSync(join(dir, 'a')).ino;
    assert.equal(await w.write(p({ a: 'A', b: 'B' })), false);
    assert.equal(readlinkSync(join(dir, '..data')), ts);
    assert.equal(statSync(join(dir, 'a')).ino, ino);
  });

  it('recreates a missing user-visible symlink without rewriting the data', async () => {
    const dir = target();
    const w = new AtomicWriter(dir);
    await w.write(p({ a: 'A' }));
    rmSync(join(dir, 'a'));
    assert.equal(await w.write(p({ a: 'A' })), false);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'A');
  });

  it('an empty payload publishes an empty data directory and removes every old key', async () => {
    const dir = target();
    const w = new AtomicWriter(dir);
    await w.write(p({ a: 'A' }));
    assert.equal(await w.write(new Map()), true);
    const ts = readlinkSync(join(dir, '..data'));
    assert.deepEqual(readdirSync(dir).sort(), ['..data', ts].sort());
    assert.deepEqual(readdirSync(join(dir, ts)), []);
  });

  it('rejects invalid paths with upstream messages', async () => {
    assert.throws(() => validatePath(''), /invalid path: must not be empty/);
    assert.throws(() => validatePath('/abs'), /invalid path: must be relative path: \/abs/);
    assert.throws(() => validatePath('a/../b'), /invalid path: must not contain '\.\.': a\/\.\.\/b/);
    assert.throws(() => validatePath('..data'), /invalid path: must not start with '\.\.': \.\.data/);
    assert.throws(() => validatePath('x'.repeat(256)), /filenames must be less than or equal to 255 characters/);
    validatePath('..'.slice(0, 1) + 'hidden');
    const dir = target();
    await assert.rejects(new AtomicWriter(dir).write(p({ '../escape': 'x' })), /must not contain '\.\.'/);
    assert.deepEqual(readdirSync(dir), []);
  });
});
