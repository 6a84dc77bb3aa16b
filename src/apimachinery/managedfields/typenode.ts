// The shape server-side apply walks objects by: for each node, whether it is a struct/map
// (granular or atomic), a list (atomic, set, or map keyed by some fields) or a scalar. Built
// lazily from an OpenAPI Schema (x-kubernetes-list-type, -list-map-keys, -map-type), from the
// strategic-merge PatchMeta of built-in kinds (a fallback for kinds without a schema), or deduced
// from the value itself (no schema: maps granular, lists atomic). Nodes are cached per schema.

import { derefSchema } from '../schema/types.js';
import type { Schema, TypedSchema } from '../schema/types.js';
import type { PatchMeta } from '../patch/patch-meta.js';

export interface TypeNode {
  kind: 'map' | 'list' | 'scalar' | 'deduced';
  /** Owned as a whole (atomic maps and lists, scalars). */
  atomic: boolean;
  /** A struct (declared fields) rather than a map of arbitrary keys. */
  struct?: boolean;
  /**
   * Whether declared field `name` is a Go value (non-pointer struct, `default: {}` in the v3
   * model): it exists, empty, in the zero object an Update of a new object is compared with.
   * Undefined when the schema does not tell (then fields count as values).
   */
  valueField?(name: string): boolean;
  /** For lists: how items are identified. */
  listType?: 'atomic' | 'set' | 'map';
  keys?: readonly string[];
  /** The type of a declared field (structs); undefined when `name` is not declared. */
  field(name: string): TypeNode | undefined;
  /** Map values (additionalProperties / undeclared fields) or list items. */
  elem(): TypeNode;
}

// ---- deduced (no schema) ----

export const DEDUCED: TypeNode = {
  kind: 'deduced',
  atomic: false,
  field: () => undefined,
  elem: () => DEDUCED,
};

const SCALAR: TypeNode = { kind: 'scalar', atomic: true, field: () => undefined, elem: () => DEDUCED };

// ---- from an OpenAPI schema ----

const schemaNodes = new WeakMap<Schema, TypeNode>();

export function nodeFromTypedSchema(ts: TypedSchema): TypeNode {
  return nodeFromSchema(ts.schema, ts.resolve);
}

function nodeFromSchema(s0: Schema | undefined, resolve: (ref: string) => Schema | undefined): TypeNode {
  const s = derefSchema(s0, resolve);
  if (!s) return DEDUCED;
  const cached = schemaNodes.get(s);
  if (cached) return cached;
  let node: TypeNode;
  const type = s.type ?? (s.properties || s.additionalProperties ? 'object' : s.items ? 'array' : undefined);
  if (s['x-kubernetes-int-or-string']) node = SCALAR;
  else if (type === 'object') {
    const fields = new Map<string, TypeNode>();
    const props = s.properties ?? {};
    const ap = s.additionalProperties;
    let elemNode: TypeNode | undefined;
    const preserve = !!s['x-kubernetes-preserve-unknown-fields'];
    node = {
      kind: 'map',
      atomic: s['x-kubernetes-map-type'] === 'atomic',
      struct: !!s.properties && !ap,
      valueField: (name) => Object.prototype.hasOwnProperty.call(props, name) && props[name].default !== undefined,
      field(name) {
        if (!Object.prototype.hasOwnProperty.call(props, name)) return undefined;
        let f = fields.get(name);
        if (!f) fields.set(name, (f = nodeFromSchema(props[name], resolve)));
        return f;
      },
      elem() {
        if (!elemNode) elemNode = ap && typeof ap === 'object' ? nodeFromSchema(ap, resolve) : preserve || ap === true ? DEDUCED : DEDUCED;
        return elemNode;
      },
    };
  } else if (type === 'array') {
    const lt = s['x-kubernetes-list-type'] ?? 'atomic';
    let itemNode: TypeNode | undefined;
    node = {
      kind: 'list',
      atomic: lt === 'atomic',
      listType: lt,
      keys: lt === 'map' ? s['x-kubernetes-list-map-keys'] ?? [] : undefined,
      field: () => undefined,
      elem() {
        return (itemNode ??= nodeFromSchema(s.items, resolve));
      },
    };
  } else if (type) node = SCALAR;
  else node = DEDUCED;
  schemaNodes.set(s, node);
  return node;
}

// ---- from strategic-merge patch metadata (built-in kinds without a schema) ----

/** Fields of the built-in types that are maps (string keys to values) rather than structs. */
const MAP_FIELDS = new Set([
  'labels', 'annotations', 'data', 'binaryData', 'stringData', 'nodeSelector', 'matchLabels',
  'limits', 'requests', 'capacity', 'allocatable', 'parameters', 'hard', 'used',
]);

const patchMetaNodes = new WeakMap<PatchMeta, TypeNode>();

/** A struct whose fields are not described: objects are structs again, lists atomic. */
const LOOSE_STRUCT: TypeNode = {
  kind: 'map',
  atomic: false,
  struct: true,
  field: (name) => (MAP_FIELDS.has(name) ? LOOSE_MAP : LOOSE_FIELD),
  elem: () => LOOSE_FIELD,
};
/** A map of strings (labels, annotations, data...). */
const LOOSE_MAP: TypeNode = { kind: 'map', atomic: false, field: () => undefined, elem: () => LOOSE_FIELD };
/** Any field of a loose struct: decided by its value at walk time (see resolveNode). */
const LOOSE_FIELD: TypeNode = { kind: 'deduced', atomic: false, field: () => undefined, elem: () => LOOSE_FIELD };

export function nodeFromPatchMeta(meta: PatchMeta | undefined): TypeNode {
  if (!meta) return LOOSE_STRUCT;
  const cached = patchMetaNodes.get(meta);
  if (cached) return cached;
  let node: TypeNode;
  if (meta.type === 'list') {
    const lt: 'atomic' | 'set' | 'map' = meta.mergeKey ? 'map' : meta.strategy?.includes('merge') ? 'set' : 'atomic';
    node = { kind: 'list', atomic: lt === 'atomic', listType: lt, keys: meta.mergeKey ? [meta.mergeKey] : undefined, field: () => undefined, elem: () => nodeFromPatchMeta(meta.elem) };
  } else if (meta.type === 'map') {
    node = { kind: 'map', atomic: false, field: () => undefined, elem: () => nodeFromPatchMeta(meta.elem) };
  } else if (meta.type === 'object') {
    const fields = meta.fields ?? {};
    node = {
      kind: 'map',
      atomic: false,
      struct: true,
      field: (name) => (Object.prototype.hasOwnProperty.call(fields, name) ? nodeFromPatchMeta(fields[name]) : LOOSE_STRUCT.field(name)),
      elem: () => LOOSE_FIELD,
    };
  } else node = SCALAR;
  patchMetaNodes.set(meta, node);
  return node;
}

/**
 * The node to walk `value` with: deduced and loose nodes take their shape from the value
 * (objects granular, lists atomic, everything else scalar).
 */
export function resolveNode(node: TypeNode, value: unknown): TypeNode {
  if (node.kind !== 'deduced') return node;
  if (value !== null && typeof value === 'object') {
    if (Array.isArray(value)) return ATOMIC_LIST;
    return node === LOOSE_FIELD ? LOOSE_STRUCT : DEDUCED_MAP;
  }
  return SCALAR;
}

const DEDUCED_MAP: TypeNode = { kind: 'map', atomic: false, field: () => undefined, elem: () => DEDUCED };
const ATOMIC_LIST: TypeNode = { kind: 'list', atomic: true, listType: 'atomic', field: () => undefined, elem: () => DEDUCED };

/** Whether a key of a map node is a declared field (structs) rather than a map entry. */
export function isDeclaredField(node: TypeNode, name: string): boolean {
  return node.field(name) !== undefined;
}

/** The node of the value under key `name` of map node `node`. */
export function childNode(node: TypeNode, name: string): TypeNode {
  return node.field(name) ?? node.elem();
}
