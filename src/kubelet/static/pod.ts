// How a static pod file becomes a pod, as upstream's file source does it: the name gets the
// node name appended (<name>-<node>), the UID is a hash of the file content, the node name and
// the file path (so an edit is a new pod), the namespace defaults to "default", spec.nodeName
// is this node, every NoExecute taint is tolerated, and the config annotations are set.
import { createHash } from 'node:crypto';
import type { Pod } from 'kubernetes-types/core/v1.js';
import YAML from 'yaml';

export const ConfigSourceAnnotation = 'kubernetes.io/config.source';
export const ConfigHashAnnotation = 'kubernetes.io/config.hash';
export const ConfigSeenAnnotation = 'kubernetes.io/config.seen';
export const ConfigMirrorAnnotation = 'kubernetes.io/config.mirror';

/** Upstream's generatePodName: <name>-<nodeName>. */
export function staticPodName(name: string, nodeName: string): string {
  return `${name}-${nodeName}`;
}

/** The static pod's UID: md5 over the file content, "host:<node>" and "file:<path>" (hex). */
export function staticPodUID(content: string | Buffer, nodeName: string, path: string): string {
  return createHash('md5').update(content).update(`host:${nodeName}`).update(`file:${path}`).digest('hex');
}

export class StaticPodError extends Error {}

/** Parse one file (YAML or JSON, one Pod) into the pod the kubelet runs; `seen` is the config.seen time. */
export function staticPodFromFile(content: string, path: string, nodeName: string, seen: string): Pod {
  let doc: any;
  try {
    const docs = YAML.parseAllDocuments(content).filter((d) => d.contents !== null);
    if (docs.length !== 1) throw new Error(docs.length ? 'a static pod file holds exactly one Pod' : 'empty file');
    if (docs[0].errors.length) throw docs[0].errors[0];
    doc = docs[0].toJS();
  } catch (err) {
    throw new StaticPodError(`${path}: invalid pod: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || doc.kind !== 'Pod' || (doc.apiVersion && doc.apiVersion !== 'v1')) {
    throw new StaticPodError(`${path}: invalid pod: want apiVersion v1, kind Pod; got ${JSON.stringify(doc?.apiVersion)}/${JSON.stringify(doc?.kind)}`);
  }
  if (!doc.metadata?.name) throw new StaticPodError(`${path}: invalid pod: metadata.name is required`);
  if (!Array.isArray(doc.spec?.containers) || doc.spec.containers.length === 0) throw new StaticPodError(`${path}: invalid pod: spec.containers is required`);
  const uid = staticPodUID(content, nodeName, path);
  const meta = doc.metadata;
  const spec = doc.spec;
  return {
    ...doc,
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...meta,
      uid,
      name: staticPodName(meta.name, nodeName),
      namespace: meta.namespace || 'default',
      annotations: { ...(meta.annotations ?? {}), [ConfigHashAnnotation]: uid, [ConfigSeenAnnotation]: seen, [ConfigSourceAnnotation]: 'file' },
    },
    spec: { ...spec, nodeName, tolerations: [...(spec.tolerations ?? []), { operator: 'Exists', effect: 'NoExecute' }] },
    status: { phase: 'Pending' },
  };
}

/** config.seen: the time first seen, RFC 3339 with nanoseconds as upstream writes it. */
export function seenTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** The mirror pod posted to the API server for a static pod: same spec, the mirror annotation, owned by the Node. */
export function mirrorPodFor(pod: Pod, node: { name: string; uid: string }): Pod {
  const meta = pod.metadata!;
  const { uid: _uid, resourceVersion: _rv, ...rest } = meta;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...rest,
      annotations: { ...(meta.annotations ?? {}), [ConfigMirrorAnnotation]: meta.annotations?.[ConfigHashAnnotation] ?? meta.uid! },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }],
    },
    spec: pod.spec,
  };
}

/** Whether an API pod is a mirror pod (carries kubernetes.io/config.mirror). */
export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[ConfigMirrorAnnotation] !== undefined;
}
