// Turning desired endpoints into EndpointSlice writes with little churn (upstream
// endpointslice reconciler.go): per address type and port set, existing slices keep the
// endpoints still desired (updated in place when they changed), slices left empty are
// deleted, remaining endpoints fill the slices being updated (fullest first), then one
// unchanged slice that can take them all, then new slices of up to maxEndpointsPerSlice.
// A service without endpoints keeps one placeholder slice (no ports, no endpoints).

import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Service } from '../util/types.js';
import { canonical } from '../endpoint/endpoints.js';
import { HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME, rfc3339Nano } from '../endpoint/podaddress.js';
import type { DesiredState, PortGroup } from './desired.js';
import { endpointKey, portsKey } from './desired.js';

export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

export interface ReconcileOptions {
  maxEndpointsPerSlice: number;
  controllerName?: string;
  /** ms since epoch; 0: none */
  triggerTime?: number;
  /** the kind of the owner the slices reference (the mirroring controller: Endpoints) */
  ownerKind?: string;
}

/** The labels a slice of the service carries: the service's (but reserved keys), service name, managed-by, headless. */
export function sliceLabels(svc: Service, controllerName = CONTROLLER_NAME): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) {
    if (k === LABEL_SERVICE_NAME || k === LABEL_MANAGED_BY) continue;
    labels[k] = v;
  }
  labels[LABEL_SERVICE_NAME] = svc.metadata!.name!;
  labels[LABEL_MANAGED_BY] = controllerName;
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

/** getEndpointSlicePrefix: `<service>-`, shortened to stay a valid name prefix. */
function slicePrefix(name: string): string {
  const p = `${name}-`;
  return p.length > 58 ? p.slice(0, 58) : p;
}

function newSlice(svc: Service, addressType: string, group: PortGroup | undefined, o: ReconcileOptions): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: slicePrefix(svc.metadata!.name!),
      namespace: svc.metadata!.namespace,
      labels: sliceLabels(svc, o.controllerName),
      ownerReferences: [{ apiVersion: 'v1', kind: o.ownerKind ?? 'Service', name: svc.metadata!.name!, uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType,
    endpoints: [],
    ports: group ? group.ports : [],
  };
}

function ownedBy(slice: EndpointSlice, svc: Service): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((r) => r.uid === svc.metadata?.uid && r.controller === true);
}

/** The placeholder: no ports and no endpoints. */
function isPlaceholder(slice: EndpointSlice): boolean {
  return !(slice.endpoints ?? []).length && !(slice.ports ?? []).length;
}

function withTrigger(slice: EndpointSlice, o: ReconcileOptions): EndpointSlice {
  const annotations = { ...(slice.metadata?.annotations ?? {}) };
  if (o.triggerTime) annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(o.triggerTime);
  else delete annotations[LAST_CHANGE_TRIGGER_TIME];
  return { ...slice, metadata: { ...slice.metadata, annotations: Object.keys(annotations).length ? annotations : undefined } };
}

/** The writes that bring `existing` (the service's slices managed by this controller) to `desired`. */
export function reconcile(svc: Service, existing: EndpointSlice[], desired: DesiredState, o: ReconcileOptions): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const wantLabels = sliceLabels(svc, o.controllerName);
  for (const s of existing) {
    if (!desired.byAddressType.has(s.addressType) || !ownedBy(s, svc)) plan.delete.push(s);
  }
  for (const [addressType, groups] of desired.byAddressType) {
    const mine = existing.filter((s) => s.addressType === addressType && ownedBy(s, svc));
    const byPorts = new Map<string, EndpointSlice[]>();
    for (const s of mine) {
      const k = portsKey(s.ports ?? []);
      byPorts.set(k, [...(byPorts.get(k) ?? []), s]);
    }
    const typePlan: SlicePlan = { create: [], update: [], delete: [] };
    for (const [k, group] of groups) reconcilePorts(svc, addressType, byPorts.get(k) ?? [], group, wantLabels, o, typePlan);
    for (const [k, slices] of byPorts) if (!groups.has(k)) typePlan.delete.push(...slices);
    if (mine.length === typePlan.delete.length && !typePlan.create.length) {
      // nothing would remain: keep (or make) the placeholder
      const keep = typePlan.delete.length === 1 && isPlaceholder(typePlan.delete[0]!) && canonical(typePlan.delete[0]!.metadata?.labels) === canonical(wantLabels);
      if (keep) typePlan.delete = [];
      else typePlan.create.push(newSlice(svc, addressType, undefined, o));
    }
    plan.create.push(...typePlan.create.map((s) => withTrigger(s, o)));
    plan.update.push(...typePlan.update.map((s) => withTrigger(s, o)));
    plan.delete.push(...typePlan.delete);
  }
  return plan;
}

function reconcilePorts(svc: Service, addressType: string, slices: EndpointSlice[], group: PortGroup, wantLabels: Record<string, string>, o: ReconcileOptions, plan: SlicePlan): void {
  const max = o.maxEndpointsPerSlice;
  const want = new Map<string, Endpoint>(group.endpoints.map((e) => [endpointKey(e), e]));
  const toUpdate: EndpointSlice[] = [];
  const unchanged: EndpointSlice[] = [];
  for (const s of slices) {
    const kept: Endpoint[] = [];
    let changed = false;
    for (const e of s.endpoints ?? []) {
      const k = endpointKey(e);
      const got = want.get(k);
      if (!got) continue;
      kept.push(got);
      if (canonical(got) !== canonical(e)) changed = true;
      want.delete(k);
    }
    const labelsChanged = canonical(s.metadata?.labels) !== canonical(wantLabels);
    if (changed || kept.length !== (s.endpoints ?? []).length) {
      if (!kept.length) plan.delete.push(s);
      else toUpdate.push({ ...s, metadata: { ...s.metadata, labels: wantLabels }, endpoints: kept });
    } else if (labelsChanged) {
      toUpdate.push({ ...s, metadata: { ...s.metadata, labels: wantLabels } });
    } else unchanged.push(s);
  }
  const pending = [...want.values()];
  // fill the slices being written anyway, fullest first
  if (pending.length && toUpdate.length) {
    toUpdate.sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0));
    for (const s of toUpdate) while (pending.length && s.endpoints!.length < max) s.endpoints!.push(pending.shift()!);
  }
  while (pending.length) {
    let fill: EndpointSlice | undefined;
    if (pending.length < max && unchanged.length) {
      // the unchanged slice the remainder fits into most tightly
      let best = max;
      for (const s of unchanged) {
        const diff = max - (pending.length + (s.endpoints?.length ?? 0));
        if (diff >= 0 && diff < best) {
          best = diff;
          fill = s;
        }
      }
    }
    if (fill) {
      unchanged.splice(unchanged.indexOf(fill), 1);
      fill = { ...fill, endpoints: [...(fill.endpoints ?? [])] };
      while (pending.length && fill.endpoints.length < max) fill.endpoints.push(pending.shift()!);
      toUpdate.push(fill);
    } else {
      const s = newSlice(svc, addressType, group, o);
      while (pending.length && s.endpoints.length < max) s.endpoints.push(pending.shift()!);
      plan.create.push(s);
    }
  }
  plan.update.push(...toUpdate);
}
