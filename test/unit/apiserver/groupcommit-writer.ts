// Child process for groupcommit.test.ts: opens the sqlite store at argv[2] and creates keys
// `/gc/<tag>/<i>` with 64 creates in flight (so that they share group-commit transactions),
// printing "ack <i> <modRevision>" as soon as each create resolved. The parent SIGKILLs it
// mid-stream and checks that every acknowledged key survived.
import { once } from 'node:events';
import { SqliteStore } from '../../../src/storage/sqlite.js';

export function gcValue(tag: string, i: number): Buffer {
  return Buffer.from(`${tag}:${i}|${'v'.repeat(200 + ((i * 37) % 3000))}`);
}

async function main(): Promise<void> {
  const [path, tag] = process.argv.slice(2);
  const store = new SqliteStore({ path });
  process.stdout.write(`open ${await store.currentRevision()}\n`);
  let next = 0;
  let backlog: Promise<unknown> | undefined;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const kv = await store.create(`/gc/${tag}/${i}`, gcValue(tag, i));
      if (!process.stdout.write(`ack ${i} ${kv.modRevision}\n`)) await (backlog ??= once(process.stdout, 'drain').finally(() => (backlog = undefined)));
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((e) => {
    process.stderr.write(`groupcommit-writer: ${e?.stack ?? e}\n`);
    process.exit(1);
  });
}
