// GET /runningpods/: the pods the runtime is running (ready sandboxes and their running
// containers), as a v1 PodList with only what the runtime knows — name, namespace, uid and the
// containers' names and images — like upstream's runtime pod conversion.
import type { CriClient } from '../../cri/client.js';
import { ContainerNameLabel, PodNameLabel, PodNamespaceLabel, PodUIDLabel } from '../pods/labels.js';

export async function runningPods(cri: CriClient): Promise<Record<string, unknown>> {
  const [sandboxes, containers] = await Promise.all([cri.listPodSandbox({ filter: { state: { state: 'SANDBOX_READY' } } }), cri.listContainers({ filter: { state: { state: 'CONTAINER_RUNNING' } } })]);
  const items = sandboxes.items
    .filter((s) => s.labels?.[PodUIDLabel])
    .map((s) => ({
      metadata: { name: s.labels[PodNameLabel] ?? s.metadata?.name, namespace: s.labels[PodNamespaceLabel] ?? s.metadata?.namespace, uid: s.labels[PodUIDLabel], creationTimestamp: null },
      spec: {
        containers: containers.containers
          .filter((c) => c.podSandboxId === s.id)
          .map((c) => ({ name: c.labels?.[ContainerNameLabel] ?? c.metadata?.name ?? '', image: c.image?.image ?? c.imageRef, resources: {} })),
      },
      status: {},
    }));
  return { kind: 'PodList', apiVersion: 'v1', metadata: {}, items };
}
