// The pod-template-hash (upstream controller.ComputeHash): a 32-bit FNV-1a hash of the pod
// template — here of its canonical JSON (keys sorted) — followed by the deployment's
// collisionCount as 8 little-endian bytes when set, printed in decimal and mapped onto
// rand.SafeEncodeString's alphabet (no vowels, no 0/1/3), giving names like `web-5b85bc8649`.

import type { PodTemplateSpec } from '../util/types.js';

export const DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY = 'pod-template-hash';

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: each byte mapped onto an alphabet free of vowels and look-alikes. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += SAFE_ALPHANUMS[b % SAFE_ALPHANUMS.length];
  return out;
}

/** FNV-1a, 32 bits, over the bytes given in order. */
export function fnv32a(...chunks: Uint8Array[]): number {
  let h = 0x811c9dc5;
  for (const chunk of chunks) {
    for (const b of chunk) {
      h ^= b;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h >>> 0;
}

/** JSON with object keys sorted at every level (undefined members dropped), for stable hashing. */
export function canonicalJSON(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJSON(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJSON(o[k])}`).join(',')}}`;
}

export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number | null): string {
  const chunks: Uint8Array[] = [Buffer.from(canonicalJSON(template ?? {}), 'utf8')];
  if (typeof collisionCount === 'number') {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(collisionCount >>> 0, 0);
    chunks.push(b);
  }
  return safeEncodeString(String(fnv32a(...chunks)));
}
