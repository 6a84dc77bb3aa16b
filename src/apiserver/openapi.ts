// OpenAPI v3 documents: /openapi/v3 (the index of group-versions) and
// /openapi/v3/api/v1, /openapi/v3/apis/<group>/<version>: the paths and operations of every
// served resource with upstream's extensions (x-kubernetes-group-version-kind,
// x-kubernetes-action) and query parameters. kubectl reads them to learn that the server
// validates fields itself (fieldValidation). Object schemas are minimal for now.

import { createHash } from 'node:crypto';
import type { Registry } from './registry/index.js';
import type { ResourceDef } from './registry/types.js';
import { subresourcesOf } from './discovery.js';

type Json = Record<string, unknown>;

const param = (name: string, description: string, type = 'string'): Json => ({ name, in: 'query', description, schema: { type, uniqueItems: true } });

const P = {
  dryRun: param('dryRun', 'When present, indicates that modifications should not be persisted.'),
  fieldManager: param('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: param('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.'),
  force: param('force', 'Force is going to "force" Apply requests.', 'boolean'),
  pretty: param('pretty', "If 'true', then the output is pretty printed."),
  labelSelector: param('labelSelector', 'A selector to restrict the list of returned objects by their labels.'),
  fieldSelector: param('fieldSelector', 'A selector to restrict the list of returned objects by their fields.'),
  limit: param('limit', 'limit is a maximum number of responses to return for a list call.', 'integer'),
  continue: param('continue', 'The continue option should be set when retrieving more results from the server.'),
  resourceVersion: param('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  resourceVersionMatch: param('resourceVersionMatch', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  watch: param('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.', 'boolean'),
  allowWatchBookmarks: param('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK".', 'boolean'),
  sendInitialEvents: param('sendInitialEvents', 'sendInitialEvents=true may be set together with watch=true.', 'boolean'),
  timeoutSeconds: param('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
  gracePeriodSeconds: param('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', 'integer'),
  propagationPolicy: param('propagationPolicy', 'Whether and how garbage collection will be performed.'),
  orphanDependents: param('orphanDependents', 'Deprecated: please use the PropagationPolicy.', 'boolean'),
};

const pathParam = (name: string): Json => ({ name, in: 'path', required: true, description: `${name} of the resource`, schema: { type: 'string', uniqueItems: true } });

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function schemaName(def: ResourceDef): string {
  const g = def.group ? def.group.split('.').reverse().join('.') : 'core';
  return `io.k8s.api.${g.replace(/^io\.k8s\./, '')}.${def.version}.${def.kind}`;
}

function operation(def: ResourceDef, action: string, opId: string, params: Json[], kind = def.kind, group = def.group, version = def.version): Json {
  return {
    tags: [gvPath(def.group, def.version).replace(/\//g, '_')],
    description: `${action} ${def.kind}`,
    operationId: opId,
    parameters: params,
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName(def)}` } } } }, '401': { description: 'Unauthorized' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group, version, kind },
  };
}

export class OpenAPI {
  private cache = new Map<string, string>();

  constructor(private readonly registry: Registry) {
    registry.onChange(() => this.cache.clear());
  }

  private gvDoc(group: string, version: string): Json | undefined {
    const gv = this.registry.groupVersion(group, version);
    if (!gv) return undefined;
    const paths: Json = {};
    const schemas: Json = {};
    const base = `/${gvPath(group, version)}`;
    for (const def of gv.resources) {
      const verbs = new Set(def.verbs ?? ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
      const opBase = `${def.kind}`;
      const writeParams = [P.dryRun, P.fieldManager, P.fieldValidation];
      const listParams = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
      const collection = def.namespaced ? `${base}/namespaces/{namespace}/${def.plural}` : `${base}/${def.plural}`;
      const item = `${collection}/{name}`;
      const scopeParams = def.namespaced ? [pathParam('namespace')] : [];
      const col: Json = { parameters: [...scopeParams, P.pretty] };
      if (verbs.has('list')) col.get = operation(def, 'list', `list${def.namespaced ? 'Namespaced' : ''}${opBase}`, listParams);
      if (verbs.has('create')) col.post = operation(def, 'post', `create${def.namespaced ? 'Namespaced' : ''}${opBase}`, writeParams);
      if (verbs.has('deletecollection')) col.delete = operation(def, 'deletecollection', `deleteCollection${def.namespaced ? 'Namespaced' : ''}${opBase}`, [...writeParams.slice(0, 1), P.gracePeriodSeconds, P.propagationPolicy, P.orphanDependents, ...listParams]);
      paths[collection] = col;
      const it: Json = { parameters: [pathParam('name'), ...scopeParams, P.pretty] };
      if (verbs.has('get')) it.get = operation(def, 'get', `read${def.namespaced ? 'Namespaced' : ''}${opBase}`, []);
      if (verbs.has('update')) it.put = operation(def, 'put', `replace${def.namespaced ? 'Namespaced' : ''}${opBase}`, writeParams);
      if (verbs.has('patch')) it.patch = operation(def, 'patch', `patch${def.namespaced ? 'Namespaced' : ''}${opBase}`, [...writeParams, P.force]);
      if (verbs.has('delete')) it.delete = operation(def, 'delete', `delete${def.namespaced ? 'Namespaced' : ''}${opBase}`, [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy, P.orphanDependents]);
      paths[item] = it;
      if (def.namespaced && verbs.has('list')) {
        paths[`${base}/${def.plural}`] = { parameters: listParams, get: operation(def, 'list', `list${opBase}ForAllNamespaces`, []) };
      }
      for (const s of subresourcesOf(def)) {
        if (s.name !== 'status' && s.name !== 'scale') continue;
        const k = s.kind ?? { group, version, kind: def.kind };
        const sub: Json = { parameters: [pathParam('name'), ...scopeParams, P.pretty] };
        sub.get = operation(def, 'get', `read${def.namespaced ? 'Namespaced' : ''}${opBase}${s.name === 'status' ? 'Status' : 'Scale'}`, [], k.kind, k.group, k.version);
        sub.put = operation(def, 'put', `replace${def.namespaced ? 'Namespaced' : ''}${opBase}${s.name === 'status' ? 'Status' : 'Scale'}`, writeParams, k.kind, k.group, k.version);
        sub.patch = operation(def, 'patch', `patch${def.namespaced ? 'Namespaced' : ''}${opBase}${s.name === 'status' ? 'Status' : 'Scale'}`, [...writeParams, P.force], k.kind, k.group, k.version);
        paths[`${item}/${s.name}`] = sub;
      }
      schemas[schemaName(def)] = {
        description: `${def.kind} (schema not published by this k8ts version)`,
        type: 'object',
        'x-kubernetes-group-version-kind': [{ group, version, kind: def.kind }],
      };
    }
    return {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: 'v1.32.0' },
      paths,
      components: { schemas, securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } } },
    };
  }

  document(path: string): string | undefined {
    let v = this.cache.get(path);
    if (v !== undefined) return v;
    const m = /^(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (!m) return undefined;
    const doc = m[1] ? this.gvDoc('', m[1]) : this.gvDoc(m[2], m[3]);
    if (!doc) return undefined;
    v = JSON.stringify(doc);
    this.cache.set(path, v);
    return v;
  }

  index(): string {
    let v = this.cache.get('');
    if (v !== undefined) return v;
    const paths: Json = {};
    const add = (p: string) => {
      const doc = this.document(p);
      if (!doc) return;
      const hash = createHash('sha512').update(doc).digest('hex').slice(0, 128).toUpperCase();
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
    };
    add('api/v1');
    for (const g of this.registry.groups()) for (const ver of g.versions) add(`apis/${g.name}/${ver}`);
    v = JSON.stringify({ paths });
    this.cache.set('', v);
    return v;
  }
}

/**
 * /openapi/v2: the swagger 2.0 document. Object schemas are not published yet (they come with
 * the full OpenAPI work), so the document names the API and has no definitions; kubectl's
 * client-side validation (used for kind: List files) then has nothing to reject. kubectl asks
 * for the gnostic protobuf form, which is encoded here by hand (two string fields).
 */
export function openAPIV2(accept: string): { body: Buffer | string; contentType: string } {
  if (accept.includes('application/com.github.proto-openapi.spec.v2')) {
    const str = (field: number, v: string) => {
      const b = Buffer.from(v);
      return Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
    };
    const info = Buffer.concat([str(1, 'Kubernetes'), str(2, 'v1.32.0')]);
    const body = Buffer.concat([str(1, '2.0'), Buffer.from([(2 << 3) | 2, info.length]), info]);
    return { body, contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' };
  }
  return { body: JSON.stringify({ swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths: {}, definitions: {} }), contentType: 'application/json' };
}
