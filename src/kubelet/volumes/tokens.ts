// ServiceAccount tokens for projected volumes (upstream's pkg/kubelet/token manager): tokens are
// requested with TokenRequest (serviceaccounts/<sa>/token) bound to the pod, cached per
// (serviceaccount, audiences, expirationSeconds, bound object), and requested again once 80% of
// their lifetime has passed or 24 hours after they were issued (minus a jitter of up to 10 s).
import type { RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/klog.js';

const MAX_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_JITTER_MS = 10_000;

export interface TokenRequestSpec {
  audiences: string[];
  expirationSeconds?: number;
  boundObjectRef: { apiVersion: 'v1'; kind: 'Pod'; name: string; uid: string };
}

export interface BoundToken {
  token: string;
  /** ms since the epoch */
  expiresAt: number;
  expirationSeconds: number;
  podUid: string;
}

interface TokenRequest {
  spec?: { expirationSeconds?: number };
  status?: { token?: string; expirationTimestamp?: string };
}

export class TokenManager {
  private cache = new Map<string, BoundToken>();

  constructor(
    private readonly client: RestClient,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** GetServiceAccountToken: the cached token unless it needs a refresh; a still-valid one survives a failed refresh. */
  async get(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<BoundToken> {
    const key = JSON.stringify([serviceAccount, namespace, spec.audiences, spec.expirationSeconds ?? null, spec.boundObjectRef]);
    const cached = this.cache.get(key);
    if (cached && !this.requiresRefresh(cached)) return cached;
    let tr: TokenRequest;
    try {
      tr = await this.client.create<TokenRequest>(
        { group: '', version: 'v1', resource: 'serviceaccounts', namespace, name: serviceAccount, subresource: 'token' },
        { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec },
      );
    } catch (err) {
      if (cached && !this.expired(cached)) {
        this.log.error('Couldn\'t update token', { cacheKey: key, err: (err as Error).message });
        return cached;
      }
      throw new Error(`failed to fetch token: ${(err as Error).message}`);
    }
    const token = tr.status?.token;
    const expiresAt = Date.parse(tr.status?.expirationTimestamp ?? '');
    if (!token || !Number.isFinite(expiresAt)) throw new Error('failed to fetch token: the TokenRequest response has no token or expirationTimestamp');
    const t: BoundToken = { token, expiresAt, expirationSeconds: tr.spec?.expirationSeconds ?? spec.expirationSeconds ?? 3600, podUid: spec.boundObjectRef.uid };
    this.cache.set(key, t);
    this.log.v(4).info('fetched service account token', { namespace, serviceAccount, pod: spec.boundObjectRef.name, expires: tr.status?.expirationTimestamp });
    return t;
  }

  /** When the token must be requested again: 80% of its lifetime, or 24 h after issue. */
  refreshAt(t: BoundToken): number {
    const iat = t.expiresAt - t.expirationSeconds * 1000;
    return Math.min(iat + MAX_TTL_MS, t.expiresAt - t.expirationSeconds * 200);
  }

  /** requiresRefresh, with upstream's jitter of up to 10 s. */
  requiresRefresh(t: BoundToken): boolean {
    const jitter = Math.random() * MAX_JITTER_MS;
    return this.now() > this.refreshAt(t) - jitter;
  }

  private expired(t: BoundToken): boolean {
    return this.now() >= t.expiresAt;
  }

  /** DeleteServiceAccountToken: forget every token bound to the pod. */
  deletePod(podUid: string): void {
    for (const [k, t] of this.cache) if (t.podUid === podUid) this.cache.delete(k);
  }

  /** Drop expired tokens (upstream's periodic cleanup). */
  cleanup(): void {
    for (const [k, t] of this.cache) if (this.expired(t)) this.cache.delete(k);
  }
}
