// Pruning and defaulting of custom resources by their structural schema, as upstream does at
// decode time: fields the schema does not specify are dropped (unless
// x-kubernetes-preserve-unknown-fields), embedded resources keep apiVersion/kind/metadata, and
// `default`s are filled in for absent (or null, when not nullable) properties.

import type { Schema } from '../../apimachinery/schema/types.js';

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** ObjectMeta's fields (the root's and embedded resources' metadata are pruned to these). */
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Remove unknown fields from `obj` (a whole custom resource). Returns the paths removed, in
 * upstream's form ("spec.foo", "spec.items[0].bar").
 */
export function pruneObject(obj: Record<string, any>, schema: Schema | undefined): string[] {
  const out: string[] = [];
  if (!schema) return out;
  pruneNode(obj, schema, '', out, true);
  return out;
}

function pruneMeta(meta: unknown, path: string, out: string[]): void {
  if (!isObj(meta)) return;
  for (const k of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(k)) {
      out.push(child(path, k));
      delete meta[k];
    }
  }
}

function pruneNode(v: unknown, s: Schema, path: string, out: string[], root = false): void {
  if (Array.isArray(v)) {
    if (s.items) v.forEach((it, i) => pruneNode(it, s.items!, `${path}[${i}]`, out));
    return;
  }
  if (!isObj(v)) return;
  const embedded = root || !!s['x-kubernetes-embedded-resource'];
  const preserve = !!s['x-kubernetes-preserve-unknown-fields'];
  const props = s.properties ?? {};
  const addl = isObj(s.additionalProperties) ? (s.additionalProperties as Schema) : undefined;
  for (const k of Object.keys(v)) {
    if (embedded && (k === 'apiVersion' || k === 'kind')) continue;
    if (embedded && k === 'metadata') {
      pruneMeta(v[k], child(path, k), out);
      continue;
    }
    const sub = props[k] ?? addl;
    if (sub) {
      pruneNode(v[k], sub, child(path, k), out);
      continue;
    }
    if (preserve || s.additionalProperties === true) continue;
    out.push(child(path, k));
    delete v[k];
  }
}

/** Whether any node of the schema carries a default. */
export function hasDefaults(s: Schema | undefined): boolean {
  if (!s) return false;
  if (s.default !== undefined) return true;
  if (s.properties && Object.values(s.properties).some(hasDefaults)) return true;
  if (isObj(s.additionalProperties) && hasDefaults(s.additionalProperties as Schema)) return true;
  if (s.items && hasDefaults(s.items)) return true;
  return false;
}

/** Fill in defaults in place (properties absent, or null where the schema is not nullable). */
export function applyDefaults(v: unknown, s: Schema | undefined): void {
  if (!s) return;
  if (Array.isArray(v)) {
    if (s.items) for (const it of v) applyDefaults(it, s.items);
    return;
  }
  if (!isObj(v)) return;
  if (s.properties) {
    for (const [k, sub] of Object.entries(s.properties)) {
      if (sub.default !== undefined && (!(k in v) || (v[k] === null && !sub.nullable))) v[k] = structuredClone(sub.default);
      if (k in v) applyDefaults(v[k], sub);
    }
  }
  if (isObj(s.additionalProperties)) {
    const sub = s.additionalProperties as Schema;
    for (const k of Object.keys(v)) {
      if (s.properties && k in s.properties) continue;
      applyDefaults(v[k], sub);
    }
  }
}
