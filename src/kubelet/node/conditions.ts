// The node conditions the kubelet owns, in upstream's order and words: MemoryPressure,
// DiskPressure and PIDPressure (from the hard eviction thresholds against what the host has
// left, held for evictionPressureTransitionPeriod), and Ready (KubeletReady, or KubeletNotReady
// with the runtime's and network's errors).

import type { NodeCondition as ApiNodeCondition } from 'kubernetes-types/core/v1.js';

/** A node condition as the kubelet writes it (every field set). */
export type NodeCondition = Required<Pick<ApiNodeCondition, 'type' | 'status' | 'lastHeartbeatTime' | 'lastTransitionTime' | 'reason' | 'message'>>;

/** What the condition setters look at on one status sync. */
export interface ConditionInputs {
  memoryPressure: boolean;
  diskPressure: boolean;
  pidPressure: boolean;
  /** Errors that make the node NotReady (runtime down, network not ready, missing capacity). */
  readyErrors: string[];
}

/** metav1.Time: RFC 3339, whole seconds. */
export function metaTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const TEXT: Record<string, { true: [string, string]; false: [string, string] }> = {
  MemoryPressure: { true: ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'], false: ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available'] },
  DiskPressure: { true: ['KubeletHasDiskPressure', 'kubelet has disk pressure'], false: ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure'] },
  PIDPressure: { true: ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'], false: ['KubeletHasSufficientPID', 'kubelet has sufficient PID available'] },
};

/** The Ready condition's message for several errors: utilerrors' aggregate ("[a, b]" when more than one). */
export function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}

/**
 * The conditions for this sync. Transition times carry over from `previous` (the node's current
 * conditions) while a condition's status is unchanged; heartbeats are `now`.
 */
export function nodeConditions(inputs: ConditionInputs, previous: NodeCondition[] | undefined, now: number): NodeCondition[] {
  const hb = metaTime(now);
  const prev = new Map((previous ?? []).map((c) => [c.type, c]));
  const make = (type: string, status: string, reason: string, message: string): NodeCondition => {
    const old = prev.get(type);
    return { type, status, lastHeartbeatTime: hb, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : hb, reason, message };
  };
  const pressure = (type: string, on: boolean) => {
    const [reason, message] = TEXT[type][on ? 'true' : 'false'];
    return make(type, on ? 'True' : 'False', reason, message);
  };
  return [
    pressure('MemoryPressure', inputs.memoryPressure),
    pressure('DiskPressure', inputs.diskPressure),
    pressure('PIDPressure', inputs.pidPressure),
    inputs.readyErrors.length ? make('Ready', 'False', 'KubeletNotReady', aggregate(inputs.readyErrors)) : make('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** Whether two condition lists differ in anything but heartbeat times (upstream's nodeStatusHasChanged). */
export function conditionsChanged(a: NodeCondition[] | undefined, b: NodeCondition[] | undefined): boolean {
  const strip = (l: NodeCondition[] | undefined) => JSON.stringify((l ?? []).map(({ lastHeartbeatTime: _h, ...rest }) => rest).sort((x, y) => x.type.localeCompare(y.type)));
  return strip(a) !== strip(b);
}

/** CRI runtime conditions (RuntimeReady, NetworkReady) → the Ready condition's errors, in upstream's words. */
export function runtimeReadyErrors(status: { conditions?: Array<{ type?: string; status?: boolean; reason?: string; message?: string }> } | null | undefined, statusError?: string): string[] {
  if (statusError) return [`container runtime is down: ${statusError}`];
  if (!status) return ['container runtime status check may not have completed yet'];
  const errs: string[] = [];
  const conds = status.conditions ?? [];
  const runtime = conds.find((c) => c.type === 'RuntimeReady');
  const network = conds.find((c) => c.type === 'NetworkReady');
  if (!runtime || !runtime.status) errs.push(`container runtime not ready: RuntimeReady=false reason:${runtime?.reason ?? ''} message:${runtime?.message ?? ''}`);
  if (!network || !network.status) errs.push(`container runtime network not ready: NetworkReady=false reason:${network?.reason ?? ''} message:${network?.message ?? ''}`);
  return errs;
}
