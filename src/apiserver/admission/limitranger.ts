// Admission plugin "LimitRanger" (on by default upstream): applies the namespace's
// LimitRanges to pods and PersistentVolumeClaims.
//  - admit (pods, CREATE): Container items' default / defaultRequest fill missing limits and
//    requests of containers and init containers, recorded in the pod annotation
//    `kubernetes.io/limit-ranger: LimitRanger plugin set: cpu request for container c; ...`;
//  - validate (pods CREATE; PVCs CREATE and UPDATE): min / max / maxLimitRequestRatio of
//    Container and Pod items, min / max storage of PersistentVolumeClaim items, rejected as
//    `pods "x" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, ...]`.
// Pod updates are not checked (containers' resources are immutable); objects being deleted
// are ignored.

import type { Quantity } from '../../apimachinery/quantity.js';
import type { RequestScope } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';
import { admissionForbidden, aggregateMessages, arr, isResource, podResources, rec, resourceList, type Objects, type Plugin, type ResourceList } from './common.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

/** resource.MaxMilliValue: the largest value whose milli-value fits an int64. */
const MAX_MILLI_VALUE = 9223372036854775807n / 1000n;

/** The values at a common precision (milli when none overflows), as requestLimitEnforcedValues. */
function comparable(req: Quantity | undefined, lim: Quantity | undefined, enforced: Quantity): [bigint, bigint, bigint] {
  const r = req?.valueBig() ?? 0n;
  const l = lim?.valueBig() ?? 0n;
  const e = enforced.valueBig();
  if (r <= MAX_MILLI_VALUE && l <= MAX_MILLI_VALUE && e <= MAX_MILLI_VALUE) {
    return [req?.milliValueBig() ?? 0n, lim?.milliValueBig() ?? 0n, enforced.milliValueBig()];
  }
  return [r, l, e];
}

function minConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = comparable(req, lim, enforced);
  if (!req) return `minimum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (r < e) return `minimum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  if (lim && l < e) return `minimum ${name} usage per ${type} is ${enforced}, but limit is ${lim}`;
  return undefined;
}

function maxRequestConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList): string | undefined {
  const req = requests.get(name);
  const [r, , e] = comparable(req, undefined, enforced);
  if (!req) return `maximum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (r > e) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = comparable(req, lim, enforced);
  if (!lim) return `maximum ${name} usage per ${type} is ${enforced}.  No limit is specified`;
  if (l > e) return `maximum ${name} usage per ${type} is ${enforced}, but limit is ${lim}`;
  if (req && r > e) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l] = comparable(req, lim, enforced);
  if (!req || r === 0n) return `${name} max limit to request ratio per ${type} is ${enforced}, but no request is specified or request is 0`;
  if (!lim || l === 0n) return `${name} max limit to request ratio per ${type} is ${enforced}, but no limit is specified or limit is 0`;
  let observed = Number(l) / Number(r);
  const display = observed;
  let max = Number(enforced.valueBig());
  if (enforced.valueBig() <= MAX_MILLI_VALUE) {
    observed *= 1000;
    max = Number(enforced.milliValueBig());
  }
  if (observed > max) return `${name} max limit to request ratio per ${type} is ${enforced}, but provided ratio is ${display.toFixed(6)}`;
  return undefined;
}

function items(lr: KObject): KObject[] {
  return arr(lr.spec?.limits);
}

/** Fills a container's missing requests/limits from the defaults; returns the annotation parts. */
function mergeContainer(c: KObject, defReq: ResourceList, defLim: ResourceList, prefix: string, out: string[]): void {
  const resources = (c.resources = rec(c.resources));
  const limits = (resources.limits = rec(resources.limits));
  const requests = (resources.requests = rec(resources.requests));
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  for (const [k, q] of defLim) {
    if (!(k in limits)) {
      limits[k] = q.toString();
      setLimits.push(k);
    }
  }
  for (const [k, q] of defReq) {
    if (!(k in requests)) {
      requests[k] = q.toString();
      setRequests.push(k);
    }
  }
  if (setRequests.length) out.push(`${setRequests.sort().join(', ')} request for ${prefix} ${c.name ?? ''}`);
  if (setLimits.length) out.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${c.name ?? ''}`);
  if (!Object.keys(limits).length) delete resources.limits;
  if (!Object.keys(requests).length) delete resources.requests;
}

/** PodMutateLimitFunc: the Container defaults of one LimitRange. */
export function podMutateLimit(lr: KObject, pod: KObject): void {
  const defReq: ResourceList = new Map();
  const defLim: ResourceList = new Map();
  for (const it of items(lr)) {
    if (it.type !== 'Container') continue;
    for (const [k, q] of resourceList(it.defaultRequest)) defReq.set(k, q);
    for (const [k, q] of resourceList(it.default)) defLim.set(k, q);
  }
  const spec = rec(pod.spec);
  const parts: string[] = [];
  for (const c of arr(spec.containers)) mergeContainer(c, defReq, defLim, 'container', parts);
  for (const c of arr(spec.initContainers)) mergeContainer(c, defReq, defLim, 'init container', parts);
  if (parts.length) {
    const meta = (pod.metadata ??= {});
    meta.annotations = { ...(meta.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${parts.join('; ')}` };
  }
}

function checkTriple(type: string, it: KObject, requests: ResourceList, limits: ResourceList, errs: string[]): void {
  for (const [k, q] of resourceList(it.min)) {
    const e = minConstraint(type, k, q, requests, limits);
    if (e) errs.push(e);
  }
  for (const [k, q] of resourceList(it.max)) {
    const e = maxConstraint(type, k, q, requests, limits);
    if (e) errs.push(e);
  }
  for (const [k, q] of resourceList(it.maxLimitRequestRatio)) {
    const e = ratioConstraint(type, k, q, requests, limits);
    if (e) errs.push(e);
  }
}

/** PodValidateLimitFunc: the violations of one LimitRange (empty when the pod fits). */
export function podValidateLimit(lr: KObject, pod: KObject): string[] {
  const errs: string[] = [];
  const spec = rec(pod.spec);
  for (const it of items(lr)) {
    if (it.type === 'Container') {
      for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
        checkTriple('Container', it, resourceList(c.resources?.requests), resourceList(c.resources?.limits), errs);
      }
    }
    if (it.type === 'Pod') {
      checkTriple('Pod', it, podResources(spec, 'requests', false), podResources(spec, 'limits', false), errs);
    }
  }
  return errs;
}

/** PersistentVolumeClaimValidateLimitFunc: min / max of the requested storage. */
export function pvcValidateLimit(lr: KObject, pvc: KObject): string[] {
  const errs: string[] = [];
  const requests = resourceList(pvc.spec?.resources?.requests);
  for (const it of items(lr)) {
    if (it.type !== 'PersistentVolumeClaim') continue;
    for (const [k, q] of resourceList(it.min)) {
      const e = minConstraint('PersistentVolumeClaim', k, q, requests, new Map());
      if (e) errs.push(e);
    }
    for (const [k, q] of resourceList(it.max)) {
      const e = maxRequestConstraint('PersistentVolumeClaim', k, q, requests);
      if (e) errs.push(e);
    }
  }
  return errs;
}

export function limitRangerPlugin(objects: Objects): Plugin {
  function supports(op: string, obj: KObject | undefined, old: KObject | undefined, scope: RequestScope): 'pod' | 'pvc' | undefined {
    if (!obj || scope.subresource) return undefined;
    if (old?.metadata?.deletionTimestamp) return undefined;
    if (isResource(scope, '', 'pods')) return op === 'CREATE' ? 'pod' : undefined;
    if (isResource(scope, '', 'persistentvolumeclaims')) return op === 'CREATE' || op === 'UPDATE' ? 'pvc' : undefined;
    return undefined;
  }
  async function ranges(namespace: string): Promise<KObject[]> {
    const list = await objects.list('', 'limitranges', namespace);
    return [...list].sort((a, b) => String(a.metadata?.name ?? '').localeCompare(String(b.metadata?.name ?? '')));
  }
  return {
    name: 'LimitRanger',
    async admit(op, obj, old, scope) {
      if (supports(op, obj, old, scope) !== 'pod') return;
      for (const lr of await ranges(scope.namespace)) podMutateLimit(lr, obj!);
    },
    async validate(op, obj, old, scope) {
      const kind = supports(op, obj, old, scope);
      if (!kind) return;
      for (const lr of await ranges(scope.namespace)) {
        const errs = kind === 'pod' ? podValidateLimit(lr, obj!) : pvcValidateLimit(lr, obj!);
        if (errs.length) throw admissionForbidden(scope, obj, aggregateMessages(errs));
      }
    },
  };
}
