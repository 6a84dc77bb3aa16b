// Labels and annotations the kubelet puts on CRI sandboxes and containers (kuberuntime's
// labels.go): how a runtime object is tied back to its pod and container spec after a restart,
// and what the kubelet API (src/kubelet/server) uses to find containers.
import type { Container as ApiContainer, Pod } from 'kubernetes-types/core/v1.js';

export const PodNameLabel = 'io.kubernetes.pod.name';
export const PodNamespaceLabel = 'io.kubernetes.pod.namespace';
export const PodUIDLabel = 'io.kubernetes.pod.uid';
export const ContainerNameLabel = 'io.kubernetes.container.name';

export const ContainerHashAnnotation = 'io.kubernetes.container.hash';
export const ContainerRestartCountAnnotation = 'io.kubernetes.container.restartCount';
export const TerminationMessagePathAnnotation = 'io.kubernetes.container.terminationMessagePath';
export const TerminationMessagePolicyAnnotation = 'io.kubernetes.container.terminationMessagePolicy';
export const PreStopHandlerAnnotation = 'io.kubernetes.container.preStopHandler';
export const ContainerPortsAnnotation = 'io.kubernetes.container.ports';
export const PodDeletionGracePeriodAnnotation = 'io.kubernetes.pod.deletionGracePeriod';
export const PodTerminationGracePeriodAnnotation = 'io.kubernetes.pod.terminationGracePeriod';

/** Sandbox labels: the pod's own labels plus the three kubelet labels (newPodLabels). */
export function sandboxLabels(pod: Pod): Record<string, string> {
  const m = pod.metadata!;
  return { ...(m.labels ?? {}), [PodNameLabel]: m.name!, [PodNamespaceLabel]: m.namespace ?? 'default', [PodUIDLabel]: m.uid! };
}

/** Container labels (newContainerLabels). */
export function containerLabels(pod: Pod, container: ApiContainer): Record<string, string> {
  const m = pod.metadata!;
  return { [PodNameLabel]: m.name!, [PodNamespaceLabel]: m.namespace ?? 'default', [PodUIDLabel]: m.uid!, [ContainerNameLabel]: container.name };
}

/** Container annotations (newContainerAnnotations). */
export function containerAnnotations(pod: Pod, container: ApiContainer, hash: string, restartCount: number): Record<string, string> {
  const a: Record<string, string> = {
    [ContainerHashAnnotation]: hash,
    [ContainerRestartCountAnnotation]: String(restartCount),
    [TerminationMessagePathAnnotation]: container.terminationMessagePath ?? '/dev/termination-log',
    [TerminationMessagePolicyAnnotation]: container.terminationMessagePolicy ?? 'File',
  };
  if (pod.metadata?.deletionGracePeriodSeconds !== undefined) a[PodDeletionGracePeriodAnnotation] = String(pod.metadata.deletionGracePeriodSeconds);
  if (pod.spec?.terminationGracePeriodSeconds !== undefined) a[PodTerminationGracePeriodAnnotation] = String(pod.spec.terminationGracePeriodSeconds);
  if (container.lifecycle?.preStop) a[PreStopHandlerAnnotation] = JSON.stringify(container.lifecycle.preStop);
  if (container.ports?.length) a[ContainerPortsAnnotation] = JSON.stringify(container.ports);
  return a;
}
