// Completion indexes of Indexed Jobs (upstream indexed_job_utils): the compressed interval form
// of status.completedIndexes ("1,3-5,7"), a pod's index from its annotation, which indexes
// still need a pod, and the successPolicy rules over succeeded indexes.

import type { Pod } from '../util/types.js';
import { JobCompletionIndexAnnotation } from './names.js';

/** Parse "1,3-5" into a sorted set of indexes below `completions` (invalid parts are skipped). */
export function parseIndexes(s: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  if (!s) return out;
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b && i < completions; i++) out.add(i);
  }
  return out;
}

/** The interval form of a set of indexes: consecutive runs of 2+ as "a-b", others alone. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The pod's completion index, or -1 when missing or invalid. */
export function completionIndexOf(pod: Pod): number {
  const v = pod.metadata?.annotations?.[JobCompletionIndexAnnotation];
  if (v === undefined || !/^\d+$/.test(v)) return -1;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : -1;
}

/** Up to `count` of the lowest indexes below completions that are neither done nor active. */
export function indexesToCreate(completions: number, done: Set<number>, active: Set<number>, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) {
    if (!done.has(i) && !active.has(i)) out.push(i);
  }
  return out;
}

interface SuccessRule {
  succeededIndexes?: string;
  succeededCount?: number;
}

/**
 * The index of the first successPolicy rule the succeeded indexes satisfy (upstream
 * matchSuccessPolicy): all of its succeededIndexes, at least succeededCount of them, or at
 * least succeededCount indexes overall.
 */
export function matchSuccessPolicy(rules: SuccessRule[] | undefined, completions: number, done: Set<number>): number | undefined {
  for (let i = 0; i < (rules ?? []).length; i++) {
    const r = rules![i]!;
    if (r.succeededIndexes !== undefined && r.succeededIndexes !== null) {
      const want = parseIndexes(r.succeededIndexes, completions);
      const have = [...want].filter((x) => done.has(x)).length;
      if (r.succeededCount !== undefined && r.succeededCount !== null ? have >= r.succeededCount : have === want.size) return i;
    } else if (r.succeededCount !== undefined && r.succeededCount !== null && done.size >= r.succeededCount) {
      return i;
    }
  }
  return undefined;
}
