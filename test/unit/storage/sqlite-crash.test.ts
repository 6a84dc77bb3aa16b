// Crash safety of the sqlite backend: a child process creating keys is SIGKILLed mid-stream
// (several times, with small and large values so that some kills land around WAL
// checkpoints); after each kill the database must hold every acknowledged key with its value
// and modRevision, and the revision counter must never go backwards.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, it } from 'node:test';
import { SqliteStore } from '../../../src/storage/sqlite.js';
import { crashValue } from './crash-writer.js';

const here = fileURLToPath(import.meta.url);
const isTs = here.endsWith('.ts');
const writer = join(dirname(here), isTs ? 'crash-writer.ts' : 'crash-writer.js');
const dir = mkdtempSync(join(tmpdir(), 'k8ts-crash-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Round {
  openRev: number;
  acks: Array<{ i: number; rev: number }>;
}

/** Runs the writer until it acknowledged `killAfter` creates, then SIGKILLs it. */
function runAndKill(path: string, tag: string, big: boolean, killAfter: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const args = [...(isTs ? ['--import', 'tsx'] : []), writer, path, tag, big ? 'big' : 'small'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const round: Round = { openRev: -1, acks: [] };
    let buf = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not reach ${killAfter} acks in time (got ${round.acks.length}); stderr: ${stderr}`));
    }, 60_000);
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [what, a, b] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        if (what === 'open') round.openRev = Number(a);
        else if (what === 'ack') round.acks.push({ i: Number(a), rev: Number(b) });
      }
      if (!killed && round.acks.length >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}/${signal}; stderr: ${stderr}`));
      else resolve(round); // a partial last line (no newline) was never an ack
    });
  });
}

it('every acknowledged write survives SIGKILL, and the revision never goes backwards', async () => {
  const path = join(dir, 'crash.db');
  let lastRev = 1;
  const rounds: Array<[string, boolean, number]> = [
    ['r1', false, 300],
    ['r2', false, 700],
    ['r3', true, 2500], // ~60 MB of WAL: crosses automatic checkpoints
    ['r4', true, 400],
  ];
  const checked: Array<[string, number, number]> = [];
  for (const [tag, big, killAfter] of rounds) {
    const round = await runAndKill(path, tag, big, killAfter);
    assert.ok(round.openRev >= lastRev, `reopen after kill restored revision ${round.openRev} < ${lastRev}`);
    assert.ok(round.acks.length >= killAfter);
    const store = new SqliteStore({ path });
    try {
      const rev = await store.currentRevision();
      const lastAck = round.acks[round.acks.length - 1];
      // Every ack is durable; at most the one create in flight at the kill may also be there.
      assert.ok(rev >= lastAck.rev && rev <= lastAck.rev + 1, `revision ${rev} after last ack ${lastAck.rev}`);
      round.acks.forEach((a, n) => assert.equal(a.i, n));
      for (const a of round.acks) {
        const kv = await store.get(`/crash/${tag}/${a.i}`);
        assert.ok(kv, `acknowledged key /crash/${tag}/${a.i} lost`);
        assert.equal(kv.modRevision, a.rev);
        assert.ok(kv.value.equals(crashValue(tag, a.i, big)), `value of /crash/${tag}/${a.i}`);
        checked.push([tag, a.i, a.rev]);
      }
      // Keys of earlier rounds are still intact.
      for (let n = 0; n < checked.length; n += 97) {
        const [t, i, r] = checked[n];
        assert.equal((await store.get(`/crash/${t}/${i}`))?.modRevision, r);
      }
      // The counter continues monotonically.
      const next = await store.create(`/crash/${tag}/after`, Buffer.from('x'));
      assert.equal(next.modRevision, rev + 1);
      lastRev = next.modRevision;
    } finally {
      await store.close();
    }
  }
});
