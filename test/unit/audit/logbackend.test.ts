import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupName, parseBackupTime, RotatingFileWriter } from '../../../src/apiserver/audit/logbackend.js';
import { tempDir } from '../tempdir.js';

const root = tempDir('k8ts-auditlog-');
let n = 0;
const freshDir = () => join(root, `d${n++}`);

/** A clock that advances one second per reading, starting at 2024-01-02T03:04:05.678Z. */
function steppingClock(start = Date.UTC(2024, 0, 2, 3, 4, 5, 678)) {
  let t = start - 1000;
  return () => new Date((t += 1000));
}

function line(i: number, width = 40): string {
  const body = `{"i":${i}}`;
  return body + ' '.repeat(Math.max(0, width - body.length - 1)) + '\n';
}

function readAll(dir: string): { name: string; text: string }[] {
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

test('backup names follow lumberjack: <name>-<UTC 2006-01-02T15-04-05.000><ext>', () => {
  const t = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
  assert.equal(backupName('/var/log/kube/audit.log', t), '/var/log/kube/audit-2024-01-02T03-04-05.678.log');
  assert.equal(backupName('/var/log/audit', t), '/var/log/audit-2024-01-02T03-04-05.678');
  assert.equal(backupName('/x/a.b.json', t), '/x/a.b-2024-01-02T03-04-05.678.json');
  assert.equal(parseBackupTime('2024-01-02T03-04-05.678')?.toISOString(), '2024-01-02T03:04:05.678Z');
  assert.equal(parseBackupTime('2024-13-02T03-04-05.678'), undefined);
  assert.equal(parseBackupTime('2024-01-02T03:04:05.678'), undefined);
});

test('creates the directory (0700) and the file (0600) at startup', () => {
  const dir = join(freshDir(), 'nested', 'deeper');
  const path = join(dir, 'audit.log');
  const w = new RotatingFileWriter({ path });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(path).size, 0);
  return w.close();
});

test('rotates by size, keeping every line, in order, each file within the limit', async () => {
  const dir = freshDir();
  const path = join(dir, 'audit.log');
  const errors: Error[] = [];
  const w = new RotatingFileWriter({ path, maxSizeBytes: 100, now: steppingClock(), onError: (e) => errors.push(e) });
  for (let i = 0; i < 10; i++) w.write(line(i)); // 40 bytes each: two per file
  await w.close();
  assert.deepEqual(errors, []);
  const files = readAll(dir);
  assert.deepEqual(files.map((f) => f.name), [
    'audit-2024-01-02T03-04-05.678.log',
    'audit-2024-01-02T03-04-06.678.log',
    'audit-2024-01-02T03-04-07.678.log',
    'audit-2024-01-02T03-04-08.678.log',
    'audit.log',
  ]);
  for (const f of files) assert.ok(Buffer.byteLength(f.text) <= 100, f.name);
  // oldest backup first, current file last
  const all = files.map((f) => f.text).join('');
  assert.deepEqual(all.trim().split('\n').map((l) => JSON.parse(l).i), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (const f of files) assert.equal(statSync(join(dir, f.name)).mode & 0o777, 0o600, `${f.name} keeps mode 0600`);
});

test('a write that would exceed the limit rotates first (the limit is never crossed)', async () => {
  const dir = freshDir();
  const path = join(dir, 'audit.log');
  const w = new RotatingFileWriter({ path, maxSizeBytes: 100, now: steppingClock() });
  w.write(line(0, 60));
  w.write(line(1, 40)); // 60 + 40 = 100: fits exactly
  w.write(line(2, 1 + 2 + 6)); // 100 + 9 > 100: rotate
  await w.close();
  const files = readAll(dir);
  assert.equal(files.length, 2);
  assert.equal(Buffer.byteLength(files[0].text), 100);
  assert.equal(files[1].text, line(2, 9));
});

test('maxBackups keeps the newest backups', async () => {
  const dir = freshDir();
  const path = join(dir, 'audit.log');
  const w = new RotatingFileWriter({ path, maxSizeBytes: 50, maxBackups: 2, now: steppingClock() });
  for (let i = 0; i < 8; i++) w.write(line(i)); // one per file: 7 rotations
  await w.close();
  const files = readAll(dir);
  assert.deepEqual(files.map((f) => f.name), ['audit-2024-01-02T03-04-10.678.log', 'audit-2024-01-02T03-04-11.678.log', 'audit.log']);
  assert.deepEqual(files.map((f) => JSON.parse(f.text).i), [5, 6, 7]);
});

test('maxAge deletes backups older than the limit (by the time in their name); other files are left alone', async () => {
  const dir = freshDir();
  const path = join(dir, 'audit.log');
  const now = Date.UTC(2024, 5, 10, 12, 0, 0, 0);
  new RotatingFileWriter({ path }).close();
  const old = backupName(path, new Date(now - 10 * 86400_000));
  const recent = backupName(path, new Date(now - 2 * 86400_000));
  for (const f of [old, recent, join(dir, 'audit-notatime.log'), join(dir, 'other-2024-01-02T03-04-05.678.log')]) writeFileSync(f, 'x\n');
  const w = new RotatingFileWriter({ path, maxSizeBytes: 50, maxAgeDays: 7, now: () => new Date(now) });
  w.write(line(0));
  await w.close();
  const names = readdirSync(dir).sort();
  assert.ok(!names.includes(old.slice(dir.length + 1)), 'old backup deleted');
  assert.ok(names.includes(recent.slice(dir.length + 1)));
  assert.ok(names.includes('audit-notatime.log'));
  assert.ok(names.includes('other-2024-01-02T03-04-05.678.log'));
});

test('appends to an existing file; rotates it at startup if the first write would reach the limit', async () => {
  const dir = freshDir();
  const path = join(dir, 'audit.log');
  const a = new RotatingFileWriter({ path, maxSizeBytes: 100, now: steppingClock() });
  a.write(line(0));
  await a.close();
  const b = new RotatingFileWriter({ path, maxSizeBytes: 100, now: steppingClock() });
  b.write(line(1));
  await b.close();
  assert.deepEqual(readAll(dir).map((f) => f.name), ['audit.log']);
  assert.equal(readFileSync(path, 'utf8'), line(0) + line(1));
  const c = new RotatingFileWriter({ path, maxSizeBytes: 100, now: steppingClock() });
  c.write(line(2, 20)); // 80 + 20 >= 100: rotate on open
  await c.close();
  const files = readAll(dir);
  assert.equal(files.length, 2);
  assert.equal(files[0].text, line(0) + line(1));
  assert.equal(files[1].text, line(2, 20));
});

test('a line larger than the limit is dropped with an error; later lines still go out', async () => {
  const dir = freshDir();
  const path = join(dir, 'audit.log');
  const errors: string[] = [];
  const w = new RotatingFileWriter({ path, maxSizeBytes: 50, onError: (e) => errors.push(e.message) });
  w.write(line(0, 80));
  w.write(line(1));
  await w.close();
  assert.deepEqual(errors, ['write length 80 exceeds maximum file size 50']);
  assert.equal(readFileSync(path, 'utf8'), line(1));
  w.write(line(2));
  assert.equal(errors.length, 2, 'writes after close are reported');
});

test('rotations within the same millisecond do not overwrite each other', async () => {
  const dir = freshDir();
  const path = join(dir, 'audit.log');
  const frozen = new Date(Date.UTC(2024, 0, 1));
  const w = new RotatingFileWriter({ path, maxSizeBytes: 50, now: () => frozen });
  for (let i = 0; i < 5; i++) w.write(line(i));
  await w.close();
  const files = readAll(dir);
  assert.equal(files.length, 5);
  assert.deepEqual(files.map((f) => JSON.parse(f.text).i), [0, 1, 2, 3, 4]);
});

test('writes are asynchronous and ordered; flush() waits for them', async () => {
  const dir = freshDir();
  const path = join(dir, 'audit.log');
  const w = new RotatingFileWriter({ path, maxSizeMB: 1 });
  const N = 2000;
  for (let i = 0; i < N; i++) w.write(line(i, 64));
  assert.ok(readFileSync(path, 'utf8').length < N * 64, 'write() returns before the data is on disk');
  await w.flush();
  const got = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).i);
  assert.equal(got.length, N);
  assert.ok(got.every((v, i) => v === i));
  for (let i = N; i < N + 10; i++) w.write(line(i, 64));
  await w.close();
  assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, N + 10);
});
