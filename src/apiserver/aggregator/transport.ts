// The connection to an extension API server: TLS verified with the APIService's caBundle for
// the server name <service>.<namespace>.svc (or not verified with insecureSkipTLSVerify), the
// front-proxy client certificate (--proxy-client-cert-file/-key) presented, one keep-alive
// agent per APIService version, and the X-Remote-* identity headers upstream's auth proxy
// round tripper sets (any the client sent are dropped first).

import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import type { UserInfo } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';

export interface ProxyClientCert {
  cert?: Buffer;
  key?: Buffer;
}

export function loadProxyClientCert(certFile?: string, keyFile?: string): ProxyClientCert {
  if (!!certFile !== !!keyFile) throw new Error('--proxy-client-cert-file and --proxy-client-key-file must be given together');
  return certFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile!) } : {};
}

/** TLS options towards an APIService's service. */
export function apiServiceTLS(apiService: KObject, client: ProxyClientCert): ConnectionOptions {
  const spec = apiService.spec ?? {};
  const svc = spec.service ?? {};
  const insecure = spec.insecureSkipTLSVerify === true;
  const ca = typeof spec.caBundle === 'string' && spec.caBundle ? Buffer.from(spec.caBundle, 'base64') : undefined;
  return {
    ca,
    cert: client.cert,
    key: client.key,
    servername: `${svc.name}.${svc.namespace}.svc`,
    rejectUnauthorized: !insecure,
    ALPNProtocols: ['http/1.1'],
  };
}

/** Upstream's SetAuthProxyHeaders: X-Remote-User, X-Remote-Group (one per group), X-Remote-Extra-<escaped key>. */
export function authProxyHeaders(user: Pick<UserInfo, 'username' | 'groups' | 'extra'>): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = { 'x-remote-user': user.username };
  if (user.groups.length) h['x-remote-group'] = [...user.groups];
  for (const [k, vs] of Object.entries(user.extra ?? {})) h[`x-remote-extra-${encodeURIComponent(k)}`] = [...vs];
  return h;
}

/** Request headers with any client-sent X-Remote-* removed. */
export function withoutRemoteHeaders(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (!k.toLowerCase().startsWith('x-remote-')) out[k] = v;
  return out;
}

/** Keep-alive agents per APIService (a changed APIService gets a new one). */
export class AgentPool {
  private agents = new Map<string, { rv: string; agent: https.Agent }>();

  constructor(private readonly client: ProxyClientCert) {}

  agent(apiService: KObject): https.Agent {
    const name = apiService.metadata?.name ?? '';
    const rv = String(apiService.metadata?.resourceVersion ?? '');
    const cur = this.agents.get(name);
    if (cur && cur.rv === rv) return cur.agent;
    cur?.agent.destroy();
    const agent = new https.Agent({ keepAlive: true, ...apiServiceTLS(apiService, this.client) });
    this.agents.set(name, { rv, agent });
    return agent;
  }

  tls(apiService: KObject): ConnectionOptions {
    return apiServiceTLS(apiService, this.client);
  }

  close(): void {
    for (const a of this.agents.values()) a.agent.destroy();
    this.agents.clear();
  }
}
