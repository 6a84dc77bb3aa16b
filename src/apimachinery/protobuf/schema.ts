// The wire schema of the built-in Kubernetes protobuf messages: parses the compact generated
// data (schema-data/*.ts) into message descriptions, and resolves apiVersion + kind to the
// message that carries that kind.
//
// Compact data format (one string per message, fields in Go struct declaration order):
//   field;field;...         field = jsonName:number:type[:flags]
//   type   s string, y bytes, b bool, i int32, I int64, u uint32, U uint64, d double, f float,
//          alias.Name a message (alias = a key of schema-data/index.ts PACKAGES),
//          {K,V} a map with key type K and value type V.
//   flags  r repeated; v a Go value (not pointer) field: gogo always writes it, even when zero;
//          o the JSON tag has omitempty; i the Go field is embedded inline in JSON.

import { PACKAGES } from './schema-data/index.js';

export type ScalarType = 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'double' | 'float';

export type TypeRef =
  | { kind: 'scalar'; scalar: ScalarType }
  | { kind: 'message'; name: string }
  | { kind: 'map'; key: TypeRef; value: TypeRef };

/** Messages whose Go types have their own JSON form. */
export type SpecialKind =
  | 'Time' | 'MicroTime' | 'Duration' | 'Quantity' | 'IntOrString' | 'RawExtension' | 'FieldsV1'
  /** A Go named slice of strings (meta/v1 Verbs, ExtraValue): JSON is the array of its items. */
  | 'StringArray';

export interface FieldSchema {
  json: string;
  number: number;
  type: TypeRef;
  repeated: boolean;
  /** Go value field (gogo nullable=false): always on the wire. */
  value: boolean;
  omitempty: boolean;
  inline: boolean;
}

export interface MessageSchema {
  /** alias.Name, e.g. "apps.Deployment". */
  name: string;
  /** Fully-qualified proto name, e.g. "k8s.io.api.apps.v1.Deployment". */
  fullName: string;
  special?: SpecialKind;
  /** In Go struct (JSON) order. */
  fields: FieldSchema[];
  /** In field-number order (the order gogo writes them). */
  wireOrder: FieldSchema[];
  byNumber: Map<number, FieldSchema>;
}

const SCALAR_CODES: Record<string, ScalarType> = {
  s: 'string', y: 'bytes', b: 'bool', i: 'int32', I: 'int64', u: 'uint32', U: 'uint64', d: 'double', f: 'float',
};

const SPECIAL: Record<string, SpecialKind> = {
  'meta.Time': 'Time',
  'meta.MicroTime': 'MicroTime',
  'meta.Duration': 'Duration',
  'meta.FieldsV1': 'FieldsV1',
  'meta.Verbs': 'StringArray',
  'resource.Quantity': 'Quantity',
  'intstr.IntOrString': 'IntOrString',
  'runtime.RawExtension': 'RawExtension',
  'authentication.ExtraValue': 'StringArray',
  'authorization.ExtraValue': 'StringArray',
  'certificates.ExtraValue': 'StringArray',
};

/** apiVersion -> package alias. */
export const GROUP_VERSION_PACKAGES: Record<string, string> = {
  v1: 'core',
  'apps/v1': 'apps',
  'batch/v1': 'batch',
  'autoscaling/v1': 'autoscaling',
  'autoscaling/v2': 'autoscalingv2',
  'coordination.k8s.io/v1': 'coordination',
  'discovery.k8s.io/v1': 'discovery',
  'events.k8s.io/v1': 'events',
  'rbac.authorization.k8s.io/v1': 'rbac',
  'certificates.k8s.io/v1': 'certificates',
  'storage.k8s.io/v1': 'storage',
  'policy/v1': 'policy',
  'networking.k8s.io/v1': 'networking',
  'scheduling.k8s.io/v1': 'scheduling',
  'node.k8s.io/v1': 'node',
  'authentication.k8s.io/v1': 'authentication',
  'authorization.k8s.io/v1': 'authorization',
  'admissionregistration.k8s.io/v1': 'admissionregistration',
  'flowcontrol.apiserver.k8s.io/v1': 'flowcontrol',
  'apidiscovery.k8s.io/v2': 'apidiscovery',
  'meta.k8s.io/v1': 'meta',
};

/**
 * meta/v1 kinds that every group version serves (metav1.AddToGroupVersion and the unversioned
 * discovery types, which upstream writes with apiVersion "v1").
 */
const META_KINDS_IN_EVERY_VERSION = new Set([
  'Status', 'WatchEvent', 'DeleteOptions', 'ListOptions', 'GetOptions', 'CreateOptions', 'UpdateOptions',
  'PatchOptions', 'APIVersions', 'APIGroupList', 'APIGroup', 'APIResourceList',
]);

/** Messages with a metadata field that are not kinds. */
const NOT_KINDS = new Set(['core.PodTemplateSpec', 'core.PersistentVolumeClaimTemplate', 'batch.JobTemplateSpec']);

/** core/v1 query-parameter kinds (no metadata). */
const OPTIONS_KINDS = new Set([
  'core.PodLogOptions', 'core.PodExecOptions', 'core.PodAttachOptions', 'core.PodPortForwardOptions',
  'core.PodProxyOptions', 'core.NodeProxyOptions', 'core.ServiceProxyOptions',
]);

const messages = new Map<string, MessageSchema>();
let loaded = false;

function parseType(tok: string): TypeRef {
  if (tok.startsWith('{')) {
    const comma = tok.indexOf(',');
    return { kind: 'map', key: parseType(tok.slice(1, comma)), value: parseType(tok.slice(comma + 1, -1)) };
  }
  const scalar = SCALAR_CODES[tok];
  if (scalar) return { kind: 'scalar', scalar };
  if (!tok.includes('.')) throw new Error(`protobuf schema: bad type token ${JSON.stringify(tok)}`);
  return { kind: 'message', name: tok };
}

function parseMessage(alias: string, pkg: string, name: string, text: string): MessageSchema {
  const fields: FieldSchema[] = [];
  for (const part of text ? text.split(';') : []) {
    // The type token may hold a ':'-free map "{s,resource.Quantity}", so split on ':' is safe.
    const [json, num, type, flags = ''] = part.split(':');
    fields.push({
      json,
      number: Number(num),
      type: parseType(type),
      repeated: flags.includes('r'),
      value: flags.includes('v'),
      omitempty: flags.includes('o'),
      inline: flags.includes('i'),
    });
  }
  const full = `${alias}.${name}`;
  return {
    name: full,
    fullName: `${pkg}.${name}`,
    special: SPECIAL[full],
    fields,
    wireOrder: [...fields].sort((a, b) => a.number - b.number),
    byNumber: new Map(fields.map((f) => [f.number, f])),
  };
}

function load(): void {
  if (loaded) return;
  for (const [alias, { pkg, messages: msgs }] of Object.entries(PACKAGES)) {
    for (const [name, text] of Object.entries(msgs)) messages.set(`${alias}.${name}`, parseMessage(alias, pkg, name, text));
  }
  loaded = true;
}

/** The message named alias.Name ("core.Pod"), or undefined. */
export function getMessage(name: string): MessageSchema | undefined {
  load();
  return messages.get(name);
}

/** Every message, by alias.Name. */
export function allMessages(): ReadonlyMap<string, MessageSchema> {
  load();
  return messages;
}

function isKindMessage(m: MessageSchema): boolean {
  if (NOT_KINDS.has(m.name)) return false;
  const meta = m.byNumber.get(1);
  if (meta?.json === 'metadata' && meta.type.kind === 'message' && (meta.type.name === 'meta.ObjectMeta' || meta.type.name === 'meta.ListMeta')) return true;
  return OPTIONS_KINDS.has(m.name);
}

/** The message that carries apiVersion/kind on the wire, or undefined when protobuf cannot carry it. */
export function messageForKind(apiVersion: string, kind: string): MessageSchema | undefined {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !kind) return undefined;
  const alias = GROUP_VERSION_PACKAGES[apiVersion];
  if (!alias) return undefined;
  const m = getMessage(`${alias}.${kind}`);
  if (m && isKindMessage(m)) return m;
  if (alias === 'meta' && (kind === 'PartialObjectMetadata' || kind === 'PartialObjectMetadataList')) return getMessage(`meta.${kind}`);
  if (META_KINDS_IN_EVERY_VERSION.has(kind)) return getMessage(`meta.${kind}`);
  return undefined;
}
