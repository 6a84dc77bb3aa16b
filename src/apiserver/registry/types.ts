// The shape of a resource declaration ("registry as data"): everything the generic API
// handlers need to serve one resource — names, scope, storage key, defaulting, validation,
// the create/update strategy, selectable fields and the Table columns kubectl prints.
// Built-in resources declare themselves in the files beside this one; CRDs build
// the same structure at run time.

import type { FieldError } from '../../apimachinery/errors.js';
import type { Schema } from '../../apimachinery/schema/types.js';

/** A Kubernetes object as parsed JSON. */
export type KObject = Record<string, any>;

export interface TableColumn {
  name: string;
  /** OpenAPI type: 'string' | 'integer' | 'number' | 'boolean' */
  type: string;
  /** e.g. 'name' for the NAME column, 'date' for timestamps */
  format: string;
  description: string;
  /** 0: shown by default; 1: only with -o wide */
  priority: number;
}

export interface TableDef {
  columns: TableColumn[];
  /** One row's cells, in column order. Cells are strings, numbers or booleans (null allowed). */
  cells(obj: KObject, now: number): unknown[];
}

export interface ValidationContext {
  /** 'create' | 'update' */
  operation: 'create' | 'update';
  /** The subresource being written ('' for the main resource, 'status', 'scale', ...). */
  subresource: string;
}

export interface ScaleSubresource {
  /** JSON paths (dot form without leading dot) */
  specReplicasPath: string; // e.g. 'spec.replicas'
  statusReplicasPath: string; // e.g. 'status.replicas'
  labelSelectorPath?: string; // e.g. 'status.selector' (as a string) or computed
  /** Compute the selector string for Scale.status.selector (built-ins use spec.selector). */
  selector?(obj: KObject): string;
}

export interface ResourceDef {
  /** '' for the core group */
  group: string;
  version: string;
  kind: string;
  /** The resource name in URLs: 'pods' */
  plural: string;
  /** 'pod' */
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Verbs served (defaults to all eight: create delete deletecollection get list patch update watch). */
  verbs?: string[];
  /** Subresources with generic handling. */
  subresources?: {
    status?: boolean;
    scale?: ScaleSubresource;
  };
  /**
   * Key segment under --etcd-prefix, as upstream lays keys out:
   * '/registry/<storageResource>/<namespace>/<name>' or '/registry/<storageResource>/<name>'.
   * Defaults to plural for core and '<group>/<plural>' is NOT used for built-ins
   * (upstream uses e.g. 'deployments', 'minions' for nodes, 'services/specs').
   */
  storageResource?: string;
  /**
   * When several API versions/groups share one storage (core/v1 events and events.k8s.io/v1),
   * convert to and from the stored form (the storage owner's version).
   */
  toStorage?(obj: KObject): KObject;
  fromStorage?(obj: KObject): KObject;

  /** Apply upstream defaulting in place (called on create and update, before validation). */
  defaults?(obj: KObject): void;
  /** Strategy hook on create: e.g. clear status, set initial phase. Mutates obj. */
  prepareForCreate?(obj: KObject): void;
  /** Strategy hook on update of the main resource: e.g. keep old status. Mutates obj. */
  prepareForUpdate?(obj: KObject, old: KObject): void;
  /** Strategy hook on update of the status subresource: e.g. keep old spec. Mutates obj. */
  prepareForStatusUpdate?(obj: KObject, old: KObject): void;
  /** Strategy hook on delete, before finalizers are looked at (CRDs add their cleanup finalizer). Mutates obj. */
  prepareForDelete?(obj: KObject): void;
  /**
   * Drop the fields the resource's schema does not know from a decoded body and return their
   * paths (custom resources: structural pruning). Absent: the built-in wire schema is used.
   */
  pruneUnknown?(obj: KObject): string[];
  /** Validation of a new object (metadata name rules included unless validateName is set). */
  validate?(obj: KObject, ctx: ValidationContext): FieldError[];
  /** Validation of an update (immutable fields ...), called in addition to validate(). */
  validateUpdate?(obj: KObject, old: KObject, ctx: ValidationContext): FieldError[];
  /**
   * Name rule for metadata.name: 'subdomain' (DNS-1123 subdomain, the default), 'label'
   * (DNS-1123 label, e.g. namespaces), 'dns1035' (services), 'path' (only no '/' or '%', e.g. RBAC roles),
   * or 'none'.
   */
  nameRule?: 'subdomain' | 'label' | 'dns1035' | 'path' | 'none';
  /**
   * True when metadata.generation is bumped on changes outside metadata and status
   * (upstream: all types with a spec, e.g. deployments, pods do not... see each type).
   */
  generation?: boolean;
  /** Selectable fields for fieldSelector, beyond metadata.name and metadata.namespace. */
  selectableFields?(obj: KObject): Record<string, string>;
  /** Table output for kubectl get. Absent: the default NAME / AGE table. */
  table?: TableDef;
  /** Stored objects expire after this many seconds (events: --event-ttl). */
  ttlSeconds?(): number | undefined;
  /** True for resources the clients may only create (e.g. bindings, tokenreviews). */
  createOnly?: boolean;
  /**
   * The object's OpenAPI v3 schema when the definition carries its own (custom resources: the
   * version's structural schema). Built-in kinds leave it unset; src/apiserver/openapi has theirs.
   */
  schema?: Schema;
}
