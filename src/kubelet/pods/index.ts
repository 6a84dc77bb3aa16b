// Placeholder for the pod lifecycle (pod workers, CRI runtime manager, probes, status); replaced by its owner.
import type { PodLifecycle, PodLifecycleDeps } from './types.js';

export function newPodLifecycle(_deps: PodLifecycleDeps): PodLifecycle {
  throw new Error('pod lifecycle: not built yet');
}
