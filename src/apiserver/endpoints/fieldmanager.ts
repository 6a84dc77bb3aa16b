// Glue between the write path and server-side apply (src/apimachinery/managedfields): the type
// a resource's objects are walked with (its OpenAPI schema when typedSchemaFor knows one, else
// the built-in kinds' strategic-merge metadata, else deduced from the values), the manager
// name of a request, and the Update tracking every create/update/patch runs.

import { DEDUCED, managerFromUserAgent, nodeFromPatchMeta, nodeFromTypedSchema, trackUpdate } from '../../apimachinery/managedfields/index.js';
import type { FieldManagerScope, TypeNode } from '../../apimachinery/managedfields/index.js';
import { builtinPatchMeta } from '../../apimachinery/patch/patch-meta.js';
import { typedSchemaFor } from '../openapi/typed.js';
import type { KObject, ResourceDef } from '../registry/types.js';
import type { RequestScope } from './context.js';
import { gvString } from './read.js';

/** The manager name of internal writes (bootstrap objects, controllers in the API server). */
const INTERNAL_MANAGER = 'kube-apiserver';

export function typeNodeFor(def: ResourceDef): TypeNode {
  const ts = typedSchemaFor(def);
  if (ts) return nodeFromTypedSchema(ts);
  const meta = builtinPatchMeta(def.group, def.kind);
  return meta ? nodeFromPatchMeta(meta) : DEDUCED;
}

export function fieldManagerScope(def: ResourceDef, subresource: string): FieldManagerScope {
  return {
    node: typeNodeFor(def),
    apiVersion: gvString(def),
    subresource,
    hasStatus: !!def.subresources?.status,
    structsAsMembers: !!def.schema,
  };
}

/** `fieldManager` of the request, else derived from its User-Agent. */
export function managerName(scope: RequestScope): string {
  const fm = scope.query.get('fieldManager');
  if (fm) return fm;
  if (scope.userAgent === undefined) return INTERNAL_MANAGER;
  return managerFromUserAgent(scope.userAgent);
}

/** Update tracking for a create (`live` undefined) or an update of `obj`. */
export function trackWrite(scope: RequestScope, live: KObject | undefined, obj: KObject): void {
  if (scope.subresource === 'binding') return; // upstream's binding writes storage directly
  trackUpdate(fieldManagerScope(scope.def, scope.subresource), live, obj, managerName(scope));
}
