// Routing of one resource request (after authentication/authorization) to the generic
// verbs and the built-in subresources: status, scale, pods/binding, pods/eviction,
// namespaces/finalize, certificatesigningrequests/approval.

import { StatusError, badRequest, methodNotAllowed, notFound } from '../../apimachinery/errors.js';
import type { KObject, ResourceDef } from '../registry/types.js';
import type { RequestInfo } from '../requestinfo.js';
import type { ApiContext, RequestScope, UserInfo } from './context.js';
import type { Req, Res } from '../http.js';
import { addWarning, mediaType, negotiate, parseJSONStrict, parseObjectBody, readBody, writeJSON } from '../http.js';
import { checkFields, fieldValidationOf, parseJSONWithDuplicates, typeError } from '../fieldvalidation.js';
import { handleGet, handleList, listObjects, toServed, writeObject, getObject, gvString } from './read.js';
import { handleWatch } from './watch.js';
import { admitEviction, markDisruptionTarget } from './eviction.js';
import { checkTypeMeta, createObject, deleteObject, deleteResponse, parseDeleteOptions, takeStoredText, updateObject } from './write.js';
import type { UpdateMode } from './write.js';
import { BUILTIN_PATCH_CONTENT_TYPES, applyPatch, patchTypeFromContentType, unsupportedPatchMediaType } from '../../apimachinery/patch/index.js';
import { builtinPatchMeta } from '../../apimachinery/patch/patch-meta.js';
import { labelSelectorToString } from '../../apimachinery/labels.js';
import { prepareForApprovalUpdate } from '../registry/groups.js';
import { applyMutation, checkPatchOptions } from './apply.js';
import { nowTimestamp } from '../../apimachinery/time.js';

/** Resources for which PUT creates a missing object (upstream AllowCreateOnUpdate). */
const ALLOW_CREATE_ON_UPDATE = new Set([
  '/events', 'events.k8s.io/events', '/endpoints', 'coordination.k8s.io/leases',
  'rbac.authorization.k8s.io/roles', 'rbac.authorization.k8s.io/rolebindings',
  'rbac.authorization.k8s.io/clusterroles', 'rbac.authorization.k8s.io/clusterrolebindings',
  'discovery.k8s.io/endpointslices',
]);

const OPTIONS_KIND: Record<string, string> = { create: 'CreateOptions', update: 'UpdateOptions', patch: 'PatchOptions', delete: 'DeleteOptions', deletecollection: 'DeleteOptions' };

/** 422 for bad write options, as upstream's options validation words it. */
function invalidOptions(verb: string, field: string, reason: string, body: string): StatusError {
  const kind = OPTIONS_KIND[verb] ?? 'CreateOptions';
  return new StatusError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: ${field}: ${body}`, {
    group: 'meta.k8s.io', kind, causes: [{ reason, message: body, field }],
  });
}

/** dryRun from the query (and, for deletes, the DeleteOptions body). */
function parseDryRun(query: URLSearchParams, verb = 'create', bodyValues: unknown = undefined): boolean {
  const values = [...query.getAll('dryRun'), ...(Array.isArray(bodyValues) ? bodyValues.map(String) : [])];
  if (values.some((v) => v !== 'All')) {
    throw invalidOptions(verb, 'dryRun', 'FieldValueNotSupported', `Unsupported value: []string{${values.map((v) => JSON.stringify(v)).join(', ')}}: supported values: "All"`);
  }
  return values.length > 0;
}

function checkWriteOptions(query: URLSearchParams, verb: string): void {
  const fv = query.get('fieldValidation') ?? '';
  if (!['', 'Ignore', 'Warn', 'Strict'].includes(fv)) {
    throw invalidOptions(verb, 'fieldValidation', 'FieldValueNotSupported', `Unsupported value: ${JSON.stringify(fv)}: supported values: "", "Ignore", "Strict", "Warn"`);
  }
  const fm = query.get('fieldManager');
  if (fm !== null && Buffer.byteLength(fm) > 128) {
    throw invalidOptions(verb, 'fieldManager', 'FieldValueTooLong', 'Too long: may not be more than 128 bytes');
  }
}

function checkFieldValidation(query: URLSearchParams, verb = 'create'): void {
  checkWriteOptions(query, verb);
}

/** Decode a create/update body and apply fieldValidation (unknown fields dropped; Strict fails; Warn warns). */
async function decodeBody(def: ResourceDef, query: URLSearchParams, req: Req, res: Res): Promise<KObject> {
  const mode = fieldValidationOf(query);
  const raw = await readBody(req);
  const ct = mediaType(req);
  const obj = parseObjectBody(raw, ct, def.kind);
  const bodyGV = typeof obj.apiVersion === 'string' && obj.apiVersion ? obj.apiVersion : gvString(def);
  const bodyKind = typeof obj.kind === 'string' && obj.kind ? obj.kind : def.kind;
  if (bodyGV === gvString(def) && bodyKind === def.kind) {
    const te = typeError(obj, bodyGV, bodyKind);
    if (te) throw badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${te}`);
  }
  let duplicates: string[] = [];
  if ((ct === 'application/json' || ct === '') && query.has('fieldValidation') && mode !== 'Ignore') {
    duplicates = parseJSONWithDuplicates(raw.toString('utf8')).duplicates;
  }
  for (const w of checkFields(obj, gvString(def), def.kind, mode, duplicates, def.pruneUnknown)) addWarning(res, w);
  (res as any).__audit?.setRequestObject(obj);
  return obj;
}

export async function serveResource(ctx: ApiContext, info: RequestInfo, def: ResourceDef, query: URLSearchParams, user: UserInfo, req: Req, res: Res): Promise<void> {
  const namespace = def.namespaced ? info.namespace : '';
  // a cluster-scoped resource under /namespaces/{ns}/ does not exist
  if (!def.namespaced && info.namespace) throw notFoundResource();
  if (def.namespaced && !namespace && info.name) {
    throw notFound(def.group, def.plural, info.name);
  }
  // collection paths take no PUT/PATCH; the all-namespaces path of a namespaced resource takes no POST
  if (!info.name && (info.verb === 'update' || info.verb === 'patch')) throw methodNotAllowed();
  if (def.namespaced && !namespace && info.verb === 'create') throw methodNotAllowed();
  const verbs = def.verbs;
  const scope: RequestScope = { def, namespace, name: info.name, subresource: info.subresource, query, user, dryRun: false, userAgent: String(req.headers['user-agent'] ?? ''), warn: (text) => addWarning(res, text), annotate: (k, v) => (res as any).__audit?.annotate(k, v) };
  const sub = info.subresource;
  const allowsVerb = (v: string) => !verbs || verbs.includes(v);

  if (!sub) {
    switch (info.verb) {
      case 'get': {
        if (!allowsVerb('get')) throw methodNotAllowed();
        return handleGet(ctx, def, namespace, info.name, query, negotiate(req, { table: true, partial: true }), res);
      }
      case 'list': {
        if (!allowsVerb('list')) throw methodNotAllowed();
        return handleList(ctx, def, namespace, query, negotiate(req, { table: true, partial: true }), res);
      }
      case 'watch': {
        if (!allowsVerb('watch')) throw methodNotAllowed();
        return handleWatch(ctx, def, namespace, query, negotiate(req, { table: true, partial: true }), req, res);
      }
      case 'create': {
        if (info.name) throw methodNotAllowed();
        if (!allowsVerb('create')) throw methodNotAllowed();
        scope.dryRun = parseDryRun(query, 'create');
        checkFieldValidation(query, 'create');
        const neg = negotiate(req, { table: true, partial: true });
        const body = await decodeBody(def, query, req, res);
        const virtual = ctx.virtual?.get(`${def.group}/${def.plural}`);
        if (virtual) {
          checkTypeMeta(def, body, ctx.registry);
          const meta = (body.metadata ??= {});
          if (!meta.creationTimestamp) meta.creationTimestamp = null;
          if (def.namespaced) meta.namespace = namespace;
          return writeJSON(res, 201, await virtual(body, scope), neg.kind === 'protobuf' ? neg.contentType : 'application/json');
        }
        const obj = await createObject(ctx, scope, body);
        return writeObject(def, obj, neg, query, res, 201, takeStoredText(obj));
      }
      case 'update': {
        if (!allowsVerb('update')) throw methodNotAllowed();
        scope.dryRun = parseDryRun(query, 'update');
        checkFieldValidation(query, 'update');
        const neg = negotiate(req, { table: true, partial: true });
        const body = await decodeBody(def, query, req, res);
        const r = await updateObject(ctx, scope, () => structuredClone(body), { mode: 'main', allowCreate: ALLOW_CREATE_ON_UPDATE.has(`${def.group}/${def.plural}`) });
        return writeObject(def, r.obj, neg, query, res, r.created ? 201 : 200);
      }
      case 'patch': {
        if (!allowsVerb('patch')) throw methodNotAllowed();
        return servePatch(ctx, scope, 'main', req, res);
      }
      case 'delete': {
        if (!allowsVerb('delete')) throw methodNotAllowed();
        const raw = await readBody(req);
        const body = raw.length ? parseDeleteBody(raw, mediaType(req)) : undefined;
        scope.dryRun = parseDryRun(query, 'delete', body?.dryRun);
        const opts = parseDeleteOptions(body, query);
        const r = await deleteObject(ctx, scope, opts);
        const out = deleteResponse(def, r.obj, r.deleted);
        const code = !r.deleted && body?.orphanDependents === false ? 202 : 200;
        return writeJSON(res, code, out);
      }
      case 'deletecollection': {
        if (!allowsVerb('deletecollection')) throw methodNotAllowed();
        const raw = await readBody(req);
        const body = raw.length ? parseDeleteBody(raw, mediaType(req)) : undefined;
        scope.dryRun = parseDryRun(query, 'deletecollection', body?.dryRun);
        const opts = parseDeleteOptions(body, query);
        const listQuery = new URLSearchParams();
        for (const k of ['labelSelector', 'fieldSelector']) {
          const v = query.get(k);
          if (v) listQuery.set(k, v);
        }
        const list = await listObjects(ctx, def, namespace, listQuery);
        const deleted: KObject[] = [];
        for (const raw of list.raws ?? []) {
          const o = JSON.parse(raw);
          try {
            const r = await deleteObject(ctx, { ...scope, namespace: o.metadata?.namespace ?? '', name: o.metadata.name }, opts);
            deleted.push(toServed(def, r.obj));
          } catch (err) {
            if (err instanceof StatusError && err.code === 404) continue;
            throw err;
          }
        }
        return writeJSON(res, 200, { kind: `${def.kind}List`, apiVersion: def.group ? `${def.group}/${def.version}` : def.version, metadata: { resourceVersion: String(await ctx.store.currentRevision()) }, items: deleted });
      }
      default:
        throw methodNotAllowed();
    }
  }

  // ---- subresources ----
  if (!info.name) throw notFound(def.group, def.plural, '');
  const key = `${def.group}/${def.plural}/${sub}`;
  if (sub === 'status' && def.subresources?.status) return serveMainLike(ctx, scope, info, 'status', req, res);
  if (sub === 'scale' && def.subresources?.scale) return serveScale(ctx, scope, info, req, res);
  if (key === 'certificates.k8s.io/certificatesigningrequests/approval') return serveMainLike(ctx, scope, info, 'other', req, res, prepareForApprovalUpdate);
  if (key === '/namespaces/finalize' && info.verb === 'update') return serveMainLike(ctx, scope, info, 'other', req, res, finalizePrepare);
  if (key === '/pods/binding' && info.verb === 'create') return serveBinding(ctx, scope, req, res);
  if (key === '/pods/eviction' && info.verb === 'create') return serveEviction(ctx, scope, req, res);
  const handler = ctx.subresources?.get(key);
  if (handler && info.verb === 'create') {
    scope.dryRun = parseDryRun(scope.query, 'create');
    const body = parseObjectBody(await readBody(req), mediaType(req), 'TokenRequest');
    const neg = negotiate(req, {});
    // create on a subresource is admitted like any create (NodeRestriction limits kubelets'
    // serviceaccounts/token requests to tokens bound to their own pods)
    for (const a of ctx.admission) await a.admit?.('CREATE', body, undefined, scope);
    for (const a of ctx.admission) await a.validate?.('CREATE', body, undefined, scope);
    const r = await handler(scope, body);
    for (const w of r.warnings ?? []) addWarning(res, w);
    return writeJSON(res, r.code, r.obj, neg.kind === 'protobuf' ? neg.contentType : 'application/json');
  }
  // not served here (yet): the object's absence is the first thing upstream reports
  await getObject(ctx, def, scope.namespace, scope.name);
  throw notFoundResource();
}

function notFoundResource(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** A DeleteOptions body (JSON, or protobuf from typed clients). */
function parseDeleteBody(raw: Buffer, ct: string): KObject {
  if (ct === 'application/vnd.kubernetes.protobuf') return parseObjectBody(raw, ct, 'DeleteOptions');
  const v = parseJSONStrict(raw);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badRequest('the object provided is unrecognized (must be of type DeleteOptions): couldn\'t get version/kind; json parse error: json: cannot unmarshal ' + (Array.isArray(v) ? 'array' : typeof v) + ' into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }');
  return v as KObject;
}

/** get/update/patch on a subresource that returns the whole object (status, approval, finalize). */
async function serveMainLike(ctx: ApiContext, scope: RequestScope, info: RequestInfo, mode: UpdateMode, req: Req, res: Res, prepare?: (obj: KObject, old: KObject) => void): Promise<void> {
  const { def } = scope;
  switch (info.verb) {
    case 'get':
      return writeObject(def, await getObject(ctx, def, scope.namespace, scope.name), negotiate(req, { table: true, partial: true }), scope.query, res);
    case 'update': {
      scope.dryRun = parseDryRun(scope.query, 'update');
      checkFieldValidation(scope.query, 'update');
      const body = await decodeBody(def, scope.query, req, res);
      const r = await updateObject(ctx, scope, () => structuredClone(body), { mode, prepare });
      return writeObject(def, r.obj, negotiate(req, { table: true, partial: true }), scope.query, res);
    }
    case 'patch':
      return servePatch(ctx, scope, mode, req, res, prepare);
    default:
      throw methodNotAllowed();
  }
}

async function servePatch(ctx: ApiContext, scope: RequestScope, mode: UpdateMode, req: Req, res: Res, prepare?: (obj: KObject, old: KObject) => void): Promise<void> {
  const { def } = scope;
  scope.dryRun = parseDryRun(scope.query, 'patch');
  checkFieldValidation(scope.query, 'patch');
  const neg = negotiate(req, { table: true, partial: true });
  const ct = mediaType(req);
  const ptype = patchTypeFromContentType(ct);
  if (!ptype) throw unsupportedPatchMediaType(BUILTIN_PATCH_CONTENT_TYPES);
  const body = await readBody(req);
  if (ptype === 'apply') {
    const mutate = applyMutation(scope, body, (w) => addWarning(res, w));
    const r = await updateObject(ctx, scope, mutate, { mode, prepare, isPatch: true, applied: true, allowCreate: mode === 'main' });
    return writeObject(def, r.obj, neg, scope.query, res, r.created ? 201 : 200);
  }
  checkPatchOptions(scope.query, false);
  const meta = ptype === 'strategic' ? builtinPatchMeta(def.group, def.kind) : undefined;
  if (ptype === 'strategic' && !meta) {
    throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
  }
  const r = await updateObject(
    ctx,
    scope,
    (current) => {
      if (!current) return {}; // upstream answers 404 before looking at the patch
      const patched = applyPatch(ptype, current, body, meta) as KObject;
      if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) throw badRequest('the patched document is not an object');
      const te = typeError(patched, gvString(def), def.kind);
      if (te) {
        throw new StatusError(422, 'Invalid', `${def.kind} "${scope.name}" is invalid: patch: Invalid value: ${JSON.stringify(body.toString('utf8'))}: ${te}`, {
          name: scope.name, group: def.group || undefined, kind: def.kind, causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(body.toString('utf8'))}: ${te}`, field: 'patch' }],
        });
      }
      for (const w of checkFields(patched, gvString(def), def.kind, fieldValidationOf(scope.query), [], def.pruneUnknown)) addWarning(res, w);
      return patched;
    },
    { mode, prepare, isPatch: true },
  );
  writeObject(def, r.obj, neg, scope.query, res);
}

// ---- scale ----

function getPath(obj: KObject, path: string): unknown {
  let cur: any = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[p];
  }
  return cur;
}

function setPath(obj: KObject, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: any = obj;
  for (const p of parts.slice(0, -1)) cur = cur[p] ??= {};
  cur[parts[parts.length - 1]] = value;
}

function toScale(def: ResourceDef, obj: KObject): KObject {
  const sc = def.subresources!.scale!;
  let selector = '';
  if (sc.selector) selector = sc.selector(obj);
  else if (sc.labelSelectorPath) {
    const v = getPath(obj, sc.labelSelectorPath);
    selector = typeof v === 'string' ? v : v && typeof v === 'object' ? labelSelectorToString(v as any) : '';
  } else if (obj.spec?.selector) {
    selector = obj.spec.selector.matchLabels || obj.spec.selector.matchExpressions ? labelSelectorToString(obj.spec.selector) : labelSelectorToString({ matchLabels: obj.spec.selector });
  }
  const status: KObject = { replicas: Number(getPath(obj, sc.statusReplicasPath) ?? 0) };
  if (selector) status.selector = selector;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: Number(getPath(obj, sc.specReplicasPath) ?? 0) },
    status,
  };
}

async function serveScale(ctx: ApiContext, scope: RequestScope, info: RequestInfo, req: Req, res: Res): Promise<void> {
  const { def } = scope;
  const sc = def.subresources!.scale!;
  if (info.verb === 'get') {
    return writeJSON(res, 200, toScale(def, await getObject(ctx, def, scope.namespace, scope.name)));
  }
  if (info.verb !== 'update' && info.verb !== 'patch') throw methodNotAllowed();
  scope.dryRun = parseDryRun(scope.query);
  const raw = await readBody(req);
  const ct = mediaType(req);
  const ptype = info.verb === 'patch' ? patchTypeFromContentType(ct) : undefined;
  if (info.verb === 'patch' && (!ptype || ptype === 'apply')) throw unsupportedPatchMediaType(BUILTIN_PATCH_CONTENT_TYPES);
  const body = info.verb === 'update' ? parseObjectBody(raw, ct, 'Scale') : undefined;
  const r = await updateObject(
    ctx,
    scope,
    (current) => {
      if (!current) return {};
      const curScale = toScale(def, current);
      let scale: KObject;
      if (body) {
        if (body.kind && body.kind !== 'Scale') throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (Scale)`);
        scale = body;
        const rv = scale.metadata?.resourceVersion;
        if (rv && rv !== current.metadata.resourceVersion) {
          throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${def.group ? `${def.plural}.${def.group}` : def.plural} "${scope.name}": the object has been modified; please apply your changes to the latest version and try again`, { name: scope.name, group: def.group || undefined, kind: def.plural });
        }
      } else {
        scale = applyPatch(ptype as any, curScale, raw, ptype === 'strategic' ? builtinPatchMeta('autoscaling', 'Scale') ?? {} as any : undefined) as KObject;
      }
      const replicas = scale?.spec?.replicas;
      if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
        throw new StatusError(422, 'Invalid', `Scale.autoscaling "${scope.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
          name: scope.name, group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }],
        });
      }
      const out = structuredClone(current);
      setPath(out, sc.specReplicasPath, replicas ?? 0);
      return out;
    },
    { mode: 'main', isPatch: true },
  );
  writeJSON(res, 200, toScale(def, r.obj));
}

// ---- pods/binding, pods/eviction ----

async function serveBinding(ctx: ApiContext, scope: RequestScope, req: Req, res: Res): Promise<void> {
  scope.dryRun = parseDryRun(scope.query);
  const body = parseObjectBody(await readBody(req), mediaType(req), 'Binding');
  if (body.kind && body.kind !== 'Binding') throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (Binding)`);
  const target = body.target;
  if (!target?.name) {
    throw new StatusError(422, 'Invalid', `Binding "${scope.name}" is invalid: target.name: Required value`, { name: scope.name, kind: 'Binding', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }] });
  }
  if (body.metadata?.name && body.metadata.name !== scope.name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${scope.name})`);
  await updateObject(
    ctx,
    scope,
    (pod) => {
      if (!pod) return {};
      if (pod.metadata.deletionTimestamp) throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${scope.name}": pod ${scope.name} is being deleted, cannot be assigned to a host`, { name: scope.name, kind: 'pods/binding' });
      if (pod.spec?.nodeName) throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${scope.name}": pod ${scope.name} is already assigned to node "${pod.spec.nodeName}"`, { name: scope.name, kind: 'pods/binding' });
      const uid = body.metadata?.uid;
      if (uid && uid !== pod.metadata.uid) throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${scope.name}": Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid}`, { name: scope.name, kind: 'pods/binding' });
      pod.spec.nodeName = target.name;
      const conds: KObject[] = (pod.status ??= {}).conditions ??= [];
      const now = nowTimestamp();
      const existing = conds.find((c) => c.type === 'PodScheduled');
      if (existing) {
        if (existing.status !== 'True') existing.lastTransitionTime = now;
        existing.status = 'True';
        delete existing.reason;
        delete existing.message;
      } else conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
      for (const [k, v] of Object.entries(body.metadata?.annotations ?? {})) (pod.metadata.annotations ??= {})[k] = v;
      return pod;
    },
    { mode: 'other', isPatch: true },
  );
  writeJSON(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

async function serveEviction(ctx: ApiContext, scope: RequestScope, req: Req, res: Res): Promise<void> {
  scope.dryRun = parseDryRun(scope.query);
  const body = parseObjectBody(await readBody(req), mediaType(req), 'Eviction');
  if (body.kind && body.kind !== 'Eviction') throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (Eviction)`);
  const opts = parseDeleteOptions(body.deleteOptions, new URLSearchParams());
  const pod = await getObject(ctx, scope.def, scope.namespace, scope.name);
  await admitEviction(ctx, scope, pod);
  await markDisruptionTarget(ctx, scope, pod);
  await deleteObject(ctx, scope, opts);
  writeJSON(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

// ---- approval, finalize ----

function finalizePrepare(obj: KObject, old: KObject): void {
  const finalizers = obj.spec?.finalizers;
  const fresh = structuredClone(old);
  fresh.spec = { ...(fresh.spec ?? {}) };
  if (finalizers !== undefined) fresh.spec.finalizers = finalizers;
  else delete fresh.spec.finalizers;
  fresh.metadata = { ...fresh.metadata, resourceVersion: obj.metadata?.resourceVersion };
  for (const k of Object.keys(obj)) delete obj[k];
  Object.assign(obj, fresh);
}
