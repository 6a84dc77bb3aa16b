// Audit log backend: where event lines go (--audit-log-path).
//
// '-' writes to standard output. A file path gets a rotating writer with the semantics of the
// lumberjack logger kube-apiserver uses:
//  - at startup the directory is created (0700) and the file created if missing (0600);
//  - the first write appends to the existing file unless that write would bring it to maxSize or
//    more, in which case the file is rotated first;
//  - a write that would make the file exceed maxSize rotates it: the file is renamed to
//    <name>-<UTC time as 2006-01-02T15-04-05.000><ext> in the same directory (e.g.
//    audit-2024-01-02T03-04-05.678.log) and a new file with the old file's mode takes its place;
//  - after a rotation, backups beyond maxBackups (newest kept, by the time in their name) and
//    backups older than maxAge days are deleted; 0 means no limit for either;
//  - maxSize 0 means lumberjack's default of 100 MB; a single line larger than maxSize is dropped
//    with an error ("write length N exceeds maximum file size M").
// Writes are queued and written asynchronously in order (a request never waits on the disk);
// flush() resolves once everything queued so far is on disk, close() flushes and closes.

import { mkdirSync, openSync, closeSync } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';

export interface AuditWriter {
  /** Queue one line (already newline-terminated). Never throws for I/O problems. */
  write(line: string): void;
  /** Resolves when every line queued so far has been written. */
  flush(): Promise<void>;
  /** Flush, then release the file. Later writes are dropped. */
  close(): Promise<void>;
}

const MEGABYTE = 1024 * 1024;
const DEFAULT_MAX_SIZE_MB = 100;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface RotatingFileOptions {
  path: string;
  /** --audit-log-maxage: days to keep backups, by the time in their name; 0 = forever. */
  maxAgeDays?: number;
  /** --audit-log-maxbackup: backups to keep; 0 = all. */
  maxBackups?: number;
  /** --audit-log-maxsize: MB before rotation; 0 = 100. */
  maxSizeMB?: number;
  /** Exact byte limit, overriding maxSizeMB (tests, tiny limits). */
  maxSizeBytes?: number;
  /** Clock for backup names and age pruning (tests). */
  now?: () => Date;
  /** Reports write and rotation failures; lines that failed are dropped. */
  onError?: (err: Error) => void;
}

/** Go's filepath.Ext: the suffix from the final dot of the last path element ("" if none). */
function goExt(name: string): string {
  const i = name.lastIndexOf('.');
  return i < 0 ? '' : name.slice(i);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** 2006-01-02T15-04-05.000 in UTC. */
export function formatBackupTime(d: Date): string {
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

const BACKUP_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})$/;

/** Parses a backup timestamp; undefined when it is not one lumberjack would have written. */
export function parseBackupTime(ts: string): Date | undefined {
  const m = BACKUP_TIME.exec(ts);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number);
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  return formatBackupTime(t) === ts ? t : undefined;
}

/** The name a rotation at time `t` gives the file at `path`. */
export function backupName(path: string, t: Date): string {
  const base = basename(path);
  const ext = goExt(base);
  return join(dirname(path), `${base.slice(0, base.length - ext.length)}-${formatBackupTime(t)}${ext}`);
}

/** Creates the directory (0700) and the file (0600) if missing, as upstream's ensureLogFile. */
export function ensureLogFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a+', 0o600));
}

export class RotatingFileWriter implements AuditWriter {
  readonly path: string;
  readonly maxSize: number;
  private readonly maxAgeDays: number;
  private readonly maxBackups: number;
  private readonly now: () => Date;
  private readonly onError: (err: Error) => void;

  private fh: FileHandle | undefined;
  private size = 0;
  private queue: string[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(opts: RotatingFileOptions) {
    this.path = opts.path;
    this.maxSize =
      opts.maxSizeBytes !== undefined && opts.maxSizeBytes > 0
        ? Math.floor(opts.maxSizeBytes)
        : Math.floor((opts.maxSizeMB && opts.maxSizeMB > 0 ? opts.maxSizeMB : DEFAULT_MAX_SIZE_MB) * MEGABYTE);
    this.maxAgeDays = opts.maxAgeDays ?? 0;
    this.maxBackups = opts.maxBackups ?? 0;
    this.now = opts.now ?? (() => new Date());
    this.onError = opts.onError ?? (() => {});
    ensureLogFile(this.path);
  }

  write(line: string): void {
    if (this.closed) {
      this.onError(new Error(`audit log ${this.path} is closed; event dropped`));
      return;
    }
    this.queue.push(line);
    if (!this.draining) this.draining = this.drain();
  }

  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.fh) {
      const fh = this.fh;
      this.fh = undefined;
      await fh.close().catch((e) => this.onError(e as Error));
    }
  }

  /** Backups of this log file, newest first. */
  async backups(): Promise<{ name: string; time: Date }[]> {
    const dir = dirname(this.path);
    const base = basename(this.path);
    const ext = goExt(base);
    const prefix = base.slice(0, base.length - ext.length) + '-';
    const out: { name: string; time: Date }[] = [];
    for (const ent of await readdir(dir, { withFileTypes: true })) {
      if (ent.isDirectory() || !ent.name.startsWith(prefix)) continue;
      for (const suffix of [ext, ext + '.gz']) {
        if (!ent.name.endsWith(suffix) || ent.name.length < prefix.length + suffix.length) continue;
        const t = parseBackupTime(ent.name.slice(prefix.length, ent.name.length - suffix.length));
        if (t) {
          out.push({ name: ent.name, time: t });
          break;
        }
      }
    }
    return out.sort((a, b) => b.time.getTime() - a.time.getTime());
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        let parts: string[] = [];
        let partBytes = 0;
        const writeParts = async () => {
          if (parts.length === 0) return;
          const buf = Buffer.from(parts.length === 1 ? parts[0] : parts.join(''), 'utf8');
          parts = [];
          partBytes = 0;
          try {
            if (!this.fh) await this.openExistingOrNew(buf.length);
            await this.fh!.write(buf, 0, buf.length);
            this.size += buf.length;
          } catch (e) {
            this.onError(e as Error);
            await this.dropHandle();
          }
        };
        for (const line of batch) {
          const n = Buffer.byteLength(line, 'utf8');
          if (n > this.maxSize) {
            this.onError(new Error(`write length ${n} exceeds maximum file size ${this.maxSize}`));
            continue;
          }
          try {
            if (!this.fh && parts.length === 0) await this.openExistingOrNew(n);
            if (this.size + partBytes + n > this.maxSize) {
              await writeParts();
              await this.rotate();
            }
          } catch (e) {
            this.onError(e as Error);
            await this.dropHandle();
          }
          parts.push(line);
          partBytes += n;
        }
        await writeParts();
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async dropHandle(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    this.size = 0;
    if (fh) await fh.close().catch(() => {});
  }

  private async openExistingOrNew(writeLen: number): Promise<void> {
    await this.mill();
    let st;
    try {
      st = await stat(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return this.openNew();
      throw new Error(`error getting log file info: ${(e as Error).message}`);
    }
    if (st.size + writeLen >= this.maxSize) return this.rotate();
    try {
      this.fh = await open(this.path, 'a');
      this.size = st.size;
    } catch {
      await this.openNew();
    }
  }

  private async rotate(): Promise<void> {
    await this.dropHandle();
    await this.openNew();
    await this.mill();
  }

  private async openNew(): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new Error(`can't make directories for new logfile: ${(e as Error).message}`);
    }
    let mode = 0o600;
    let exists = false;
    try {
      mode = (await stat(this.path)).mode & 0o7777;
      exists = true;
    } catch {
      // no current file: nothing to move aside
    }
    if (exists) {
      let t = this.now();
      let target = backupName(this.path, t);
      // Two rotations within one millisecond would give the same name and the second rename
      // would overwrite the first backup; step the name forward instead of losing data.
      for (let i = 0; i < 1000 && (await pathExists(target)); i++) {
        t = new Date(t.getTime() + 1);
        target = backupName(this.path, t);
      }
      try {
        await rename(this.path, target);
      } catch (e) {
        throw new Error(`can't rename log file: ${(e as Error).message}`);
      }
    }
    try {
      this.fh = await open(this.path, 'w', mode);
    } catch (e) {
      throw new Error(`can't open new logfile: ${(e as Error).message}`);
    }
    this.size = 0;
  }

  /** Removes backups beyond maxBackups and older than maxAge days. */
  private async mill(): Promise<void> {
    if (this.maxBackups === 0 && this.maxAgeDays === 0) return;
    let files: { name: string; time: Date }[];
    try {
      files = await this.backups();
    } catch (e) {
      this.onError(new Error(`can't read log file directory: ${(e as Error).message}`));
      return;
    }
    const remove: string[] = [];
    if (this.maxBackups > 0 && files.length > this.maxBackups) {
      // a backup and its .gz count once
      const seen = new Set<string>();
      const keep: typeof files = [];
      for (const f of files) {
        seen.add(f.name.endsWith('.gz') ? f.name.slice(0, -3) : f.name);
        if (seen.size > this.maxBackups) remove.push(f.name);
        else keep.push(f);
      }
      files = keep;
    }
    if (this.maxAgeDays > 0) {
      const cutoff = this.now().getTime() - this.maxAgeDays * DAY_MS;
      for (const f of files) if (f.time.getTime() < cutoff) remove.push(f.name);
    }
    const dir = dirname(this.path);
    for (const name of remove) {
      await unlink(join(dir, name)).catch((e) => {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(e as Error);
      });
    }
  }
}

async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** '-' : lines go to a stream (standard output). */
export class StreamWriter implements AuditWriter {
  private closed = false;
  constructor(private readonly out: Writable = process.stdout) {}

  write(line: string): void {
    if (!this.closed) this.out.write(line);
  }

  async flush(): Promise<void> {
    if (this.out.writableNeedDrain) await new Promise<void>((resolve) => this.out.once('drain', () => resolve()));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }
}
