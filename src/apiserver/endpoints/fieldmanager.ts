// Glue between the write path and server-side apply (src/apimachinery/managedfields): the type
// a resource's objects are walked with (its OpenAPI schema when typedSchemaFor knows one, else
// the built-in kinds' strategic-merge metadata, else deduced from the values), the manager
// name of a request, and the Update tracking every create/update/patch runs.

import { DEDUCED, managerFromUserAgent, nodeFromPatchMeta, nodeFromTypedSchema, trackUpdate } from '../../apimachinery/managedfields/index.js';
import type { FieldManagerScope, TypeNode } from '../../apimachinery/managedfields/index.js';
import { builtinPatchMeta } from '../../apimachinery/patch/patch-meta.js';
import { typedSchemaFor } from '../openapi/typed.js';
import { builtinModelBuildMs } from '../openapi/model.js';
import type { KObject, ResourceDef } from '../registry/types.js';
import type { RequestScope } from './context.js';
import { gvString } from './read.js';

/** The manager name of internal writes (bootstrap objects, controllers in the API server). */
const INTERNAL_MANAGER = 'kube-apiserver';

/**
 * The type of `def`'s objects. `internal` writes (the API server's own, at startup) do not build
 * the built-in OpenAPI model (half a second) when nothing else has yet: they walk by the
 * strategic-merge metadata meanwhile.
 */
export function typeNodeFor(def: ResourceDef, internal = false): TypeNode {
  const ts = def.schema || !internal || builtinModelBuildMs() > 0 ? typedSchemaFor(def) : undefined;
  if (ts) return nodeFromTypedSchema(ts);
  const meta = builtinPatchMeta(def.group, def.kind);
  return meta ? nodeFromPatchMeta(meta) : DEDUCED;
}

export function fieldManagerScope(def: ResourceDef, subresource: string, internal = false): FieldManagerScope {
  return {
    node: typeNodeFor(def, internal),
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
  trackUpdate(fieldManagerScope(scope.def, scope.subresource, scope.userAgent === undefined), live, obj, managerName(scope));
}
