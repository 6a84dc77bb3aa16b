// The typed schema of a served resource, for the parts of the API server that walk objects by
// schema (server-side apply, field validation): a custom resource's own structural schema, or
// the built-in type's model. Stub until the built-in OpenAPI models land (issue 6): built-in
// kinds have no schema here yet.

import type { TypedSchema } from '../../apimachinery/schema/types.js';
import type { ResourceDef } from '../registry/types.js';

/** The schema of `def`'s objects, or undefined when none is known. */
export function typedSchemaFor(def: ResourceDef): TypedSchema | undefined {
  if (def.schema) return { schema: def.schema, resolve: () => undefined };
  return undefined;
}
