// Admission plugin "RuntimeClass" (on by default upstream): a pod naming a RuntimeClass
// gets its overhead (spec.overhead must match when already set) and its scheduling
// constraints (node selector merged, conflicts rejected; tolerations merged); a missing
// RuntimeClass rejects the pod: `pods "x" is forbidden: pod rejected: RuntimeClass "gvisor"
// not found`. A pod with an overhead but no RuntimeClass overhead is rejected too.

import type { RequestScope } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';
import { admissionForbidden, arr, isResource, rec, type Objects, type Plugin } from './common.js';
import { semanticEqual } from './noderestriction.js';

/** Does toleration a cover b (same key/effect/value, or a wildcard)? (a subset of MergeTolerations' isSuperset) */
function covers(a: KObject, b: KObject): boolean {
  if (semanticEqual(a, b)) return true;
  if (a.key !== b.key && a.key) return false;
  if (a.effect && a.effect !== b.effect) return false;
  if ((a.operator ?? 'Equal') === 'Exists') return a.tolerationSeconds === undefined || a.tolerationSeconds === b.tolerationSeconds;
  return a.key === b.key && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && a.value === b.value && a.tolerationSeconds === b.tolerationSeconds;
}

/** tolerations.MergeTolerations: the union, without tolerations another one covers. */
export function mergeTolerations(first: KObject[], second: KObject[]): KObject[] {
  const all = [...first, ...second];
  const out: KObject[] = [];
  for (let i = 0; i < all.length; i++) {
    const t = all[i];
    const redundant = all.some((o, j) => j !== i && covers(o, t) && (!covers(t, o) || j < i));
    if (!redundant) out.push(t);
  }
  return out;
}

export function runtimeClassPlugin(objects: Objects): Plugin {
  async function prepare(obj: KObject, scope: RequestScope): Promise<KObject | undefined> {
    const name = obj.spec?.runtimeClassName;
    if (name === undefined || name === null) return undefined;
    const rc = (await objects.get('node.k8s.io', 'runtimeclasses', '', String(name))) ?? (await objects.getLive?.('node.k8s.io', 'runtimeclasses', '', String(name)));
    if (!rc) throw admissionForbidden(scope, obj, `pod rejected: RuntimeClass ${JSON.stringify(String(name))} not found`);
    return rc;
  }
  const ignored = (op: string, obj: KObject | undefined, scope: RequestScope) => op !== 'CREATE' || !obj || scope.subresource !== '' || !isResource(scope, '', 'pods');
  return {
    name: 'RuntimeClass',
    async admit(op, obj, _old, scope) {
      if (ignored(op, obj, scope)) return;
      const pod = obj!;
      const rc = await prepare(pod, scope);
      if (!rc) return;
      const spec = (pod.spec = rec(pod.spec));
      const fixed = rc.overhead?.podFixed;
      if (fixed) {
        if (spec.overhead && !semanticEqual(spec.overhead, fixed)) throw admissionForbidden(scope, pod, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
        spec.overhead = structuredClone(fixed);
      }
      const sched = rc.scheduling;
      if (sched) {
        const runtimeSelector: Record<string, string> = rec(sched.nodeSelector);
        if (!spec.nodeSelector) {
          if (Object.keys(runtimeSelector).length) spec.nodeSelector = { ...runtimeSelector };
        } else {
          for (const [k, v] of Object.entries(runtimeSelector)) {
            const podValue = spec.nodeSelector[k];
            if (podValue !== undefined && podValue !== v) {
              throw admissionForbidden(scope, pod, `conflict: runtimeClass.scheduling.nodeSelector[${k}] = ${v}; pod.spec.nodeSelector[${k}] = ${podValue}`);
            }
            spec.nodeSelector[k] = v;
          }
        }
        const merged = mergeTolerations(arr(spec.tolerations), arr(sched.tolerations));
        if (merged.length) spec.tolerations = merged;
      }
    },
    async validate(op, obj, _old, scope) {
      if (ignored(op, obj, scope)) return;
      const pod = obj!;
      const rc = await prepare(pod, scope);
      const fixed = rc?.overhead?.podFixed;
      if (fixed) {
        if (!semanticEqual(fixed, pod.spec?.overhead)) throw admissionForbidden(scope, pod, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
      } else if (pod.spec?.overhead) {
        throw admissionForbidden(scope, pod, 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
      }
    },
  };
}
