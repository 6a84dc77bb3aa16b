// EndpointSliceTracker (upstream endpointslice_tracker.go): what this controller last wrote
// per service (slice uid → generation, or deleted), so a sync never acts on an informer cache
// that has not caught up with its own writes (it would create duplicate slices).

import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

export class StaleInformerCache extends Error {}

export class SliceTracker {
  private expected = new Map<string, Map<string, number | 'deleted'>>();

  /** Throws StaleInformerCache when `cached` (the service's slices in the informer) misses a write. */
  check(serviceKey: string, cached: EndpointSlice[]): void {
    const exp = this.expected.get(serviceKey);
    if (!exp) return;
    const byUID = new Map(cached.map((s) => [s.metadata?.uid ?? '', s]));
    for (const [uid, gen] of exp) {
      const s = byUID.get(uid);
      if (gen === 'deleted' ? s !== undefined : !s || (s.metadata?.generation ?? 0) < gen) {
        throw new StaleInformerCache(`EndpointSlice informer cache is out of date for service ${serviceKey}`);
      }
    }
    this.expected.delete(serviceKey);
  }

  wrote(serviceKey: string, slice: EndpointSlice): void {
    this.forService(serviceKey).set(slice.metadata!.uid!, slice.metadata?.generation ?? 0);
  }

  deleted(serviceKey: string, slice: EndpointSlice): void {
    this.forService(serviceKey).set(slice.metadata!.uid!, 'deleted');
  }

  forget(serviceKey: string): void {
    this.expected.delete(serviceKey);
  }

  private forService(key: string): Map<string, number | 'deleted'> {
    let m = this.expected.get(key);
    if (!m) this.expected.set(key, (m = new Map()));
    return m;
  }
}
