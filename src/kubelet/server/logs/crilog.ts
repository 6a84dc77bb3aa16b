// The CRI container log format (kubelet's kuberuntime/logs): one line per write,
// "<RFC3339Nano timestamp> <stdout|stderr> <tags> <content>", tag P for a partial line continued on
// the next record and F for the full (last) piece. Records are joined back into log lines here.

export type LogStream = 'stdout' | 'stderr';

export interface LogRecord {
  /** The timestamp as written (RFC3339Nano). */
  timestamp: string;
  /** Milliseconds since the epoch. */
  time: number;
  stream: LogStream;
  partial: boolean;
  content: Buffer;
}

/** A whole log line: its records joined (the newline is added by the writer). */
export interface LogLine {
  timestamp: string;
  time: number;
  stream: LogStream;
  content: Buffer;
}

/** Parses one record (without its trailing newline); throws on anything else. */
export function parseCriRecord(line: Buffer): LogRecord {
  const sp1 = line.indexOf(0x20);
  if (sp1 < 0) throw new Error(`unexpected log format: timestamp is not found in ${JSON.stringify(line.toString().slice(0, 100))}`);
  const timestamp = line.subarray(0, sp1).toString();
  const time = Date.parse(timestamp);
  if (Number.isNaN(time)) throw new Error(`unexpected timestamp format ${JSON.stringify(timestamp)}`);
  const sp2 = line.indexOf(0x20, sp1 + 1);
  if (sp2 < 0) throw new Error('unexpected log format: stream type is not found');
  const stream = line.subarray(sp1 + 1, sp2).toString();
  if (stream !== 'stdout' && stream !== 'stderr') throw new Error(`unexpected stream type ${JSON.stringify(stream)}`);
  const sp3 = line.indexOf(0x20, sp2 + 1);
  // the content may be empty: "<ts> stdout F" has no third space
  const tagEnd = sp3 < 0 ? line.length : sp3;
  const tags = line.subarray(sp2 + 1, tagEnd).toString().split(':');
  const content = sp3 < 0 ? Buffer.alloc(0) : line.subarray(sp3 + 1);
  return { timestamp, time, stream, partial: tags[0] === 'P', content };
}

/** Splits a chunk of log file bytes into complete records; the unterminated tail is returned. */
export function splitRecords(buf: Buffer): { records: Buffer[]; rest: Buffer } {
  const records: Buffer[] = [];
  let start = 0;
  for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, start)) {
    records.push(buf.subarray(start, nl));
    start = nl + 1;
  }
  return { records, rest: buf.subarray(start) };
}

/** Joins P records with the F record that ends them, per stream (stdout and stderr interleave). */
export class LineJoiner {
  private readonly pending = new Map<LogStream, LogRecord[]>();

  push(r: LogRecord): LogLine | undefined {
    const parts = this.pending.get(r.stream) ?? [];
    if (r.partial) {
      parts.push(r);
      this.pending.set(r.stream, parts);
      return undefined;
    }
    this.pending.delete(r.stream);
    const first = parts[0] ?? r;
    return { timestamp: first.timestamp, time: first.time, stream: r.stream, content: parts.length ? Buffer.concat([...parts.map((p) => p.content), r.content]) : r.content };
  }
}

/** Parses a whole log file's bytes into lines (malformed records are skipped, as upstream logs and skips them). */
export function parseCriLog(buf: Buffer): { lines: LogLine[]; rest: Buffer } {
  const { records, rest } = splitRecords(buf);
  const joiner = new LineJoiner();
  const lines: LogLine[] = [];
  for (const rec of records) {
    let r: LogRecord;
    try {
      r = parseCriRecord(rec);
    } catch {
      continue;
    }
    const l = joiner.push(r);
    if (l) lines.push(l);
  }
  return { lines, rest };
}
