// The pods-by-node index on the shared pods informer (upstream's "spec.nodeName" indexer the
// node lifecycle and taint-eviction controllers add).

import type { Informer } from '../../client/index.js';
import type { Pod } from '../util/types.js';

export const NODE_NAME_INDEX = 'spec.nodeName';

export const podsByNodeIndexer = {
  [NODE_NAME_INDEX]: (p: Pod): string[] => (p.spec?.nodeName ? [p.spec.nodeName] : []),
};

export function podsOnNode(pods: Informer<Pod>, node: string): Pod[] {
  return pods.indexer.byIndex(NODE_NAME_INDEX, node);
}
