// The built-in OpenAPI model: one v3 schema per upstream definition name
// (io.k8s.api.core.v1.Pod, io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta, ...), built once on
// first use from three sources: kubernetes-types' declarations (fields, descriptions, required,
// apiVersion/kind literals), the protobuf wire schema (exact scalar formats, Go value fields and
// the fields and types newer than kubernetes-types) and the strategic-merge patch metadata plus
// the list/map markers (x-kubernetes-patch-*, x-kubernetes-list-*, x-kubernetes-map-type).
// References are in v3 form (#/components/schemas/<name>); v2.ts rewrites them.

import type { Schema } from '../../apimachinery/schema/types.js';
import { allMessages, getMessage, type FieldSchema, type MessageSchema, type TypeRef } from '../../apimachinery/protobuf/schema.js';
import { builtinPatchMeta, type PatchMeta } from '../../apimachinery/patch/patch-meta.js';
import { kubernetesTypes, type DtsType, type TypeExpr } from './dts.js';
import { builtinMarkers } from './markers.js';
import { extraDefinitions } from './extra.js';
import { META, N, nameOfRef, refOf } from './names.js';

export { N, nameOfRef, refOf, SCHEMA_REF_PREFIX } from './names.js';

export interface BuiltinModel {
  /** Every definition by name. */
  schemas: Map<string, Schema>;
  /** 'group/version/Kind' -> definition name, from the types' apiVersion/kind. */
  byGVK: Map<string, string>;
}

/** The definition name of a wire message ("k8s.io.api.core.v1.Pod" -> "io.k8s.api.core.v1.Pod"). */
const wireToName = (m: MessageSchema): string => `io.k8s.${m.fullName.slice('k8s.io.'.length)}`;

function specials(dts: Map<string, DtsType>): Record<string, Schema> {
  const d = (name: string, fallback: string) => dts.get(name)?.description ?? fallback;
  return {
    [N.time]: { description: d(N.time, 'Time is a wrapper around time.Time.'), type: 'string', format: 'date-time' },
    [N.microTime]: { description: d(N.microTime, 'MicroTime is version of Time with microsecond level precision.'), type: 'string', format: 'date-time' },
    [`${META}.Duration`]: { description: 'Duration is a wrapper around time.Duration which supports correct marshaling to YAML and JSON. In particular, it marshals into strings, which can be used as map keys in json.', type: 'string' },
    [`${META}.FieldsV1`]: { description: d(`${META}.FieldsV1`, 'FieldsV1 stores a set of fields.'), type: 'object' },
    [N.patch]: { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' },
    'io.k8s.apimachinery.pkg.runtime.RawExtension': { description: d('io.k8s.apimachinery.pkg.runtime.RawExtension', 'RawExtension is used to hold extensions in external versions.'), type: 'object' },
    [N.quantity]: { description: d(N.quantity, 'Quantity is a fixed-point representation of a number.'), oneOf: [{ type: 'string' }, { type: 'number' }] },
    [N.intOrString]: {
      description: 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    },
  };
}

const APIEXT = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
const DESCRIPTION_ONLY = new Set([`${APIEXT}.JSON`, `${APIEXT}.JSONSchemaPropsOrArray`, `${APIEXT}.JSONSchemaPropsOrBool`, `${APIEXT}.JSONSchemaPropsOrStringArray`]);

class Builder {
  readonly schemas = new Map<string, Schema>();
  readonly byGVK = new Map<string, string>();
  private readonly dts = kubernetesTypes();
  private readonly wire = new Map<string, MessageSchema>();
  private readonly special: Record<string, Schema>;
  private readonly pending: string[] = [];

  constructor() {
    for (const m of allMessages().values()) this.wire.set(wireToName(m), m);
    this.special = specials(this.dts);
  }

  build(): BuiltinModel {
    for (const name of this.dts.keys()) this.need(name);
    for (let name = this.pending.pop(); name !== undefined; name = this.pending.pop()) this.define(name);
    const extra = extraDefinitions();
    for (const [name, schema] of Object.entries(extra.schemas)) this.schemas.set(name, schema);
    for (const [gvk, name] of Object.entries(extra.kinds)) this.byGVK.set(gvk, name);
    this.applyPatchMeta();
    this.applyMarkers();
    return { schemas: this.schemas, byGVK: this.byGVK };
  }

  private need(name: string): string {
    if (!this.schemas.has(name) && !this.pending.includes(name)) this.pending.push(name);
    return name;
  }

  private define(name: string): void {
    if (this.schemas.has(name)) return;
    const sp = this.special[name];
    const t = this.dts.get(name);
    if (sp) this.schemas.set(name, sp);
    else if (DESCRIPTION_ONLY.has(name)) this.schemas.set(name, { description: t?.description ?? '' });
    else if (t?.fields) this.schemas.set(name, this.fromDts(t, this.wire.get(name)));
    else if (this.wire.has(name)) this.schemas.set(name, this.fromWire(this.wire.get(name)!));
    else this.schemas.set(name, { description: t?.description, type: t ? 'string' : 'object' });
  }

  /** Wire fields by JSON name, embedded (inline) structs flattened. */
  private wireFields(m: MessageSchema | undefined, out = new Map<string, FieldSchema>()): Map<string, FieldSchema> {
    for (const f of m?.fields ?? []) {
      if (f.inline && f.type.kind === 'message') this.wireFields(getMessage(f.type.name), out);
      else out.set(f.json, f);
    }
    return out;
  }

  private fromDts(t: DtsType, wire: MessageSchema | undefined): Schema {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    const wf = this.wireFields(wire);
    let apiVersion: string | undefined;
    let kind: string | undefined;
    for (const f of t.fields!) {
      if (f.name === 'apiVersion') apiVersion = f.literal;
      if (f.name === 'kind') kind = f.literal;
      properties[f.name] = this.fieldSchema(f.type, wf.get(f.name), f.description);
      if (!f.optional) required.push(f.name);
    }
    for (const [json, f] of wf) if (!(json in properties)) properties[json] = this.wireFieldSchema(f);
    const s: Schema = { description: t.description, type: 'object', properties: sortKeys(properties) };
    if (!t.description) delete s.description;
    if (required.length) s.required = required;
    if (apiVersion && kind) {
      const slash = apiVersion.indexOf('/');
      const group = slash < 0 ? '' : apiVersion.slice(0, slash);
      const version = apiVersion.slice(slash + 1);
      s['x-kubernetes-group-version-kind'] = [{ group, version, kind }];
      this.byGVK.set(`${group}/${version}/${kind}`, t.name);
    }
    return s;
  }

  private fromWire(m: MessageSchema): Schema {
    if (m.special === 'StringArray') return { type: 'array', items: { type: 'string' } };
    const properties: Record<string, Schema> = {};
    for (const [json, f] of this.wireFields(m)) properties[json] = this.wireFieldSchema(f);
    return { type: 'object', properties: sortKeys(properties) };
  }

  private refTo(name: string): Schema {
    return { $ref: refOf(this.need(name)) };
  }

  private scalar(t: 'string' | 'number' | 'boolean', wt: TypeRef | undefined, zero: boolean): Schema {
    const ws = wt?.kind === 'scalar' ? wt.scalar : undefined;
    let s: Schema;
    if (t === 'boolean') s = { type: 'boolean' };
    else if (t === 'string') s = ws === 'bytes' ? { type: 'string', format: 'byte' } : { type: 'string' };
    else if (ws === 'double' || ws === 'float') s = { type: 'number', format: 'double' };
    else s = { type: 'integer', format: ws === 'int64' || ws === 'uint64' ? 'int64' : 'int32' };
    if (zero) s.default = t === 'boolean' ? false : t === 'string' ? '' : 0;
    return s;
  }

  /** The schema of a value of type `e` (wire type `wt` when known). `value`: a Go value, not a pointer. */
  private valueSchema(e: TypeExpr, wt: TypeRef | undefined, value: boolean, zero: boolean): Schema {
    switch (e.k) {
      case 'string':
      case 'number':
      case 'boolean':
        return this.scalar(e.k, wt, zero && value);
      case 'intstr':
        return this.refTo(N.intOrString);
      case 'array': {
        const elemWire = wt?.kind === 'message' && getMessage(wt.name)?.special === 'StringArray' ? undefined : wt;
        return { type: 'array', items: this.wrap(this.valueSchema(e.of, elemWire, value, false), undefined, value && isStruct(elemWire)) };
      }
      case 'map': {
        const vt = wt?.kind === 'map' ? wt.value : undefined;
        return { type: 'object', additionalProperties: this.wrap(this.valueSchema(e.of, vt, false, false), undefined, false) };
      }
      case 'ref':
        return this.refTo(e.name);
    }
  }

  /** A $ref with siblings is wrapped in allOf, as upstream's v3 documents do. */
  private wrap(s: Schema, description: string | undefined, structDefault: boolean): Schema {
    if (!s.$ref) {
      if (description) return { description, ...s };
      return s;
    }
    if (!description && !structDefault) return s;
    const w: Schema = { allOf: [{ $ref: s.$ref }] };
    if (structDefault) w.default = {};
    if (description) w.description = description;
    return w;
  }

  private fieldSchema(e: TypeExpr, wf: FieldSchema | undefined, description: string | undefined): Schema {
    const value = !!wf?.value;
    const zero = !!wf && wf.value && !wf.omitempty && !wf.repeated;
    const s = this.valueSchema(e, wf?.type, value, zero);
    return this.wrap(s, description, value && !wf!.repeated && e.k === 'ref' && isStruct(wf!.type));
  }

  private wireTypeSchema(t: TypeRef): Schema {
    if (t.kind === 'scalar') {
      const base = t.scalar === 'bool' ? 'boolean' : t.scalar === 'string' || t.scalar === 'bytes' ? 'string' : 'number';
      return this.scalar(base, t, false);
    }
    if (t.kind === 'map') return { type: 'object', additionalProperties: this.wireTypeSchema(t.value) };
    const m = getMessage(t.name);
    if (!m) return { type: 'object' };
    if (m.special === 'StringArray') return { type: 'array', items: { type: 'string' } };
    return this.refTo(wireToName(m));
  }

  private wireFieldSchema(f: FieldSchema): Schema {
    const s = this.wireTypeSchema(f.type);
    return f.repeated ? { type: 'array', items: s } : s;
  }

  // ---- x-kubernetes-patch-* from the strategic-merge metadata ----

  private deref(s: Schema | undefined): string | undefined {
    const r = s?.$ref ?? s?.allOf?.[0]?.$ref;
    return r ? nameOfRef(r) : undefined;
  }

  private applyPatchMeta(): void {
    const seen = new Set<string>();
    const walk = (name: string | undefined, meta: PatchMeta) => {
      if (!name || meta.type !== 'object' || !meta.fields) return;
      const key = `${name}`;
      if (seen.has(key)) return;
      seen.add(key);
      const def = this.schemas.get(name);
      for (const [field, fm] of Object.entries(meta.fields)) {
        const prop = def?.properties?.[field];
        if (!prop) continue;
        if (fm.strategy?.length) prop['x-kubernetes-patch-strategy'] = fm.strategy.join(',');
        if (fm.mergeKey) prop['x-kubernetes-patch-merge-key'] = fm.mergeKey;
        if (fm.type === 'list' && fm.strategy?.includes('merge')) {
          if (fm.mergeKey) {
            prop['x-kubernetes-list-type'] = 'map';
            prop['x-kubernetes-list-map-keys'] = [fm.mergeKey];
          } else prop['x-kubernetes-list-type'] = 'set';
        }
        if (fm.type === 'list' && fm.elem) walk(this.deref(prop.items), fm.elem);
        else if (fm.type === 'map' && fm.elem) walk(this.deref(prop.additionalProperties as Schema), fm.elem);
        else walk(this.deref(prop), fm);
      }
    };
    for (const [gvk, name] of this.byGVK) {
      const [group, , kind] = gvk.split('/');
      const meta = builtinPatchMeta(group, kind);
      if (meta) walk(name, meta);
    }
  }

  private applyMarkers(): void {
    for (const [name, m] of builtinMarkers()) {
      const def = this.schemas.get(name);
      if (!def) continue;
      if (m.structAtomic) def['x-kubernetes-map-type'] = 'atomic';
      for (const [field, fm] of Object.entries(m.fields)) {
        const prop = def.properties?.[field];
        if (!prop) continue;
        if (fm.mapType) prop['x-kubernetes-map-type'] = fm.mapType;
        if (fm.default !== undefined) prop.default = fm.default;
        if (fm.enum) prop.enum = fm.enum;
        if (fm.format) Object.assign(prop, fm.format === 'double' ? { type: 'number', format: 'double' } : { type: 'integer', format: 'int64' });
        if (fm.listType) {
          prop['x-kubernetes-list-type'] = fm.listType;
          if (fm.listMapKeys) prop['x-kubernetes-list-map-keys'] = fm.listMapKeys;
          else delete prop['x-kubernetes-list-map-keys'];
        }
      }
    }
  }
}

function isStruct(t: TypeRef | undefined): boolean {
  if (t?.kind !== 'message') return false;
  const sp = getMessage(t.name)?.special;
  return !sp || sp === 'RawExtension' || sp === 'FieldsV1';
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

let model: BuiltinModel | undefined;
let buildMs = 0;

/** The built-in model, built on first use. */
export function builtinModel(): BuiltinModel {
  if (!model) {
    const t0 = performance.now();
    model = new Builder().build();
    buildMs = performance.now() - t0;
  }
  return model;
}

/** Milliseconds the first builtinModel() call took (0 before it). */
export function builtinModelBuildMs(): number {
  return buildMs;
}

/** Every definition name the `starts` (schemas, documents) refer to, directly or through others. */
export function closure(starts: unknown[], lookup: (name: string) => Schema | undefined): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  const visit = (s: unknown): void => {
    if (!s || typeof s !== 'object') return;
    if (Array.isArray(s)) {
      for (const x of s) visit(x);
      return;
    }
    for (const [k, v] of Object.entries(s)) {
      if (k === '$ref' && typeof v === 'string') stack.push(nameOfRef(v));
      // property names are not keywords: JSONSchemaProps has properties named default, enum, example
      else if (k === 'properties' && v && typeof v === 'object') for (const p of Object.values(v)) visit(p);
      else if (k !== 'default' && k !== 'enum' && k !== 'example') visit(v);
    }
  };
  for (const s of starts) visit(s);
  while (stack.length) {
    const n = stack.pop()!;
    if (out.has(n)) continue;
    const s = lookup(n);
    if (!s) continue;
    out.add(n);
    visit(s);
  }
  return out;
}
