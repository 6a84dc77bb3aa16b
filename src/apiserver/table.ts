// Server-side printing: objects to meta.k8s.io/v1 Table (what `kubectl get` asks for) and
// to PartialObjectMetadata(List). Columns come from each resource's TableDef; resources
// without one get upstream's default NAME / CREATED AT table.

import type { KObject, ResourceDef, TableColumn, TableDef } from './registry/types.js';

const DEFAULT_TABLE: TableDef = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', priority: 0 },
    { name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', priority: 0 },
  ],
  cells: (obj) => [obj.metadata?.name ?? '', obj.metadata?.creationTimestamp ?? null],
};

export function tableDef(def: ResourceDef): TableDef {
  return def.table ?? DEFAULT_TABLE;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function partialObject(obj: KObject): KObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
}

export function tableRow(def: ResourceDef, obj: KObject, include: IncludeObject, now: number): KObject {
  let cells: unknown[];
  try {
    cells = tableDef(def).cells(obj, now);
  } catch {
    cells = tableDef(def).columns.map((_, i) => (i === 0 ? obj.metadata?.name ?? '' : '<error>'));
  }
  const row: KObject = { cells };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') row.object = partialObject(obj);
  return row;
}

export function toTable(
  def: ResourceDef,
  objs: KObject[],
  listMeta: { resourceVersion?: string; continue?: string; remainingItemCount?: number },
  include: IncludeObject,
  noHeaders = false,
): KObject {
  const now = Date.now();
  const meta: KObject = {};
  if (listMeta.resourceVersion) meta.resourceVersion = listMeta.resourceVersion;
  if (listMeta.continue) meta.continue = listMeta.continue;
  if (listMeta.remainingItemCount !== undefined) meta.remainingItemCount = listMeta.remainingItemCount;
  const columns: TableColumn[] = noHeaders ? [] : tableDef(def).columns;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: columns,
    rows: objs.map((o) => tableRow(def, o, include, now)),
  };
}

export function parseIncludeObject(v: string | null): IncludeObject {
  if (v === 'None' || v === 'Object' || v === 'Metadata') return v;
  return 'Metadata';
}
