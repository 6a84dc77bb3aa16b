// Parsed label selectors per cached object: informer objects are immutable per version, so a
// controller matching every pod or ReplicaSet event against its owners' selectors parses each
// selector once (WeakMap, so replaced versions are collected).

import type { Selector } from '../../apimachinery/labels.js';
import { labelSelectorAsSelector } from '../../apimachinery/labels.js';
import type { LabelSelector } from './types.js';

/** A function returning obj's selector (labelSelectorAsSelector of `get(obj)`), parsed once per object. */
export function cachedSelector<T extends object>(get: (obj: T) => LabelSelector | undefined): (obj: T) => Selector {
  const cache = new WeakMap<T, Selector>();
  return (obj) => {
    let s = cache.get(obj);
    if (!s) {
      s = labelSelectorAsSelector(get(obj));
      cache.set(obj, s);
    }
    return s;
  };
}
