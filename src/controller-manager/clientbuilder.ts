// Clients per controller identity (upstream's SAControllerClientBuilder): with
// --use-service-account-credentials each controller talks to the API server as
// system:serviceaccount:kube-system:<name>, the subject of its bootstrap-policy RoleBinding.
// The ServiceAccount is created when missing and a token is requested through the
// TokenRequest API (serviceaccounts/<name>/token), renewed at 80% of its lifetime.

import type { KubeObject, RestClient } from '../client/index.js';
import { RestClient as Rest, isAlreadyExists, sleep } from '../client/index.js';
import { logger } from '../util/klog.js';

const log = logger('client_builder_dynamic.go');

const TOKEN_SECONDS = 3600;

interface TokenRequestStatus extends KubeObject {
  status?: { token?: string; expirationTimestamp?: string };
}

export class ControllerClientBuilder {
  private clients = new Map<string, Promise<RestClient>>();
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly root: RestClient,
    private readonly useServiceAccounts: boolean,
    private readonly signal: AbortSignal,
  ) {}

  clientFor(sa: string): Promise<RestClient> {
    if (!this.useServiceAccounts) return Promise.resolve(this.root);
    let p = this.clients.get(sa);
    if (!p) {
      p = this.build(sa);
      this.clients.set(sa, p);
      p.catch(() => this.clients.delete(sa));
    }
    return p;
  }

  private async requestToken(sa: string): Promise<{ token: string; expiresMs: number }> {
    for (let attempt = 0; ; attempt++) {
      try {
        const tr = await this.root.create<TokenRequestStatus>(
          { group: '', version: 'v1', resource: 'serviceaccounts', namespace: 'kube-system', name: sa, subresource: 'token' },
          { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: TOKEN_SECONDS, audiences: [] } },
          { signal: this.signal },
        );
        const token = tr.status?.token;
        if (!token) throw new Error(`empty token for kube-system/${sa}`);
        const exp = Date.parse(tr.status?.expirationTimestamp ?? '') || Date.now() + TOKEN_SECONDS * 1000;
        return { token, expiresMs: exp };
      } catch (err) {
        if (this.signal.aborted || attempt >= 20) throw err;
        log.v(2).info('Failed to get a token for a controller service account; retrying', { serviceAccount: `kube-system/${sa}`, err });
        await sleep(Math.min(100 * 2 ** attempt, 5000), this.signal);
      }
    }
  }

  private async build(sa: string): Promise<RestClient> {
    try {
      await this.root.create({ group: '', version: 'v1', resource: 'serviceaccounts', namespace: 'kube-system' }, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: 'kube-system' } }, { signal: this.signal });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const { token, expiresMs } = await this.requestToken(sa);
    const cfg = this.root.config;
    const client = new Rest({
      server: cfg.server,
      caCertPem: cfg.caCertPem,
      insecureSkipTLSVerify: cfg.insecureSkipTLSVerify,
      tlsServerName: cfg.tlsServerName,
      token,
      qps: cfg.qps,
      burst: cfg.burst,
      userAgent: `${this.root.userAgent}/system:serviceaccount:kube-system:${sa}`,
    });
    const schedule = (exp: number) => {
      const t = setTimeout(async () => {
        this.timers.delete(t);
        try {
          const next = await this.requestToken(sa);
          client.setToken(next.token);
          schedule(next.expiresMs);
        } catch (err) {
          if (!this.signal.aborted) log.error('Failed to renew a controller token', { serviceAccount: `kube-system/${sa}`, err });
        }
      }, Math.max(1000, (exp - Date.now()) * 0.8));
      t.unref();
      this.timers.add(t);
    };
    schedule(expiresMs);
    return client;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const p of this.clients.values()) p.then((c) => c.close(), () => undefined);
  }
}
