// The published schemas of a custom resource version (a ResourceDef carrying `schema`): the
// version's structural schema with apiVersion, kind and metadata added and the kind marked with
// x-kubernetes-group-version-kind, plus its List kind, named as upstream names them
// (<reverse-dns group>.<version>.<Kind>, e.g. com.example.stable.v1.CronTab).

import type { Schema } from '../../apimachinery/schema/types.js';
import type { ResourceDef } from '../registry/types.js';
import { N, refOf } from './model.js';

const API_VERSION = 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND = 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_METADATA = 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export function crdSchemaName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** The kind and list schemas of a custom resource definition, by name. */
export function crdSchemas(def: ResourceDef): Record<string, Schema> {
  const name = crdSchemaName(def.group, def.version, def.kind);
  const s: Schema = structuredClone(def.schema ?? {});
  s.type = 'object';
  s.properties = {
    ...s.properties,
    apiVersion: { description: API_VERSION, type: 'string' },
    kind: { description: KIND, type: 'string' },
    metadata: { allOf: [{ $ref: refOf(N.objectMeta) }], description: METADATA },
  };
  s['x-kubernetes-group-version-kind'] = [{ group: def.group, version: def.version, kind: def.kind }];
  const list: Schema = {
    description: `${def.kind}List is a list of ${def.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { description: API_VERSION, type: 'string' },
      items: { description: `List of ${def.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: 'array', items: { $ref: refOf(name) } },
      kind: { description: KIND, type: 'string' },
      metadata: { allOf: [{ $ref: refOf(N.listMeta) }], description: LIST_METADATA },
    },
    'x-kubernetes-group-version-kind': [{ group: def.group, version: def.version, kind: `${def.kind}List` }],
  };
  return { [name]: s, [`${name}List`]: list };
}
