// The kube-aggregator inside k8ts' API server: APIService autoregistration, the availability
// controller, merged discovery, the extension-apiserver-authentication ConfigMap, and the
// proxy that sends /apis/<group>/<version>/... of an APIService with a service to the
// extension API server (after this server authenticated and authorized the request, as
// upstream), with the front-proxy client certificate and the user in X-Remote-* headers.
// Watches and upgrades stream through.

import * as https from 'node:https';
import { StatusError } from '../../apimachinery/errors.js';
import { logger } from '../../util/klog.js';
import type { Discovery } from '../discovery.js';
import type { ApiContext, UserInfo } from '../endpoints/context.js';
import type { Req, Res } from '../http.js';
import { writeRaw } from '../http.js';
import { appendForwardedFor, forwardableHeaders, relay, responseHeaders } from '../proxy/forward.js';
import { goNetError } from '../proxy/transport.js';
import type { ProxyTransports } from '../proxy/transport.js';
import type { Location } from '../proxy/location.js';
import { proxyUpgrade } from '../proxy/upgrade.js';
import type { KObject } from '../registry/types.js';
import { APIREGISTRATION_GROUP, availableCondition } from './apiservice.js';
import { publishAuthenticationConfigMap } from './authconfigmap.js';
import type { AuthenticationInfo } from './authconfigmap.js';
import { AutoRegistration } from './autoregister.js';
import { AvailabilityController } from './availability.js';
import { RemoteDiscovery } from './discovery.js';
import { ClusterObjects } from './objects.js';
import { ResolveError, resolveService } from './resolve.js';
import type { ServiceLookups } from './resolve.js';
import { AgentPool, authProxyHeaders, loadProxyClientCert, withoutRemoteHeaders } from './transport.js';

const log = logger('handler_proxy.go');

/** The discovery check's client timeout (upstream: 5 s). */
const DISCOVERY_TIMEOUT_MS = 5000;
const MAX_DISCOVERY_BODY = 16 << 20;

export interface AggregatorOptions {
  proxyClientCertFile?: string;
  proxyClientKeyFile?: string;
  /** --enable-aggregator-routing */
  endpointRouting: boolean;
  auth: AuthenticationInfo;
  /** for upgrades: the connect machinery's dialer */
  transports: ProxyTransports;
  /** availability resync period (default 30 s) */
  resyncMs?: number;
}

function splitHostPort(hp: string): { host: string; port: number } {
  const i = hp.lastIndexOf(':');
  return { host: hp.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hp.slice(i + 1)) };
}

export class Aggregator {
  private readonly objects: ClusterObjects;
  private readonly agents: AgentPool;
  private readonly remote: RemoteDiscovery;
  private readonly lookups: ServiceLookups;
  private autoreg?: AutoRegistration;
  private availability?: AvailabilityController;

  private constructor(private readonly ctx: ApiContext, private readonly opts: AggregatorOptions) {
    this.objects = new ClusterObjects(ctx);
    this.agents = new AgentPool(loadProxyClientCert(opts.proxyClientCertFile, opts.proxyClientKeyFile));
    this.remote = new RemoteDiscovery((g) => g === '' || ctx.registry.groups().some((x) => x.name === g));
    const o = this.objects;
    this.lookups = {
      service: (ns, name) => o.get('', 'services', ns, name),
      endpoints: (ns, name) => o.get('', 'endpoints', ns, name),
      endpointSlices: (ns, svc) => o.list('discovery.k8s.io', 'endpointslices', ns).filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === svc),
    };
  }

  /** Start after bootstrap: caches, the ConfigMap, autoregistration, availability, discovery. */
  static async start(ctx: ApiContext, discovery: Discovery, opts: AggregatorOptions): Promise<Aggregator> {
    const a = new Aggregator(ctx, opts);
    const o = a.objects;
    await o.watch('', 'v1', 'services');
    await o.watch('', 'v1', 'endpoints');
    await o.watch('discovery.k8s.io', 'v1', 'endpointslices');
    await o.watch(APIREGISTRATION_GROUP, 'v1', 'apiservices');
    discovery.extend(a.remote);
    a.availability = new AvailabilityController(
      {
        list: () => o.list(APIREGISTRATION_GROUP, 'apiservices'),
        get: (name) => o.get(APIREGISTRATION_GROUP, 'apiservices', '', name),
        writeCondition: (name, mutate) => o.update(APIREGISTRATION_GROUP, 'v1', 'apiservices', '', name, mutate, true),
      },
      a.lookups,
      (as) => a.probe(as),
      (as, r) => a.remote.setDocument(as.metadata.name, r.status === 'True' ? r.body : undefined),
      opts.resyncMs,
    );
    const later = (fn: () => void) => setImmediate(fn);
    await o.watch(APIREGISTRATION_GROUP, 'v1', 'apiservices', (_ns, name) => later(() => {
      a.remote.setAPIService(name, o.get(APIREGISTRATION_GROUP, 'apiservices', '', name));
      a.availability?.queue(name);
    }));
    await o.watch('', 'v1', 'services', (ns, name) => later(() => a.availability?.queueService(ns, name)));
    await o.watch('', 'v1', 'endpoints', (ns, name) => later(() => a.availability?.queueService(ns, name)));
    await o.watch('discovery.k8s.io', 'v1', 'endpointslices', (ns) => later(() => {
      for (const as of o.list(APIREGISTRATION_GROUP, 'apiservices')) if (as.spec?.service?.namespace === ns) a.availability?.queue(as.metadata.name);
    }));
    for (const as of o.list(APIREGISTRATION_GROUP, 'apiservices')) a.remote.setAPIService(as.metadata.name, as);
    try {
      await publishAuthenticationConfigMap(o, opts.auth);
    } catch (err) {
      log.warning('cannot publish kube-system/extension-apiserver-authentication', { err: String(err) });
    }
    a.autoreg = new AutoRegistration(ctx.registry, o);
    await a.autoreg.start();
    a.availability.start();
    return a;
  }

  close(): void {
    this.autoreg?.stop();
    this.availability?.stop();
    this.agents.close();
  }

  private apiService(group: string, version: string): KObject | undefined {
    return this.objects.get(APIREGISTRATION_GROUP, 'apiservices', '', `${version}.${group}`);
  }

  /**
   * Serve the request when it belongs to an aggregated API: /apis/<group>/<version>[/...] of
   * an APIService with a service is proxied (503 while it is not Available). False: not ours,
   * the local handlers go on.
   */
  async serve(path: string, rawUrl: string, req: Req, res: Res, user: UserInfo): Promise<boolean> {
    const m = /^\/apis\/([^/]+)(?:\/([^/]+))?(?:\/.*)?$/.exec(path);
    if (!m) return false;
    const [, group, version] = m;
    // /apis/<group> of an aggregated group: the Discovery extension answers it locally
    if (!version) return false;
    const as = this.apiService(group, version);
    if (!as?.spec?.service) return false;
    if (availableCondition(as)?.status !== 'True') {
      writeRaw(res, 503, 'service unavailable\n', 'text/plain; charset=utf-8', { 'x-content-type-options': 'nosniff' });
      return true;
    }
    let hostport: string;
    try {
      hostport = resolveService({ ...as.spec.service, port: Number(as.spec.service.port ?? 443) }, this.lookups, this.opts.endpointRouting);
    } catch (err) {
      log.error('error resolving service', { service: `${as.spec.service.namespace}/${as.spec.service.name}`, err: String((err as Error).message) });
      writeRaw(res, 503, 'service unavailable\n', 'text/plain; charset=utf-8', { 'x-content-type-options': 'nosniff' });
      return true;
    }
    const { host, port } = splitHostPort(hostport);
    const upgrade = (req as any).__upgrade;
    if (upgrade) {
      const qi = rawUrl.indexOf('?');
      const loc: Location = {
        scheme: 'https',
        host,
        port: String(port),
        path: qi >= 0 ? rawUrl.slice(0, qi) : rawUrl,
        query: qi >= 0 ? rawUrl.slice(qi + 1) : '',
        transport: 'proxy',
        tls: { ...this.agents.tls(as), host },
        headers: { ...authProxyHeaders(user), host: hostport },
      };
      await proxyUpgrade(loc, this.opts.transports, req as any, upgrade, res);
      return true;
    }
    const headers = withoutRemoteHeaders(forwardableHeaders(req.headers));
    Object.assign(headers, authProxyHeaders(user));
    headers.host = hostport;
    const xff = appendForwardedFor(headers['x-forwarded-for'], req.socket?.remoteAddress);
    if (xff) headers['x-forwarded-for'] = xff;
    const out = https.request({ host, port, method: req.method ?? 'GET', path: rawUrl, headers, agent: this.agents.agent(as) });
    const done = relay(
      out,
      res,
      (err) => {
        this.availability?.queue(as.metadata.name);
        return new StatusError(503, 'ServiceUnavailable', `error trying to reach service: ${goNetError(err, hostport, 'dial', host)}`);
      },
      (back) => ({ code: back.statusCode ?? 502, headers: responseHeaders(back) }),
    );
    (req as unknown as NodeJS.ReadableStream).pipe(out);
    await done;
    return true;
  }

  /** Upstream's discovery check: GET /apis/<group>/<version> as system:kube-aggregator (system:masters). */
  private probe(as: KObject): Promise<{ error?: string; body?: string }> {
    const ref = as.spec.service;
    let hostport: string;
    try {
      hostport = resolveService({ namespace: ref.namespace, name: ref.name, port: Number(ref.port ?? 443) }, this.lookups, this.opts.endpointRouting);
    } catch (err) {
      return Promise.resolve({ error: err instanceof ResolveError ? err.message : String(err) });
    }
    const { host, port } = splitHostPort(hostport);
    const path = `/apis/${as.spec.group}/${as.spec.version}`;
    const url = `https://${hostport}${path}`;
    const fail = (why: string) => ({ error: `failing or missing response from ${url}: ${why}` });
    return new Promise((resolve) => {
      let settled = false;
      const finish = (r: { error?: string; body?: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const out = https.request(
        { host, port, method: 'GET', path, agent: this.agents.agent(as), headers: { ...authProxyHeaders({ username: 'system:kube-aggregator', groups: ['system:masters'] }), accept: 'application/json', host: hostport } },
        (back) => {
          const chunks: Buffer[] = [];
          let size = 0;
          back.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= MAX_DISCOVERY_BODY) chunks.push(c);
          });
          back.once('end', () => {
            const code = back.statusCode ?? 0;
            if (code === 200) finish({ body: Buffer.concat(chunks).toString('utf8') });
            else if (code === 401 || code === 403) finish({});
            else finish(fail(`bad status from ${url}: ${code}`));
          });
          back.on('error', (err) => finish(fail(`Get ${JSON.stringify(url)}: ${goNetError(err, hostport, 'tls', host)}`)));
        },
      );
      const timer = setTimeout(() => {
        out.destroy();
        finish(fail(`Get ${JSON.stringify(url)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`));
      }, DISCOVERY_TIMEOUT_MS);
      out.on('error', (err) => finish(fail(`Get ${JSON.stringify(url)}: ${goNetError(err, hostport, 'dial', host)}`)));
      out.end();
    });
  }
}
