// Small utilities shared by the core/v1 resource declarations: safe accessors over parsed
// JSON, upstream's "semantic" equality (unset == empty), field-path helpers, resource
// quantity checks (names, values, request ≤ limit) and the readable spec diff that
// upstream appends to its "may not change fields" errors.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isQualifiedName } from '../../../apimachinery/validation.js';
import { parseQuantity, type Quantity } from '../../../apimachinery/quantity.js';
import type { KObject } from '../types.js';

export function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value as an array ([] when absent or not an array). */
export function arr<T = any>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

/** The value as an object ({} when absent). */
export function obj(v: unknown): Record<string, any> {
  return isObj(v) ? v : {};
}

/** The value as a string ('' when absent or not a string). */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The value as a number (0 when absent). */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** Sets `o[k]` to `v` when unset (undefined or null). */
export function setDefault(o: Record<string, any>, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null) o[k] = v;
}

/** Deep copy of JSON data. */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return false;
}

/**
 * Upstream's Semantic.DeepEqual over JSON: unset, null, '' and empty lists compare equal
 * (as omitted Go zero values do); quantities compare by value.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string') return false;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return false;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => semanticEqual(x, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    if (!semanticEqual(ao[k], bo[k])) return false;
  }
  return true;
}

/** Quantity-aware equality of two resource lists ({cpu: "1", memory: "1Gi"}). */
export function resourceListEqual(a: unknown, b: unknown): boolean {
  const x = obj(a);
  const y = obj(b);
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const k of keys) {
    const qa = tryQuantity(x[k]);
    const qb = tryQuantity(y[k]);
    if (!qa || !qb) {
      if (x[k] !== y[k]) return false;
    } else if (qa.cmp(qb) !== 0) return false;
  }
  return true;
}

/** `path[key]` as upstream's field.Path.Key. */
export function keyPath(path: string, key: string): string {
  return `${path}[${key}]`;
}

/** A child path; the root '' yields just the child. */
export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** Upstream's ValidateDNS1123Label-style helper: run a string check, one Invalid per message. */
export function check(msgs: string[], path: string, value: unknown): FieldError[] {
  return msgs.map((m) => fieldErr.invalid(path, value, m));
}

/** ValidateNonnegativeField. */
export function nonNegative(v: unknown, path: string): FieldError[] {
  return typeof v === 'number' && v < 0 ? [fieldErr.invalid(path, v, 'must be greater than or equal to 0')] : [];
}

// ---------------------------------------------------------------------------------------
// quantities
// ---------------------------------------------------------------------------------------

/** Parses a quantity given as JSON (a string or a number); undefined when invalid. */
export function tryQuantity(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return parseQuantity(String(v));
  } catch {
    return undefined;
  }
}

/** The canonical string of a quantity value ("0" when absent, the raw text when invalid). */
export function quantityString(v: unknown): string {
  if (v === undefined || v === null) return '0';
  const q = tryQuantity(v);
  return q ? q.toString() : String(v);
}

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);
const standardResources = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers',
  'resourcequotas', 'secrets', 'persistentvolumeclaims', 'configmaps', 'storage', 'requests.storage',
  'services.nodeports', 'services.loadbalancers',
]);

/** Resources whose quantities must be whole numbers (upstream's IsIntegerResourceName). */
export function isIntegerResourceName(name: string): boolean {
  if (name.startsWith('hugepages-')) return false;
  if (['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers'].includes(name)) return true;
  if (name.startsWith('count/')) return true;
  return isExtendedResourceName(name);
}

/** Native resources: no domain, or a *kubernetes.io/ domain. */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** Extended resources: a domain-qualified name outside kubernetes.io, not "requests." prefixed. */
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

/** Resources that may be overcommitted (requests < limits): everything native but hugepages. */
export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !name.startsWith('hugepages-');
}

/** validateResourceName: a qualified name; names without a domain must be standard. */
export function validateResourceName(name: string, path: string, standard: (n: string) => boolean = (n) => standardResources.has(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-')): FieldError[] {
  const errs = check(isQualifiedName(name), path, name);
  if (errs.length) return errs;
  if (!name.includes('/') && !standard(name)) {
    errs.push(fieldErr.invalid(path, name, 'must be a standard resource type or fully qualified'));
  }
  return errs;
}

/** validateContainerResourceName. */
export function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = check(isQualifiedName(name), path, name);
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!standardContainerResources.has(name) && !name.startsWith('hugepages-')) {
      errs.push(fieldErr.invalid(path, name, 'must be a standard resource for containers'));
    }
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(fieldErr.invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/**
 * ValidateResourceQuantityValue: a parseable, non-negative quantity; whole numbers for
 * integer resources. Returns the parsed quantity alongside the errors.
 */
export function validateQuantityValue(resource: string, v: unknown, path: string): { errs: FieldError[]; q?: Quantity } {
  const q = tryQuantity(v);
  if (!q) return { errs: [fieldErr.invalid(path, v ?? null, 'must be a valid quantity')] };
  const errs: FieldError[] = [];
  if (q.sign() < 0) errs.push(fieldErr.invalid(path, q.toString(), 'must be greater than or equal to 0'));
  if (isIntegerResourceName(resource) && q.milliValueBig() % 1000n !== 0n) {
    errs.push(fieldErr.invalid(path, q.toString(), 'must be an integer'));
  }
  return { errs, q };
}

// ---------------------------------------------------------------------------------------
// diffs for "may not change" messages
// ---------------------------------------------------------------------------------------

/**
 * A readable list of the differences between two JSON values, one "-"/"+" pair per changed
 * leaf path (upstream prints a Go cmp.Diff of the structs here; clients only show it).
 */
export function describeDiff(oldV: unknown, newV: unknown, path = ''): string {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, p: string) => {
    if (semanticEqual(a, b)) return;
    if (isObj(a) && isObj(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) walk(a[k], b[k], p ? `${p}.${k}` : k);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((x, i) => walk(x, b[i], `${p}[${i}]`));
      return;
    }
    lines.push(`- ${p}: ${JSON.stringify(a ?? null)}`, `+ ${p}: ${JSON.stringify(b ?? null)}`);
  };
  walk(oldV, newV, path);
  return lines.join('\n');
}

/** Typed access to a ResourceDef object's common parts. */
export function meta(o: KObject): Record<string, any> {
  return obj(o.metadata);
}

/** ValidateNonSpecialIP: no unspecified, loopback, link-local or link-local multicast IPs. */
export function validateNonSpecialIP(ip: string, path: string): FieldError[] {
  const v = ip.toLowerCase();
  if (v === '0.0.0.0' || v === '::') return [fieldErr.invalid(path, ip, 'may not be unspecified (0.0.0.0)')];
  if (/^127\./.test(v) || v === '::1') return [fieldErr.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
  if (/^169\.254\./.test(v) || /^fe[89ab][0-9a-f]:/.test(v)) return [fieldErr.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
  if (/^224\.0\.0\./.test(v) || /^ff02:/.test(v)) return [fieldErr.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
  return [];
}
