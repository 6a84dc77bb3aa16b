// The kubelet API (upstream pkg/kubelet/server): HTTPS on address:port with the request chain
// authentication → authorization (node attributes) → handlers, and the plain-HTTP healthz
// endpoint on healthzBindAddress:healthzPort. Streaming endpoints arrive as HTTP/1.1 upgrades
// (WebSocket or SPDY) and are handed to streams.ts after the same checks.
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { availableParallelism, hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { parseGoDuration } from '../config/duration.js';
import { writeHttpError } from '../../streaming/spdy/upgrade.js';
import { forbiddenMessage, requestAttributes } from './attributes.js';
import { newAuthenticator } from './authn.js';
import type { UserInfo } from './authn.js';
import { newAuthorizer } from './authz.js';
import { HttpError } from './find.js';
import { serveContainerLogs } from './logs/handler.js';
import { serveSystemLogs } from './syslogs.js';
import { TEXT_CONTENT_TYPE, cadvisorMetrics, pathBucket, requestMetrics, resourceMetrics } from './metrics.js';
import { runningPods } from './pods.js';
import { SummaryProvider } from './stats.js';
import { StreamHandler, parseStreamPath } from './streams.js';
import { servingCertificate } from './tls.js';
import type { KubeletServer, KubeletServerDeps } from './types.js';

/** tlsMinVersion values (Go's names) → Node's. */
const TLS_VERSIONS: Record<string, 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'> = { VersionTLS10: 'TLSv1', VersionTLS11: 'TLSv1.1', VersionTLS12: 'TLSv1.2', VersionTLS13: 'TLSv1.3' };

const DEBUG_PREFIXES = ['/exec/', '/attach/', '/portForward/', '/run/', '/containerLogs/', '/logs'];

export async function startKubeletServer(deps: KubeletServerDeps): Promise<KubeletServer> {
  const { config, log } = deps;
  const tls = await servingCertificate({ certFile: config.tlsCertFile, keyFile: config.tlsPrivateKeyFile, rootDir: deps.rootDir, certDir: deps.certDir, hostname: deps.nodeName || hostname(), address: config.address, log });
  const clientCAFile = config.authentication.x509.clientCAFile;
  const clientCA = clientCAFile ? await readFile(clientCAFile, 'utf8').catch((e: Error) => {
    throw new Error(`kubelet server: cannot read authentication.x509.clientCAFile ${clientCAFile}: ${e.message}`);
  }) : undefined;
  const authenticate = newAuthenticator({
    x509: !!clientCA,
    webhook: config.authentication.webhook.enabled,
    cacheTTLMs: parseGoDuration(config.authentication.webhook.cacheTTL || '2m'),
    anonymous: config.authentication.anonymous.enabled,
    client: deps.client,
    log,
  });
  const authorize = newAuthorizer({
    mode: config.authorization.mode,
    client: deps.client,
    authorizedTTLMs: parseGoDuration(config.authorization.webhook.cacheAuthorizedTTL || '5m'),
    unauthorizedTTLMs: parseGoDuration(config.authorization.webhook.cacheUnauthorizedTTL || '30s'),
  });
  const metrics = requestMetrics(deps.metrics);
  const processRegistry = new Registry();
  collectDefaultMetrics({ register: processRegistry });
  const summary = new SummaryProvider(deps.cri, deps.nodeName, deps.rootDir, config.podLogsDir);
  const streams = new StreamHandler({ cri: deps.cri, listPods: deps.listPods, log });

  /** Authentication and authorization; answers 401/403/500 itself and returns undefined then. */
  const admit = async (req: IncomingMessage, path: string, fail: (status: number, msg: string) => void): Promise<UserInfo | undefined> => {
    let user: UserInfo | undefined;
    try {
      user = await authenticate(req);
    } catch (e) {
      log.error('Unable to authenticate the request due to an error', { err: (e as Error).message });
    }
    if (!user) {
      fail(401, 'Unauthorized');
      return undefined;
    }
    const attrs = requestAttributes(user, req.method ?? 'GET', path, deps.nodeName);
    let allowed = false;
    try {
      allowed = (await authorize(attrs)).allowed;
    } catch (e) {
      log.error('Authorization error', { user: attrs.user, verb: attrs.verb, resource: attrs.resource, subresource: attrs.subresource, err: (e as Error).message });
      fail(500, `Authorization error (user=${attrs.user}, verb=${attrs.verb}, resource=${attrs.resource}, subresource=${attrs.subresource})`);
      return undefined;
    }
    if (!allowed) {
      log.v(2).info('Forbidden', { user: attrs.user, verb: attrs.verb, resource: attrs.resource, subresource: attrs.subresource });
      fail(403, forbiddenMessage(attrs));
      return undefined;
    }
    return user;
  };

  const healthz = (path: string): { status: number; body: string } | undefined => {
    if (path === '/healthz/ping') return { status: 200, body: 'ok' };
    const h = deps.healthz();
    if (path === '/healthz/syncloop') return h.ok ? { status: 200, body: 'ok' } : { status: 500, body: `internal server error: ${h.reason ?? 'sync loop unhealthy'}` };
    if (path === '/healthz') return h.ok ? { status: 200, body: 'ok' } : { status: 500, body: `[+]ping ok\n[+]log ok\n[-]syncloop failed: ${h.reason ?? 'reason withheld'}\nhealthz check failed\n` };
    return undefined;
  };

  const route = async (req: IncomingMessage, res: ServerResponse, path: string, q: URLSearchParams): Promise<void> => {
    const method = req.method ?? 'GET';
    const h = healthz(path);
    if (h) {
      res.writeHead(h.status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end(h.body);
      return;
    }
    const json = (body: unknown): void => void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    const text = (body: string, type = TEXT_CONTENT_TYPE): void => void res.writeHead(200, { 'Content-Type': type }).end(body);
    const debug = DEBUG_PREFIXES.some((p) => path.startsWith(p));
    if (debug && !config.enableDebuggingHandlers) throw new HttpError(404, '404 page not found');
    if (method === 'GET' || method === 'HEAD') {
      if (path === '/pods' || path === '/pods/') return json({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: deps.listPods() });
      if (path === '/runningpods' || path === '/runningpods/') return json(await runningPods(deps.cri));
      if (path === '/configz') return json({ kubeletconfig: config });
      if (path === '/metrics') {
        // the kubelet's registry, plus process metrics unless it already has them
        const own = await deps.metrics.metrics();
        const proc = /^# TYPE process_cpu_seconds_total /m.test(own) ? '' : await processRegistry.metrics();
        return text(own + proc, deps.metrics.contentType);
      }
      if (path === '/metrics/cadvisor') return text(await cadvisorMetrics(deps.cri, availableParallelism()));
      if (path === '/metrics/resource') return text(await resourceMetrics(deps.cri));
      if (path === '/stats/summary' || path === '/stats/summary/') return json(await summary.summary());
      if (path.startsWith('/containerLogs/')) return serveContainerLogs(deps.cri, deps.listPods(), path, req, res);
      if (path === '/logs' || path.startsWith('/logs/')) return serveSystemLogs(path, res);
    }
    if (method === 'POST' && path.startsWith('/run/')) return streams.run(path, q, res);
    if (parseStreamPath(path)) throw new HttpError(400, 'Upgrade request required');
    throw new HttpError(404, '404 page not found');
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const path = url.pathname;
    const labels = { method: req.method ?? '', path: pathBucket(path), server_type: 'readwrite', long_running: String(path.startsWith('/containerLogs/') && url.searchParams.get('follow') === 'true') };
    metrics.requests.inc(labels);
    metrics.inflight.inc(labels);
    res.once('close', () => metrics.inflight.dec(labels));
    const fail = (status: number, msg: string) => {
      if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end(msg.endsWith('\n') ? msg : msg + '\n');
    };
    void (async () => {
      if (!(await admit(req, path, fail))) return;
      await route(req, res, path, url.searchParams);
    })().catch((e: Error) => {
      const status = e instanceof HttpError ? e.status : 500;
      if (status >= 500) log.error('Request failed', { path, err: e.message });
      fail(status, e.message);
    });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const path = url.pathname;
    const labels = { method: req.method ?? '', path: pathBucket(path), server_type: 'readwrite', long_running: 'true' };
    metrics.requests.inc(labels);
    metrics.inflight.inc(labels);
    socket.once('close', () => metrics.inflight.dec(labels));
    const fail = (status: number, msg: string) => writeHttpError(socket, status, msg);
    void (async () => {
      if (!(await admit(req, path, fail))) return;
      const target = parseStreamPath(path);
      if (!target) return fail(404, '404 page not found');
      if (!config.enableDebuggingHandlers) return fail(404, '404 page not found');
      await streams.upgrade(target, req, socket, head);
    })().catch((e: Error) => {
      log.error('Streaming request failed', { path, err: e.message });
      if (socket.writable) fail(500, e.message);
    });
  };

  // client certificates are asked for and checked against the client CA by the authenticator
  // (a request without one may still carry a token)
  const minVersion = TLS_VERSIONS[config.tlsMinVersion ?? ''];
  if (config.tlsMinVersion && !minVersion) throw new Error(`kubelet server: tlsMinVersion ${JSON.stringify(config.tlsMinVersion)} is not one of ${Object.keys(TLS_VERSIONS).join(', ')}`);
  const server = createHttpsServer({ cert: tls.cert, key: tls.key, ca: clientCA, requestCert: !!clientCA, rejectUnauthorized: false, ...(minVersion ? { minVersion } : {}) }, onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_e, socket) => socket.destroy());
  const healthServer = createHttpServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://kubelet').pathname;
    const h = healthz(path);
    if (!h) return res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    res.writeHead(h.status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end(h.body);
  });

  const listen = (s: HttpServer, port: number, address: string, what: string) =>
    new Promise<number>((resolve, reject) => {
      s.once('error', (e) => reject(new Error(`kubelet server: cannot listen for ${what} on ${address}:${port}: ${e.message}`)));
      s.listen(port, address, () => resolve((s.address() as AddressInfo).port));
    });
  const port = await listen(server, config.port, config.address || '0.0.0.0', 'the kubelet API');
  let healthzPort = 0;
  try {
    if (config.healthzPort > 0) healthzPort = await listen(healthServer, config.healthzPort, config.healthzBindAddress || '127.0.0.1', 'healthz');
  } catch (e) {
    server.close();
    throw e;
  }
  log.info('Starting to listen', { address: config.address, port });
  if (healthzPort) log.info('Starting to listen for healthz', { address: config.healthzBindAddress, port: healthzPort });

  const closeServer = (s: HttpServer) =>
    new Promise<void>((resolve) => {
      if (!s.listening) return resolve();
      s.closeAllConnections();
      s.close(() => resolve());
    });
  return {
    port,
    healthzPort,
    async close() {
      streams.close();
      await Promise.all([closeServer(server), closeServer(healthServer)]);
    },
  };
}
