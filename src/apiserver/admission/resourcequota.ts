// Admission plugin "ResourceQuota" (on by default upstream): charges creates (and the
// updates that change usage) against the namespace's ResourceQuotas BEFORE the object is
// stored, the way upstream's quota evaluator does:
//  - a quota applies when its status.hard names a resource the object uses and every scope
//    (spec.scopes, spec.scopeSelector: Terminating, NotTerminating, BestEffort,
//    NotBestEffort, PriorityClass, CrossNamespacePodAffinity) matches; a quota whose status
//    the controller has not filled yet (empty status.hard) does not apply;
//  - a request over a limit is rejected: `pods "x" is forbidden: exceeded quota: q1,
//    requested: pods=1, used: pods=2, limited: pods=2`; a limited resource without usage in
//    status.used: `status unknown for quota: q1, resources: pods`; quotas on cpu/memory
//    require every container to state them: `failed quota: q1: must specify limits.cpu for: c`;
//  - the new usage is written to status.used with compare-and-swap on the quota's
//    resourceVersion. Requests of a namespace are processed one batch at a time (the ones
//    that arrive while a batch is being written form the next), so usage stays exact under
//    concurrent creates; a lost CAS race re-reads the quota and re-checks (3 retries, then
//    the Conflict is returned).
// Evaluated: pods (count/pods, pods, cpu, memory, ephemeral-storage, requests.*, limits.*,
// hugepages-*, extended resources), services (count/services, services,
// services.nodeports, services.loadbalancers), persistentvolumeclaims (count/, storage,
// per storage class), configmaps, secrets, replicationcontrollers, resourcequotas (with
// their legacy names), and count/<resource>[.<group>] for every other namespaced resource.

import type { Quantity } from '../../apimachinery/quantity.js';
import { newQuantity } from '../../apimachinery/quantity.js';
import { newRequirement, selectorFromRequirements, type Operator } from '../../apimachinery/labels.js';
import { isQualifiedName } from '../../apimachinery/validation.js';
import type { RequestScope } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';
import {
  admissionForbidden,
  arr,
  podResources,
  quotaConflict,
  rec,
  resourceList,
  resourceListJSON,
  str,
  type Operation,
  type Plugin,
  type QuotaAccess,
  type ResourceList,
} from './common.js';

// ---------------------------------------------------------------------------------------
// quota.* helpers over resource lists
// ---------------------------------------------------------------------------------------

const zero = (like?: Quantity) => newQuantity(0, like?.format ?? 'DecimalSI');

function names(l: ResourceList): string[] {
  return [...l.keys()];
}

function mask(l: ResourceList, keep: Iterable<string>): ResourceList {
  const set = new Set(keep);
  const out: ResourceList = new Map();
  for (const [k, q] of l) if (set.has(k)) out.set(k, q);
  return out;
}

function add(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, q] of a) out.set(k, b.has(k) ? q.add(b.get(k)!) : q);
  for (const [k, q] of b) if (!out.has(k)) out.set(k, q);
  return out;
}

function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, q] of a) {
    let v = b.has(k) ? q.sub(b.get(k)!) : q;
    if (v.sign() < 0) v = zero(v);
    out.set(k, v);
  }
  for (const [k, q] of b) if (!out.has(k)) out.set(k, zero(q));
  return out;
}

function removeZeros(l: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, q] of l) if (!q.isZero()) out.set(k, q);
  return out;
}

function equals(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [k, q] of a) {
    const o = b.get(k);
    if (!o || !q.equal(o)) return false;
  }
  return true;
}

/** quota.LessThanOrEqual: compares only resources present in both; returns the exceeded ones. */
function lessThanOrEqual(a: ResourceList, b: ResourceList): string[] {
  const exceeded: string[] = [];
  for (const [k, q] of a) {
    const o = b.get(k);
    if (o && q.cmp(o) > 0) exceeded.push(k);
  }
  return exceeded;
}

/** prettyPrint: `k=v` sorted by name, joined by ",". */
export function prettyPrint(l: ResourceList): string {
  return [...l.keys()].sort().map((k) => `${k}=${l.get(k)!.toString()}`).join(',');
}

function prettyPrintNames(n: string[]): string {
  return [...n].sort().join(',');
}

// ---------------------------------------------------------------------------------------
// Evaluators
// ---------------------------------------------------------------------------------------

interface ScopeSelector {
  scopeName: string;
  operator: string;
  values?: string[];
}

interface Evaluator {
  handles(op: Operation): boolean;
  matchingResources(input: string[]): string[];
  /** Whether the object matches one scope selector (evaluators without scopes: never). */
  matchesScope(sel: ScopeSelector, obj: KObject): boolean;
  usage(obj: KObject): ResourceList;
  constraints?(required: string[], obj: KObject): string | undefined;
}

const one = () => newQuantity(1);

/** A resource counted by object (generic.NewObjectCountEvaluator). */
function objectCountEvaluator(group: string, plural: string, alias?: string): Evaluator {
  const countName = group ? `count/${plural}.${group}` : `count/${plural}`;
  const resources = alias ? [countName, alias] : [countName];
  return {
    handles: (op) => op === 'CREATE',
    matchingResources: (input) => input.filter((n) => resources.includes(n)),
    matchesScope: () => false,
    usage: () => new Map(resources.map((r) => [r, one()])),
  };
}

const SERVICE_RESOURCES = ['count/services', 'services', 'services.nodeports', 'services.loadbalancers'];

const serviceEvaluator: Evaluator = {
  handles: (op) => op === 'CREATE' || op === 'UPDATE',
  matchingResources: (input) => input.filter((n) => SERVICE_RESOURCES.includes(n)),
  matchesScope: () => false,
  usage(svc) {
    const spec = rec(svc.spec);
    const ports = arr(spec.ports);
    const out: ResourceList = new Map([
      ['count/services', one()],
      ['services', one()],
      ['services.loadbalancers', zero()],
      ['services.nodeports', zero()],
    ]);
    if (spec.type === 'NodePort') out.set('services.nodeports', newQuantity(ports.length));
    if (spec.type === 'LoadBalancer') {
      const n = spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p.nodePort).length : ports.length;
      out.set('services.nodeports', newQuantity(n));
      out.set('services.loadbalancers', one());
    }
    return out;
  },
};

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const PVC_RESOURCES = ['persistentvolumeclaims', 'requests.storage'];

function pvcClass(pvc: KObject): string {
  const beta = pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (typeof beta === 'string') return beta;
  return str(pvc.spec?.storageClassName);
}

const pvcEvaluator: Evaluator = {
  handles: (op) => op === 'CREATE' || op === 'UPDATE',
  matchingResources(input) {
    return input.filter((n) => n === 'count/persistentvolumeclaims' || PVC_RESOURCES.includes(n) || PVC_RESOURCES.some((r) => n.endsWith(STORAGE_CLASS_SUFFIX + r)));
  },
  matchesScope: () => false,
  usage(pvc) {
    const out: ResourceList = new Map([
      ['persistentvolumeclaims', one()],
      ['count/persistentvolumeclaims', one()],
    ]);
    const cls = pvcClass(pvc);
    if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, one());
    let storage = resourceList(pvc.spec?.resources?.requests).get('storage');
    if (storage) {
      // whole bytes (RoundUp(0))
      if (storage.valueBig() !== 0n && storage.toDecimalString().includes('.')) storage = newQuantity(storage.valueBig(), storage.format);
      out.set('requests.storage', storage);
      if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
    }
    return out;
  },
};

const POD_RESOURCES = [
  'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods',
];
const POD_RESOURCE_PREFIXES = ['hugepages-', 'requests.hugepages-'];
const VALIDATION_SET = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

/** helper.IsExtendedResourceName. */
export function isExtendedResourceName(name: string): boolean {
  const native = !name.includes('/') || name.startsWith('kubernetes.io/');
  if (native || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

function isExtendedResourceNameForQuota(name: string): boolean {
  return name.startsWith('requests.') && isExtendedResourceName(name.slice('requests.'.length));
}

/** podComputeUsageHelper. */
function podComputeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([['pods', one()]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [r, q] of requests) {
    if (r.startsWith('hugepages-')) {
      out.set(r, q);
      out.set(`requests.${r}`, q);
    }
    if (isExtendedResourceName(r)) out.set(`requests.${r}`, q);
  }
  return out;
}

function isTerminating(pod: KObject): boolean {
  const s = pod.spec?.activeDeadlineSeconds;
  return typeof s === 'number' && s >= 0;
}

/** qos.GetPodQOS(pod) === BestEffort: no non-zero cpu/memory request or limit anywhere. */
function isBestEffort(pod: KObject): boolean {
  const spec = rec(pod.spec);
  for (const c of [...arr(spec.initContainers), ...arr(spec.containers)]) {
    for (const l of [resourceList(c.resources?.requests), resourceList(c.resources?.limits)]) {
      for (const r of ['cpu', 'memory']) {
        const q = l.get(r);
        if (q && !q.isZero()) return false;
      }
    }
  }
  return true;
}

function usesCrossNamespacePodAffinity(pod: KObject): boolean {
  const aff = rec(pod.spec?.affinity);
  const terms: KObject[] = [];
  for (const k of ['podAffinity', 'podAntiAffinity']) {
    const a = rec(aff[k]);
    terms.push(...arr(a.requiredDuringSchedulingIgnoredDuringExecution));
    terms.push(...arr(a.preferredDuringSchedulingIgnoredDuringExecution).map((w) => rec(w.podAffinityTerm)));
  }
  return terms.some((t) => (t.namespaceSelector !== undefined && t.namespaceSelector !== null) || arr(t.namespaces).length > 0);
}

const SCOPE_OPS: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

function podMatchesScope(sel: ScopeSelector, pod: KObject): boolean {
  switch (sel.scopeName) {
    case 'Terminating':
      return isTerminating(pod);
    case 'NotTerminating':
      return !isTerminating(pod);
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'PriorityClass': {
      const pc = str(pod.spec?.priorityClassName);
      if (sel.operator === 'Exists') return pc.length > 0;
      const op = SCOPE_OPS[sel.operator];
      if (!op) return false;
      try {
        return selectorFromRequirements([newRequirement('PriorityClass', op, sel.values ?? [])]).matches({ PriorityClass: pc });
      } catch {
        return false;
      }
    }
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespacePodAffinity(pod);
  }
  return false;
}

/** QuotaV1Pod: terminal pods and pods past their deletion grace period use nothing but their count. */
function podCountsForCompute(pod: KObject, now: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  const del = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (del && typeof grace === 'number') {
    const t = Date.parse(del);
    if (!Number.isNaN(t) && now > t + grace * 1000) return false;
  }
  return true;
}

function podEvaluator(now: () => number): Evaluator {
  return {
    handles: (op) => op === 'CREATE',
    matchingResources(input) {
      return input.filter((n) => POD_RESOURCES.includes(n) || POD_RESOURCE_PREFIXES.some((p) => n.startsWith(p)) || isExtendedResourceNameForQuota(n));
    },
    matchesScope: podMatchesScope,
    usage(pod) {
      const out: ResourceList = new Map([['count/pods', one()]]);
      if (!podCountsForCompute(pod, now())) return out;
      const spec = rec(pod.spec);
      for (const [k, q] of podComputeUsage(podResources(spec, 'requests', true), podResources(spec, 'limits', true))) out.set(k, q);
      return out;
    },
    constraints(required, pod) {
      const requiredSet = new Set(required.filter((r) => VALIDATION_SET.includes(r)));
      if (!requiredSet.size) return undefined;
      const missing = new Map<string, Set<string>>();
      const spec = rec(pod.spec);
      for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
        const have = new Set(podComputeUsage(resourceList(c.resources?.requests), resourceList(c.resources?.limits)).keys());
        for (const r of requiredSet) {
          if (have.has(r)) continue;
          if (!missing.has(r)) missing.set(r, new Set());
          missing.get(r)!.add(str(c.name));
        }
      }
      if (!missing.size) return undefined;
      const msgs = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
      return `must specify ${msgs.join('; ')}`;
    },
  };
}

/** Resources quota never applies to (virtual or unstored ones, and events). */
const IGNORED = new Set([
  '/bindings', '/componentstatuses', '/events', 'events.k8s.io/events',
  'authentication.k8s.io/tokenreviews', 'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/subjectaccessreviews', 'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/localsubjectaccessreviews', 'authorization.k8s.io/selfsubjectrulesreviews',
]);

const LEGACY_ALIASES: Record<string, string> = {
  '/configmaps': 'configmaps',
  '/resourcequotas': 'resourcequotas',
  '/replicationcontrollers': 'replicationcontrollers',
  '/secrets': 'secrets',
};

// ---------------------------------------------------------------------------------------
// checkRequest
// ---------------------------------------------------------------------------------------

function scopeSelectors(q: KObject): ScopeSelector[] {
  const out: ScopeSelector[] = arr<string>(q.spec?.scopes).map((s) => ({ scopeName: String(s), operator: 'Exists' }));
  for (const e of arr(q.spec?.scopeSelector?.matchExpressions)) out.push({ scopeName: str(e.scopeName), operator: str(e.operator), values: arr<string>(e.values) });
  return out;
}

function hardOf(q: KObject): ResourceList {
  return resourceList(q.status?.hard);
}

function usedOf(q: KObject): ResourceList {
  return resourceList(q.status?.used);
}

/** generic.Matches: a limited resource in status.hard and every scope. */
function quotaMatches(ev: Evaluator, q: KObject, obj: KObject): boolean {
  if (!ev.matchingResources(names(hardOf(q))).length) return false;
  return scopeSelectors(q).every((s) => ev.matchesScope(s, obj));
}

interface Waiter {
  op: Operation;
  obj: KObject;
  old: KObject | undefined;
  scope: RequestScope;
  ev: Evaluator;
  /** undefined: still waiting for the status write */
  result?: { error?: unknown };
}

/**
 * CheckRequest: the quotas with this request's usage added, or a Forbidden. `quotas` are not
 * modified; the returned list holds copies where usage changed.
 */
function checkRequest(quotas: KObject[], w: Waiter): KObject[] {
  const { ev, obj, scope } = w;
  if (!ev.handles(w.op)) return quotas;
  const interesting: number[] = [];
  for (let i = 0; i < quotas.length; i++) {
    const q = quotas[i];
    if (!quotaMatches(ev, q, obj)) continue;
    const restricted = ev.matchingResources(names(hardOf(q)));
    const why = ev.constraints?.(restricted, obj);
    if (why) throw admissionForbidden(scope, obj, `failed quota: ${str(q.metadata?.name)}: ${why}`);
    const used = usedOf(q);
    if (restricted.some((r) => !used.has(r))) {
      throw admissionForbidden(scope, obj, `status unknown for quota: ${str(q.metadata?.name)}, resources: ${prettyPrintNames(restricted)}`);
    }
    interesting.push(i);
  }
  if (!interesting.length) return quotas;
  const input = ev.usage(obj);
  const negative = [...input].filter(([, q]) => q.sign() < 0).map(([k]) => k);
  if (negative.length) throw admissionForbidden(scope, obj, `quota usage is negative for resource(s): ${prettyPrintNames(negative)}`);
  const delta = new Map<number, ResourceList>(interesting.map((i) => [i, input]));
  if (w.op === 'UPDATE') {
    const prev = w.old;
    if (!prev) throw admissionForbidden(scope, obj, 'unable to get previous usage since prior version of object was not found');
    if (prev.metadata?.resourceVersion) {
      const d = subtractNonNegative(input, ev.usage(prev));
      for (const i of interesting) if (quotaMatches(ev, quotas[i], prev)) delta.set(i, d);
    }
  }
  for (const [i, d] of delta) {
    const nz = removeZeros(d);
    if (nz.size) delta.set(i, nz);
    else delta.delete(i);
  }
  if (!delta.size) return quotas;
  const out = [...quotas];
  for (const i of interesting) {
    const d = delta.get(i);
    if (!d) continue;
    const q = quotas[i];
    const hard = hardOf(q);
    const used = usedOf(q);
    const requested = mask(d, names(hard));
    const newUsage = add(used, requested);
    const exceeded = lessThanOrEqual(mask(newUsage, names(requested)), hard);
    if (exceeded.length) {
      throw admissionForbidden(
        scope,
        obj,
        `exceeded quota: ${str(q.metadata?.name)}, requested: ${prettyPrint(mask(requested, exceeded))}, used: ${prettyPrint(mask(used, exceeded))}, limited: ${prettyPrint(mask(hard, exceeded))}`,
      );
    }
    const copy = structuredClone(q);
    copy.status = { ...rec(copy.status), used: resourceListJSON(newUsage) };
    out[i] = copy;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The plugin
// ---------------------------------------------------------------------------------------

export interface ResourceQuotaOptions {
  /** Clock for the pod deletion grace check (default Date.now). */
  now?: () => number;
  /** Status-write retries after a lost compare-and-swap (upstream: 3). */
  retries?: number;
}

export function resourceQuotaPlugin(access: QuotaAccess, opts: ResourceQuotaOptions = {}): Plugin {
  const now = opts.now ?? Date.now;
  const retries = opts.retries ?? 3;
  const pods = podEvaluator(now);
  const evaluators = new Map<string, Evaluator>([
    ['/pods', pods],
    ['/services', serviceEvaluator],
    ['/persistentvolumeclaims', pvcEvaluator],
  ]);
  function evaluatorFor(group: string, plural: string): Evaluator {
    const gr = `${group}/${plural}`;
    let ev = evaluators.get(gr);
    if (!ev) {
      ev = objectCountEvaluator(group, plural, LEGACY_ALIASES[gr]);
      evaluators.set(gr, ev);
    }
    return ev;
  }

  const queues = new Map<string, { waiters: Waiter[]; done: Array<() => void> }>();
  const running = new Set<string>();

  async function checkQuotas(namespace: string, quotas: KObject[], waiters: Waiter[], remaining: number): Promise<void> {
    let current = quotas;
    let changed = false;
    for (const w of waiters) {
      if (w.result) continue;
      let next: KObject[];
      try {
        next = checkRequest(current, w);
      } catch (err) {
        w.result = { error: err };
        continue;
      }
      if (w.scope.dryRun) {
        w.result = {};
        continue;
      }
      const mine = next.some((q, i) => !equals(usedOf(q), usedOf(current[i])));
      if (!mine) w.result = {};
      else changed = true;
      current = next;
    }
    if (!changed) return;
    const failed: string[] = [];
    for (let i = 0; i < current.length; i++) {
      if (equals(usedOf(current[i]), usedOf(quotas[i]))) continue;
      if (!(await access.updateStatus(current[i]))) failed.push(str(current[i].metadata?.name));
    }
    const pending = waiters.filter((w) => !w.result);
    if (!failed.length) {
      for (const w of pending) w.result = {};
      return;
    }
    if (remaining <= 0) {
      for (const w of pending) w.result = { error: quotaConflict(failed[failed.length - 1]) };
      return;
    }
    let fresh: KObject[];
    try {
      fresh = await access.list(namespace);
    } catch {
      for (const w of pending) w.result = { error: quotaConflict(failed[failed.length - 1]) };
      return;
    }
    // only the quotas whose write failed are re-checked: the others hold the usage already
    await checkQuotas(namespace, fresh.filter((q) => failed.includes(str(q.metadata?.name))), pending, remaining - 1);
  }

  async function runBatch(namespace: string, batch: Waiter[]): Promise<void> {
    let quotas: KObject[];
    try {
      quotas = await access.list(namespace);
    } catch (err) {
      for (const w of batch) w.result = { error: err };
      return;
    }
    if (!quotas.length) {
      for (const w of batch) w.result = {};
      return;
    }
    try {
      await checkQuotas(namespace, quotas, batch, retries);
    } catch (err) {
      for (const w of batch) if (!w.result) w.result = { error: err };
    }
    for (const w of batch) if (!w.result) w.result = {};
  }

  async function drain(namespace: string): Promise<void> {
    running.add(namespace);
    try {
      for (;;) {
        const q = queues.get(namespace);
        if (!q || !q.waiters.length) break;
        queues.delete(namespace);
        try {
          await runBatch(namespace, q.waiters);
        } catch (err) {
          for (const w of q.waiters) if (!w.result) w.result = { error: err };
        }
        for (const d of q.done) d();
      }
    } finally {
      running.delete(namespace);
    }
  }

  function evaluate(w: Waiter): Promise<void> {
    const ns = w.scope.namespace;
    return new Promise<void>((resolve, reject) => {
      let q = queues.get(ns);
      if (!q) {
        q = { waiters: [], done: [] };
        queues.set(ns, q);
      }
      q.waiters.push(w);
      q.done.push(() => {
        const r = w.result ?? {};
        if (r.error) reject(r.error);
        else resolve();
      });
      if (!running.has(ns)) void drain(ns);
    });
  }

  return {
    name: 'ResourceQuota',
    async validate(op, obj, old, scope) {
      if (scope.subresource || !scope.namespace || !obj) return;
      const { group, plural } = scope.def;
      if (!scope.def.namespaced || IGNORED.has(`${group}/${plural}`)) return;
      const ev = evaluatorFor(group, plural);
      if (!ev.handles(op)) return;
      await evaluate({ op, obj, old, scope, ev });
    },
  };
}

// ---------------------------------------------------------------------------------------
// For kube-controller-manager's resource quota controller (recomputing status.used)
// ---------------------------------------------------------------------------------------

/**
 * UsageStats: the usage of `objs` (every object of one resource in the quota's namespace)
 * for the resources the quota's spec.hard limits, counting the objects that match its scopes.
 * Every limited resource the resource's evaluator covers is present (zero when unused); the
 * map is empty when it covers none.
 */
export function quotaUsageStats(group: string, plural: string, quota: KObject, objs: KObject[], now: number = Date.now()): ResourceList {
  const gr = `${group}/${plural}`;
  const ev = gr === '/pods' ? podEvaluator(() => now) : gr === '/services' ? serviceEvaluator : gr === '/persistentvolumeclaims' ? pvcEvaluator : objectCountEvaluator(group, plural, LEGACY_ALIASES[gr]);
  const matched = ev.matchingResources(names(resourceList(quota.spec?.hard)));
  const out: ResourceList = new Map(matched.map((r) => [r, zero()]));
  if (!matched.length) return out;
  const scopes = scopeSelectors(quota);
  for (const obj of objs) {
    if (!scopes.every((s) => ev.matchesScope(s, obj))) continue;
    for (const [k, q] of mask(ev.usage(obj), matched)) out.set(k, out.get(k)!.add(q));
  }
  return out;
}
