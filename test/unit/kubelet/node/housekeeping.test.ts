// Orphaned pod directories: removed only when the kubelet does not know the pod and the runtime
// has no sandbox for it; volumes are torn down first.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupOrphanedPodDirs } from '../../../../src/kubelet/housekeeping.js';
import { logger } from '../../../../src/util/klog.js';

describe('orphaned pod directories', () => {
  it('removes only pods neither the kubelet nor the runtime knows, after tearing down their volumes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kubelet-root-'));
    try {
      for (const uid of ['known', 'sandbox-left', 'orphan']) {
        mkdirSync(join(root, 'pods', uid, 'containers'), { recursive: true });
        writeFileSync(join(root, 'pods', uid, 'etc-hosts'), '127.0.0.1 localhost\n');
      }
      const tornDown: string[] = [];
      const removed = await cleanupOrphanedPodDirs({
        rootDir: root,
        cri: { listPodSandbox: async () => ({ items: [{ id: 's1', metadata: { name: 'x', uid: 'sandbox-left', namespace: 'default', attempt: 0 }, labels: {} }] }) } as never,
        volumes: {
          podsOnDisk: async () => readdirSync(join(root, 'pods')),
          tearDownPod: async (uid: string) => {
            tornDown.push(uid);
          },
        },
        knownPods: () => new Set(['known']),
        log: logger('test'),
      });
      assert.deepEqual(removed, ['orphan']);
      assert.deepEqual(tornDown, ['orphan']);
      assert.ok(!existsSync(join(root, 'pods', 'orphan')));
      assert.ok(existsSync(join(root, 'pods', 'known')));
      assert.ok(existsSync(join(root, 'pods', 'sandbox-left')));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
