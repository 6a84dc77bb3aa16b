// Which nodes a DaemonSet's pod belongs on (upstream NodeShouldRunDaemonPod and
// daemonset/util): the default tolerations every daemon pod gets, taints vs tolerations, the
// node selector and required node affinity (both matched with the scheduler's component-helpers),
// the target node of an existing pod (spec.nodeName or its metadata.name matchFields affinity),
// and the pod the controller creates for a node — its template with the revision labels, the
// tolerations and node affinity pinned to that node (the scheduler binds it).

import type { DaemonSet, Node, Pod, PodSpec } from '../util/types.js';
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { RequiredNodeAffinity, findMatchingUntoleratedTaint, toleratesTaint } from '../../scheduler/framework/helpers.js';
import type { Node as SchedNode, Pod as SchedPod, Taint as SchedTaint, Toleration as SchedToleration } from '../../scheduler/types.js';
import { newControllerRef } from '../util/controllerref.js';
import { podFromTemplate, podNamePrefix } from '../util/podcontrol.js';
import { ControllerRevisionHashLabel } from '../history/revision.js';

export const DaemonSetTemplateGenerationLabel = 'pod-template-generation';
export const DeprecatedTemplateGenerationAnnotation = 'deprecated.daemonset.template.generation';

const DEFAULT_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const NETWORK_UNAVAILABLE: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

/** AddOrUpdateDaemonPodTolerations: the defaults replace same key/effect ones, others appended. */
export function addDaemonPodTolerations(spec: PodSpec): void {
  const add = [...DEFAULT_TOLERATIONS, ...(spec.hostNetwork ? [NETWORK_UNAVAILABLE] : [])];
  const tols = [...(spec.tolerations ?? [])];
  for (const t of add) {
    const i = tols.findIndex((x) => x.key === t.key && x.effect === t.effect);
    if (i >= 0) tols[i] = { ...t };
    else tols.push({ ...t });
  }
  spec.tolerations = tols;
}

export { toleratesTaint };

/** spec.nodeSelector and the required node affinity hold for the node (component-helpers). */
export function fitsNodeAffinity(spec: PodSpec, node: Node): boolean {
  return new RequiredNodeAffinity({ spec } as unknown as SchedPod).match(node as unknown as SchedNode);
}

/**
 * shouldRun: a daemon pod should be created on the node; shouldContinueRunning: an existing one
 * may stay (untolerated NoSchedule taints stop new pods, only NoExecute ones evict).
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = structuredClone(ds.spec?.template?.spec ?? { containers: [] });
  addDaemonPodTolerations(spec);
  if (spec.nodeName && spec.nodeName !== node.metadata?.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!fitsNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  const tols = spec.tolerations ?? [];
  const untolerated = (filter: (t: Taint) => boolean) => findMatchingUntoleratedTaint(taints as SchedTaint[], tols as SchedToleration[], filter as (t: SchedTaint) => boolean);
  if (untolerated((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) {
    return { shouldRun: false, shouldContinueRunning: !untolerated((t) => t.effect === 'NoExecute') };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** The node a daemon pod is for: spec.nodeName, else its metadata.name affinity term. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

export function templateGeneration(ds: DaemonSet): string | undefined {
  return ds.metadata?.annotations?.[DeprecatedTemplateGenerationAnnotation];
}

/** IsPodUpdated: the pod has the current revision hash (or template generation). */
export function isPodUpdated(pod: Pod, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  return (!!hash && labels[ControllerRevisionHashLabel] === hash) || (generation !== undefined && labels[DaemonSetTemplateGenerationLabel] === generation);
}

/** The daemon pod for a node (CreatePodTemplate + ReplaceDaemonSetPodNodeNameNodeAffinity). */
export function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const pod = podFromTemplate(ds.spec!.template, ds.metadata!.namespace!, newControllerRef({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: ds.metadata }), podNamePrefix(ds.metadata!.name!));
  const gen = templateGeneration(ds);
  pod.metadata!.labels = { ...(pod.metadata!.labels ?? {}), ...(gen !== undefined ? { [DaemonSetTemplateGenerationLabel]: gen } : {}), ...(hash ? { [ControllerRevisionHashLabel]: hash } : {}) };
  const spec = pod.spec!;
  addDaemonPodTolerations(spec);
  spec.affinity = {
    ...(spec.affinity ?? {}),
    nodeAffinity: {
      ...(spec.affinity?.nodeAffinity ?? {}),
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] },
    },
  };
  return pod;
}
