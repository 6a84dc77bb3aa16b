// Storage benchmarks on the sqlite backend (the embedded default): sequential creates, get
// latency, listing 10k keys (now and at a past revision), watch fan-out to 1000 watchers, and
// reopening a 100k-key database. Runs in a temp dir, removed afterwards; ~10-20 s.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/storage/sqlite.js';

export interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function median(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 0.5);
}

/** A ConfigMap/Lease-sized JSON value (~400 bytes). */
function value(i: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, namespace: `ns-${i % 10}`, uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, labels: { app: 'bench', shard: String(i % 7) } },
      data: { 'config.yaml': 'x'.repeat(200) },
    }),
  );
}

export async function run(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-storage-'));
  const rows: Row[] = [];
  try {
    const path = join(dir, 'state.db');
    let store = new SqliteStore({ path });

    // Sequential creates (each awaited: one transaction, WAL append, watchers notified).
    const N = 20_000;
    const keys: string[] = [];
    for (let i = 0; i < N; i++) keys.push(`/registry/configmaps/ns-${i % 10}/cm-${String(i).padStart(6, '0')}`);
    let t0 = performance.now();
    for (let i = 0; i < N; i++) await store.create(keys[i], value(i));
    const createMs = performance.now() - t0;
    rows.push({ name: 'sqlite create (sequential)', value: (N / createMs) * 1000, unit: 'ops/s', target: '>= 20000' });

    // Sequential CAS updates of existing keys.
    const U = 10_000;
    t0 = performance.now();
    for (let i = 0; i < U; i++) {
      const k = keys[(i * 7919) % N];
      const cur = (await store.get(k))!;
      await store.update(k, value(i), { expectedModRevision: cur.modRevision });
    }
    rows.push({ name: 'sqlite get+CAS update (sequential)', value: (U / (performance.now() - t0)) * 1000, unit: 'ops/s' });
    const pastRev = await store.currentRevision();
    for (let i = 0; i < 1000; i++) await store.update(keys[i * 10], value(i)); // history after pastRev

    // Point reads of random keys.
    const lat: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const k = keys[(i * 104729) % N];
      const s = process.hrtime.bigint();
      await store.get(k);
      lat.push(Number(process.hrtime.bigint() - s) / 1000);
    }
    lat.sort((a, b) => a - b);
    rows.push({ name: 'sqlite get latency p50', value: percentile(lat, 0.5), unit: 'µs', target: '<= 50' });
    rows.push({ name: 'sqlite get latency p99', value: percentile(lat, 0.99), unit: 'µs', target: '<= 500' });

    // List of 10k keys (two of the ten namespaces... i.e. a prefix holding 10k keys).
    for (let i = 0; i < 10_000; i++) await store.create(`/registry/secrets/default/s-${String(i).padStart(5, '0')}`, value(i));
    const listTimes: number[] = [];
    for (let r = 0; r < 5; r++) {
      t0 = performance.now();
      const l = await store.list('/registry/secrets/');
      listTimes.push(performance.now() - t0);
      if (l.items.length !== 10_000) throw new Error(`listed ${l.items.length} keys`);
    }
    rows.push({ name: 'sqlite list 10k keys', value: median(listTimes), unit: 'ms', target: '<= 50' });
    const pastTimes: number[] = [];
    for (let r = 0; r < 3; r++) {
      t0 = performance.now();
      const l = await store.list('/registry/configmaps/', { revision: pastRev });
      pastTimes.push(performance.now() - t0);
      if (l.items.length !== N) throw new Error(`listed ${l.items.length} keys at ${pastRev}`);
    }
    rows.push({ name: `sqlite list ${N / 1000}k keys at a past revision`, value: median(pastTimes), unit: 'ms' });
    t0 = performance.now();
    let pages = 0;
    for (let start: string | undefined; ; pages++) {
      const l = await store.list('/registry/configmaps/', { revision: pastRev, limit: 500, startKey: start });
      if (!l.more) break;
      start = l.items[l.items.length - 1].key + '\x00';
    }
    rows.push({ name: `sqlite paged list (500/page) ${N / 1000}k at past rev`, value: performance.now() - t0, unit: 'ms' });

    // Watch fan-out: one event to 1000 watchers of the prefix.
    const W = 1000;
    const fanout: number[] = [];
    for (let r = 0; r < 5; r++) {
      let got = 0;
      let done!: () => void;
      const all = new Promise<void>((res) => (done = res));
      const watchers = Array.from({ length: W }, () =>
        store.watch('/registry/pods/', {}, () => {
          if (++got === W) done();
        }, () => {}),
      );
      t0 = performance.now();
      await store.create(`/registry/pods/default/p-${r}`, value(r));
      await all;
      fanout.push(performance.now() - t0);
      for (const w of watchers) w.cancel();
    }
    rows.push({ name: 'sqlite watch: 1 event to 1000 watchers', value: median(fanout), unit: 'ms', target: '<= 10' });

    // Grow to 100k keys, then time a reopen (no scan of the data on open).
    const have = await store.count('');
    for (let i = have; i < 100_000; i++) await store.create(`/registry/events/default/e-${String(i).padStart(6, '0')}`, value(i));
    await store.close();
    const opens: number[] = [];
    for (let r = 0; r < 3; r++) {
      t0 = performance.now();
      store = new SqliteStore({ path });
      await store.currentRevision();
      opens.push(performance.now() - t0);
      await store.close();
    }
    rows.push({ name: 'sqlite open 100k-key database', value: median(opens), unit: 'ms', target: '<= 100' });
    t0 = performance.now();
    const empty = new SqliteStore({ path: join(dir, 'empty.db') });
    rows.push({ name: 'sqlite open new empty database', value: performance.now() - t0, unit: 'ms' });
    await empty.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
