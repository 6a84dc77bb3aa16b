// Child process for sqlite-crash.test.ts: opens the sqlite store at argv[2] and creates keys
// `/crash/<tag>/<i>` in an endless loop, printing "ack <i> <modRevision>" after each create
// resolved. The parent SIGKILLs it mid-stream; an ack counts once the parent has read it, and
// it was printed only after the write was acknowledged. Values are deterministic (crashValue)
// so the parent can check them.
import { once } from 'node:events';
import { SqliteStore } from '../../../src/storage/sqlite.js';

export function crashValue(tag: string, i: number, big: boolean): Buffer {
  const len = big ? 8192 + ((i * 7919) % 16384) : 100 + ((i * 31) % 1000) * 5;
  const head = `${tag}:${i}|`;
  return Buffer.concat([Buffer.from(head), Buffer.alloc(len, String.fromCharCode(97 + (i % 26)))]);
}

async function main(): Promise<void> {
  const [path, tag, big] = process.argv.slice(2);
  const store = new SqliteStore({ path });
  process.stdout.write(`open ${await store.currentRevision()}\n`);
  for (let i = 0; ; i++) {
    const kv = await store.create(`/crash/${tag}/${i}`, crashValue(tag, i, big === 'big'));
    // The loop never leaves the microtask queue on its own; when the pipe is full, stdout
    // queues in memory and only the event loop drains it, so wait for 'drain' and yield.
    if (!process.stdout.write(`ack ${i} ${kv.modRevision}\n`)) await once(process.stdout, 'drain');
    if (i % 64 === 63) await new Promise((r) => setImmediate(r));
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((e) => {
    process.stderr.write(`crash-writer: ${e?.stack ?? e}\n`);
    process.exit(1);
  });
}
