// RequestInfo: what an API request is about, parsed from method and path as upstream does
// (verb, API prefix, group, version, namespace, resource, name, subresource). Used by
// routing, authorization and audit.

import { parseFieldSelector } from '../apimachinery/fields.js';

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** get list watch create update patch delete deletecollection (resource requests), or the lower-case HTTP method */
  verb: string;
  apiPrefix: string; // 'api' | 'apis'
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** path segments after the subresource (e.g. proxy paths) */
  rest: string[];
  /**
   * list/watch with `fieldSelector=metadata.name=<x>`: the one object asked for. Upstream
   * puts it in RequestInfo.Name for authorization (the kubelet's watch-based secret and
   * configmap managers rely on it); here it stays apart from `name`, which routes the request.
   */
  selectorName?: string;
}

const SPECIAL_VERBS = new Set(['proxy', 'watch']);

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    rest: [],
  };
  let parts = path.replace(/^\/+/, '').replace(/\/+$/, '').split('/').filter((p) => p !== '');
  if (parts.length < 1 || (parts[0] !== 'api' && parts[0] !== 'apis')) return info;
  info.apiPrefix = parts[0];
  parts = parts.slice(1);
  if (info.apiPrefix === 'apis') {
    if (parts.length < 1) return info;
    info.apiGroup = parts[0];
    parts = parts.slice(1);
  }
  if (parts.length < 1) return info;
  info.apiVersion = parts[0];
  parts = parts.slice(1);
  if (parts.length < 1) return info;

  info.isResourceRequest = true;
  // legacy verb-in-path forms: /api/v1/watch/..., /api/v1/proxy/...
  let pathVerb = '';
  if (SPECIAL_VERBS.has(parts[0])) {
    pathVerb = parts[0];
    parts = parts.slice(1);
    if (parts.length < 1) {
      info.isResourceRequest = false;
      return info;
    }
  }
  switch (method) {
    case 'POST': info.verb = 'create'; break;
    case 'GET': case 'HEAD': info.verb = 'get'; break;
    case 'PUT': info.verb = 'update'; break;
    case 'PATCH': info.verb = 'patch'; break;
    case 'DELETE': info.verb = 'delete'; break;
    default: info.verb = '';
  }
  let namespaceObject = parts[0] === 'namespaces';
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1];
      // /namespaces/{ns}/{resource}/... ; /namespaces/{name} and /namespaces/{name}/{subresource} are the namespace itself
      if (parts.length > 2 && !isNamespaceSubresource(parts[2])) {
        parts = parts.slice(2);
        namespaceObject = false;
      }
    }
  }
  info.resource = parts[0] ?? '';
  if (parts.length >= 2) info.name = parts[1];
  if (parts.length >= 3) info.subresource = parts[2];
  if (parts.length > 3) info.rest = parts.slice(3);
  // namespaces/{name}: the "namespace" is the object's name, not a scope
  if (namespaceObject) info.namespace = '';

  if (pathVerb) info.verb = pathVerb;
  if (info.name === '' && info.verb === 'get') {
    const w = query.get('watch');
    info.verb = w === 'true' || w === '1' ? 'watch' : 'list';
    const name = exactNameSelector(query.get('fieldSelector'));
    if (name) info.selectorName = name;
  }
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

/** x when the field selector requires metadata.name = x and x is a valid path segment (upstream's check). */
function exactNameSelector(fs: string | null): string | undefined {
  if (!fs) return undefined;
  let name: string | undefined;
  try {
    name = parseFieldSelector(fs).requiresExactMatch('metadata.name');
  } catch {
    return undefined; // the handler reports the bad selector
  }
  if (!name || name === '.' || name === '..' || /[/%]/.test(name)) return undefined;
  return name;
}

function isNamespaceSubresource(seg: string): boolean {
  return seg === 'status' || seg === 'finalize';
}
