// A container's environment (the kubelet's makeEnvironmentVariables): service link variables,
// envFrom (ConfigMaps/Secrets with prefix), then env in order — literal values with $(VAR)
// expansion, fieldRef (downward API), resourceFieldRef (limits/requests with divisor, limits
// defaulting to the node's allocatable) and configMapKeyRef/secretKeyRef (optional honoured).
import type { Container, EnvVar, Pod, Service } from 'kubernetes-types/core/v1.js';
import { parseQuantity, type Quantity } from '../../apimachinery/quantity.js';
import { expand } from './expansion.js';

export interface EnvSource {
  /** Resolves to undefined when the object does not exist (404). */
  getConfigMap(namespace: string, name: string): Promise<{ data?: Record<string, string>; binaryData?: Record<string, string> } | undefined>;
  getSecret(namespace: string, name: string): Promise<{ data?: Record<string, string> } | undefined>;
  /** Services of a namespace (for service links); the kubelet adds default/kubernetes itself. */
  listServices(namespace: string): Promise<Service[]>;
}

export interface NodeAllocatable {
  cpuMilli: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
}

/** An error the status shows as CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

const envVarNameRE = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** {NAME}_SERVICE_HOST, {NAME}_SERVICE_PORT[_PORTNAME] and the docker-link variables of services. */
export function serviceEnv(services: Service[]): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = [];
  for (const s of services) {
    const ip = s.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const name = s.metadata!.name!.toUpperCase().replace(/-/g, '_');
    const ports = s.spec?.ports ?? [];
    out.push({ name: `${name}_SERVICE_HOST`, value: ip });
    if (ports.length) out.push({ name: `${name}_SERVICE_PORT`, value: String(ports[0].port) });
    for (const p of ports) if (p.name) out.push({ name: `${name}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`, value: String(p.port) });
    if (!ports.length) continue;
    const url = (p: (typeof ports)[number]) => `${(p.protocol ?? 'TCP').toLowerCase()}://${ip.includes(':') ? `[${ip}]` : ip}:${p.port}`;
    out.push({ name: `${name}_PORT`, value: url(ports[0]) });
    for (const p of ports) {
      const proto = (p.protocol ?? 'TCP').toUpperCase();
      const prefix = `${name}_PORT_${p.port}_${proto}`;
      out.push({ name: prefix, value: url(p) }, { name: `${prefix}_PROTO`, value: proto.toLowerCase() }, { name: `${prefix}_PORT`, value: String(p.port) }, { name: `${prefix}_ADDR`, value: ip });
    }
  }
  return out;
}

/** metadata.labels['a'] → value; the downward API paths the kubelet understands for env. */
export function podFieldValue(pod: Pod, path: string, podIPs: string[], hostIPs: string[]): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata?.name ?? '';
    case 'metadata.namespace': return pod.metadata?.namespace ?? '';
    case 'metadata.uid': return pod.metadata?.uid ?? '';
    case 'metadata.labels': return formatMap(pod.metadata?.labels);
    case 'metadata.annotations': return formatMap(pod.metadata?.annotations);
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP': return hostIPs[0] ?? '';
    case 'status.hostIPs': return hostIPs.join(',');
    case 'status.podIP': return podIPs[0] ?? '';
    case 'status.podIPs': return podIPs.join(',');
  }
  throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
}

/** The downward API's key="value" lines, sorted by key. */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${JSON.stringify(m![k])}`).join('\n');
}

/** resourceFieldRef: limits default to the node's allocatable, values rounded up by the divisor. */
export function resourceFieldValue(container: Container, resource: string, divisor: string | undefined, node: NodeAllocatable): string {
  const [kind, name] = resource.split('.', 2) as ['limits' | 'requests', string];
  if ((kind !== 'limits' && kind !== 'requests') || !name) throw new ContainerConfigError(`unsupported container resource : ${resource}`);
  const raw = container.resources?.[kind]?.[name];
  let q: Quantity | undefined = raw !== undefined ? parseQuantity(String(raw)) : undefined;
  const d = parseQuantity(divisor && String(divisor) !== '0' ? String(divisor) : '1');
  if (name === 'cpu') {
    const milli = q ? q.milliValue() : kind === 'limits' ? node.cpuMilli : 0;
    return String(Math.ceil(milli / d.milliValue()));
  }
  if (name === 'memory' || name === 'ephemeral-storage') {
    const fallback = name === 'memory' ? node.memoryBytes : node.ephemeralStorageBytes;
    const v = q ? q.value() : kind === 'limits' ? fallback : 0;
    return String(Math.ceil(v / d.value()));
  }
  if (name.startsWith('hugepages-')) {
    q ??= parseQuantity('0');
    return String(Math.ceil(q.value() / d.value()));
  }
  throw new ContainerConfigError(`unsupported container resource : ${resource}`);
}

export interface EnvContext {
  pod: Pod;
  container: Container;
  podIPs: string[];
  hostIPs: string[];
  node: NodeAllocatable;
  source: EnvSource;
  /** default/kubernetes (always injected) */
  masterServices: Service[];
  /** names skipped because they are not valid env var names (for the InvalidEnvironmentVariableNames event) */
  invalidNames?: string[];
}

const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

type RefKind = 'ConfigMap' | 'Secret';

/** A ConfigMap's data (binaryData decoded) or a Secret's data (decoded); undefined when missing. */
async function fetchData(source: EnvSource, kind: RefKind, ns: string, name: string): Promise<Record<string, string> | undefined> {
  if (kind === 'ConfigMap') {
    const cm = await source.getConfigMap(ns, name);
    if (!cm) return undefined;
    const out: Record<string, string> = { ...(cm.data ?? {}) };
    for (const [k, v] of Object.entries(cm.binaryData ?? {})) out[k] ??= decode(v);
    return out;
  }
  const sec = await source.getSecret(ns, name);
  if (!sec) return undefined;
  return Object.fromEntries(Object.entries(sec.data ?? {}).map(([k, v]) => [k, decode(v)]));
}

/** The container's env, in the order the runtime receives it. */
export async function makeEnvironment(ctx: EnvContext): Promise<Array<{ key: string; value: string }>> {
  const { pod, container, source } = ctx;
  const ns = pod.metadata?.namespace ?? 'default';
  const env = new Map<string, string>();
  // service links: the pod's namespace (enableServiceLinks) plus the master service
  const svcs = pod.spec?.enableServiceLinks === false ? [] : await source.listServices(ns);
  const byName = new Map<string, Service>();
  for (const s of [...ctx.masterServices, ...svcs]) byName.set(s.metadata!.name!, s);
  const serviceVars = new Map(serviceEnv([...byName.values()]).map((v) => [v.name, v.value]));

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind: RefKind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const data = await fetchData(source, kind, ns, ref.name ?? '');
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${kind.toLowerCase()} "${ref.name ?? ''}" not found`);
    }
    for (const [k, v] of Object.entries(data)) {
      const key = (from.prefix ?? '') + k;
      if (!envVarNameRE.test(key)) ctx.invalidNames?.push(key);
      else env.set(key, v);
    }
  }

  const lookup = (name: string): string | undefined => env.get(name) ?? serviceVars.get(name);
  for (const e of container.env ?? []) {
    const v = await envValue(ctx, e, lookup, ns);
    if (v !== undefined) env.set(e.name, v);
  }

  // service variables do not override what the pod set itself
  const out: Array<{ key: string; value: string }> = [];
  for (const [k, v] of serviceVars) if (!env.has(k)) out.push({ key: k, value: v });
  for (const [k, v] of env) out.push({ key: k, value: v });
  return out;
}

async function envValue(ctx: EnvContext, e: EnvVar, lookup: (n: string) => string | undefined, ns: string): Promise<string | undefined> {
  // an optional reference that does not resolve leaves the variable unset
  if (e.value !== undefined && e.value !== '') return expand(e.value, lookup);
  const from = e.valueFrom;
  if (!from) return '';
  if (from.fieldRef) return podFieldValue(ctx.pod, from.fieldRef.fieldPath, ctx.podIPs, ctx.hostIPs);
  if (from.resourceFieldRef) {
    const target = from.resourceFieldRef.containerName ? ([...(ctx.pod.spec?.containers ?? []), ...(ctx.pod.spec?.initContainers ?? [])].find((c) => c.name === from.resourceFieldRef!.containerName) ?? ctx.container) : ctx.container;
    return resourceFieldValue(target, from.resourceFieldRef.resource, from.resourceFieldRef.divisor as string | undefined, ctx.node);
  }
  const keyRef = from.configMapKeyRef ?? from.secretKeyRef;
  if (keyRef) {
    const kind: RefKind = from.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const { name = '', key, optional } = keyRef;
    const data = await fetchData(ctx.source, kind, ns, name);
    if (!data) {
      if (optional) return undefined;
      throw new ContainerConfigError(`${kind.toLowerCase()} "${name}" not found`);
    }
    if (data[key] === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in ${kind} ${ns}/${name}`);
    }
    return data[key];
  }
  return '';
}
