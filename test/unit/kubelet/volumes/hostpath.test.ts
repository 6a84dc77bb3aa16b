// hostPath type checks with upstream's messages, and the *OrCreate types creating what is missing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHostPathType } from '../../../../src/kubelet/volumes/hostpath.js';

describe('hostPath type checks', () => {
  let root: string;
  let sock: string;
  let server: Server;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'k8ts-hp-'));
    mkdirSync(join(root, 'dir'));
    writeFileSync(join(root, 'file'), 'x');
    sock = join(root, 'sock');
    server = createServer();
    await new Promise<void>((r) => server.listen(sock, r));
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(root, { recursive: true, force: true });
  });

  it('"" (unset) checks nothing, even for a missing path', async () => {
    await checkHostPathType(join(root, 'missing'), '');
    await checkHostPathType(join(root, 'missing'), undefined);
  });

  it('Directory / File / Socket / CharDevice / BlockDevice accept the right kind and refuse others', async () => {
    await checkHostPathType(join(root, 'dir'), 'Directory');
    await checkHostPathType(join(root, 'file'), 'File');
    await checkHostPathType(sock, 'Socket');
    await checkHostPathType('/dev/null', 'CharDevice');
    const f = join(root, 'file');
    await assert.rejects(checkHostPathType(f, 'Directory'), { message: `hostPath type check failed: ${f} is not a directory` });
    await assert.rejects(checkHostPathType(join(root, 'dir'), 'File'), { message: `hostPath type check failed: ${join(root, 'dir')} is not a file` });
    await assert.rejects(checkHostPathType(f, 'Socket'), { message: `hostPath type check failed: ${f} is not a socket file` });
    await assert.rejects(checkHostPathType(f, 'CharDevice'), { message: `hostPath type check failed: ${f} is not a character device` });
    await assert.rejects(checkHostPathType('/dev/null', 'BlockDevice'), { message: 'hostPath type check failed: /dev/null is not a block device' });
    await assert.rejects(checkHostPathType(join(root, 'nope'), 'Directory'), { message: `hostPath type check failed: ${join(root, 'nope')} is not a directory` });
    await assert.rejects(checkHostPathType(f, 'Weird'), { message: 'Weird is an invalid volume type' });
  });

  it('DirectoryOrCreate makes the directory (and parents) with 0755', async () => {
    const d = join(root, 'made/deep');
    await checkHostPathType(d, 'DirectoryOrCreate');
    assert.ok(statSync(d).isDirectory());
    assert.equal(statSync(d).mode & 0o777, 0o755);
    await checkHostPathType(d, 'DirectoryOrCreate');
    await assert.rejects(checkHostPathType(join(root, 'file'), 'DirectoryOrCreate'), /is not a directory/);
  });

  it('FileOrCreate makes an empty 0644 file but not its parent directory', async () => {
    const f = join(root, 'new-file');
    await checkHostPathType(f, 'FileOrCreate');
    assert.ok(statSync(f).isFile());
    assert.equal(statSync(f).size, 0);
    assert.equal(statSync(f).mode & 0o777, 0o644);
    const orphan = join(root, 'no-parent/file');
    await assert.rejects(checkHostPathType(orphan, 'FileOrCreate'), { message: `open ${orphan}: no such file or directory` });
    await assert.rejects(checkHostPathType(join(root, 'dir'), 'FileOrCreate'), /is not a file/);
  });

  it('a symlink is followed; a dangling one is not replaced by FileOrCreate', async () => {
    symlinkSync(join(root, 'dir'), join(root, 'link-to-dir'));
    await checkHostPathType(join(root, 'link-to-dir'), 'Directory');
    symlinkSync(join(root, 'gone'), join(root, 'dangling'));
    await assert.rejects(checkHostPathType(join(root, 'dangling'), 'FileOrCreate'), /is not a file/);
  });
});
