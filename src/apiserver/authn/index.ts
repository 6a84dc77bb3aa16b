// Bearer token authentication, as kube-apiserver assembles it (pkg/kubeapiserver/authenticator):
// a union of the token file (--token-auth-file), legacy and bound ServiceAccount tokens
// (--service-account-key-file, --service-account-issuer) and bootstrap tokens
// (--enable-bootstrap-token-auth), behind upstream's token cache (successes cached for 10s,
// keyed by an HMAC of the token and the requested audiences), with system:authenticated added to
// every authenticated user. Cached decisions are also dropped as soon as an object they rest on
// (the ServiceAccount, the bound Pod/Secret/Node, the token's Secret) changes or goes away.
//
// Also the objects the server serves from it: TokenReview status and SelfSubjectReview.

import { createHmac, randomBytes } from 'node:crypto';
import { badRequest, internalError } from '../../apimachinery/errors.js';
import type { ObjectSource } from '../authz/types.js';
import type { UserInfo } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';
import { BootstrapTokenAuthenticator } from './bootstrap.js';
import { aggregateMessage, intersectAudiences, loadServiceAccountKeyFiles, rfc3339, serviceAccountAuthenticators } from './serviceaccount.js';
import type { ServiceAccountPublicKey } from './serviceaccount.js';
import { TokenFile } from './tokenfile.js';

export { TokenFile, parseCSV, CSVParseError } from './tokenfile.js';
export { BootstrapTokenAuthenticator, parseBootstrapToken } from './bootstrap.js';
export {
  ServiceAccountTokenIssuer, createTokenRequest, issueToken, generateLegacyToken, loadSigningKeyFile,
  loadServiceAccountKeyFiles, serviceAccountAuthenticators, validateTokenRequestMetadata, legacyTokenLastUsedPatch,
} from './serviceaccount.js';

export const ALL_AUTHENTICATED_GROUP = 'system:authenticated';
export const ALL_UNAUTHENTICATED_GROUP = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';
/** upstream's BuiltInAuthenticationOptions.TokenSuccessCacheTTL */
export const DEFAULT_TOKEN_SUCCESS_CACHE_TTL_MS = 10_000;
const INVALID_BEARER_TOKEN = 'invalid bearer token';

/** What one token authenticator decided. */
export type TokenResult =
  | {
    ok: true;
    user: UserInfo;
    /** The audiences the token is good for among those requested. */
    audiences: string[];
    /** Epoch ms after which the decision no longer holds (token expiry). */
    expiresAt?: number;
    /** uids of the objects the decision rests on (cache invalidation). */
    dependsOn?: string[];
    /** Warning headers for the client. */
    warnings?: string[];
    /** Audit annotations. */
    annotations?: Record<string, string>;
  }
  | {
    ok: false;
    /** Why the token was refused, when it was recognised (upstream's error; flattened aggregate). */
    errors?: string[];
  };

/** One bearer token authenticator (upstream's authenticator.Token). */
export interface TokenAuthenticatorSource {
  readonly name: string;
  /** audiences: those requested (TokenReview spec, or --api-audiences); undefined when none. */
  authenticateToken(token: string, audiences?: readonly string[]): TokenResult;
}

/** Outcome of TokenAuthenticator.authenticateToken. */
export type TokenAuthResponse =
  | { ok: true; user: UserInfo; audiences: string[]; warnings: string[]; annotations: Record<string, string>; cached: boolean }
  | { ok: false; error: string };

/** Upstream's WrapAudienceAgnosticToken: the token is good for the requested audiences that are --api-audiences. */
export function audienceAgnostic(implicitAudiences: readonly string[], src: TokenAuthenticatorSource): TokenAuthenticatorSource {
  return {
    name: src.name,
    authenticateToken(token, audiences) {
      if (!audiences) return src.authenticateToken(token);
      const auds = intersectAudiences(implicitAudiences, audiences);
      if (auds.length === 0) return { ok: false };
      const r = src.authenticateToken(token);
      return r.ok ? { ...r, audiences: auds } : r;
    },
  };
}

/** Upstream's AuthenticatedGroupAdder. */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.username === ANONYMOUS_USER) return user;
  if (user.groups.includes(ALL_AUTHENTICATED_GROUP) || user.groups.includes(ALL_UNAUTHENTICATED_GROUP)) return user;
  return { ...user, groups: [...user.groups, ALL_AUTHENTICATED_GROUP] };
}

export interface TokenAuthenticatorOptions {
  /** --token-auth-file */
  tokenFile?: TokenFile;
  /** ServiceAccount token authenticators (legacy, bound), see serviceAccountAuthenticators. */
  serviceAccounts?: TokenAuthenticatorSource[];
  /** When --enable-bootstrap-token-auth. */
  bootstrap?: BootstrapTokenAuthenticator;
  /** --api-audiences */
  apiAudiences?: readonly string[];
  /** Successful decisions are cached this long (default 10s; 0 disables the cache). */
  cacheTTLMs?: number;
  /** At most this many cached decisions (default 4096). */
  cacheSize?: number;
  /** Objects whose changes invalidate cached decisions (Secrets, ServiceAccounts, Pods, Nodes). */
  objects?: ObjectSource;
  /** Clock (ms), for tests. */
  now?: () => number;
}

export interface AuthenticationFlags {
  /** --token-auth-file */
  tokenAuthFile?: string;
  /** --enable-bootstrap-token-auth */
  enableBootstrapTokenAuth?: boolean;
  /** --service-account-key-file (repeated) */
  serviceAccountKeyFiles?: string[];
  /** or the keys already loaded */
  serviceAccountKeys?: ServiceAccountPublicKey[];
  /** --service-account-issuer (repeated) */
  serviceAccountIssuers?: string[];
  /** --api-audiences (default: the issuers) */
  apiAudiences?: string[];
  /** --service-account-lookup (default true) */
  serviceAccountLookup?: boolean;
  /** Secrets, ServiceAccounts, Pods, Nodes. */
  objects: ObjectSource;
  cacheTTLMs?: number;
  onLegacyTokenUsed?: (secret: KObject) => void;
  now?: () => number;
}

interface CacheEntry {
  response: Extract<TokenAuthResponse, { ok: true }>;
  expiresAt: number;
  deps: string[];
}

/** The API server's bearer token authenticator. */
export class TokenAuthenticator {
  readonly apiAudiences: readonly string[];
  readonly sources: TokenAuthenticatorSource[];
  private readonly ttl: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly hmacKey = randomBytes(32);
  private readonly cache = new Map<string, CacheEntry>();
  private readonly byDep = new Map<string, Set<string>>();
  /** Cache hits and misses (successful decisions only are cached). */
  readonly stats = { hits: 0, misses: 0 };

  constructor(opts: TokenAuthenticatorOptions) {
    this.apiAudiences = [...(opts.apiAudiences ?? [])];
    this.ttl = opts.cacheTTLMs ?? DEFAULT_TOKEN_SUCCESS_CACHE_TTL_MS;
    this.maxEntries = opts.cacheSize ?? 4096;
    this.now = opts.now ?? Date.now;
    const sources: TokenAuthenticatorSource[] = [];
    if (opts.tokenFile) sources.push(audienceAgnostic(this.apiAudiences, opts.tokenFile));
    if (opts.serviceAccounts) sources.push(...opts.serviceAccounts);
    if (opts.bootstrap) sources.push(audienceAgnostic(this.apiAudiences, opts.bootstrap));
    this.sources = sources;
    if (opts.objects && this.ttl > 0) {
      for (const plural of ['secrets', 'serviceaccounts', 'pods', 'nodes']) {
        opts.objects.onChange('', plural, (oldObj) => {
          const uid = oldObj?.metadata?.uid;
          if (typeof uid === 'string' && uid) this.invalidate(uid);
        });
      }
    }
  }

  private notReady?: Promise<void>;

  /** Hold authentication until `p` resolves (e.g. the pods cache bound tokens are checked against). */
  waitFor(p: Promise<void>): void {
    const mine: Promise<void> = p.catch(() => undefined).then(() => {
      if (this.notReady === mine) this.notReady = undefined;
    });
    this.notReady = mine;
  }

  /** Build from kube-apiserver's flags (files are read now; errors carry upstream's texts). */
  static fromFlags(flags: AuthenticationFlags): TokenAuthenticator {
    const apiAudiences = flags.apiAudiences?.length ? flags.apiAudiences : (flags.serviceAccountIssuers ?? []);
    const keys = flags.serviceAccountKeys ?? (flags.serviceAccountKeyFiles?.length ? loadServiceAccountKeyFiles(flags.serviceAccountKeyFiles) : []);
    return new TokenAuthenticator({
      tokenFile: flags.tokenAuthFile ? TokenFile.load(flags.tokenAuthFile) : undefined,
      serviceAccounts: keys.length
        ? serviceAccountAuthenticators({
          keys,
          issuers: flags.serviceAccountIssuers ?? [],
          apiAudiences,
          objects: flags.objects,
          lookup: flags.serviceAccountLookup,
          onLegacyTokenUsed: flags.onLegacyTokenUsed,
          now: flags.now,
        })
        : undefined,
      bootstrap: flags.enableBootstrapTokenAuth ? new BootstrapTokenAuthenticator({ objects: flags.objects, now: flags.now }) : undefined,
      apiAudiences,
      objects: flags.objects,
      cacheTTLMs: flags.cacheTTLMs,
      now: flags.now,
    });
  }

  /** The user of a bearer token on a request (audiences: --api-audiences), or undefined (401). */
  async authenticate(bearerToken: string): Promise<UserInfo | undefined> {
    if (this.notReady) await this.notReady;
    const r = this.authenticateToken(bearerToken);
    return r.ok ? r.user : undefined;
  }

  /**
   * Authenticate a token for these audiences (default: --api-audiences; none when those are
   * empty). On failure, `error` is what the token authenticators said, as upstream aggregates it
   * ("invalid bearer token" when no authenticator recognised the token).
   */
  authenticateToken(token: string, audiences?: readonly string[]): TokenAuthResponse {
    const auds = audiences?.length ? audiences : this.apiAudiences.length ? this.apiAudiences : undefined;
    if (!token) return { ok: false, error: INVALID_BEARER_TOKEN };
    const now = this.now();
    let key: string | undefined;
    if (this.ttl > 0) {
      key = createHmac('sha256', this.hmacKey).update(auds ? auds.join('\u0000') : '\u0001').update('\u0000\u0000').update(token).digest('base64');
      const hit = this.cache.get(key);
      if (hit) {
        if (hit.expiresAt > now) {
          this.stats.hits++;
          return { ...hit.response, cached: true };
        }
        this.drop(key);
      }
      this.stats.misses++;
    }
    const errors: string[] = [];
    for (const src of this.sources) {
      const r = src.authenticateToken(token, auds);
      if (!r.ok) {
        if (r.errors) errors.push(...r.errors);
        continue;
      }
      const response: Extract<TokenAuthResponse, { ok: true }> = {
        ok: true,
        user: withAuthenticatedGroup(r.user),
        audiences: r.audiences,
        warnings: r.warnings ?? [],
        annotations: r.annotations ?? {},
        cached: false,
      };
      if (key !== undefined) this.store(key, response, Math.min(now + this.ttl, r.expiresAt ?? Infinity), r.dependsOn ?? []);
      return response;
    }
    return { ok: false, error: aggregateMessage(errors) ?? INVALID_BEARER_TOKEN };
  }

  /** Forget every cached decision. */
  clearCache(): void {
    this.cache.clear();
    this.byDep.clear();
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  /** Drop the cached decisions that rest on the object with this uid. */
  invalidate(uid: string): void {
    const keys = this.byDep.get(uid);
    if (!keys) return;
    this.byDep.delete(uid);
    for (const k of keys) this.drop(k);
  }

  private store(key: string, response: Extract<TokenAuthResponse, { ok: true }>, expiresAt: number, deps: string[]): void {
    if (this.cache.has(key)) this.drop(key);
    while (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
    this.cache.set(key, { response, expiresAt, deps });
    for (const d of deps) {
      let s = this.byDep.get(d);
      if (!s) this.byDep.set(d, (s = new Set()));
      s.add(key);
    }
  }

  private drop(key: string): void {
    const e = this.cache.get(key);
    if (!e) return;
    this.cache.delete(key);
    for (const d of e.deps) {
      const s = this.byDep.get(d);
      if (!s) continue;
      s.delete(key);
      if (s.size === 0) this.byDep.delete(d);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// TokenReview, SelfSubjectReview

/** authentication.k8s.io UserInfo as served (empty fields omitted, as Go's omitempty does). */
export interface ReviewUserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface TokenReviewSpec {
  token?: string;
  audiences?: string[] | null;
}

export interface TokenReviewStatus {
  authenticated?: boolean;
  user: ReviewUserInfo;
  audiences?: string[];
  error?: string;
}

export function reviewUserInfo(user: UserInfo): ReviewUserInfo {
  const out: ReviewUserInfo = {};
  if (user.username) out.username = user.username;
  if (user.uid) out.uid = user.uid;
  if (user.groups?.length) out.groups = [...user.groups];
  const keys = Object.keys(user.extra ?? {}).sort();
  if (keys.length) out.extra = Object.fromEntries(keys.map((k) => [k, [...user.extra![k]]]));
  return out;
}

/**
 * The status of a TokenReview (upstream's tokenreview REST Create): the token is checked for the
 * spec's audiences, or --api-audiences. Errors read as the real API server's do, where the
 * loopback token authenticator runs first: "[invalid bearer token, <why>]". Throws 400 without
 * a token, 500 when the authenticator answered for other audiences.
 */
export function tokenReview(spec: TokenReviewSpec | undefined, authenticator: TokenAuthenticator, apiAudiences: readonly string[] = authenticator.apiAudiences): TokenReviewStatus {
  const token = spec?.token ?? '';
  if (!token) throw badRequest('token is required for TokenReview in authentication');
  const auds = spec?.audiences?.length ? [...spec.audiences] : [...apiAudiences];
  const r = authenticator.authenticateToken(token, auds.length ? auds : undefined);
  if (!r.ok) {
    return { user: {}, error: aggregateMessage([INVALID_BEARER_TOKEN, r.error])! };
  }
  if (auds.length && intersectAudiences(auds, r.audiences).length === 0) {
    throw internalError('error validating audiences');
  }
  const status: TokenReviewStatus = { authenticated: true, user: reviewUserInfo(r.user) };
  if (r.audiences.length) status.audiences = [...r.audiences];
  return status;
}

/** The TokenReview the endpoint answers with: the request, its status filled in. */
export function tokenReviewResponse(body: KObject, authenticator: TokenAuthenticator, apiAudiences?: readonly string[]): KObject {
  const status = tokenReview(body?.spec, authenticator, apiAudiences);
  return {
    kind: 'TokenReview',
    apiVersion: typeof body?.apiVersion === 'string' && body.apiVersion ? body.apiVersion : 'authentication.k8s.io/v1',
    metadata: { ...(body?.metadata ?? {}), creationTimestamp: body?.metadata?.creationTimestamp ?? null },
    spec: { ...(body?.spec ?? {}) },
    status,
  };
}

/** The SelfSubjectReview a user gets for POST selfsubjectreviews (`kubectl auth whoami`). */
export function selfSubjectReview(user: UserInfo, nowMs: number = Date.now(), apiVersion = 'authentication.k8s.io/v1'): KObject {
  return {
    kind: 'SelfSubjectReview',
    apiVersion,
    metadata: { creationTimestamp: rfc3339(nowMs) },
    status: { userInfo: reviewUserInfo(user) },
  };
}
