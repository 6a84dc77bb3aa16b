// Calling an admission webhook: POST of an AdmissionReview over HTTPS, trusting the
// configuration's caBundle (the system roots when empty), to its `url` or to its `service`.
// k8ts runs no kube-proxy beside the API server, so a Service reference is resolved the way
// upstream's --enable-aggregator-routing does: the Service's port → a ready endpoint address
// and target port from its Endpoints (or EndpointSlices), with TLS verified against the name
// `<service>.<namespace>.svc`. Errors read like Go's (`Post "<url>": dial tcp ...`).

import https from 'node:https';
import tls from 'node:tls';
import type { KObject } from '../../registry/types.js';
import type { Objects } from '../common.js';
import { joinHost, resolveService as resolveEndpoint, type ServiceLookups } from '../../aggregator/resolve.js';

/** A call failure (failurePolicy decides what it means); message as upstream's ErrCallingWebhook reason. */
export class WebhookCallError extends Error {}

export interface ClientConfig {
  url?: string;
  service?: { namespace?: string; name?: string; path?: string; port?: number };
  caBundle?: string;
}

export interface Target {
  /** The URL the request is sent to (host is an address for services). */
  url: URL;
  /** The name the server certificate must carry. */
  serverName: string;
  /** The URL as it appears in error messages (upstream shows the service DNS name). */
  display: string;
}

/**
 * The host:port behind a Service port: a ready endpoint address (endpoint routing, as the
 * aggregator's resolver; there is no kube-proxy beside the API server), read from the cache.
 */
export async function resolveService(svc: NonNullable<ClientConfig['service']>, objects: Objects): Promise<{ host: string; port: number }> {
  const namespace = svc.namespace ?? '';
  const name = svc.name ?? '';
  const service = (await objects.get('', 'services', namespace, name)) ?? (await objects.getLive?.('', 'services', namespace, name));
  const endpoints = await objects.get('', 'endpoints', namespace, name);
  const slices = endpoints ? [] : (await objects.list('discovery.k8s.io', 'endpointslices', namespace)).filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === name);
  const lookups: ServiceLookups = { service: () => service, endpoints: () => endpoints, endpointSlices: () => slices };
  const hostport = resolveEndpoint({ namespace, name, port: svc.port ?? 443 }, lookups, true);
  const i = hostport.lastIndexOf(':');
  return { host: hostport.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hostport.slice(i + 1)) };
}

export async function targetOf(cc: ClientConfig, objects: Objects, timeoutSeconds: number): Promise<Target> {
  const q = `timeout=${timeoutSeconds}s`;
  if (cc.url) {
    const url = new URL(cc.url);
    url.search = url.search ? `${url.search}&${q}` : `?${q}`;
    return { url, serverName: url.hostname.replace(/^\[|\]$/g, ''), display: url.toString() };
  }
  const svc = cc.service ?? {};
  const serverName = `${svc.name}.${svc.namespace}.svc`;
  const path = svc.path ?? '/';
  const port = svc.port ?? 443;
  const display = `https://${serverName}:${port}${path}?${q}`;
  let addr: { host: string; port: number };
  try {
    addr = await resolveService(svc, objects);
  } catch (e) {
    throw new WebhookCallError(`Post "${display}": ${(e as Error).message}`);
  }
  return { url: new URL(`https://${joinHost(addr.host, addr.port)}${path}?${q}`), serverName, display };
}

const agents = new Map<string, https.Agent>();

function agentFor(caBundle: string | undefined, serverName: string): https.Agent {
  const key = `${serverName}\n${caBundle ?? ''}`;
  let a = agents.get(key);
  if (!a) {
    const ca = caBundle ? Buffer.from(caBundle, 'base64').toString('utf8') : undefined;
    const isIP = /^[\d.]+$|:/.test(serverName);
    a = new https.Agent({
      keepAlive: true,
      maxSockets: 64,
      ca,
      servername: isIP ? undefined : serverName,
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(serverName, cert),
    });
    if (agents.size > 256) {
      for (const old of agents.values()) old.destroy();
      agents.clear();
    }
    agents.set(key, a);
  }
  return a;
}

/** Go's wording for a Node network or TLS error. */
function goError(e: NodeJS.ErrnoException, t: Target): string {
  const hostPort = `${t.url.hostname}:${t.url.port || 443}`;
  switch (e.code) {
    case 'ECONNREFUSED': return `dial tcp ${hostPort}: connect: connection refused`;
    case 'EHOSTUNREACH': return `dial tcp ${hostPort}: connect: no route to host`;
    case 'ENOTFOUND': return `dial tcp: lookup ${t.url.hostname}: no such host`;
    case 'ECONNRESET': return 'read: connection reset by peer';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return `tls: failed to verify certificate: x509: certificate is valid for other names, not ${t.serverName}`;
    case 'CERT_HAS_EXPIRED': return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    default: return e.message;
  }
}

/** POST the review; resolves with the parsed response body. Rejects with WebhookCallError. */
export function postReview(t: Target, caBundle: string | undefined, body: unknown, timeoutSeconds: number): Promise<unknown> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const fail = (msg: string): void => reject(new WebhookCallError(`Post "${t.display}": ${msg}`));
    const req = https.request(t.url, {
      method: 'POST',
      agent: agentFor(caBundle, t.serverName),
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, */*', 'Content-Length': data.length },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => fail(goError(e, t)));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        const code = res.statusCode ?? 0;
        if (code < 200 || code >= 300) {
          reject(new WebhookCallError(`the server responded with the status code ${code} but did not return more information`));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch (e) {
          reject(new WebhookCallError(`received invalid webhook response: ${(e as Error).message}`));
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      fail('context deadline exceeded');
    }, timeoutSeconds * 1000);
    req.on('error', (e) => {
      clearTimeout(timer);
      fail(goError(e as NodeJS.ErrnoException, t));
    });
    req.end(data);
  });
}
