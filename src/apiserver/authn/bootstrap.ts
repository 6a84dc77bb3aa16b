// Bootstrap tokens (--enable-bootstrap-token-auth), as upstream's
// plugin/pkg/auth/authenticator/token/bootstrap: a bearer token `<id>.<secret>` is looked up
// in the kube-system Secret `bootstrap-token-<id>` of type bootstrap.kubernetes.io/token.
// Every failure is "not recognised" (upstream only logs why), so the server answers 401.

import { timingSafeEqual } from 'node:crypto';
import type { KObject } from '../registry/types.js';
import type { ObjectSource } from '../authz/types.js';
import type { TokenAuthenticatorSource, TokenResult } from './index.js';

export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const SECRET_TYPE_BOOTSTRAP_TOKEN = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_ID_KEY = 'token-id';
export const BOOTSTRAP_TOKEN_SECRET_KEY = 'token-secret';
export const BOOTSTRAP_TOKEN_EXPIRATION_KEY = 'expiration';
export const BOOTSTRAP_TOKEN_USAGE_AUTHENTICATION = 'usage-bootstrap-authentication';
export const BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY = 'auth-extra-groups';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
export const BOOTSTRAP_DEFAULT_GROUP = 'system:bootstrappers';
export const BOOTSTRAP_GROUP_PATTERN = '\\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\z';

const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** Upstream's bootstraptokenutil.ParseToken: [id, secret], or undefined when malformed. */
export function parseBootstrapToken(token: string): [id: string, secret: string] | undefined {
  const m = TOKEN_RE.exec(token);
  return m ? [m[1], m[2]] : undefined;
}

/** A Secret's data value (base64 in the stored object) as a string; '' when absent. */
export function secretData(secret: KObject, key: string): string {
  const v = secret.data?.[key];
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '';
}

/** Upstream's ValidateBootstrapGroupName. */
export function validateBootstrapGroupName(name: string): string | undefined {
  return GROUP_RE.test(name) ? undefined : `bootstrap group ${JSON.stringify(name)} is invalid (must match ${BOOTSTRAP_GROUP_PATTERN})`;
}

/** Upstream's bootstrapsecretutil.GetGroups: system:bootstrappers plus the extra groups, sorted and deduplicated. */
export function bootstrapGroups(secret: KObject): string[] {
  const groups = new Set([BOOTSTRAP_DEFAULT_GROUP]);
  const extra = secretData(secret, BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY);
  if (extra !== '') {
    for (const g of extra.split(',')) {
      const err = validateBootstrapGroupName(g);
      if (err) throw new Error(err);
      groups.add(g);
    }
  }
  return [...groups].sort();
}

/** Upstream's GetExpiration: [expiration ms or undefined, expired]; unparseable expirations count as expired. */
export function bootstrapExpiration(secret: KObject, now: number): [number | undefined, boolean] {
  const exp = secretData(secret, BOOTSTRAP_TOKEN_EXPIRATION_KEY);
  if (exp === '') return [undefined, false];
  const t = parseRFC3339(exp);
  if (t === undefined) return [undefined, true];
  return [t, t - now <= 0];
}

/** Go's time.Parse(time.RFC3339, s): epoch ms, or undefined. */
export function parseRFC3339(s: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, frac, zone] = m;
  const month = +mo, day = +d, hour = +h, min = +mi, sec = +se;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 59) return undefined;
  const ms = Date.UTC(+y, month - 1, day, hour, min, sec, frac ? Math.floor(Number('0' + frac) * 1000) : 0);
  if (new Date(ms).getUTCDate() !== day) return undefined; // e.g. Feb 30
  let offset = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const [oh, om] = zone.slice(1).split(':').map(Number);
    if (oh > 23 || om > 59) return undefined;
    offset = sign * (oh * 60 + om) * 60_000;
  }
  return ms - offset;
}

function timeSafeEqualStrings(a: string, b: string): boolean {
  const ab = Buffer.from(a), bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export interface BootstrapTokenOptions {
  /** Secrets (read from kube-system). */
  objects: ObjectSource;
  /** Clock (ms), for tests. */
  now?: () => number;
}

/** Upstream's bootstrap.TokenAuthenticator. */
export class BootstrapTokenAuthenticator implements TokenAuthenticatorSource {
  readonly name = 'bootstrap';
  /** Why the last tokens were rejected (upstream logs these at V(3)); most recent last, bounded. */
  readonly log: string[] = [];
  private readonly now: () => number;

  constructor(private readonly opts: BootstrapTokenOptions) {
    this.now = opts.now ?? Date.now;
  }

  private reject(secret: KObject | undefined, why: string): TokenResult {
    const name = secret ? `${secret.metadata?.namespace}/${secret.metadata?.name}` : '';
    this.log.push(secret ? `Bootstrap secret ${name} matching bearer token ${why}` : why);
    if (this.log.length > 100) this.log.shift();
    return { ok: false };
  }

  authenticateToken(token: string): TokenResult {
    const parsed = parseBootstrapToken(token);
    if (!parsed) return { ok: false };
    const [tokenID, tokenSecret] = parsed;
    const secretName = BOOTSTRAP_TOKEN_SECRET_PREFIX + tokenID;
    const secret = this.opts.objects.get('', 'secrets', 'kube-system', secretName);
    if (!secret) return this.reject(undefined, `No secret of name ${secretName} to match bootstrap bearer token`);
    if (secret.metadata?.deletionTimestamp) return this.reject(secret, 'is deleted and awaiting removal');
    if (secret.type !== SECRET_TYPE_BOOTSTRAP_TOKEN || !secret.data) {
      return this.reject(secret, `has invalid type, expected ${SECRET_TYPE_BOOTSTRAP_TOKEN}.`);
    }
    if (!timeSafeEqualStrings(secretData(secret, BOOTSTRAP_TOKEN_SECRET_KEY), tokenSecret)) {
      return this.reject(secret, `has invalid value for key ${BOOTSTRAP_TOKEN_SECRET_KEY}.`);
    }
    const id = secretData(secret, BOOTSTRAP_TOKEN_ID_KEY);
    if (id !== tokenID) return this.reject(secret, `has invalid value for key ${BOOTSTRAP_TOKEN_ID_KEY}.`);
    const [expiresAt, expired] = bootstrapExpiration(secret, this.now());
    if (expired) return this.reject(secret, 'has expired.');
    if (secretData(secret, BOOTSTRAP_TOKEN_USAGE_AUTHENTICATION) !== 'true') {
      return this.reject(secret, `not marked ${BOOTSTRAP_TOKEN_USAGE_AUTHENTICATION}=true.`);
    }
    let groups: string[];
    try {
      groups = bootstrapGroups(secret);
    } catch (e) {
      return this.reject(secret, `has invalid value for key ${BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY}: ${(e as Error).message}.`);
    }
    const uid = secret.metadata?.uid;
    return {
      ok: true,
      user: { username: BOOTSTRAP_USER_PREFIX + id, groups },
      audiences: [],
      expiresAt,
      dependsOn: typeof uid === 'string' && uid ? [uid] : undefined,
    };
  }
}
