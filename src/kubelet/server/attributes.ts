// Authorization attributes of a kubelet API request (upstream's nodeAuthorizerAttributesGetter):
// resource nodes, name = this node, verb from the HTTP method, subresource stats, metrics or log
// for those path trees and proxy for everything else (exec, attach, portForward, run, pods…).

export interface RequestAttributes {
  user: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
  verb: string;
  apiVersion: 'v1';
  resource: 'nodes';
  subresource: string;
  name: string;
  path: string;
}

const VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export function apiVerb(method: string): string {
  return VERBS[method.toUpperCase()] ?? '';
}

function isSubpath(path: string, root: string): boolean {
  return path === root || path.startsWith(root + '/');
}

export function subresourceFor(path: string): string {
  if (isSubpath(path, '/stats')) return 'stats';
  if (isSubpath(path, '/metrics')) return 'metrics';
  if (isSubpath(path, '/logs')) return 'log';
  return 'proxy';
}

export function requestAttributes(user: { name: string; groups: string[]; uid?: string; extra?: Record<string, string[]> }, method: string, path: string, nodeName: string): RequestAttributes {
  return {
    user: user.name,
    groups: user.groups,
    uid: user.uid,
    extra: user.extra,
    verb: apiVerb(method),
    apiVersion: 'v1',
    resource: 'nodes',
    subresource: subresourceFor(path),
    name: nodeName,
    path,
  };
}

/** The body of upstream's 403 answer. */
export function forbiddenMessage(a: RequestAttributes): string {
  return `Forbidden (user=${a.user}, verb=${a.verb}, resource=${a.resource}, subresource=${a.subresource})`;
}
