// Reads a container's CRI log file for /containerLogs: the lines selected by since/tail, each
// prefixed with its timestamp when asked, cut at limitBytes; with follow, keeps reading what the
// runtime appends (and the new file after a rotation) until the container stops or the client goes.
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { LineJoiner, parseCriLog, parseCriRecord, splitRecords } from './crilog.js';
import type { LogLine } from './crilog.js';
import type { LogOptions } from './options.js';

export interface FollowControl {
  /** Whether the container is still running (follow stops once it is not and the file is drained). */
  isRunning: () => Promise<boolean>;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** How often to look for new data (ms). */
  pollMs?: number;
}

/** Writes lines to out honouring timestamps and the byte limit; returns false once the limit is hit. */
class LineWriter {
  private written = 0;

  constructor(
    private readonly out: Writable,
    private readonly opts: LogOptions,
  ) {}

  write(l: LogLine): boolean {
    if (this.opts.sinceMs !== undefined && l.time < this.opts.sinceMs) return true;
    let bytes = Buffer.concat([this.opts.timestamps ? Buffer.from(l.timestamp + ' ') : Buffer.alloc(0), l.content, Buffer.from('\n')]);
    const limit = this.opts.limitBytes;
    if (limit !== undefined) {
      if (this.written + bytes.length >= limit) bytes = bytes.subarray(0, limit - this.written);
      this.written += bytes.length;
    }
    if (bytes.length) this.out.write(bytes);
    return limit === undefined || this.written < limit;
  }
}

async function readFrom(fh: FileHandle, offset: number): Promise<Buffer> {
  const { size } = await fh.stat();
  if (size <= offset) return Buffer.alloc(0);
  const buf = Buffer.alloc(size - offset);
  const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
  return buf.subarray(0, bytesRead);
}

/** Streams the log at path to out according to opts (resolves when done). */
export async function readContainerLog(path: string, opts: LogOptions, out: Writable, follow?: FollowControl): Promise<void> {
  let fh = await open(path, 'r');
  try {
    const writer = new LineWriter(out, opts);
    const initial = await readFrom(fh, 0);
    let offset = initial.length;
    const { lines, rest } = parseCriLog(initial);
    let selected = lines.filter((l) => opts.sinceMs === undefined || l.time >= opts.sinceMs);
    if (opts.tailLines !== undefined) selected = opts.tailLines === 0 ? [] : selected.slice(-opts.tailLines);
    for (const l of selected) if (!writer.write(l)) return;
    if (!opts.follow || !follow) return;

    // follow: keep the unterminated tail and partial records between reads
    let pending = Buffer.from(rest);
    const joiner = new LineJoiner();
    const pollMs = follow.pollMs ?? 200;
    let idle = 0;
    while (!follow.signal.aborted) {
      const chunk = await readFrom(fh, offset);
      if (chunk.length) {
        offset += chunk.length;
        idle = 0;
        const { records, rest: tail } = splitRecords(pending.length ? Buffer.concat([pending, chunk]) : chunk);
        pending = Buffer.from(tail);
        for (const rec of records) {
          let line: LogLine | undefined;
          try {
            line = joiner.push(parseCriRecord(rec));
          } catch {
            continue;
          }
          if (line && !writer.write(line)) return;
        }
        continue;
      }
      // rotated: the path now names a new file (or the old one was truncated)
      const now = await stat(path).catch(() => undefined);
      const cur = await fh.stat();
      if (now && (now.ino !== cur.ino || now.size < offset)) {
        await fh.close();
        fh = await open(path, 'r');
        offset = 0;
        pending = Buffer.alloc(0);
        continue;
      }
      // every ~1 s of silence, ask whether the container is still running
      if (++idle * pollMs >= 1000) {
        idle = 0;
        if (!(await follow.isRunning())) {
          const last = await readFrom(fh, offset);
          if (last.length) continue;
          return;
        }
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        follow.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  } finally {
    await fh.close();
  }
}
