// The paths of one group-version's OpenAPI v3 document: every served resource's operations
// with upstream's extensions (x-kubernetes-group-version-kind, x-kubernetes-action), query
// parameters, request bodies and responses referring to the kind, list and meta schemas.
// kubectl reads the parameters to learn that the server validates fields itself
// (fieldValidation).

import type { ResourceDef } from '../registry/types.js';
import { subresourcesOf } from '../discovery.js';
import { N, refOf } from './model.js';

type Json = Record<string, unknown>;

const param = (name: string, description: string, type = 'string'): Json => ({ name, in: 'query', description, schema: { type, uniqueItems: true } });

const P = {
  dryRun: param('dryRun', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: param('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.'),
  fieldValidation: param('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.'),
  force: param('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.', 'boolean'),
  pretty: param('pretty', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
  labelSelector: param('labelSelector', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  fieldSelector: param('fieldSelector', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  limit: param('limit', 'limit is a maximum number of responses to return for a list call.', 'integer'),
  continue: param('continue', 'The continue option should be set when retrieving more results from the server.'),
  resourceVersion: param('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  resourceVersionMatch: param('resourceVersionMatch', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  watch: param('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.', 'boolean'),
  allowWatchBookmarks: param('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK".', 'boolean'),
  sendInitialEvents: param('sendInitialEvents', '`sendInitialEvents=true` may be set together with `watch=true`.', 'boolean'),
  timeoutSeconds: param('timeoutSeconds', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.', 'integer'),
  gracePeriodSeconds: param('gracePeriodSeconds', 'The duration in seconds before the object should be deleted. Value must be non-negative integer.', 'integer'),
  propagationPolicy: param('propagationPolicy', "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
  orphanDependents: param('orphanDependents', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.', 'boolean'),
};

const pathParam = (name: string, kind: string): Json => ({
  name,
  in: 'path',
  required: true,
  description: name === 'namespace' ? 'object name and auth scope, such as for teams and projects' : `name of the ${kind}`,
  schema: { type: 'string', uniqueItems: true },
});

const JSON_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'];
const SMP = 'application/strategic-merge-patch+json';

function content(types: string[], name: string): Json {
  return Object.fromEntries(types.map((t) => [t, { schema: { $ref: refOf(name) } }]));
}

function responses(codes: string[], name: string): Json {
  const out: Json = {};
  for (const c of codes) out[c] = { description: c === '201' ? 'Created' : c === '202' ? 'Accepted' : 'OK', content: content(JSON_TYPES, name) };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

export function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** Names of the schemas an operation refers to, given by the document builder. */
export interface SchemaNames {
  /** The kind's schema name (group, version, kind). */
  kind(group: string, version: string, kind: string): string;
  /** The list kind's schema name, or the kind's when there is none. */
  list(def: ResourceDef): string;
  /** Whether the resource takes strategic merge patches (and has the schema to build them from). */
  strategic(def: ResourceDef): boolean;
}

/** The paths of the resources of one group-version. */
export function gvPaths(group: string, version: string, defs: ResourceDef[], names: SchemaNames): Json {
  const paths: Json = {};
  const base = `/${gvPath(group, version)}`;
  const tags = [gvPath(group, version).replace(/[/.]/g, '_')];
  for (const def of defs) {
    const gvk = { group, version, kind: def.kind };
    const op = (action: string, opId: string, params: Json[], resp: Json, body?: Json, k = gvk): Json => {
      const o: Json = { tags, description: `${action} ${k.kind}`, operationId: opId, parameters: params };
      if (body) o.requestBody = body;
      o.responses = resp;
      o['x-kubernetes-action'] = action;
      o['x-kubernetes-group-version-kind'] = k;
      return o;
    };
    const kindName = names.kind(group, version, def.kind);
    const verbs = new Set(def.verbs ?? ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    const ns = def.namespaced ? 'Namespaced' : '';
    const writeParams = [P.dryRun, P.fieldManager, P.fieldValidation];
    const listParams = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
    const collection = def.namespaced ? `${base}/namespaces/{namespace}/${def.plural}` : `${base}/${def.plural}`;
    const item = `${collection}/{name}`;
    const scopeParams = def.namespaced ? [pathParam('namespace', def.kind)] : [];
    const bodyOf = (name: string): Json => ({ content: { '*/*': { schema: { $ref: refOf(name) } } }, required: true });
    // kubectl sends a strategic merge patch only where the patch body lists its content type
    const patchTypes = names.strategic(def) ? [...PATCH_TYPES, SMP] : PATCH_TYPES;
    const patchBody: Json = { content: Object.fromEntries(patchTypes.map((t) => [t, { schema: { $ref: refOf(N.patch) } }])), required: true };
    const deleteBody: Json = { content: { '*/*': { schema: { $ref: refOf(N.deleteOptions) } } } };
    const col: Json = { parameters: [...scopeParams, P.pretty] };
    if (verbs.has('list')) col.get = op('list', `list${ns}${def.kind}`, listParams, responses(['200'], names.list(def)));
    if (verbs.has('create')) col.post = op('post', `create${ns}${def.kind}`, writeParams, responses(['200', '201', '202'], kindName), bodyOf(kindName));
    if (verbs.has('deletecollection')) {
      col.delete = op('deletecollection', `deleteCollection${ns}${def.kind}`, [P.continue, P.dryRun, P.fieldSelector, P.gracePeriodSeconds, P.labelSelector, P.limit, P.orphanDependents, P.propagationPolicy, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds], responses(['200'], N.status), deleteBody);
    }
    if (col.get || col.post || col.delete) paths[collection] = col;
    const it: Json = { parameters: [pathParam('name', def.kind), ...scopeParams, P.pretty] };
    if (verbs.has('get')) it.get = op('get', `read${ns}${def.kind}`, [], responses(['200'], kindName));
    if (verbs.has('update')) it.put = op('put', `replace${ns}${def.kind}`, writeParams, responses(['200', '201'], kindName), bodyOf(kindName));
    if (verbs.has('patch')) it.patch = op('patch', `patch${ns}${def.kind}`, [...writeParams, P.force], responses(['200', '201'], kindName), patchBody);
    if (verbs.has('delete')) it.delete = op('delete', `delete${ns}${def.kind}`, [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy], responses(['200', '202'], N.status), deleteBody);
    if (it.get || it.put || it.patch || it.delete) paths[item] = it;
    if (def.namespaced && verbs.has('list')) {
      paths[`${base}/${def.plural}`] = { parameters: [...listParams, P.pretty], get: op('list', `list${def.kind}ForAllNamespaces`, [], responses(['200'], names.list(def))) };
    }
    for (const s of subresourcesOf(def)) {
      if (s.name !== 'status' && s.name !== 'scale') continue;
      const k = s.kind ?? gvk;
      const sname = names.kind(k.group, k.version, k.kind);
      const suffix = s.name === 'status' ? 'Status' : 'Scale';
      paths[`${item}/${s.name}`] = {
        parameters: [pathParam('name', k.kind), ...scopeParams, P.pretty],
        get: op('get', `read${ns}${def.kind}${suffix}`, [], responses(['200'], sname), undefined, k),
        put: op('put', `replace${ns}${def.kind}${suffix}`, writeParams, responses(['200', '201'], sname), bodyOf(sname), k),
        patch: op('patch', `patch${ns}${def.kind}${suffix}`, [...writeParams, P.force], responses(['200', '201'], sname), patchBody, k),
      };
    }
  }
  return paths;
}
