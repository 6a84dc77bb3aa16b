// Pod GC: which terminated pods go above the threshold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPodTerminated, terminatedPodsToDelete } from '../../../src/controllers/podgc/gc_controller.js';
import type { Pod } from '../../../src/controllers/util/types.js';

const pod = (name: string, phase: string, created: string, reason?: string): Pod => ({ metadata: { name, creationTimestamp: created }, status: { phase, ...(reason ? { reason } : {}) } });

test('terminated: neither Pending, Running nor Unknown', () => {
  assert.deepEqual(['Pending', 'Running', 'Unknown', 'Succeeded', 'Failed'].map((p) => isPodTerminated(pod('x', p, ''))), [false, false, false, true, true]);
});

test('above the threshold: evicted first, then the oldest', () => {
  const pods = [
    pod('new', 'Succeeded', '2026-01-03T00:00:00Z'),
    pod('old', 'Failed', '2026-01-01T00:00:00Z'),
    pod('evicted', 'Failed', '2026-01-05T00:00:00Z', 'Evicted'),
    pod('mid', 'Succeeded', '2026-01-02T00:00:00Z'),
    pod('running', 'Running', '2025-01-01T00:00:00Z'),
  ];
  assert.deepEqual(terminatedPodsToDelete(pods, 2).map((p) => p.metadata!.name), ['evicted', 'old']);
  assert.deepEqual(terminatedPodsToDelete(pods, 4), []);
  assert.deepEqual(terminatedPodsToDelete(pods, 0), []);
});
