// The controllers kube-controller-manager knows, by their --controllers names. Each group file
// under src/controllers registers its own; this module only joins them and applies
// --controllers ('*', 'foo', '-foo') as upstream.

import type { ControllerDescriptor } from './context.js';
import { descriptors as workloads } from '../controllers/workloads.js';
import { descriptors as batchsets } from '../controllers/batchsets.js';
import { descriptors as lifecycle } from '../controllers/lifecycle.js';
import { descriptors as nodes } from '../controllers/nodes.js';

export function allControllers(): ControllerDescriptor[] {
  return [...workloads, ...batchsets, ...lifecycle, ...nodes];
}

/** The enabled controllers for a --controllers list; unknown names are an error as upstream. */
export function enabledControllers(list: string[], all: ControllerDescriptor[] = allControllers()): ControllerDescriptor[] {
  const known = new Set(all.map((d) => d.name));
  for (const item of list) {
    const name = item.replace(/^-/, '');
    if (name !== '*' && !known.has(name)) throw new Error(`"${name}" is not in the list of known controllers`);
  }
  const star = list.includes('*');
  return all.filter((d) => {
    if (list.includes(d.name)) return true;
    if (list.includes(`-${d.name}`)) return false;
    return star && !d.disabledByDefault;
  });
}
