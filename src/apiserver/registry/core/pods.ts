// core/v1 Pod: pod-only defaulting on top of the shared PodSpec defaults (requests from
// limits, enableServiceLinks, host-network ports), the create/update/status strategy
// (phase Pending and QoS class on create, status kept apart from spec, the scheduling-gated
// condition), validation including upstream's restricted pod updates, field selectors and
// the kubectl get table (READY / STATUS / RESTARTS as upstream computes them).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isQualifiedName, isValidIP } from '../../../apimachinery/validation.js';
import type { KObject, ResourceDef } from '../types.js';
import { ageColumn, col, docs, nameColumn, since } from './columns.js';
import { arr, check, clone, describeDiff, isObj, num, obj, semanticEqual, str, tryQuantity } from './helpers.js';
import { defaultPodSpec, validatePodSpec, validateTolerations } from './podspec.js';
import type { Quantity } from '../../../apimachinery/quantity.js';
import { sumQuantities } from '../../../apimachinery/quantity.js';

// ---------------------------------------------------------------------------------------
// defaulting and strategy
// ---------------------------------------------------------------------------------------

/** SetDefaults_Pod on top of the PodSpec defaults. */
export function defaultPod(pod: KObject): void {
  if (!isObj(pod.spec)) pod.spec = {};
  const spec = pod.spec;
  defaultPodSpec(spec);
  // Requests default to limits, for pods only (not for templates).
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
    if (!isObj(c) || !isObj(c.resources) || !isObj(c.resources.limits)) continue;
    const limits = c.resources.limits;
    const requests = isObj(c.resources.requests) ? c.resources.requests : {};
    let changed = false;
    for (const k of Object.keys(limits)) {
      if (!(k in requests)) {
        requests[k] = limits[k];
        changed = true;
      }
    }
    if (changed || isObj(c.resources.requests)) c.resources.requests = requests;
  }
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  if (spec.hostNetwork === true) {
    for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
      for (const p of arr(obj(c).ports)) if (isObj(p) && !p.hostPort) p.hostPort = p.containerPort;
    }
  }
  // v1 keeps status.podIP and status.podIPs[0] in step.
  if (isObj(pod.status)) {
    const st = pod.status;
    if (st.podIP && arr(st.podIPs).length === 0) st.podIPs = [{ ip: st.podIP }];
    else if (!st.podIP && arr(st.podIPs).length > 0) st.podIP = str(obj(st.podIPs[0]).ip);
  }
}

const qosResources = ['cpu', 'memory'];

/** The pod's QoS class (Guaranteed / Burstable / BestEffort), computed as upstream. */
export function podQOSClass(pod: KObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const spec = obj(pod.spec);
  const requests = new Map<string, Quantity[]>();
  const limits = new Map<string, Quantity[]>();
  let guaranteed = true;
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
    const res = obj(obj(c).resources);
    for (const [k, v] of Object.entries(obj(res.requests))) {
      if (!qosResources.includes(k)) continue;
      const q = tryQuantity(v);
      if (q && q.sign() > 0) requests.set(k, [...(requests.get(k) ?? []), q]);
    }
    const found = new Set<string>();
    for (const [k, v] of Object.entries(obj(res.limits))) {
      if (!qosResources.includes(k)) continue;
      const q = tryQuantity(v);
      if (q && q.sign() > 0) {
        found.add(k);
        limits.set(k, [...(limits.get(k) ?? []), q]);
      }
    }
    if (!qosResources.every((r) => found.has(r))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [k, qs] of requests) {
      const lim = limits.get(k);
      if (!lim || sumQuantities(lim).cmp(sumQuantities(qs)) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

function prepareForCreate(pod: KObject): void {
  // Upstream defaults on decode, before this hook; the QoS class needs the defaulted
  // requests, so apply the (idempotent) defaults here whatever order the server uses.
  defaultPod(pod);
  const status: Record<string, any> = { phase: 'Pending', qosClass: podQOSClass(pod) };
  if (arr(obj(pod.spec).schedulingGates).length > 0) {
    status.conditions = [{
      type: 'PodScheduled',
      status: 'False',
      lastProbeTime: null,
      lastTransitionTime: null,
      reason: 'SchedulingGated',
      message: 'Scheduling is blocked due to non-empty scheduling gates',
    }];
  }
  pod.status = status;
}

function prepareForUpdate(pod: KObject, old: KObject): void {
  pod.status = clone(old.status);
}

function prepareForStatusUpdate(pod: KObject, old: KObject): void {
  pod.spec = clone(old.spec);
  // Old kubelets corrupt owner references through pods/status; upstream keeps the old ones.
  if (isObj(pod.metadata)) {
    const oldRefs = obj(old.metadata).ownerReferences;
    if (oldRefs === undefined) delete pod.metadata.ownerReferences;
    else pod.metadata.ownerReferences = clone(oldRefs);
  }
}

// ---------------------------------------------------------------------------------------
// validation
// ---------------------------------------------------------------------------------------

function validatePod(pod: KObject): FieldError[] {
  const spec = obj(pod.spec);
  const errs = validatePodSpec(spec, 'spec', { isPod: true });
  if (arr(spec.ephemeralContainers).length > 0) errs.push(fieldErr.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  return errs;
}

export const updatablePodSpecFields = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function validateContainerImagesUpdate(newCs: unknown[], oldCs: unknown[], path: string): { errs: FieldError[]; stop: boolean } {
  const errs: FieldError[] = [];
  if (newCs.length !== oldCs.length) return { errs: [fieldErr.forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  newCs.forEach((c, i) => {
    const image = str(obj(c).image);
    if (!image) errs.push(fieldErr.required(`${path}[${i}].image`, ''));
    if (image.trim() !== image) errs.push(fieldErr.invalid(`${path}[${i}].image`, image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

/** validateOnlyAddedTolerations: existing tolerations stay (tolerationSeconds may change). */
function validateOnlyAddedTolerations(newT: unknown[], oldT: unknown[], path: string): FieldError[] {
  for (const o of oldT) {
    const found = newT.some((n) => {
      const a = { ...obj(o) };
      const b = { ...obj(n) };
      delete a.tolerationSeconds;
      delete b.tolerationSeconds;
      return semanticEqual(a, b);
    });
    if (!found) return [fieldErr.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(newT, path);
}

/** ValidatePodUpdate: only images, activeDeadlineSeconds, added tolerations ... may change. */
export function validatePodUpdate(pod: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(pod.spec);
  const oldSpec = obj(old.spec);

  const c = validateContainerImagesUpdate(arr(spec.containers), arr(oldSpec.containers), 'spec.containers');
  errs.push(...c.errs);
  if (c.stop) return errs;
  const ic = validateContainerImagesUpdate(arr(spec.initContainers), arr(oldSpec.initContainers), 'spec.initContainers');
  errs.push(...ic.errs);
  if (ic.stop) return errs;

  const ads = spec.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (typeof ads === 'number') {
    if (ads < 0 || ads > 2147483647) {
      errs.push(fieldErr.invalid('spec.activeDeadlineSeconds', ads, 'must be between 0 and 2147483647, inclusive'));
      return errs;
    }
    if (typeof oldAds === 'number' && oldAds < ads) {
      errs.push(fieldErr.invalid('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (typeof oldAds === 'number') {
    errs.push(fieldErr.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }

  // Everything else must be unchanged: compare with the mutable fields reset to the old values.
  const munged: Record<string, any> = clone(spec);
  arr(munged.containers).forEach((mc, i) => {
    if (isObj(mc)) mc.image = obj(arr(oldSpec.containers)[i]).image;
  });
  arr(munged.initContainers).forEach((mc, i) => {
    if (isObj(mc)) mc.image = obj(arr(oldSpec.initContainers)[i]).image;
  });
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  if (typeof oldSpec.terminationGracePeriodSeconds === 'number' && oldSpec.terminationGracePeriodSeconds < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  errs.push(...validateOnlyAddedTolerations(arr(spec.tolerations), arr(oldSpec.tolerations), 'spec.tolerations'));
  munged.tolerations = oldSpec.tolerations;

  // Scheduling gates may only be removed; while gated, node selector terms may be added.
  const oldGates = arr(oldSpec.schedulingGates).map((g) => str(obj(g).name));
  const newGates = arr(spec.schedulingGates).map((g) => str(obj(g).name));
  if (newGates.every((g) => oldGates.includes(g))) {
    if (oldGates.length > 0) {
      const oldSel = obj(oldSpec.nodeSelector);
      const newSel = obj(spec.nodeSelector);
      if (Object.keys(oldSel).every((k) => newSel[k] === oldSel[k])) munged.nodeSelector = oldSpec.nodeSelector;
    }
    munged.schedulingGates = oldSpec.schedulingGates;
  } else {
    errs.push(fieldErr.forbidden('spec.schedulingGates', 'only deletion is allowed, but found new scheduling gate'));
    munged.schedulingGates = oldSpec.schedulingGates;
  }

  if (!semanticEqual(munged, oldSpec)) {
    errs.push(fieldErr.forbidden('spec', `pod updates may not change fields other than ${updatablePodSpecFields.join(',')}\n${describeDiff(oldSpec, munged)}`));
  }
  return errs;
}

const podPhases = ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'];

/** ValidatePodStatusUpdate (the main rules): phases, IPs, condition types, node name. */
export function validatePodStatusUpdate(pod: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const st = obj(pod.status);
  const oldSt = obj(old.status);
  const phase = str(st.phase);
  if (phase && !podPhases.includes(phase)) errs.push(fieldErr.notSupported('status.phase', phase, podPhases));
  const oldPhase = str(oldSt.phase);
  if ((oldPhase === 'Succeeded' || oldPhase === 'Failed') && phase !== oldPhase) {
    errs.push(fieldErr.forbidden('status.phase', `cannot transition from ${oldPhase} to ${phase}`));
  }
  arr(st.conditions).forEach((c, i) => {
    const t = str(obj(c).type);
    errs.push(...check(isQualifiedName(t), `status.conditions[${i}].type`, t));
  });
  arr(st.podIPs).forEach((p, i) => {
    const ip = str(obj(p).ip);
    errs.push(...check(isValidIP(ip), `status.podIPs[${i}].ip`, ip));
  });
  if (str(st.podIP) && arr(st.podIPs).length && str(obj(arr(st.podIPs)[0]).ip) !== str(st.podIP)) {
    errs.push(fieldErr.invalid('status.podIPs[0].ip', str(obj(arr(st.podIPs)[0]).ip), 'must match status.podIP'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------
// printing
// ---------------------------------------------------------------------------------------

function isRestartable(c: unknown): boolean {
  return str(obj(c).restartPolicy) === 'Always';
}

function conditionTrue(pod: KObject, type: string): boolean {
  return arr(obj(pod.status).conditions).some((c) => str(obj(c).type) === type && str(obj(c).status) === 'True');
}

function laterOf(a: string, b: unknown): string {
  const t = str(b);
  if (!t) return a;
  if (!a) return t;
  return Date.parse(t) > Date.parse(a) ? t : a;
}

/** The READY, STATUS and RESTARTS cells of a pod, as kubectl shows them. */
export function podStatusCells(pod: KObject, now: number): { ready: string; status: string; restarts: string } {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const meta = obj(pod.metadata);
  let restarts = 0;
  let sidecarRestarts = 0;
  let readyContainers = 0;
  let lastRestart = '';
  let lastSidecarRestart = '';
  let total = arr(spec.containers).length;
  const phase = str(status.phase);
  let reason = str(status.reason) || phase;

  for (const c of arr(status.conditions)) {
    if (str(obj(c).type) === 'PodScheduled' && str(obj(c).reason) === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initSpecs = new Map<string, unknown>();
  const initContainers = arr(spec.initContainers);
  for (const c of initContainers) {
    initSpecs.set(str(obj(c).name), c);
    if (isRestartable(c)) total++;
  }

  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = obj(initStatuses[i]);
    const state = obj(cs.state);
    const lastTerm = obj(obj(cs.lastState).terminated);
    restarts += num(cs.restartCount);
    if (isObj(obj(cs.lastState).terminated)) lastRestart = laterOf(lastRestart, lastTerm.finishedAt);
    const sidecar = isRestartable(initSpecs.get(str(cs.name)));
    if (sidecar) {
      sidecarRestarts += num(cs.restartCount);
      if (isObj(obj(cs.lastState).terminated)) lastSidecarRestart = laterOf(lastSidecarRestart, lastTerm.finishedAt);
    }
    const term = isObj(state.terminated) ? state.terminated : undefined;
    const waiting = isObj(state.waiting) ? state.waiting : undefined;
    if (term && num(term.exitCode) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready === true) readyContainers++;
      continue;
    }
    if (term) {
      if (!str(term.reason)) reason = num(term.signal) !== 0 ? `Init:Signal:${num(term.signal)}` : `Init:ExitCode:${num(term.exitCode)}`;
      else reason = `Init:${str(term.reason)}`;
    } else if (waiting && str(waiting.reason) && str(waiting.reason) !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(pod, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = obj(statuses[i]);
      const state = obj(cs.state);
      restarts += num(cs.restartCount);
      if (isObj(obj(cs.lastState).terminated)) lastRestart = laterOf(lastRestart, obj(obj(cs.lastState).terminated).finishedAt);
      const waiting = isObj(state.waiting) ? state.waiting : undefined;
      const term = isObj(state.terminated) ? state.terminated : undefined;
      if (waiting && str(waiting.reason)) reason = str(waiting.reason);
      else if (term && str(term.reason)) reason = str(term.reason);
      else if (term) reason = num(term.signal) !== 0 ? `Signal:${num(term.signal)}` : `ExitCode:${num(term.exitCode)}`;
      else if (cs.ready === true && isObj(state.running)) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(pod, 'Ready') ? 'Running' : 'NotReady';
  }

  if (meta.deletionTimestamp && str(status.reason) === 'NodeLost') reason = 'Unknown';
  else if (meta.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart) restartsStr = `${restarts} (${since(lastRestart, now)} ago)`;
  return { ready: `${readyContainers}/${total}`, status: reason, restarts: restartsStr };
}

function podCells(pod: KObject, now: number): unknown[] {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const { ready, status: st, restarts } = podStatusCells(pod, now);
  const podIPs = arr(status.podIPs);
  const ip = (podIPs.length ? str(obj(podIPs[0]).ip) : '') || '<none>';
  const node = str(spec.nodeName) || '<none>';
  const nominated = str(status.nominatedNodeName) || '<none>';
  let gates = '<none>';
  const readinessGates = arr(spec.readinessGates);
  if (readinessGates.length) {
    let trueCount = 0;
    for (const g of readinessGates) {
      const t = str(obj(g).conditionType);
      const c = arr(status.conditions).find((x) => str(obj(x).type) === t);
      if (c && str(obj(c).status) === 'True') trueCount++;
    }
    gates = `${trueCount}/${readinessGates.length}`;
  }
  return [str(obj(pod.metadata).name), ready, st, restarts, since(obj(pod.metadata).creationTimestamp, now), ip, node, nominated, gates];
}

export const pods: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  subresources: { status: true },
  defaults: defaultPod,
  prepareForCreate,
  prepareForUpdate,
  prepareForStatusUpdate,
  validate(pod, ctx) {
    if (ctx.subresource === 'status') return [];
    // Updates are checked by validatePodUpdate alone (as upstream's ValidatePodUpdate).
    if (ctx.operation === 'update') return [];
    return validatePod(pod);
  },
  validateUpdate(pod, old, ctx) {
    if (ctx.subresource === 'status') return validatePodStatusUpdate(pod, old);
    if (ctx.subresource !== '') return [];
    return validatePodUpdate(pod, old);
  },
  nameRule: 'subdomain',
  selectableFields(pod) {
    const spec = obj(pod.spec);
    const status = obj(pod.status);
    const podIPs = arr(status.podIPs);
    return {
      'spec.nodeName': str(spec.nodeName),
      'spec.restartPolicy': str(spec.restartPolicy),
      'spec.schedulerName': str(spec.schedulerName),
      'spec.serviceAccountName': str(spec.serviceAccountName),
      'spec.hostNetwork': String(spec.hostNetwork === true),
      'status.phase': str(status.phase),
      'status.podIP': podIPs.length ? str(obj(podIPs[0]).ip) : '',
      'status.nominatedNodeName': str(status.nominatedNodeName),
    };
  },
  table: {
    columns: [
      nameColumn,
      col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      ageColumn,
      col('IP', 'string', docs.podStatusPodIP, 1),
      col('Node', 'string', docs.podSpecNodeName, 1),
      col('Nominated Node', 'string', docs.podStatusNominatedNodeName, 1),
      col('Readiness Gates', 'string', docs.podSpecReadinessGates, 1),
    ],
    cells: podCells,
  },
};
