// Admission plugin "Priority" (on by default upstream): resolves a pod's
// priorityClassName to spec.priority and spec.preemptionPolicy, or applies the global
// default class (priority 0 when there is none).

import { StatusError } from '../../apimachinery/errors.js';
import type { AdmissionPlugin, ApiContext } from '../endpoints/context.js';
import { cacheFor } from '../endpoints/context.js';
import { entryObject } from '../storage/watchcache.js';
import type { KObject } from '../registry/types.js';

export function priorityPlugin(ctx: ApiContext): AdmissionPlugin {
  // PriorityClasses are read from the watch cache: a handful of objects, read on every pod create
  async function classes(): Promise<KObject[]> {
    const def = ctx.registry.lookup('scheduling.k8s.io', 'v1', 'priorityclasses');
    if (!def) return [];
    const cache = await cacheFor(ctx, def);
    return [...cache.items.values()].map((e) => entryObject(e));
  }
  async function findClass(name: string): Promise<KObject | undefined> {
    return (await classes()).find((pc) => pc.metadata?.name === name);
  }
  async function globalDefault(): Promise<KObject | undefined> {
    let best: KObject | undefined;
    for (const pc of await classes()) if (pc.globalDefault && (!best || pc.value < best.value)) best = pc;
    return best;
  }
  return {
    name: 'Priority',
    async admit(op, obj, _old, scope) {
      if (op !== 'CREATE' || !obj || scope.def.group !== '' || scope.def.plural !== 'pods' || scope.subresource) return;
      const spec = (obj.spec ??= {});
      let pc: KObject | undefined;
      if (spec.priorityClassName) {
        pc = await findClass(spec.priorityClassName);
        if (!pc) {
          throw new StatusError(403, 'Forbidden', `pods "${obj.metadata?.name ?? ''}" is forbidden: no PriorityClass with name ${spec.priorityClassName} was found`, { name: obj.metadata?.name, kind: 'pods' });
        }
      } else {
        pc = await globalDefault();
        if (pc) spec.priorityClassName = pc.metadata.name;
      }
      const value = pc ? pc.value : 0;
      if (spec.priority !== undefined && spec.priority !== value) {
        throw new StatusError(403, 'Forbidden', `pods "${obj.metadata?.name ?? ''}" is forbidden: the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`, { name: obj.metadata?.name, kind: 'pods' });
      }
      spec.priority = value;
      spec.preemptionPolicy ??= pc?.preemptionPolicy ?? 'PreemptLowerPriority';
    },
  };
}
