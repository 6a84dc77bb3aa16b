// The AdmissionReview admission.k8s.io/v1 exchange: the request as upstream builds it (uid,
// kind, resource, subResource, requestKind/Resource, name, namespace, operation, userInfo,
// object, oldObject, dryRun, options) and the checks on the webhook's response.

import { randomUUID } from 'node:crypto';
import type { KObject } from '../../registry/types.js';
import type { Attributes } from './matching.js';

const OPTIONS_KIND: Record<string, string> = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions', CONNECT: '' };

function optionsOf(a: Attributes): KObject | null {
  const kind = OPTIONS_KIND[a.operation];
  if (!kind) return null;
  const o: KObject = { kind, apiVersion: 'meta.k8s.io/v1' };
  if (a.scope.dryRun) o.dryRun = ['All'];
  if (a.operation !== 'DELETE') {
    const fm = a.scope.query.get('fieldManager');
    if (fm) o.fieldManager = fm;
    const fv = a.scope.query.get('fieldValidation');
    if (fv) o.fieldValidation = fv;
  } else {
    const prop = a.scope.query.get('propagationPolicy');
    if (prop) o.propagationPolicy = prop;
  }
  return o;
}

export function buildReview(a: Attributes): KObject {
  const request: KObject = {
    uid: randomUUID(),
    kind: { group: a.group, version: a.version, kind: a.kind },
    resource: { group: a.group, version: a.version, resource: a.resource },
  };
  if (a.subresource) request.subResource = a.subresource;
  request.requestKind = request.kind;
  request.requestResource = request.resource;
  if (a.subresource) request.requestSubResource = a.subresource;
  if (a.name) request.name = a.name;
  if (a.namespace) request.namespace = a.namespace;
  request.operation = a.operation;
  const u = a.scope.user;
  const userInfo: KObject = { username: u.username };
  if (u.uid) userInfo.uid = u.uid;
  if (u.groups?.length) userInfo.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length) userInfo.extra = u.extra;
  request.userInfo = userInfo;
  request.object = a.object ?? null;
  request.oldObject = a.oldObject ?? null;
  request.dryRun = a.scope.dryRun;
  request.options = optionsOf(a);
  return { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request };
}

/** The response of a review, or an error message (upstream's "received invalid webhook response" reasons). */
export function checkResponse(body: unknown, uid: string): KObject | string {
  const b = (body && typeof body === 'object' ? body : {}) as KObject;
  if (b.apiVersion !== 'admission.k8s.io/v1' || b.kind !== 'AdmissionReview') {
    return `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${b.apiVersion ?? ''}, Kind=${b.kind ?? ''}`;
  }
  const r = b.response;
  if (!r || typeof r !== 'object') return 'webhook response was absent';
  if (r.uid !== uid) return `expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(r.uid ?? '')}`;
  return r as KObject;
}
