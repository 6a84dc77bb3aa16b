// The OpenAPI endpoints: /openapi/v3 (the index of group-versions with content hashes),
// /openapi/v3/api/v1 and /openapi/v3/apis/<group>/<version> (paths plus every schema they reach:
// built-in model or custom resource schemas), and /openapi/v2 (all definitions, JSON or gnostic
// protobuf). Documents are built on first request and kept per group-version; one is rebuilt
// only when its group-version's resource definitions change (a CRD added, updated or removed),
// so its hash, the index and the v2 ETag change with it.

import { createHash } from 'node:crypto';
import type { Schema } from '../../apimachinery/schema/types.js';
import { strategicMergePatchSupported } from '../../apimachinery/patch/patch-meta.js';
import type { Registry } from '../registry/index.js';
import type { ResourceDef } from '../registry/types.js';
import { crdSchemaName, crdSchemas } from './crd.js';
import { builtinModel, closure } from './model.js';
import { gvPath, gvPaths, type SchemaNames } from './paths.js';
import { toV2, v2Document, v2Protobuf } from './v2.js';

export { builtinTypedSchema, typedSchemaFor } from './typed.js';

interface GVEntry {
  defs: ResourceDef[];
  schemas: Record<string, Schema>;
  body: string;
  hash: string;
}

export interface OpenAPIResponse {
  status: number;
  body: string | Buffer;
  contentType: string;
  headers: Record<string, string>;
}

const PROTO_V2 = 'application/com.github.proto-openapi.spec.v2';

const hashOf = (b: string | Buffer) => createHash('sha512').update(b).digest('hex').slice(0, 128).toUpperCase();

export class OpenAPI {
  private gvs = new Map<string, GVEntry>();
  private v2?: { entries: GVEntry[]; json: string; pb?: Buffer; etag: string };

  constructor(private readonly registry: Registry) {}

  /** The document paths served under /openapi/v3/ ("api/v1", "apis/apps/v1", ...). */
  private gvList(): { path: string; group: string; version: string }[] {
    const out = this.registry.hasGroupVersion('', 'v1') ? [{ path: 'api/v1', group: '', version: 'v1' }] : [];
    for (const g of this.registry.groups()) for (const v of g.versions) out.push({ path: gvPath(g.name, v), group: g.name, version: v });
    return out;
  }

  private entry(group: string, version: string): GVEntry | undefined {
    const gv = this.registry.groupVersion(group, version);
    if (!gv) return undefined;
    const key = gvPath(group, version);
    const cached = this.gvs.get(key);
    if (cached && cached.defs.length === gv.resources.length && cached.defs.every((d, i) => d === gv.resources[i])) return cached;
    const e = this.build(group, version, [...gv.resources]);
    this.gvs.set(key, e);
    return e;
  }

  private build(group: string, version: string, defs: ResourceDef[]): GVEntry {
    const model = builtinModel();
    const local: Record<string, Schema> = {};
    for (const d of defs) if (d.schema) Object.assign(local, crdSchemas(d));
    const names: SchemaNames = {
      kind: (g, v, k) => {
        const own = defs.find((d) => d.schema && d.group === g && d.version === v && d.kind === k);
        if (own) return crdSchemaName(g, v, k);
        const n = model.byGVK.get(`${g}/${v}/${k}`);
        if (n) return n;
        // A kind the built-in model does not know (no published schema): a minimal object.
        const name = crdSchemaName(g || 'core', v, k);
        local[name] ??= { description: `${k} is served by this API server without a published schema.`, type: 'object', 'x-kubernetes-preserve-unknown-fields': true, 'x-kubernetes-group-version-kind': [{ group: g, version: v, kind: k }] };
        return name;
      },
      strategic: (d) => !d.schema && model.byGVK.has(`${d.group}/${d.version}/${d.kind}`) && strategicMergePatchSupported(d.group, d.kind),
      list: (d) => {
        const k = names.kind(d.group, d.version, d.kind);
        return local[`${k}List`] || model.schemas.has(`${k}List`) ? `${k}List` : k;
      },
    };
    const paths = gvPaths(group, version, defs, names);
    const lookup = (n: string) => local[n] ?? model.schemas.get(n);
    const schemas: Record<string, Schema> = {};
    for (const n of [...closure([paths], lookup)].sort()) schemas[n] = lookup(n)!;
    const doc = {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: 'v1.32.0' },
      paths,
      components: { schemas, securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } } },
    };
    const body = JSON.stringify(doc);
    return { defs, schemas, body, hash: hashOf(body) };
  }

  private docEntry(path: string): GVEntry | undefined {
    const m = /^(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (!m) return undefined;
    return m[1] ? this.entry('', m[1]) : this.entry(m[2], m[3]);
  }

  /** The v3 document at `path` ("apis/apps/v1"), or undefined. */
  document(path: string): string | undefined {
    return this.docEntry(path)?.body;
  }

  index(): string {
    const paths: Record<string, unknown> = {};
    for (const gv of this.gvList()) {
      const e = this.entry(gv.group, gv.version);
      if (e) paths[gv.path] = { serverRelativeURL: `/openapi/v3/${gv.path}?hash=${e.hash}` };
    }
    return JSON.stringify({ paths });
  }

  private v2Doc(): NonNullable<OpenAPI['v2']> {
    const entries = this.gvList().map((gv) => this.entry(gv.group, gv.version)).filter((e): e is GVEntry => !!e);
    if (this.v2 && this.v2.entries.length === entries.length && this.v2.entries.every((e, i) => e === entries[i])) return this.v2;
    const all: Record<string, Schema> = {};
    for (const e of entries) Object.assign(all, e.schemas);
    const definitions: Record<string, unknown> = {};
    for (const n of Object.keys(all).sort()) definitions[n] = toV2(all[n], n);
    const json = JSON.stringify(v2Document(definitions as Record<string, Record<string, unknown>>));
    this.v2 = { entries, json, etag: `"${hashOf(json)}"` };
    return this.v2;
  }

  /** The answer to a GET of an /openapi path (`hash`: its query parameter), or undefined when there is no such document. */
  serve(path: string, want: string | null, accept: string, ifNoneMatch: string | undefined): OpenAPIResponse | undefined {
    const ok = (body: string | Buffer, etag: string, contentType = 'application/json', cache = 'no-cache, private'): OpenAPIResponse =>
      ifNoneMatch === etag
        ? { status: 304, body: '', contentType, headers: { etag, 'cache-control': cache } }
        : { status: 200, body, contentType, headers: { etag, 'cache-control': cache } };
    if (path === '/openapi/v2') {
      const d = this.v2Doc();
      if (accept.includes(PROTO_V2)) {
        d.pb ??= v2Protobuf(JSON.parse(d.json));
        return ok(d.pb, d.etag, `${PROTO_V2}.v1.0+protobuf`);
      }
      return ok(d.json, d.etag);
    }
    if (path === '/openapi/v3') {
      const body = this.index();
      return ok(body, `"${hashOf(body)}"`);
    }
    if (!path.startsWith('/openapi/v3/')) return undefined;
    const rel = path.slice('/openapi/v3/'.length);
    const e = this.docEntry(rel);
    if (!e) return undefined;
    const { body, hash } = e;
    if (want && want !== hash) {
      return { status: 301, body: '', contentType: 'text/plain', headers: { location: `/openapi/v3/${rel}?hash=${hash}` } };
    }
    return ok(body, `"${hash}"`, 'application/json', want ? 'public, immutable' : 'no-cache, private');
  }
}
