// Who is calling the kubelet API (upstream's DelegatingAuthenticatorConfig): a client
// certificate that chains to authentication.x509.clientCAFile (CN = user, O = groups), else a
// bearer token checked with a TokenReview when authentication.webhook.enabled (answers cached
// for webhook.cacheTTL), else system:anonymous when anonymous auth is enabled.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/klog.js';
import { TtlCache } from './cache.js';

export interface UserInfo {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export interface AuthnOptions {
  x509: boolean;
  webhook: boolean;
  cacheTTLMs: number;
  anonymous: boolean;
  client: RestClient;
  log: Logger;
}

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  error?: string;
}

/** undefined: not authenticated (401). */
export type Authenticator = (req: IncomingMessage) => Promise<UserInfo | undefined>;

function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The identity of a verified client certificate, as upstream's x509 authenticator reads it. */
export function userFromCertificate(req: IncomingMessage): UserInfo | undefined {
  const sock = req.socket as TLSSocket;
  if (typeof sock.getPeerCertificate !== 'function' || !sock.authorized) return undefined;
  const cert = sock.getPeerCertificate();
  const cn = cert?.subject?.CN;
  if (!cn) return undefined;
  return { name: Array.isArray(cn) ? cn[0]! : cn, groups: asList(cert.subject.O as string | string[] | undefined) };
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

export function newAuthenticator(o: AuthnOptions): Authenticator {
  const cache = new TtlCache<string, UserInfo | null>();
  const review = async (token: string): Promise<UserInfo | undefined> => {
    const hit = cache.get(token);
    if (hit !== undefined) return hit ?? undefined;
    const tr = await o.client.create<{ status?: TokenReviewStatus }>(
      { group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews' },
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    );
    const s = tr.status ?? {};
    const user = s.authenticated && s.user?.username ? { name: s.user.username, groups: s.user.groups ?? [], uid: s.user.uid, extra: s.user.extra } : null;
    if (!user) o.log.v(2).info('TokenReview did not authenticate the token', { error: s.error ?? '' });
    cache.set(token, user, o.cacheTTLMs);
    return user ?? undefined;
  };
  return async (req) => {
    if (o.x509) {
      const u = userFromCertificate(req);
      if (u) return u;
    }
    const token = bearerToken(req);
    if (token && o.webhook) {
      const u = await review(token);
      if (u) return u;
      return undefined;
    }
    if (o.anonymous) return { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    return undefined;
  };
}
