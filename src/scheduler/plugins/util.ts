// Shared plugin helpers: DefaultNormalizeScore, integer division as Go does it, and the
// namespace labels lookup for affinity namespaceSelectors.

import type { Handle, NodeScore } from '../framework/interface.js';

/** helper.DefaultNormalizeScore: scale to [0, max] by the highest score; reverse flips. */
export function defaultNormalizeScore(max: number, reverse: boolean, scores: NodeScore[]): null {
  let maxCount = 0;
  for (const s of scores) if (s.score > maxCount) maxCount = s.score;
  if (maxCount === 0) {
    if (reverse) for (const s of scores) s.score = max;
    return null;
  }
  for (const s of scores) {
    let v = Math.trunc((max * s.score) / maxCount);
    if (reverse) v = max - v;
    s.score = v;
  }
  return null;
}

export const idiv = (a: number, b: number): number => Math.trunc(a / b);

export function namespaceLabels(h: Handle, ns: string | undefined): Record<string, string> | undefined {
  return h.listers?.namespaces.get(ns ?? '')?.metadata?.labels;
}
