// hostPath (upstream's kubernetes.io/host-path plugin): the host path is used in place; its
// `type` is checked (and DirectoryOrCreate/FileOrCreate create it) with upstream's messages.
import { lstat, mkdir, open, stat, chmod } from 'node:fs/promises';
import type { Stats } from 'node:fs';

export const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'] as const;

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  EROFS: 'read-only file system',
};

/** An error worded as Go's *PathError ("open /x/y: no such file or directory"). */
function goPathError(op: string, path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return new Error(`${op} ${path}: ${ERRNO_TEXT[code] ?? (err as Error).message}`);
}

/** checkType / checkTypeInternal: resolves when the path satisfies type (creating it for *OrCreate). */
export async function checkHostPathType(path: string, type: string | undefined): Promise<void> {
  const t = type ?? '';
  if (t === '') return; // no checks, as upstream's HostPathUnset
  let st = await statOrUndefined(path);
  switch (t) {
    case 'DirectoryOrCreate':
    case 'Directory':
      if (!st && t === 'DirectoryOrCreate') {
        // an empty directory with 0755, owned as the kubelet
        await mkdir(path, { recursive: true, mode: 0o755 });
        await chmod(path, 0o755);
        return;
      }
      if (!st?.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'FileOrCreate':
    case 'File':
      if (!st && t === 'FileOrCreate') {
        // an empty 0644 file; the parent directory must exist (it is not created). A dangling
        // symlink is not replaced: it fails the check below.
        st = await lstat(path).catch(() => undefined);
        if (!st) {
          try {
            const fh = await open(path, 'a', 0o644);
            await fh.close();
          } catch (err) {
            throw goPathError('open', path, err);
          }
          return;
        }
      }
      if (!st?.isFile()) throw new Error(`hostPath type check failed: ${path} is not a file`);
      return;
    case 'Socket':
      if (!st?.isSocket()) throw new Error(`hostPath type check failed: ${path} is not a socket file`);
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw new Error(`hostPath type check failed: ${path} is not a character device`);
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw new Error(`hostPath type check failed: ${path} is not a block device`);
      return;
    default:
      throw new Error(`${t} is an invalid volume type`);
  }
}
