// The kube-apiserver process: opens storage, builds the registry and watch caches,
// bootstraps the built-in objects, and serves HTTPS (HTTP/2 and HTTP/1.1) with the request
// chain authentication → authorization → routing (health, version, discovery, resources).

import { createSecureServer } from 'node:http2';
import type { Http2SecureServer } from 'node:http2';
import { ServerResponse } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StatusError, fieldErr, forbidden, internalError, invalid, unauthorized } from '../apimachinery/errors.js';
import type { FieldError } from '../apimachinery/errors.js';
import { openStore } from '../storage/index.js';
import type { Store } from '../storage/types.js';
import { logger } from '../util/klog.js';
import { versionInfo } from '../version.js';
import { Registry } from './registry/index.js';
import { coreResources } from './registry/core/index.js';
import { groupResources } from './registry/groups.js';
import { customResourceDefinitionDef } from './apiextensions/crddef.js';
import { startCRDController, type CRDController } from './apiextensions/controller.js';
import type { ResourceDef } from './registry/types.js';
import { Codec } from './storage/codec.js';
import { CacheManager } from './storage/watchcache.js';
import type { AdmissionPlugin, ApiContext, UserInfo } from './endpoints/context.js';
import { cacheFor } from './endpoints/context.js';
import { setupAuthorization } from './authz/setup.js';
import { reviewDefs, reviewHandlers } from './reviews.js';
import { TokenAuthenticator, tokenReviewResponse } from './authn/index.js';
import { ServiceAccountTokenIssuer, loadSigningKeyFile } from './authn/serviceaccount.js';
import { CacheObjectSource } from './authz/source.js';
import { getObject } from './endpoints/read.js';
import { forbiddenError } from './authz/chain.js';
import type { Authorizer } from './authz/types.js';
import type { AttributesWithSelectors } from './authz/node.js';
import { parseFieldSelector } from '../apimachinery/fields.js';
import { serveResource } from './endpoints/resource.js';
import { parseRequestInfo } from './requestinfo.js';
import type { RequestInfo } from './requestinfo.js';
import { Discovery } from './discovery.js';
import type { Req, Res } from './http.js';
import { negotiate, writeJSON, writeRaw, writeStatusError } from './http.js';
import type { APIServerOptions } from './options.js';
import { ServiceIPAllocator } from './allocator/ipallocator.js';
import { NodePortAllocator } from './allocator/portallocator.js';
import { startServiceRepair } from './services.js';
import type { ServiceRangeRepair } from './allocator/repair.js';
import { serviceHooks } from './services.js';
import { bootstrapObjects, endpointAddress, ensureKubernetesService } from './bootstrap.js';
import { startEndpointReconciler, type EndpointReconciler } from './endpointreconciler/index.js';
import { Metrics } from './metrics.js';
import { OpenAPI } from './openapi/index.js';
import { ObjectCountPoller } from './storage/countpoll.js';
import { Auditor } from './audit/auditor.js';
import { loadEncryptionConfig, resourceOfKeyFromDefs } from './encryption/index.js';
import type { AuditRecord } from './audit/auditor.js';
import { randomUUID } from 'node:crypto';
import { buildAdmissionChain } from './admission/chain.js';
import { contextObjects, contextQuotaAccess } from './admission/common.js';
import { isConnectRequest, serveConnect } from './proxy/connect.js';
import type { ConnectConfig } from './proxy/connect.js';
import { DEFAULT_KUBELET_PORT } from './proxy/location.js';
import { ProxyTransports } from './proxy/transport.js';
import { Aggregator } from './aggregator/index.js';
import { RequestHeaderAuthenticator } from './authn/requestheader.js';

const log = logger('server.go');

/** The named checks under /healthz, /livez and /readyz. */
const HEALTH_CHECKS = ['ping', 'log', 'etcd', 'poststarthook/start-apiserver-admission-initializer', 'poststarthook/generic-apiserver-start-informers', 'poststarthook/bootstrap-controller'];

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/', '/healthz/ping', '/livez/ping', '/readyz/ping']);

export interface APIServerHandle {
  url: string;
  port: number;
  ctx: ApiContext;
  close(): Promise<void>;
}

export class APIServer implements APIServerHandle {
  url = '';
  port = 0;
  ready = false;
  private server?: Http2SecureServer;
  private compactTimer?: NodeJS.Timeout;
  private endpointReconciler?: EndpointReconciler;
  private countPoller?: ObjectCountPoller;
  private discovery: Discovery;
  private openapi: OpenAPI;
  private identities = new WeakMap<object, UserInfo | null>();
  private sockets = new Set<TLSSocket>();
  readonly metrics = new Metrics();
  private auditor?: Auditor;
  /** Serves the CustomResourceDefinitions' resources (src/apiserver/apiextensions). */
  crdController?: CRDController;
  serviceRepair?: ServiceRangeRepair;
  /** How connect subresources (logs, exec, attach, port-forward, proxy) reach kubelets and pods. */
  private readonly connect: ConnectConfig;
  /** API aggregation (APIServices) and request-header (front-proxy) authentication */
  private aggregator?: Aggregator;
  private readonly requestHeader?: RequestHeaderAuthenticator;

  private constructor(readonly opts: APIServerOptions, readonly ctx: ApiContext, private readonly ownsStore: boolean) {
    this.discovery = new Discovery(ctx.registry);
    this.openapi = new OpenAPI(ctx.registry);
    if (opts.requestheaderClientCAFile) this.requestHeader = new RequestHeaderAuthenticator({ caFile: opts.requestheaderClientCAFile, allowedNames: opts.requestheaderAllowedNames ?? [], usernameHeaders: opts.requestheaderUsernameHeaders ?? [], groupHeaders: opts.requestheaderGroupHeaders ?? [], extraHeaderPrefixes: opts.requestheaderExtraHeadersPrefix ?? [] }, opts.clientCAFile || undefined);
    this.connect = {
      kubelet: {
        preferredAddressTypes: opts.kubeletPreferredAddressTypes?.length ? opts.kubeletPreferredAddressTypes : ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'],
        defaultPort: DEFAULT_KUBELET_PORT,
      },
      transports: new ProxyTransports({
        kubeletClientCertFile: opts.kubeletClientCertificate,
        kubeletClientKeyFile: opts.kubeletClientKey,
        kubeletCAFile: opts.kubeletCertificateAuthority,
        kubeletTimeoutMs: opts.kubeletTimeoutMs,
        proxyClientCertFile: opts.proxyClientCertFile,
        proxyClientKeyFile: opts.proxyClientKeyFile,
      }),
    };
  }

  static async start(opts: APIServerOptions, deps: { store?: Store } = {}): Promise<APIServer> {
    const t0 = Date.now();
    let store = deps.store;
    if (!store) {
      if (opts.storageBackend === 'memory') store = await openStore({ backend: 'memory' });
      else if (opts.storageBackend === 'sqlite') {
        const dir = opts.dataDir || '/var/lib/k8ts';
        mkdirSync(join(dir, 'db'), { recursive: true });
        store = await openStore({ backend: 'sqlite', path: join(dir, 'db', 'state.db') });
      } else {
        if (!opts.etcdServers.length) throw new Error('--storage-backend=etcd3 needs --etcd-servers');
        // writes to different keys in flight together, as upstream's etcd client sends them
        store = await openStore({ backend: 'etcd3', endpoints: opts.etcdServers, ca: opts.etcdCAFile, cert: opts.etcdCertFile, key: opts.etcdKeyFile, concurrentWrites: true });
        log.info('using etcd', { servers: opts.etcdServers.join(',') });
      }
    }
    const registry = new Registry([...coreResources, ...groupResources, ...reviewDefs, customResourceDefinitionDef] as ResourceDef[]);
    const codec = new Codec();
    if (opts.encryptionProviderConfig) {
      const t = await loadEncryptionConfig(opts.encryptionProviderConfig, opts.etcdPrefix, resourceOfKeyFromDefs(registry.all(), opts.etcdPrefix));
      codec.setTransformer(t);
      log.info('encryption at rest configured', { config: opts.encryptionProviderConfig });
    }
    const caches = new CacheManager(store, `${opts.etcdPrefix}/`, codec);
    const ctx: ApiContext = {
      store,
      codec,
      caches,
      registry,
      etcdPrefix: opts.etcdPrefix,
      hooks: new Map(),
      admission: [],
      ttlFor: (def) => (def.storageResource ?? def.plural) === 'events' ? opts.eventTTLSeconds : def.ttlSeconds?.(),
    };
    const ips = new ServiceIPAllocator({ store, cidr: opts.serviceClusterIPRange, prefix: opts.etcdPrefix });
    const ports = new NodePortAllocator({ store, range: opts.serviceNodePortRange, prefix: opts.etcdPrefix });
    ctx.hooks.set('/services', serviceHooks(ips, ports));
    ctx.hooks.set('certificates.k8s.io/certificatesigningrequests', {
      // the requester is whoever created the CSR, never what the body claims
      beforeCreate(obj, scope) {
        const spec = (obj.spec ??= {});
        spec.username = scope.user.username;
        if (scope.user.uid) spec.uid = scope.user.uid;
        else delete spec.uid;
        spec.groups = [...scope.user.groups];
        if (scope.user.extra && Object.keys(scope.user.extra).length) spec.extra = scope.user.extra;
        else delete spec.extra;
      },
    });
    if (!opts.allowPrivileged) ctx.admission.push(privilegedPolicy());
    ctx.admission.push(...buildAdmissionChain(opts.enableAdmissionPlugins ?? [], opts.disableAdmissionPlugins ?? [], {
      ctx,
      objects: contextObjects(ctx),
      quotas: contextQuotaAccess(ctx),
    }));

    const srv = new APIServer(opts, ctx, !deps.store);
    if (opts.audit && (opts.audit.policyFile || opts.audit.logPath)) {
      srv.auditor = new Auditor({
        policyFile: opts.audit.policyFile || undefined,
        logPath: opts.audit.logPath || undefined,
        maxAgeDays: opts.audit.maxAgeDays,
        maxBackups: opts.audit.maxBackups,
        maxSizeMB: opts.audit.maxSizeMB,
        format: opts.audit.format,
      });
    }
    await caches.start();
    await srv.listen();
    let resolveAuthz!: () => void;
    srv.authorizerReady = new Promise((r) => (resolveAuthz = r));
    await bootstrapObjects(ctx, { securePort: srv.port, serviceIP: ips.firstIP() });
    srv.serviceRepair = startServiceRepair(ctx, ips, ports);
    await srv.serviceRepair.start();
    srv.endpointReconciler = await srv.startEndpointReconciler(ips.firstIP());
    srv.crdController = await startCRDController(ctx);
    const az = await setupAuthorization(ctx, opts.authorizationModes.length ? opts.authorizationModes : ['AlwaysAllow']);
    srv.authorizer = az.authorizer;
    srv.aggregator = await Aggregator.start(ctx, srv.discovery, {
      proxyClientCertFile: opts.proxyClientCertFile, proxyClientKeyFile: opts.proxyClientKeyFile, endpointRouting: opts.enableAggregatorRouting ?? true, transports: srv.connect.transports,
      auth: { clientCAFile: opts.clientCAFile || undefined, requestheaderClientCAFile: opts.requestheaderClientCAFile, allowedNames: opts.requestheaderAllowedNames ?? [], usernameHeaders: opts.requestheaderUsernameHeaders ?? [], groupHeaders: opts.requestheaderGroupHeaders ?? [], extraHeaderPrefixes: opts.requestheaderExtraHeadersPrefix ?? [] },
    });
    ctx.virtual = reviewHandlers(az.authorizer, az.rbac);
    await srv.setupTokens(az.source);
    resolveAuthz();
    srv.startCompaction();
    srv.countPoller = new ObjectCountPoller(store, ObjectCountPoller.prefixesOf(registry.all(), opts.etcdPrefix), opts.etcdCountMetricPollPeriodMs ?? 60_000);
    srv.metrics.objectCounts = () => srv.countPoller!.counts();
    srv.countPoller.start();
    srv.ready = true;
    srv.warmCaches();
    log.info('kube-apiserver is ready', { address: srv.url, storage: store.backend, startupMs: Date.now() - t0 });
    return srv;
  }

  /**
   * Load every resource's watch cache in the background (upstream starts them all at boot), so
   * each cache's event window starts near startup and not at its first use.
   */
  private warmCaches(): void {
    const defs = this.ctx.registry.all().filter((d) => !d.fromStorage && !d.createOnly);
    void (async () => {
      for (const def of defs) {
        try {
          await cacheFor(this.ctx, def);
        } catch (err) {
          log.warning('failed to initialize watch cache', { resource: def.plural, err: String(err) });
        }
      }
      log.v(2).info('watch caches initialized', { resources: defs.length });
    })();
  }

  /** Token authentication, TokenRequest (serviceaccounts/token) and TokenReview. */
  private async setupTokens(objects: CacheObjectSource): Promise<void> {
    const o = this.opts;
    await objects.prepare([['', 'secrets'], ['', 'serviceaccounts'], ['', 'nodes']]);
    // pods may be many: bound-token checks wait for them, nothing else does
    objects.prepareInBackground([['', 'pods']]);
    const issuers = o.serviceAccountIssuers ?? [];
    const apiAudiences = o.apiAudiences?.length ? o.apiAudiences : issuers;
    if (o.tokenAuthFile || o.enableBootstrapTokenAuth || o.serviceAccountKeyFiles.length) {
      this.tokenAuth = TokenAuthenticator.fromFlags({
        tokenAuthFile: o.tokenAuthFile,
        enableBootstrapTokenAuth: o.enableBootstrapTokenAuth,
        serviceAccountKeyFiles: o.serviceAccountKeyFiles,
        serviceAccountIssuers: issuers,
        apiAudiences,
        serviceAccountLookup: o.serviceAccountLookup ?? true,
        objects,
      });
      this.tokenAuth.waitFor(objects.ready('', 'pods'));
      const auth = this.tokenAuth;
      this.ctx.virtual!.set('authentication.k8s.io/tokenreviews', (obj) => tokenReviewResponse(obj, auth, apiAudiences));
    }
    if (o.serviceAccountSigningKeyFile && issuers.length) {
      const issuer = new ServiceAccountTokenIssuer({
        signingKey: loadSigningKeyFile(o.serviceAccountSigningKeyFile),
        issuer: issuers[0],
        apiAudiences,
        maxExpirationSeconds: o.serviceAccountMaxTokenExpirationSeconds,
        extendExpiration: o.serviceAccountExtendTokenExpiration,
      });
      this.ctx.subresources ??= new Map();
      this.ctx.subresources.set('/serviceaccounts/token', async (scope, body) => {
        const sa = objects.get('', 'serviceaccounts', scope.namespace, scope.name) ?? (await getObject(this.ctx, scope.def, scope.namespace, scope.name));
        const r = issuer.createTokenRequest(sa, body?.spec, objects);
        return { code: 201, obj: r.object, warnings: r.warnings };
      });
    }
  }

  private startEndpointReconciler(serviceIP: string): Promise<EndpointReconciler> {
    const ip = endpointAddress(this.advertiseAddress());
    if (!ip) log.warning('no non-loopback address to publish in the kubernetes Endpoints; skipping them', { advertiseAddress: this.advertiseAddress() });
    return startEndpointReconciler(this.ctx, {
      type: this.opts.endpointReconcilerType ?? 'lease',
      ip,
      port: this.port,
      masterCount: this.opts.apiserverCount,
      ensureService: () => ensureKubernetesService(this.ctx, { securePort: this.port, serviceIP }),
    });
  }

  advertiseAddress(): string {
    if (this.opts.advertiseAddress) return this.opts.advertiseAddress;
    const b = this.opts.bindAddress;
    return b && b !== '0.0.0.0' && b !== '::' ? b : '127.0.0.1';
  }

  private listen(): Promise<void> {
    const o = this.opts;
    if (!o.tlsCertFile || !o.tlsPrivateKeyFile) throw new Error('--tls-cert-file and --tls-private-key-file are required: k8ts serves HTTPS only');
    const server = createSecureServer({
      cert: readFileSync(o.tlsCertFile),
      key: readFileSync(o.tlsPrivateKeyFile),
      ca: [...(o.clientCAFile ? [readFileSync(o.clientCAFile)] : []), ...(this.requestHeader ? [this.requestHeader.caPem] : [])],
      requestCert: !!o.clientCAFile || !!this.requestHeader,
      rejectUnauthorized: false,
      allowHTTP1: true,
      settings: { maxConcurrentStreams: 1000 },
    });
    server.on('request', (req: Req, res: Res) => {
      this.handle(req, res).catch((err) => {
        log.error('unhandled error serving request', { path: req.url, err: String(err?.stack ?? err) });
        try {
          writeStatusError(res, internalError(String(err?.message ?? err)));
        } catch {
          /* connection gone */
        }
      });
    });
    // HTTP/1.1 upgrades (WebSocket, SPDY/3.1: exec, attach, port-forward, proxy) arrive here
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(req, socket, head));
    server.on('secureConnection', (sock: TLSSocket) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    server.on('sessionError', () => {});
    server.on('tlsClientError', () => {});
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.securePort, o.bindAddress, () => {
        server.off('error', reject);
        const addr = server.address();
        this.port = typeof addr === 'object' && addr ? addr.port : o.securePort;
        const host = this.advertiseAddress();
        this.url = `https://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
        log.info('Serving securely', { address: `${o.bindAddress}:${this.port}` });
        resolve();
      });
    });
  }

  /**
   * An HTTP/1.1 upgrade request goes through the same chain as any request; its response
   * object writes to the raw socket (errors end the connection), and the connect handlers take
   * the socket over once the backend has agreed to the upgrade.
   */
  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.shouldKeepAlive = false;
    res.once('finish', () => socket.end());
    (req as any).__upgrade = { socket, head };
    this.handle(req as unknown as Req, res as unknown as Res).catch((err) => {
      log.error('unhandled error serving upgrade request', { path: req.url, err: String(err?.stack ?? err) });
      socket.destroy();
    });
  }

  private startCompaction(): void {
    const interval = this.opts.etcdCompactionIntervalMs;
    if (!interval) return;
    let lastRev = 0;
    const tick = async () => {
      try {
        const rev = await this.ctx.store.currentRevision();
        if (lastRev) {
          await this.ctx.store.compact(lastRev);
          log.v(2).info('compacted storage', { revision: lastRev });
        }
        lastRev = rev;
      } catch (err) {
        log.warning('compaction failed', { err: String(err) });
      }
      this.compactTimer = setTimeout(tick, interval);
      this.compactTimer.unref();
    };
    this.compactTimer = setTimeout(tick, interval);
    this.compactTimer.unref();
  }

  /** Bearer-token authentication (token file, bootstrap tokens, ServiceAccount JWTs). */
  private tokenAuth?: TokenAuthenticator;

  /**
   * Who is asking: a valid TLS client certificate (CN = user, O = groups, cached per connection),
   * else a bearer token, else anonymous (with --anonymous-auth). Invalid credentials are 401.
   */
  private async authenticate(req: Req): Promise<UserInfo> {
    const socket = req.socket as unknown as TLSSocket;
    const sess = (req as any).stream?.session ?? socket;
    const proxied = this.requestHeader?.authenticate(req.headers, socket, sess);
    if (proxied) return proxied;
    let certUser = this.identities.get(sess);
    if (certUser === undefined) {
      certUser = null;
      const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
      if (cert && Object.keys(cert).length) {
        if (!socket.authorized || (this.requestHeader && !this.requestHeader.issuedByClientCA(socket))) {
          this.identities.set(sess, null);
          (sess as any).__badCert = true;
          throw unauthorized();
        }
        const o = cert.subject?.O;
        const groups = Array.isArray(o) ? o : o ? [o] : [];
        const cn = Array.isArray(cert.subject?.CN) ? cert.subject.CN[0] : cert.subject?.CN ?? '';
        certUser = { username: cn, groups: [...groups, 'system:authenticated'] };
      }
      this.identities.set(sess, certUser);
    }
    if ((sess as any).__badCert) throw unauthorized();
    if (certUser) return certUser;
    const auth = String(req.headers.authorization ?? '');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) {
      const user = this.tokenAuth ? await this.tokenAuth.authenticate(m[1]) : undefined;
      if (!user) throw unauthorized();
      return user;
    }
    if (this.opts.anonymousAuth) return { username: 'system:anonymous', groups: ['system:unauthenticated'] };
    throw unauthorized();
  }

  /**
   * Impersonation (Impersonate-User, -Group, -Uid, -Extra-<key> headers), each asked of the
   * authorizer as upstream does: verb "impersonate" on users, groups, serviceaccounts, uids and
   * userextras/<key>.
   */
  private async impersonate(real: UserInfo, req: Req): Promise<UserInfo> {
    if (!this.authorizer) await this.authorizerReady;
    const h = req.headers;
    const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : String(v).split(',').map((x) => x.trim()).filter(Boolean));
    const username = String(h['impersonate-user'] ?? '');
    if (!username) throw new StatusError(400, 'BadRequest', 'requested [{Group  }] without impersonating a user');
    const groups = list(h['impersonate-group']);
    const uid = h['impersonate-uid'] ? String(h['impersonate-uid']) : undefined;
    const extra: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(h)) {
      if (k.startsWith('impersonate-extra-')) extra[decodeURIComponent(k.slice('impersonate-extra-'.length))] = list(v as string | string[]);
    }
    const check = (resource: string, name: string, namespace = '', subresource = '') => {
      const attrs = { user: real, verb: 'impersonate', isResourceRequest: true, path: '', namespace, apiGroup: resource === 'serviceaccounts' ? '' : 'authentication.k8s.io', apiVersion: '', resource, subresource, name };
      const r = this.authorizer!.authorize(attrs);
      if (r.decision !== 'Allow') {
        const qualified = attrs.apiGroup ? `${resource}.${attrs.apiGroup}` : resource;
        const scope = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope';
        throw new StatusError(403, 'Forbidden', `${qualified} "${name}" is forbidden: User "${real.username}" cannot impersonate resource "${resource}" in API group "${attrs.apiGroup}"${scope}`, { name, group: attrs.apiGroup || undefined, kind: resource });
      }
    };
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
    if (sa) check('serviceaccounts', sa[2], sa[1]);
    else check('users', username);
    for (const g of groups) check('groups', g);
    if (uid) check('uids', uid);
    for (const [k, vs] of Object.entries(extra)) for (const v of vs) check('userextras', v, '', k);
    const outGroups = [...groups];
    if (sa) outGroups.push('system:serviceaccounts', `system:serviceaccounts:${sa[1]}`);
    if (username !== 'system:anonymous' && !outGroups.includes('system:authenticated')) outGroups.push('system:authenticated');
    if (username === 'system:anonymous' && !outGroups.includes('system:unauthenticated')) outGroups.push('system:unauthenticated');
    return { username, uid, groups: outGroups, extra: Object.keys(extra).length ? extra : undefined };
  }

  /** The --authorization-mode chain; requests wait for it while start-up completes. */
  private authorizer?: Authorizer;
  private authorizerReady?: Promise<void>;

  private async authorize(user: UserInfo, info: RequestInfo, path: string, query: URLSearchParams): Promise<void> {
    if (!this.authorizer) await this.authorizerReady;
    const attrs: AttributesWithSelectors = {
      user,
      verb: info.isResourceRequest ? info.verb : (info.verb || 'get'),
      isResourceRequest: info.isResourceRequest,
      path,
      namespace: info.namespace,
      apiGroup: info.apiGroup,
      apiVersion: info.apiVersion,
      resource: info.resource,
      subresource: info.subresource,
      name: info.name || info.selectorName || '',
    };
    const fs = query.get('fieldSelector');
    if (fs && (info.verb === 'list' || info.verb === 'watch')) {
      try {
        attrs.fieldSelector = parseFieldSelector(fs).requirements.map((r) => ({ field: r.field, operator: r.operator, value: r.value }));
      } catch {
        /* the handler reports a bad selector */
      }
    }
    const r = this.authorizer ? this.authorizer.authorize(attrs) : { decision: 'NoOpinion' as const, reason: 'authorizer not ready' };
    if (r.decision !== 'Allow') throw forbiddenError(attrs, r.reason);
  }

  private async handle(req: Req, res: Res): Promise<void> {
    const start = process.hrtime.bigint();
    const rawUrl = req.url ?? '/';
    const qi = rawUrl.indexOf('?');
    let path = qi >= 0 ? rawUrl.slice(0, qi) : rawUrl;
    try {
      path = decodeURIComponent(path);
    } catch {
      /* keep raw */
    }
    const query = new URLSearchParams(qi >= 0 ? rawUrl.slice(qi + 1) : '');
    let info: RequestInfo | undefined;
    let code = 200;
    res.once('close', () => {
      const rec = (res as any).__audit as AuditRecord | undefined;
      if (rec) {
        if (!(res as any).__auditResponded) rec.setResponse(res.statusCode);
        rec.end();
      }
    });
    res.once('finish', () => {
      code = res.statusCode;
      this.metrics.observe(info, req.method ?? '', code, Number(process.hrtime.bigint() - start) / 1e9);
      const v = log.v(3);
      if (v.enabled) v.info('HTTP', { verb: req.method, URI: rawUrl, latency: `${Number(process.hrtime.bigint() - start) / 1e6}ms`, resp: code, userAgent: req.headers['user-agent'] });
    });
    const auditID = String(req.headers['audit-id'] ?? '') || randomUUID();
    (res as any).__auditID = auditID;
    let record: AuditRecord | undefined;
    try {
      let user = await this.authenticate(req);
      info = parseRequestInfo(req.method ?? 'GET', path, query);
      if (req.headers['impersonate-user'] || req.headers['impersonate-group'] || req.headers['impersonate-uid']) {
        user = await this.impersonate(user, req);
      }
      if (this.auditor?.enabled) {
        record = this.beginAudit(auditID, rawUrl, path, info, user, req);
        (res as any).__audit = record;
      }
      await this.authorize(user, info, path, query);
      if (this.aggregator && (await this.aggregator.serve(path, rawUrl, req, res, user))) return;
      if (isConnectRequest(info)) {
        await serveConnect(this.ctx, this.connect, info, qi >= 0 ? rawUrl.slice(0, qi) : rawUrl, qi >= 0 ? rawUrl.slice(qi + 1) : '', req, res, (req as any).__upgrade);
        return;
      }
      if (info.isResourceRequest) {
        const def = this.ctx.registry.lookup(info.apiGroup, info.apiVersion, info.resource);
        if (!def) throw notFoundResource();
        await serveResource(this.ctx, info, def, query, user, req, res);
        return;
      }
      await this.serveNonResource(path, query, info, req, res);
    } catch (err) {
      if (err instanceof StatusError) {
        writeStatusError(res, err);
        return;
      }
      log.error('internal error', { path: rawUrl, err: String((err as Error)?.stack ?? err) });
      writeStatusError(res, internalError(String((err as Error)?.message ?? err)));
    }
  }

  private beginAudit(auditID: string, rawUrl: string, path: string, info: RequestInfo, user: UserInfo, req: Req): AuditRecord | undefined {
    const sock = req.socket as unknown as TLSSocket;
    return this.auditor!.begin({
      auditID,
      verb: info.isResourceRequest ? info.verb : (req.method ?? 'GET').toLowerCase(),
      requestURI: rawUrl,
      path,
      user: { username: user.username, uid: user.uid, groups: user.groups, extra: user.extra },
      sourceIPs: [sock.remoteAddress ?? ''].filter(Boolean),
      userAgent: String(req.headers['user-agent'] ?? '') || undefined,
      objectRef: info.isResourceRequest
        ? { resource: info.resource, namespace: info.namespace || undefined, name: info.name || undefined, apiGroup: info.apiGroup || undefined, apiVersion: info.apiVersion, subresource: info.subresource || undefined }
        : undefined,
      requestReceivedTimestamp: new Date(),
      longRunning: info.verb === 'watch' || ['log', 'exec', 'attach', 'portforward', 'proxy'].includes(info.subresource),
    });
  }

  private async serveNonResource(path: string, query: URLSearchParams, info: RequestInfo, req: Req, res: Res): Promise<void> {
    const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (p === '/api' || p === '/apis' || p.startsWith('/api/') || p.startsWith('/apis/')) throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      throw notFoundResource();
    }
    switch (p) {
      case '/healthz':
      case '/livez':
      case '/readyz':
        return this.serveHealth(p, query, res);
      case '/version':
        return writeRaw(res, 200, JSON.stringify(versionInfo(), null, 2));
      case '/metrics':
        return writeRaw(res, 200, await this.metrics.render(this.ctx), this.metrics.contentType);
      case '/':
        return writeJSON(res, 200, { paths: this.rootPaths() });
      case '/api': {
        const neg = negotiate(req, { discovery: true });
        if (neg.kind === 'discovery-v2' || neg.kind === 'discovery-v2beta1') {
          return writeRaw(res, 200, this.discovery.aggregated(true, neg.kind === 'discovery-v2' ? 'v2' : 'v2beta1'), neg.contentType);
        }
        return writeRaw(res, 200, this.discovery.apiVersions(`${this.advertiseAddress()}:${this.port}`));
      }
      case '/apis': {
        const neg = negotiate(req, { discovery: true });
        if (neg.kind === 'discovery-v2' || neg.kind === 'discovery-v2beta1') {
          return writeRaw(res, 200, this.discovery.aggregated(false, neg.kind === 'discovery-v2' ? 'v2' : 'v2beta1'), neg.contentType);
        }
        return writeRaw(res, 200, this.discovery.apiGroupList());
      }
    }
    if (p === '/openapi/v2' || p === '/openapi/v3' || p.startsWith('/openapi/v3/')) {
      const r = this.openapi.serve(p, query.get('hash'), String(req.headers.accept ?? ''), req.headers['if-none-match']);
      if (r) return writeRaw(res, r.status, r.body, r.contentType, r.headers);
      throw notFoundResource();
    }
    const check = /^\/(healthz|livez|readyz)\/(.+)$/.exec(p);
    if (check && HEALTH_CHECKS.includes(check[2])) return writeRaw(res, 200, 'ok', 'text/plain; charset=utf-8');
    if (info.apiPrefix === 'api' && info.apiVersion) {
      const body = this.discovery.apiResourceList('', info.apiVersion);
      if (body) return writeRaw(res, 200, body);
    } else if (info.apiPrefix === 'apis' && info.apiGroup && info.apiVersion) {
      const body = this.discovery.apiResourceList(info.apiGroup, info.apiVersion);
      if (body) return writeRaw(res, 200, body);
    } else if (info.apiPrefix === 'apis' && info.apiGroup) {
      const body = this.discovery.apiGroup(info.apiGroup);
      if (body) return writeRaw(res, 200, body);
    }
    throw notFoundResource();
  }

  private serveHealth(p: string, query: URLSearchParams, res: Res): void {
    const checks = HEALTH_CHECKS;
    if (p === '/readyz' && !this.ready) {
      const lines = checks.map((c) => (c === 'poststarthook/bootstrap-controller' ? `[-]${c} failed: not finished` : `[+]${c} ok`));
      return writeRaw(res, 500, `${lines.join('\n')}\nreadyz check failed\n`, 'text/plain; charset=utf-8');
    }
    if (query.has('verbose')) {
      const name = p.slice(1);
      return writeRaw(res, 200, `${checks.map((c) => `[+]${c} ok`).join('\n')}\n${name} check passed\n`, 'text/plain; charset=utf-8');
    }
    writeRaw(res, 200, 'ok', 'text/plain; charset=utf-8');
  }

  private rootPaths(): string[] {
    const paths = ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/readyz', '/metrics', '/version'];
    for (const g of this.ctx.registry.groups()) {
      paths.push(`/apis/${g.name}`);
      for (const v of g.versions) paths.push(`/apis/${g.name}/${v}`);
    }
    return paths.sort();
  }

  async close(): Promise<void> {
    await this.endpointReconciler?.stop(true);
    if (this.compactTimer) clearTimeout(this.compactTimer);
    this.countPoller?.stop();
    this.crdController?.stop();
    this.serviceRepair?.stop();
    this.ctx.caches.stop();
    this.connect.transports.close();
    this.aggregator?.close();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      // end open connections (watches) so close() does not wait for their timeouts
      for (const s of this.sockets) s.destroy();
    });
    if (this.ownsStore) await this.ctx.store.close();
    await this.auditor?.close();
  }
}

function notFoundResource(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/**
 * --allow-privileged=false (upstream's default): privileged containers in pods and pod
 * templates are rejected as upstream's pod validation does ("disallowed by cluster policy").
 */
function privilegedPolicy(): AdmissionPlugin {
  const templatePath: Record<string, string> = { '/pods': 'spec', '/podtemplates': 'template.spec', 'batch/cronjobs': 'spec.jobTemplate.spec.template.spec' };
  return {
    name: 'AllowPrivileged',
    admit(op, obj, _old, scope) {
      if (!obj || op === 'DELETE' || scope.subresource) return;
      const key = `${scope.def.group}/${scope.def.plural}`;
      const path = templatePath[key] ?? (obj.spec?.template?.spec ? 'spec.template.spec' : undefined);
      if (!path) return;
      let spec: any = obj;
      for (const p of path.split('.')) spec = spec?.[p];
      if (!spec) return;
      const errs: FieldError[] = [];
      for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
        (spec[field] ?? []).forEach((c: any, i: number) => {
          if (c?.securityContext?.privileged === true) errs.push(fieldErr.forbidden(`${path}.${field}[${i}].securityContext.privileged`, 'disallowed by cluster policy'));
        });
      }
      if (errs.length) throw invalid(scope.def.kind, scope.def.group, obj.metadata?.name ?? '', errs);
    },
  };
}
