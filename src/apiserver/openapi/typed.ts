// The typed schema of a served resource, for the parts of the API server that walk objects by
// schema (server-side apply, field validation): a custom resource's own structural schema, or
// the built-in type's schema from the OpenAPI model (built lazily on first use, then cached).
// References resolve against the built-in model (e.g. a CRD's ObjectMeta).

import type { Schema, TypedSchema } from '../../apimachinery/schema/types.js';
import type { ResourceDef } from '../registry/types.js';
import { builtinModel, nameOfRef } from './model.js';

const resolve = (ref: string): Schema | undefined => builtinModel().schemas.get(nameOfRef(ref));

const byName = new Map<string, TypedSchema>();

/** The schema of `def`'s objects, or undefined when none is known. */
export function typedSchemaFor(def: ResourceDef): TypedSchema | undefined {
  if (def.schema) return { schema: def.schema, resolve };
  return builtinTypedSchema(def.group, def.version, def.kind);
}

/** The built-in model's schema of a kind (e.g. autoscaling/v1 Scale for /scale), or undefined. */
export function builtinTypedSchema(group: string, version: string, kind: string): TypedSchema | undefined {
  const name = builtinModel().byGVK.get(`${group}/${version}/${kind}`);
  if (!name) return undefined;
  let t = byName.get(name);
  if (!t) {
    t = { schema: builtinModel().schemas.get(name)!, resolve };
    byName.set(name, t);
  }
  return t;
}
