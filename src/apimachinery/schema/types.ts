// The OpenAPI v3 schema shape every schema-driven part of the API server shares: the
// built-in types' schemas (src/apiserver/openapi), CRD structural schemas (src/apiextensions),
// server-side apply's typed merge (src/apimachinery/managedfields) and field validation.
// It is the subset of JSON Schema Kubernetes uses, with upstream's x-kubernetes-* extensions.

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  title?: string;
  /** '#/components/schemas/<name>' (v3) or '#/definitions/<name>' (v2) */
  $ref?: string;
  /** Upstream's v3 documents wrap a $ref that carries a default or description in allOf: [{$ref}]. */
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  not?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  default?: unknown;
  enum?: unknown[];
  nullable?: boolean;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  example?: unknown;
  externalDocs?: { description?: string; url?: string };
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-validations'?: ValidationRule[];
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-unions'?: unknown[];
  [ext: `x-${string}`]: unknown;
}

/**
 * A schema together with the way to follow its $refs: what server-side apply, pruning and
 * validation walk. For built-in kinds `resolve` looks names up in the built-in model; a CRD's
 * schema is self-contained and `resolve` returns undefined.
 */
export interface TypedSchema {
  schema: Schema;
  resolve(ref: string): Schema | undefined;
}

/** Follow $ref and single-element allOf wrappers until a schema with content is reached. */
export function derefSchema(s: Schema | undefined, resolve: (ref: string) => Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur && i < 32; i++) {
    if (cur.$ref) cur = resolve(cur.$ref);
    else if (cur.allOf && cur.allOf.length === 1 && !cur.type && !cur.properties && !cur.items) cur = cur.allOf[0];
    else return cur;
  }
  return cur;
}
