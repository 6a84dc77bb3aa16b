// The atomic writer of configMap, secret, downwardAPI and projected volumes (upstream's
// pkg/volume/util AtomicWriter). The payload is written to a new timestamped directory
// `..<yyyy_mm_dd_hh_mm_ss>.<random>`, the `..data` symlink is switched to it by renaming a
// `..data_tmp` symlink over it (rename(2) is atomic), user-visible names are symlinks
// `<first path element> → ..data/<first path element>`, and the previous directory is removed.
// A reader that resolves `<dir>/<key>` sees either the old or the new payload, never a mix.
import { lstat, mkdir, readFile, readdir, readlink, rename, rm, symlink, chmod, chown, unlink, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { randomInt } from 'node:crypto';

export const DATA_DIR_NAME = '..data';
export const NEW_DATA_DIR_NAME = '..data_tmp';
const MAX_FILE_NAME_LENGTH = 255;
const MAX_PATH_LENGTH = 4096;

/** One file of a payload: its bytes, permission bits and (optionally) its owner. */
export interface FileProjection {
  data: Buffer;
  mode: number;
  fsUser?: number;
}

export type Payload = Map<string, FileProjection>;

/** validatePath: relative, no '..' element, not starting with '..', bounded lengths. */
export function validatePath(p: string): void {
  if (p === '') throw new Error(`invalid path: must not be empty: ${JSON.stringify(p)}`);
  if (p.startsWith('/')) throw new Error(`invalid path: must be relative path: ${p}`);
  if (p.length > MAX_PATH_LENGTH) throw new Error(`invalid path: must be less than or equal to ${MAX_PATH_LENGTH} characters`);
  const items = p.split('/');
  for (const item of items) {
    if (item === '..') throw new Error(`invalid path: must not contain '..': ${p}`);
    if (item.length > MAX_FILE_NAME_LENGTH) throw new Error(`invalid path: filenames must be less than or equal to ${MAX_FILE_NAME_LENGTH} characters`);
  }
  if (items[0]!.startsWith('..') && items[0]!.length > 2) throw new Error(`invalid path: must not start with '..': ${p}`);
}

/** Go's filepath.Clean for the relative paths of a payload ("a//b/./c" → "a/b/c"). */
function cleanPayload(payload: Payload): Payload {
  const out: Payload = new Map();
  for (const [p, f] of payload) {
    validatePath(p);
    out.set(posix.normalize(p).replace(/\/+$/, ''), f);
  }
  return out;
}

/** `..2006_01_02_15_04_05.` + a random number, as os.MkdirTemp with upstream's pattern. */
function timestampPrefix(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.`;
}

function isNotExist(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

export interface AtomicWriterOptions {
  /** for error messages: e.g. `pod default/web volume config` */
  logContext?: string;
  /** called with the timestamped directory before it is published (fsGroup ownership) */
  setPerms?: (tsDir: string) => Promise<void>;
}

export class AtomicWriter {
  constructor(
    readonly targetDir: string,
    readonly opts: AtomicWriterOptions = {},
  ) {}

  /**
   * Project the payload into the target directory (which must exist). Resolves true when
   * something was written (a new timestamped directory was published), false when the
   * directory already held exactly this payload.
   */
  async write(payload: Payload): Promise<boolean> {
    const ctx = this.opts.logContext ? `${this.opts.logContext}: ` : '';
    const clean = cleanPayload(payload);
    const dataDirPath = join(this.targetDir, DATA_DIR_NAME);
    let oldTsDir = '';
    try {
      oldTsDir = await readlink(dataDirPath);
    } catch (err) {
      if (!isNotExist(err)) throw new Error(`${ctx}error reading link for data directory: ${(err as Error).message}`);
    }
    const oldTsPath = join(this.targetDir, oldTsDir);
    let toRemove = new Set<string>();
    let shouldWrite = true;
    if (oldTsDir) {
      toRemove = await this.pathsToRemove(clean, oldTsPath);
      if (!(await shouldWritePayload(clean, oldTsPath)) && toRemove.size === 0) {
        // up to date; still make sure the user-visible symlinks exist (upstream #121472)
        shouldWrite = false;
        oldTsDir = '';
      }
    }
    if (shouldWrite) {
      const tsDir = await this.newTimestampDir();
      const tsDirName = tsDir.slice(this.targetDir.length + 1);
      try {
        await writePayloadToDir(clean, tsDir);
        if (this.opts.setPerms) await this.opts.setPerms(tsDir);
      } catch (err) {
        await rm(tsDir, { recursive: true, force: true });
        throw new Error(`${ctx}error writing payload to ts data directory ${tsDir}: ${(err as Error).message}`);
      }
      const newDataDirPath = join(this.targetDir, NEW_DATA_DIR_NAME);
      try {
        await rm(newDataDirPath, { force: true });
        await symlink(tsDirName, newDataDirPath);
        await rename(newDataDirPath, dataDirPath);
      } catch (err) {
        await rm(newDataDirPath, { force: true });
        await rm(tsDir, { recursive: true, force: true });
        throw new Error(`${ctx}error renaming symbolic link for data directory ${newDataDirPath}: ${(err as Error).message}`);
      }
    }
    await this.createUserVisibleFiles(clean);
    await this.removeUserVisiblePaths(toRemove);
    if (oldTsDir) await rm(oldTsPath, { recursive: true, force: true });
    return shouldWrite;
  }

  /** Every path of the old data directory that the new payload (or its parent dirs) does not have. */
  private async pathsToRemove(payload: Payload, oldTsPath: string): Promise<Set<string>> {
    const paths = new Set<string>();
    const walk = async (dir: string, rel: string) => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isNotExist(err)) return;
        throw err;
      }
      for (const e of entries) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        paths.add(r);
        if (e.isDirectory()) await walk(join(dir, e.name), r);
      }
    };
    await walk(oldTsPath, '');
    for (const file of payload.keys()) {
      for (let sub = file; sub !== '' && sub !== '.'; sub = posix.dirname(sub)) paths.delete(sub);
    }
    return paths;
  }

  private async newTimestampDir(): Promise<string> {
    const prefix = timestampPrefix();
    for (let attempt = 0; ; attempt++) {
      const dir = join(this.targetDir, prefix + String(randomInt(0, 2 ** 32 - 1)));
      try {
        await mkdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 10000) continue;
        throw err;
      }
      // 0755 so that group and other can traverse it, whatever the umask
      await chmod(dir, 0o755);
      return dir;
    }
  }

  /** `<first element>` → `..data/<first element>` for every payload path, when missing. */
  private async createUserVisibleFiles(payload: Payload): Promise<void> {
    const names = new Set<string>();
    for (const p of payload.keys()) names.add(p.split('/')[0]!);
    for (const name of names) {
      const visible = join(this.targetDir, name);
      try {
        await readlink(visible);
      } catch (err) {
        if (!isNotExist(err)) continue;
        await symlink(join(DATA_DIR_NAME, name), visible);
      }
    }
  }

  /** Remove old top-level user-visible symlinks (nested paths go with the old data directory). */
  private async removeUserVisiblePaths(paths: Set<string>): Promise<void> {
    let last: Error | undefined;
    for (const p of paths) {
      if (p.includes('/')) continue;
      try {
        await unlink(join(this.targetDir, p));
      } catch (err) {
        if (!isNotExist(err)) last = err as Error;
      }
    }
    if (last) throw last;
  }
}

/** True when any payload file is missing from, or differs in content with, the old data directory. */
async function shouldWritePayload(payload: Payload, oldTsPath: string): Promise<boolean> {
  for (const [p, f] of payload) {
    const path = join(oldTsPath, p);
    try {
      await lstat(path);
    } catch (err) {
      if (isNotExist(err)) return true;
      throw err;
    }
    const onDisk = await readFile(path);
    if (!onDisk.equals(f.data)) return true;
  }
  return false;
}

async function writePayloadToDir(payload: Payload, dir: string): Promise<void> {
  for (const [p, f] of payload) {
    const full = join(dir, p);
    await mkdir(posix.dirname(full), { recursive: true, mode: 0o777 });
    await writeFile(full, f.data, { mode: f.mode });
    // the umask applies at creation: set the exact mode
    await chmod(full, f.mode);
    if (f.fsUser !== undefined) await chown(full, f.fsUser, -1);
  }
}
