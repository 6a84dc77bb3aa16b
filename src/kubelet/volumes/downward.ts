// The downward API as volumes see it (upstream's pkg/fieldpath and pkg/api/v1/resource): pod
// fields as strings (labels and annotations as sorted `key="value"` lines, the value quoted as
// Go's %q), and container resources divided by a divisor and rounded up.
import { cpus, totalmem } from 'node:os';
import type { Container, Pod, ResourceFieldSelector } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../apimachinery/quantity.js';
import type { Quantity } from '../../apimachinery/quantity.js';

const SIMPLE_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's strconv.Quote (what %q prints for a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const esc = SIMPLE_ESCAPES[ch];
    if (esc) out += esc;
    else if (PRINTABLE.test(ch)) out += ch;
    else {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    }
  }
  return out + '"';
}

/** fieldpath.FormatMap: `key="value"` lines in key order, no trailing newline. */
export function formatMap(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.map((k) => `${k}=${goQuote(m![k]!)}`).join('\n');
}

/** `metadata.labels['key']` → ['metadata.labels', 'key'] (fieldpath.SplitMaybeSubscriptedPath). */
export function splitMaybeSubscriptedPath(fieldPath: string): { path: string; subscript?: string } {
  if (!fieldPath.endsWith("']")) return { path: fieldPath };
  const i = fieldPath.indexOf("['");
  if (i < 0) return { path: fieldPath };
  return { path: fieldPath.slice(0, i), subscript: fieldPath.slice(i + 2, -2) };
}

/** fieldpath.ExtractFieldPathAsString for the fields a downwardAPI volume may project. */
export function extractFieldPathAsString(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const { path, subscript } = splitMaybeSubscriptedPath(fieldPath);
  if (subscript !== undefined) {
    if (path === 'metadata.annotations') return meta.annotations?.[subscript] ?? '';
    if (path === 'metadata.labels') return meta.labels?.[subscript] ?? '';
    throw new Error(`fieldPath ${JSON.stringify(fieldPath)} does not support subscript`);
  }
  switch (path) {
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}

/** The node's allocatable resources as quantity strings (cpu, memory, ephemeral-storage). */
export type NodeAllocatable = Record<string, string>;

/** A host-derived stand-in when the kubelet gives none: all CPUs and all memory. */
export function hostAllocatable(): NodeAllocatable {
  return { cpu: String(cpus().length), memory: String(totalmem()) };
}

function quantity(v: unknown): Quantity | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return parseQuantity(String(v));
}

const ZERO = parseQuantity('0');

/**
 * resource.ExtractResourceValueByContainerNameAndNodeAllocatable: the container's requests or
 * limits (limits default to node allocatable), divided by the divisor (default 1), rounded up.
 */
export function extractResourceValue(fs: ResourceFieldSelector, pod: Pod, containerName: string, allocatable: NodeAllocatable): string {
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const container: Container | undefined = all.find((c) => c.name === containerName);
  if (!container) throw new Error(`failed to find container: ${containerName}`);
  const divisor = quantity(fs.divisor);
  const div = !divisor || divisor.isZero() ? parseQuantity('1') : divisor;
  const [kind, name] = splitResource(fs.resource);
  const own = kind === 'limits' ? container.resources?.limits : container.resources?.requests;
  let q = quantity(own?.[name]);
  // MergeContainerResourceLimits: unset cpu/memory/ephemeral-storage limits are node allocatable
  if (!q && kind === 'limits' && (name === 'cpu' || name === 'memory' || name === 'ephemeral-storage')) q = quantity(allocatable[name]);
  q ??= ZERO;
  if (name === 'cpu') return String(Math.ceil(q.milliValue() / div.milliValue()));
  if (name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-')) return String(Math.ceil(q.value() / div.value()));
  throw new Error(`unsupported container resource : ${fs.resource}`);
}

function splitResource(resource: string): ['limits' | 'requests', string] {
  const dot = resource.indexOf('.');
  const kind = resource.slice(0, dot);
  if (dot < 0 || (kind !== 'limits' && kind !== 'requests')) throw new Error(`unsupported container resource : ${resource}`);
  return [kind, resource.slice(dot + 1)];
}
