// Shared plugin helpers: DefaultNormalizeScore, integer division as Go does it, and the
// namespace labels lookup for affinity namespaceSelectors.

import type { Handle } from '../framework/interface.js';

/** helper.DefaultNormalizeScore: scale to [0, max] by the highest score; reverse flips. */
export function defaultNormalizeScore(max: number, reverse: boolean, scores: number[]): null {
  let maxCount = 0;
  for (const s of scores) if (s > maxCount) maxCount = s;
  if (maxCount === 0) {
    if (reverse) scores.fill(max);
    return null;
  }
  for (let i = 0; i < scores.length; i++) {
    let v = Math.trunc((max * scores[i]!) / maxCount);
    if (reverse) v = max - v;
    scores[i] = v;
  }
  return null;
}

export const idiv = (a: number, b: number): number => Math.trunc(a / b);

export function namespaceLabels(h: Handle, ns: string | undefined): Record<string, string> | undefined {
  return h.listers?.namespaces.get(ns ?? '')?.metadata?.labels;
}
