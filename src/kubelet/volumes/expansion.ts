// $(VAR) expansion as upstream's third_party/forked/golang/expansion, and the environment a
// container's subPathExpr is expanded with (kubecontainer.ExpandContainerVolumeMounts).
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { expand } from '../pods/expansion.js';
import { extractFieldPathAsString } from './downward.js';

// expansion.Expand (`$(NAME)` → mapping(NAME), `$$` → `$`, anything else kept) is the pod
// lifecycle's, shared with env values, command and args.
export { expand };

/** expansion.MappingFuncFor: the first context that has the name, else `$(NAME)` unchanged. */
export function mappingFor(...contexts: Map<string, string>[]): (name: string) => string {
  return (name) => {
    for (const c of contexts) {
      const v = c.get(name);
      if (v !== undefined) return v;
    }
    return `$(${name})`;
  };
}

/** podFieldSelectorRuntimeValue: the fieldRef values env vars may take. */
export function podFieldValue(pod: Pod, fieldPath: string): string | undefined {
  const status = pod.status ?? {};
  switch (fieldPath) {
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return status.hostIP ?? '';
    case 'status.hostIPs':
      return (status.hostIPs ?? []).map((i) => i.ip).join(',');
    case 'status.podIP':
      return status.podIP ?? '';
    case 'status.podIPs':
      return (status.podIPs ?? []).map((i) => i.ip).join(',');
  }
  try {
    return extractFieldPathAsString(pod, fieldPath);
  } catch {
    return undefined;
  }
}

/**
 * The container's environment as far as the volume manager can resolve it on its own: literal
 * values (themselves $(VAR)-expanded against earlier variables) and fieldRef values. Variables
 * from configMapKeyRef, secretKeyRef, resourceFieldRef and envFrom are the pod lifecycle's to
 * resolve: it passes the full environment to containerMounts when it has it.
 */
export function simpleContainerEnv(pod: Pod, container: Container): Map<string, string> {
  const env = new Map<string, string>();
  for (const e of container.env ?? []) {
    if (e.valueFrom?.fieldRef) {
      const v = podFieldValue(pod, e.valueFrom.fieldRef.fieldPath);
      if (v !== undefined) env.set(e.name, v);
    } else if (!e.valueFrom) {
      env.set(e.name, expand(e.value ?? '', mappingFor(env)));
    }
  }
  return env;
}

/** ExpandContainerVolumeMounts: subPathExpr with every $(VAR) set and non-empty, else `missing value for A, B`. */
export function expandSubPathExpr(expr: string, env: Map<string, string>): string {
  const missing = new Set<string>();
  const out = expand(expr, (name) => {
    const v = env.get(name);
    if (!v) missing.add(name);
    return v ?? '';
  });
  if (missing.size) throw new Error(`missing value for ${[...missing].sort().join(', ')}`);
  return out;
}
