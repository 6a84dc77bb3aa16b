// The connect subresources, served after authentication, authorization and audit: pods/log
// (streamed from the kubelet), pods/exec|attach|portforward (upgrades passed through to the
// kubelet), and nodes|pods|services/proxy (any method, upgrades included) — with upstream's
// methods, option decoding, location rules and errors.

import type { IncomingMessage } from 'node:http';
import { StatusError, badRequest, methodNotAllowed } from '../../apimachinery/errors.js';
import type { ApiContext } from '../endpoints/context.js';
import { getObject } from '../endpoints/read.js';
import type { Req, Res } from '../http.js';
import type { RequestInfo } from '../requestinfo.js';
import { logger } from '../../util/klog.js';
import { proxyRequest, streamFromLocation } from './forward.js';
import type { KubeletConnectionConfig, Location } from './location.js';
import { ProxyError, kubeletLocation, nodeProxyLocation, podProxyLocation, serviceProxyLocation, splitSchemeNamePort, validateContainer } from './location.js';
import { logQuery, parsePodLogOptions, parsePodStreamOptions, parsePortForwardOptions, portForwardQuery, streamQuery, validatePodStreamOptions } from './options.js';
import type { ProxyTransports } from './transport.js';
import type { UpgradeConn } from './upgrade.js';
import { proxyUpgrade } from './upgrade.js';

const log = logger('proxy.go');

export interface ConnectConfig {
  kubelet: KubeletConnectionConfig;
  transports: ProxyTransports;
}

const POD_CONNECT = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);
const UPGRADE_METHODS = ['GET', 'POST'];
const PROXY_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** True for the core/v1 connect subresources served here. */
export function isConnectRequest(info: RequestInfo): boolean {
  if (!info.isResourceRequest || info.apiGroup !== '' || info.apiVersion !== 'v1' || !info.name) return false;
  if (info.resource === 'pods') return POD_CONNECT.has(info.subresource);
  return (info.resource === 'nodes' || info.resource === 'services') && info.subresource === 'proxy';
}

/**
 * The proxied path (escaped, '' when the URL ends at ".../proxy") and the API path up to
 * ".../proxy", from the raw request path.
 */
export function proxySubpath(rawPath: string, info: RequestInfo): { path: string; prepend: string } {
  const segs = rawPath.split('/');
  // ['', 'api', 'v1', ('namespaces', ns,)? resource, name, 'proxy', ...rest]
  const idx = info.namespace && info.resource !== 'nodes' ? 7 : 5;
  const rest = segs.slice(idx + 1);
  return { path: rest.length ? `/${rest.join('/')}` : '', prepend: segs.slice(0, idx + 1).join('/') };
}

function def(ctx: ApiContext, plural: string) {
  const d = ctx.registry.lookup('', 'v1', plural);
  if (!d) throw new Error(`resource ${plural} is not registered`);
  return d;
}

function getPod(ctx: ApiContext, namespace: string, name: string): Promise<any> {
  return getObject(ctx, def(ctx, 'pods'), namespace, name);
}

function getNode(ctx: ApiContext, name: string): Promise<any> {
  return getObject(ctx, def(ctx, 'nodes'), '', name);
}

function checkMethod(method: string, allowed: string[]): void {
  if (!allowed.includes(method)) throw methodNotAllowed();
}

/** Serve one connect request; `upgrade` is set when the client asked for a protocol upgrade over HTTP/1.1. */
export async function serveConnect(ctx: ApiContext, cfg: ConnectConfig, info: RequestInfo, rawPath: string, rawQuery: string, req: Req, res: Res, upgrade?: UpgradeConn): Promise<void> {
  try {
    await dispatch(ctx, cfg, info, rawPath, rawQuery, req, res, upgrade);
  } catch (err) {
    // upstream answers plain errors (not API Status errors) as 500 with the error's text
    if (err instanceof ProxyError) throw new StatusError(500, '', err.message);
    throw err;
  }
}

async function dispatch(ctx: ApiContext, cfg: ConnectConfig, info: RequestInfo, rawPath: string, rawQuery: string, req: Req, res: Res, upgrade?: UpgradeConn): Promise<void> {
  const method = req.method ?? 'GET';
  const query = new URLSearchParams(rawQuery);
  const ns = info.namespace;
  if (info.resource === 'pods' && info.subresource !== 'proxy') {
    const name = info.name;
    switch (info.subresource) {
      case 'log': {
        checkMethod(method, ['GET']);
        const opts = parsePodLogOptions(query, name);
        const pod = await getPod(ctx, ns, name);
        const container = validateContainer(pod, opts.container);
        const nodeName = pod.spec?.nodeName;
        if (!nodeName) {
          // not scheduled: no location, an empty answer (upstream's StreamObject)
          res.writeHead(204);
          res.end();
          return;
        }
        const loc = kubeletLocation(await getNode(ctx, nodeName), cfg.kubelet, ['containerLogs', ns, name, container], logQuery(opts), opts.insecureSkipTLSVerifyBackend);
        log.v(4).info('streaming container logs', { pod: `${ns}/${name}`, container, node: nodeName });
        return streamFromLocation(loc, cfg.transports, res, { resource: 'pods/log', name });
      }
      case 'exec':
      case 'attach': {
        checkMethod(method, UPGRADE_METHODS);
        const opts = parsePodStreamOptions(query);
        const pod = await getPod(ctx, ns, name);
        const container = validateContainer(pod, opts.container);
        const node = await scheduledNode(ctx, pod, name);
        const loc = kubeletLocation(node, cfg.kubelet, [info.subresource, ns, name, container], streamQuery(opts, info.subresource === 'exec'));
        if (!upgrade) throw badRequest('Upgrade request required');
        validatePodStreamOptions(opts);
        return proxyUpgrade(loc, cfg.transports, req as unknown as IncomingMessage, upgrade, res);
      }
      case 'portforward': {
        checkMethod(method, UPGRADE_METHODS);
        const opts = parsePortForwardOptions(query);
        const pod = await getPod(ctx, ns, name);
        const node = await scheduledNode(ctx, pod, name);
        const loc = kubeletLocation(node, cfg.kubelet, ['portForward', ns, name], portForwardQuery(opts));
        if (!upgrade) throw badRequest('Upgrade request required');
        return proxyUpgrade(loc, cfg.transports, req as unknown as IncomingMessage, upgrade, res);
      }
    }
  }
  // ---- proxy subresources
  checkMethod(method, PROXY_METHODS);
  const { path, prepend } = proxySubpath(rawPath, info);
  const kind = info.resource === 'nodes' ? 'node' : info.resource === 'pods' ? 'pod' : 'service';
  const id = splitSchemeNamePort(info.name);
  if (!id) throw badRequest(`invalid ${kind} request ${JSON.stringify(info.name)}`);
  let loc: Location;
  if (info.resource === 'nodes') {
    loc = await nodeProxyLocation(await getNode(ctx, id.name), cfg.kubelet, id.port, id.scheme, path, rawQuery);
  } else if (info.resource === 'pods') {
    loc = podProxyLocation(await getPod(ctx, ns, id.name), id.scheme, id.port, path, rawQuery);
  } else {
    loc = await serviceLocation(ctx, ns, { ...id, raw: info.name }, path, rawQuery);
  }
  if (upgrade) return proxyUpgrade(loc, cfg.transports, req as unknown as IncomingMessage, upgrade, res);
  if (path === '' && (method === 'GET' || method === 'HEAD')) {
    // upstream redirects an empty proxied path to ".../proxy/"
    res.writeHead(301, { location: `${rawPath}/${rawQuery ? `?${rawQuery}` : ''}` });
    res.end();
    return;
  }
  return proxyRequest(loc, cfg.transports, req, res, prepend);
}

/** The pod's node, or upstream's 400 when the pod is not scheduled. */
async function scheduledNode(ctx: ApiContext, pod: any, name: string): Promise<any> {
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  return getNode(ctx, nodeName);
}

async function serviceLocation(ctx: ApiContext, ns: string, id: { scheme: string; name: string; port: string; raw: string }, path: string, rawQuery: string): Promise<Location> {
  const svc = /^\d+$/.test(id.port) ? await getObject(ctx, def(ctx, 'services'), ns, id.name) : undefined;
  const eps: any = await getObject(ctx, def(ctx, 'endpoints'), ns, id.name);
  // the pods behind the addresses, to check each address still belongs to its pod
  const refs = new Map<string, string[] | undefined>();
  for (const ss of eps.subsets ?? []) {
    for (const a of ss.addresses ?? []) {
      const r = a.targetRef;
      if (r?.kind === 'Pod' && r.namespace === ns && !refs.has(r.name)) refs.set(r.name, undefined);
    }
  }
  await Promise.all(
    [...refs.keys()].map(async (podName) => {
      try {
        const p: any = await getPod(ctx, ns, podName);
        refs.set(podName, (p.status?.podIPs ?? []).map((x: any) => x.ip).concat(p.status?.podIP ? [p.status.podIP] : []));
      } catch {
        /* gone: its addresses are skipped */
      }
    }),
  );
  return serviceProxyLocation(svc, eps, id, (_ns, podName) => refs.get(podName), path, rawQuery);
}
