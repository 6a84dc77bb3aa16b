// The container hash (io.kubernetes.container.hash): FNV-32a over the container spec's JSON, in
// hex, as kuberuntime's HashContainer. A different hash on a running container means its spec
// changed and it is restarted; the same hash after a kubelet restart means it is adopted as is.
import type { Container } from 'kubernetes-types/core/v1.js';

export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Stable JSON (sorted keys) so the hash does not depend on the order fields arrived in. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stable(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Upstream leaves resources out of the hash (in-place resize does not restart a container). */
export function hashContainer(c: Container): string {
  const { resources: _r, resizePolicy: _p, ...rest } = c as Container & { resizePolicy?: unknown };
  return fnv32a(stable(rest)).toString(16);
}
