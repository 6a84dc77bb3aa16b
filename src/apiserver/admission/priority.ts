// Admission plugin "Priority" (on by default upstream): resolves a pod's
// priorityClassName to spec.priority and spec.preemptionPolicy, or applies the global
// default class (priority 0 when there is none).

import { StatusError } from '../../apimachinery/errors.js';
import type { AdmissionPlugin, ApiContext } from '../endpoints/context.js';
import { objectKey } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';

export function priorityPlugin(ctx: ApiContext): AdmissionPlugin {
  async function findClass(name: string): Promise<KObject | undefined> {
    const def = ctx.registry.lookup('scheduling.k8s.io', 'v1', 'priorityclasses');
    if (!def) return undefined;
    const kv = await ctx.store.get(objectKey(ctx, def, '', name));
    return kv ? ctx.codec.decode(kv) : undefined;
  }
  async function globalDefault(): Promise<KObject | undefined> {
    const def = ctx.registry.lookup('scheduling.k8s.io', 'v1', 'priorityclasses');
    if (!def) return undefined;
    const list = await ctx.store.list(`${ctx.etcdPrefix}/${def.storageResource ?? def.plural}/`);
    let best: KObject | undefined;
    for (const kv of list.items) {
      const pc = ctx.codec.decode(kv);
      if (pc.globalDefault && (!best || pc.value < best.value)) best = pc;
    }
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
