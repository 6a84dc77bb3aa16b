// ServiceAccount tokens, as upstream's pkg/serviceaccount (jwt.go, claims.go, legacy.go), the
// TokenRequest REST handler (pkg/registry/core/serviceaccount/storage/token.go) and
// k8s.io/client-go/util/keyutil:
//
// - signing with --service-account-signing-key-file (RSA -> RS256, ECDSA P-256/384/521 ->
//   ES256/384/512), header {"alg","kid"} with kid = base64url(SHA-256(DER SubjectPublicKeyInfo));
// - verification with every key of --service-account-key-file (public keys, certificates and
//   private keys, several per file), picking the keys whose kid matches the token's;
// - bound tokens (issuer = --service-account-issuer; claims aud/exp/iat/nbf/iss/jti/sub and
//   kubernetes.io {namespace, serviceaccount, pod|secret|node, warnafter}) which die with the
//   objects they are bound to, and legacy secret-based tokens (issuer kubernetes/serviceaccount)
//   which live as long as their Secret holds them.
//
// JSON is written as go-jose writes it (keys sorted at every level, Go's HTML-safe escaping), so
// tokens are byte-for-byte shaped like upstream's.

import { X509Certificate, constants, createHash, createPrivateKey, createPublicKey, randomUUID, sign, timingSafeEqual, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { StatusError, badRequest, conflict, fieldErr, internalError, invalid, notFound } from '../../apimachinery/errors.js';
import type { ObjectSource } from '../authz/types.js';
import type { UserInfo } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';
import type { TokenAuthenticatorSource, TokenResult } from './index.js';
import { goFileError } from './tokenfile.js';

// ---------------------------------------------------------------------------------------------
// constants (upstream names)

export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const SERVICE_ACCOUNT_GROUP_PREFIX = 'system:serviceaccounts:';
export const POD_NAME_KEY = 'authentication.kubernetes.io/pod-name';
export const POD_UID_KEY = 'authentication.kubernetes.io/pod-uid';
export const NODE_NAME_KEY = 'authentication.kubernetes.io/node-name';
export const NODE_UID_KEY = 'authentication.kubernetes.io/node-uid';
export const CREDENTIAL_ID_KEY = 'authentication.kubernetes.io/credential-id';
export const ISSUED_CREDENTIAL_ID_AUDIT_ANNOTATION = 'authentication.kubernetes.io/issued-credential-id';
export const SECRET_TYPE_SERVICE_ACCOUNT_TOKEN = 'kubernetes.io/service-account-token';
export const LEGACY_LAST_USED_LABEL = 'kubernetes.io/legacy-token-last-used';
export const LEGACY_INVALID_SINCE_LABEL = 'kubernetes.io/legacy-token-invalid-since';
/** Injected bound token expiration which triggers the time-bound transition (kubelet asks for it). */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
/** Extended expiration of such pod-bound tokens (--service-account-extend-token-expiration). */
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60;
/** go-jose's jwt.DefaultLeeway. */
export const DEFAULT_LEEWAY_SECONDS = 60;
/** TokenRequest spec.expirationSeconds default and bounds. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
export const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;

const CRYPTO_FAILURE = 'go-jose/go-jose: error in cryptographic primitive';

// ---------------------------------------------------------------------------------------------
// Go formatting helpers

/** Go's strconv.Quote (what %q prints for a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad || c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** Go's %q of a []string: `["a" "b"]`. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}

/** The text of upstream's utilerrors.NewAggregate over these (flattened) messages; undefined when none. */
export function aggregateMessage(messages: readonly string[]): string | undefined {
  if (messages.length === 0) return undefined;
  if (messages.length === 1) return messages[0];
  const seen: string[] = [];
  for (const m of messages) if (!seen.includes(m)) seen.push(m);
  return seen.length === 1 ? seen[0] : `[${seen.join(', ')}]`;
}

/** authenticator.Audiences(a).Intersect(targets): the targets that a has, in the targets' order. */
export function intersectAudiences(a: readonly string[], targets: readonly string[]): string[] {
  return targets.filter((t) => a.includes(t));
}

/** JSON as Go's encoding/json writes a map[string]interface{}: keys sorted at every level, HTML-safe. */
export function goJSON(value: unknown): string {
  return JSON.stringify(sortKeys(value))
    .replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** metav1.Time as JSON: RFC 3339 in UTC, seconds precision. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

/** Go's base64.RawURLEncoding.DecodeString (strict alphabet, no padding). */
function decodeRawURL(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return undefined;
  return Buffer.from(s, 'base64url');
}

// ---------------------------------------------------------------------------------------------
// keys (k8s.io/client-go/util/keyutil)

export type SigningAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'ES512';

export interface ServiceAccountSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  alg: SigningAlgorithm;
  /** upstream's keyIDFromPublicKey */
  kid: string;
}

export interface ServiceAccountPublicKey {
  key: KeyObject;
  kid: string;
}

interface PEMBlock { type: string; der: Buffer }

/** The PEM blocks of data, as repeated pem.Decode calls find them (headers skipped). */
export function pemBlocks(data: string): PEMBlock[] {
  const out: PEMBlock[] = [];
  const re = /-----BEGIN ([^\r\n-]*(?:-[^\r\n-]+)*)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(data); m; m = re.exec(data)) {
    const body = m[2].split(/\r?\n/).filter((l) => !l.includes(':')).join('');
    if (!/^[A-Za-z0-9+/=\s]*$/.test(body)) continue;
    out.push({ type: m[1], der: Buffer.from(body, 'base64') });
  }
  return out;
}

/** Upstream's keyIDFromPublicKey: base64url (no padding) of the SHA-256 of the DER SubjectPublicKeyInfo. */
export function keyIDFromPublicKey(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

function tryKey<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** One DER TLV at off: [tag, start of value, end]; undefined when malformed. */
function derTLV(b: Buffer, off: number): [tag: number, start: number, end: number] | undefined {
  if (off + 2 > b.length) return undefined;
  const tag = b[off];
  let len = b[off + 1];
  let start = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > b.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i];
    start += n;
  }
  return start + len <= b.length ? [tag, start, start + len] : undefined;
}

/** The tags of the first two elements of the outer SEQUENCE, and the first one's value when a one-byte INTEGER. */
function derShape(der: Buffer): { second?: number; version?: number } | undefined {
  const outer = derTLV(der, 0);
  if (!outer || outer[0] !== 0x30) return undefined;
  const first = derTLV(der, outer[1]);
  if (!first || first[0] !== 0x02) return undefined;
  const second = derTLV(der, first[2]);
  return { second: second?.[0], version: first[2] - first[1] === 1 ? der[first[1]] : undefined };
}

/** Go's x509.ParsePKCS1PrivateKey / ParseECPrivateKey / ParsePKCS8PrivateKey accept only their own layouts (OpenSSL is laxer). */
function isPKCS1PrivateKey(der: Buffer): boolean {
  return derShape(der)?.second === 0x02;
}
function isSEC1PrivateKey(der: Buffer): boolean {
  const s = derShape(der);
  return s?.version === 1 && s.second === 0x04;
}
function isPKCS8PrivateKey(der: Buffer): boolean {
  return derShape(der)?.second === 0x30;
}

function isType(k: KeyObject | undefined, type: 'rsa' | 'ec'): k is KeyObject {
  return !!k && k.asymmetricKeyType === type;
}

/**
 * keyutil.ParsePublicKeysPEM: every block that parses as an RSA private key (PKCS#1, PKCS#8), RSA
 * public key (PKIX, certificate), EC private key (SEC 1) or EC public key (PKIX, certificate),
 * whatever its PEM type; other blocks are skipped.
 */
export function parsePublicKeysPEM(data: string): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const { der } of pemBlocks(data)) {
    const rsaPriv = (isPKCS1PrivateKey(der) ? tryKey(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' })) : undefined)
      ?? (isPKCS8PrivateKey(der) ? tryKey(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })) : undefined);
    if (isType(rsaPriv, 'rsa')) {
      keys.push(createPublicKey(rsaPriv));
      continue;
    }
    const pub = tryKey(() => createPublicKey({ key: der, format: 'der', type: 'spki' }))
      ?? tryKey(() => new X509Certificate(der).publicKey);
    if (isType(pub, 'rsa')) {
      keys.push(pub);
      continue;
    }
    const ecPriv = isSEC1PrivateKey(der) ? tryKey(() => createPrivateKey({ key: der, format: 'der', type: 'sec1' })) : undefined;
    if (isType(ecPriv, 'ec')) {
      keys.push(createPublicKey(ecPriv));
      continue;
    }
    if (isType(pub, 'ec')) keys.push(pub);
  }
  if (keys.length === 0) throw new Error('data does not contain any valid RSA or ECDSA public keys');
  return keys;
}

/** keyutil.PublicKeysFromFile (one --service-account-key-file). */
export function loadPublicKeysFile(path: string): KeyObject[] {
  let data: string;
  try {
    data = readFileSync(path, 'latin1');
  } catch (e) {
    throw new Error(goFileError(path, e));
  }
  try {
    return parsePublicKeysPEM(data);
  } catch (e) {
    throw new Error(`error reading public key file ${path}: ${(e as Error).message}`);
  }
}

/** The verification keys of --service-account-key-file (all files, in order), with their key ids. */
export function loadServiceAccountKeyFiles(paths: readonly string[]): ServiceAccountPublicKey[] {
  return paths.flatMap((p) => loadPublicKeysFile(p)).map(publicKeyEntry);
}

export function publicKeyEntry(key: KeyObject): ServiceAccountPublicKey {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return { key: pub, kid: keyIDFromPublicKey(pub) };
}

/** keyutil.ParsePrivateKeyPEM: the first "EC PRIVATE KEY" (SEC 1), "RSA PRIVATE KEY" (PKCS#1) or "PRIVATE KEY" (PKCS#8) block that parses. */
export function parsePrivateKeyPEM(data: string): KeyObject {
  for (const { type, der } of pemBlocks(data)) {
    let k: KeyObject | undefined;
    if (type === 'EC PRIVATE KEY' && isSEC1PrivateKey(der)) k = tryKey(() => createPrivateKey({ key: der, format: 'der', type: 'sec1' }));
    else if (type === 'RSA PRIVATE KEY' && isPKCS1PrivateKey(der)) k = tryKey(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }));
    else if (type === 'PRIVATE KEY' && isPKCS8PrivateKey(der)) k = tryKey(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
    if (k && (k.asymmetricKeyType === 'rsa' || k.asymmetricKeyType === 'ec')) return k;
  }
  throw new Error('data does not contain a valid RSA or ECDSA private key');
}

/** upstream's signerFromRSAPrivateKey / signerFromECDSAPrivateKey. */
export function signingKeyFromPrivateKey(privateKey: KeyObject): ServiceAccountSigningKey {
  const publicKey = createPublicKey(privateKey);
  let alg: SigningAlgorithm;
  if (privateKey.asymmetricKeyType === 'rsa') {
    alg = 'RS256';
  } else if (privateKey.asymmetricKeyType === 'ec') {
    const curve = privateKey.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') alg = 'ES256';
    else if (curve === 'secp384r1') alg = 'ES384';
    else if (curve === 'secp521r1') alg = 'ES512';
    else throw new Error('could not generate signer for ECDSA keypair: unknown private key curve, must be 256, 384, or 521');
  } else {
    throw new Error(`unknown private key type ${privateKey.asymmetricKeyType}, must be *rsa.PrivateKey, *ecdsa.PrivateKey, or jose.OpaqueSigner`);
  }
  return { privateKey, publicKey, alg, kid: keyIDFromPublicKey(publicKey) };
}

/** --service-account-signing-key-file (errors as kube-apiserver prints them). */
export function loadSigningKeyFile(path: string): ServiceAccountSigningKey {
  let data: string;
  try {
    data = readFileSync(path, 'latin1');
  } catch (e) {
    throw new Error(`failed to parse service-account-issuer-key-file: ${goFileError(path, e)}`);
  }
  let key: KeyObject;
  try {
    key = parsePrivateKeyPEM(data);
  } catch (e) {
    throw new Error(`failed to parse service-account-issuer-key-file: error reading private key file ${path}: ${(e as Error).message}`);
  }
  try {
    return signingKeyFromPrivateKey(key);
  } catch (e) {
    throw new Error(`failed to build token generator: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// JWS

const HASH: Record<string, string> = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512', PS256: 'sha256', PS384: 'sha384', PS512: 'sha512', ES256: 'sha256', ES384: 'sha384', ES512: 'sha512' };
const EC_CURVE: Record<string, [curve: string, size: number]> = { ES256: ['prime256v1', 32], ES384: ['secp384r1', 48], ES512: ['secp521r1', 66] };

/** Compact JWS of a JSON payload, as go-jose signs it: protected header {"alg","kid"}. */
export function signJWS(key: ServiceAccountSigningKey, payloadJSON: string): string {
  const header = b64url(goJSON({ alg: key.alg, kid: key.kid }));
  const input = `${header}.${b64url(payloadJSON)}`;
  const hash = HASH[key.alg];
  const sig = key.alg === 'RS256'
    ? sign(hash, Buffer.from(input), key.privateKey)
    : sign(hash, Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}

/** go-jose's verifier for one key: false for any failure (wrong key type, curve, size or signature). */
export function verifyJWSSignature(alg: string, key: KeyObject, input: Buffer, sig: Buffer): boolean {
  const hash = HASH[alg];
  if (!hash) return false;
  try {
    if (alg.startsWith('RS')) return key.asymmetricKeyType === 'rsa' && verify(hash, input, key, sig);
    if (alg.startsWith('PS')) {
      return key.asymmetricKeyType === 'rsa' && verify(hash, input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
    }
    const [curve, size] = EC_CURVE[alg];
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== curve || sig.length !== 2 * size) return false;
    return verify(hash, input, { key, dsaEncoding: 'ieee-p1363' }, sig);
  } catch {
    return false;
  }
}

interface ParsedJWS {
  header: Record<string, unknown>;
  payload: Buffer;
  input: Buffer;
  signature: Buffer;
}

/** jose.ParseSigned (compact form); undefined when it is not a JWS. */
function parseCompactJWS(token: string): ParsedJWS | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const h = decodeRawURL(parts[0]), p = decodeRawURL(parts[1]), s = decodeRawURL(parts[2]);
  if (!h || !p || !s) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(h.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) return undefined;
  return { header: header as Record<string, unknown>, payload: p, input: Buffer.from(`${parts[0]}.${parts[1]}`), signature: s };
}

// ---------------------------------------------------------------------------------------------
// claims

export interface ObjectRef { name: string; uid?: string }

/** The public claims (go-jose jwt.Claims) of a token. */
export interface PublicClaims {
  iss?: string;
  sub?: string;
  aud?: string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
}

/** The private claims of a bound token (upstream's privateClaims). */
export interface BoundPrivateClaims {
  namespace?: string;
  serviceaccount?: { name?: string; uid?: string };
  pod?: { name?: string; uid?: string };
  secret?: { name?: string; uid?: string };
  node?: { name?: string; uid?: string };
  warnafter?: number;
}

function ref(o: { name?: unknown; uid?: unknown }): { name?: string; uid?: string } {
  return { name: typeof o.name === 'string' && o.name ? o.name : undefined, uid: typeof o.uid === 'string' && o.uid ? o.uid : undefined };
}

/** Upstream's serviceaccount.Claims: the public and private claims of a bound token. */
export function boundTokenClaims(opts: {
  serviceAccount: { namespace: string; name: string; uid: string };
  audiences: readonly string[];
  expirationSeconds: number;
  warnAfterSeconds?: number;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
  nowMs: number;
  jti?: string;
}): Record<string, unknown> {
  const { serviceAccount: sa } = opts;
  if (opts.secret && (opts.pod || opts.node)) throw new Error('internal error, token can only be bound to one object type');
  const now = Math.floor(opts.nowMs / 1000);
  const k8s: Record<string, unknown> = {
    namespace: sa.namespace || undefined,
    serviceaccount: ref(sa),
  };
  if (opts.pod) {
    k8s.pod = ref(opts.pod);
    if (opts.node) k8s.node = ref(opts.node);
  } else if (opts.secret) {
    k8s.secret = ref(opts.secret);
  } else if (opts.node) {
    k8s.node = ref(opts.node);
  }
  if (opts.warnAfterSeconds) k8s.warnafter = now + opts.warnAfterSeconds;
  return {
    sub: makeUsername(sa.namespace, sa.name),
    aud: opts.audiences.length ? [...opts.audiences] : undefined,
    iat: now,
    nbf: now,
    exp: now + opts.expirationSeconds,
    jti: opts.jti ?? randomUUID(),
    'kubernetes.io': k8s,
  };
}

/** Upstream's LegacyClaims (secret-based tokens of the tokens controller). */
export function legacyTokenClaims(sa: KObject, secret: KObject): Record<string, unknown> {
  const ns = String(sa.metadata?.namespace ?? '');
  const name = String(sa.metadata?.name ?? '');
  return {
    sub: makeUsername(ns, name),
    'kubernetes.io/serviceaccount/namespace': ns,
    'kubernetes.io/serviceaccount/service-account.name': name,
    'kubernetes.io/serviceaccount/service-account.uid': String(sa.metadata?.uid ?? ''),
    'kubernetes.io/serviceaccount/secret.name': String(secret.metadata?.name ?? ''),
  };
}

export function makeUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USERNAME_PREFIX}${namespace}:${name}`;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Upstream's serviceaccount.SplitUsername: [namespace, name] or undefined. */
export function splitUsername(username: string): [string, string] | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USERNAME_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USERNAME_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [ns, name] = parts;
  if (ns.length > 63 || !DNS1123_LABEL.test(ns)) return undefined;
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) return undefined;
  return [ns, name];
}

/** What a validated token says about its ServiceAccount (upstream's ServiceAccountInfo). */
export interface ServiceAccountInfo {
  namespace: string;
  name: string;
  uid: string;
  podName?: string;
  podUID?: string;
  nodeName?: string;
  nodeUID?: string;
  credentialID?: string;
}

/** ServiceAccountInfo.UserInfo() (without system:authenticated, which the union adds). */
export function serviceAccountUserInfo(sa: ServiceAccountInfo): UserInfo {
  const extra: Record<string, string[]> = {};
  if (sa.podName && sa.podUID) {
    extra[POD_NAME_KEY] = [sa.podName];
    extra[POD_UID_KEY] = [sa.podUID];
  }
  if (sa.credentialID) extra[CREDENTIAL_ID_KEY] = [sa.credentialID];
  if (sa.nodeName) {
    extra[NODE_NAME_KEY] = [sa.nodeName];
    if (sa.nodeUID) extra[NODE_UID_KEY] = [sa.nodeUID];
  }
  const user: UserInfo = {
    username: makeUsername(sa.namespace, sa.name),
    uid: sa.uid,
    groups: [ALL_SERVICE_ACCOUNTS_GROUP, SERVICE_ACCOUNT_GROUP_PREFIX + sa.namespace],
  };
  const keys = Object.keys(extra).sort();
  if (keys.length) user.extra = Object.fromEntries(keys.map((k) => [k, extra[k]]));
  return user;
}

export function credentialIDForJTI(jti: string | undefined): string | undefined {
  return jti ? `JTI=${jti}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// token generation

/** Upstream's JWTTokenGenerator: signs claims, adding `iss`. */
export class JWTTokenGenerator {
  constructor(
    readonly issuer: string,
    readonly signingKey: ServiceAccountSigningKey,
  ) {}

  generateToken(claims: Record<string, unknown>): string {
    return signJWS(this.signingKey, goJSON({ ...claims, iss: this.issuer }));
  }
}

/** A secret-based token, as the tokens controller (kube-controller-manager --service-account-private-key-file) writes it. */
export function generateLegacyToken(signingKey: ServiceAccountSigningKey, sa: KObject, secret: KObject): string {
  return new JWTTokenGenerator(LEGACY_ISSUER, signingKey).generateToken(legacyTokenClaims(sa, secret));
}

export interface ServiceAccountTokenIssuerOptions {
  signingKey: ServiceAccountSigningKey;
  /** The first --service-account-issuer. */
  issuer: string;
  /** --api-audiences (default: the issuers). */
  apiAudiences: readonly string[];
  /** --service-account-max-token-expiration in seconds (0/undefined: no cap). */
  maxExpirationSeconds?: number;
  /** --service-account-extend-token-expiration (default true). */
  extendExpiration?: boolean;
  /** Clock (ms), for tests. */
  now?: () => number;
}

export interface IssueTokenOptions {
  issuer: ServiceAccountTokenIssuer;
  serviceAccount: { namespace: string; name: string; uid: string };
  audiences: readonly string[];
  expirationSeconds: number;
  warnAfterSeconds?: number;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
  jti?: string;
  /** Issue time (epoch ms; default: the issuer's clock). */
  nowMs?: number;
}

export interface IssuedToken {
  token: string;
  claims: Record<string, unknown>;
  /** Epoch ms of `exp`. */
  expiresAt: number;
}

/** Sign a bound token (the claims of TokenRequest). */
export function issueToken(opts: IssueTokenOptions): IssuedToken {
  const nowMs = opts.nowMs ?? opts.issuer.now();
  const claims = boundTokenClaims({ ...opts, nowMs });
  claims.iss = opts.issuer.issuer;
  return { token: opts.issuer.generator.generateToken(claims), claims, expiresAt: (claims.exp as number) * 1000 };
}

export interface BoundObjectReference {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

export interface TokenRequestSpec {
  audiences?: string[] | null;
  expirationSeconds?: number | null;
  boundObjectRef?: BoundObjectReference | null;
}

export interface TokenRequestStatus {
  token: string;
  expirationTimestamp: string;
}

export interface TokenRequestObject {
  kind: 'TokenRequest';
  apiVersion: 'authentication.k8s.io/v1';
  metadata: { name: string; namespace: string; creationTimestamp: string };
  spec: { audiences: string[]; expirationSeconds: number; boundObjectRef?: BoundObjectReference };
  status: TokenRequestStatus;
}

export interface TokenRequestResult {
  /** The TokenRequest the endpoint answers with. */
  object: TokenRequestObject;
  status: TokenRequestStatus;
  /** Warning headers (e.g. the max-expiration cap). */
  warnings: string[];
  /** Audit annotations (issued-credential-id). */
  auditAnnotations: Record<string, string>;
}

/** schema.FromAPIVersionAndKind */
function groupOfAPIVersion(apiVersion: string): [group: string, version: string] {
  if (apiVersion === '' || apiVersion === '/') return ['', ''];
  const n = apiVersion.split('/').length - 1;
  if (n === 0) return ['', apiVersion];
  if (n === 1) {
    const i = apiVersion.indexOf('/');
    return [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
  }
  return ['', '']; // unparseable: upstream keeps only the kind
}

/** The registry's key function checks on a name (Get of an empty or path-unsafe name). */
function checkGetName(name: string): void {
  if (name === '') throw badRequest('Name parameter required.');
  const msgs: string[] = [];
  if (name === '.' || name === '..') msgs.push(`may not be '${name}'`);
  for (const bad of ['/', '%']) if (name.includes(bad)) msgs.push(`may not contain '${bad}'`);
  if (msgs.length) throw badRequest(`Name parameter invalid: ${goQuote(name)}: ${msgs.join(';')}`);
}

/** The bodies' metadata must match the URL's ServiceAccount when set (422 otherwise). */
export function validateTokenRequestMetadata(body: KObject | undefined, name: string, namespace: string): void {
  const md = body?.metadata ?? {};
  if (typeof md.name === 'string' && md.name && md.name !== name) {
    throw invalid('TokenRequest', 'authentication.k8s.io', name, [fieldErr.invalid('metadata.name', md.name, 'must match the service account name if specified')]);
  }
  if (typeof md.namespace === 'string' && md.namespace && md.namespace !== namespace) {
    throw invalid('TokenRequest', 'authentication.k8s.io', name, [fieldErr.invalid('metadata.namespace', md.namespace, 'must match the service account namespace if specified')]);
  }
}

/** Issues bound tokens with the signing key and the first issuer: TokenRequest. */
export class ServiceAccountTokenIssuer {
  readonly generator: JWTTokenGenerator;
  readonly issuer: string;
  readonly apiAudiences: readonly string[];
  readonly maxExpirationSeconds: number;
  readonly extendExpiration: boolean;
  readonly now: () => number;

  constructor(opts: ServiceAccountTokenIssuerOptions) {
    this.issuer = opts.issuer;
    this.generator = new JWTTokenGenerator(opts.issuer, opts.signingKey);
    this.apiAudiences = [...opts.apiAudiences];
    this.maxExpirationSeconds = opts.maxExpirationSeconds ?? 0;
    this.extendExpiration = opts.extendExpiration ?? true;
    this.now = opts.now ?? Date.now;
  }

  get signingKey(): ServiceAccountSigningKey {
    return this.generator.signingKey;
  }

  createTokenRequest(sa: KObject, spec: TokenRequestSpec | undefined, objects: ObjectSource): TokenRequestResult {
    return createTokenRequest(sa, spec, objects, this);
  }
}

/**
 * The TokenRequest subresource (POST serviceaccounts/<name>/token) for an existing
 * ServiceAccount, as upstream's TokenREST.Create after the ServiceAccount lookup: defaults
 * (audiences = --api-audiences, expirationSeconds 3600), validation (422), bound object lookup
 * (404 when missing, 400 for a wrong kind or a pod of another ServiceAccount, 409 on a uid
 * mismatch), the max-expiration cap (with a warning) and the pod-bound 3607s extension.
 */
export function createTokenRequest(sa: KObject, spec: TokenRequestSpec | undefined, objects: ObjectSource, issuer: ServiceAccountTokenIssuer): TokenRequestResult {
  const saName = String(sa.metadata?.name ?? '');
  const namespace = String(sa.metadata?.namespace ?? '');
  const nowMs = issuer.now();
  const warnings: string[] = [];
  const audiences = spec?.audiences?.length ? [...spec.audiences] : [...issuer.apiAudiences];
  let expirationSeconds = spec?.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  const boundRef = spec?.boundObjectRef ?? undefined;

  const errs = [];
  if (expirationSeconds < MIN_TOKEN_EXPIRATION_SECONDS) errs.push(fieldErr.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes'));
  if (expirationSeconds > MAX_TOKEN_EXPIRATION_SECONDS) errs.push(fieldErr.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
  if (errs.length) throw invalid('TokenRequest', 'authentication.k8s.io', '', errs);

  let pod: KObject | undefined;
  let secret: KObject | undefined;
  let node: ObjectRef | undefined;
  if (boundRef) {
    const [group, version] = groupOfAPIVersion(boundRef.apiVersion ?? '');
    const kind = boundRef.kind ?? '';
    const refName = boundRef.name ?? '';
    let uid: string;
    if (group === '' && kind === 'Pod') {
      checkGetName(refName);
      pod = objects.get('', 'pods', namespace, refName);
      if (!pod) throw notFound('', 'pods', refName);
      if (saName !== (pod.spec?.serviceAccountName ?? '')) {
        throw badRequest(`cannot bind token for serviceaccount ${goQuote(saName)} to pod running with different serviceaccount name.`);
      }
      uid = String(pod.metadata?.uid ?? '');
      const nodeName = pod.spec?.nodeName;
      if (typeof nodeName === 'string' && nodeName) {
        // a missing Node still records its name, without uid
        const n = objects.get('', 'nodes', '', nodeName);
        node = { name: nodeName, uid: n ? String(n.metadata?.uid ?? '') : undefined };
      }
    } else if (group === '' && kind === 'Node') {
      checkGetName(refName);
      const n = objects.get('', 'nodes', '', refName);
      if (!n) throw notFound('', 'nodes', refName);
      uid = String(n.metadata?.uid ?? '');
      node = { name: refName, uid };
    } else if (group === '' && kind === 'Secret') {
      checkGetName(refName);
      secret = objects.get('', 'secrets', namespace, refName);
      if (!secret) throw notFound('', 'secrets', refName);
      uid = String(secret.metadata?.uid ?? '');
    } else {
      throw badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`);
    }
    if (boundRef.uid && uid !== boundRef.uid) {
      throw conflict('', kind, refName, `the UID in the bound object reference (${boundRef.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
  }

  if (issuer.maxExpirationSeconds > 0 && expirationSeconds > issuer.maxExpirationSeconds) {
    warnings.push(`requested expiration of ${expirationSeconds} seconds shortened to ${issuer.maxExpirationSeconds} seconds`);
    expirationSeconds = issuer.maxExpirationSeconds;
  }

  let warnAfter = 0;
  let exp = expirationSeconds;
  if (issuer.extendExpiration && pod && expirationSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS && audiences.every((a) => issuer.apiAudiences.includes(a))) {
    warnAfter = exp;
    exp = EXPIRATION_EXTENSION_SECONDS;
  }

  let issued: IssuedToken;
  try {
    issued = issueToken({
      issuer,
      serviceAccount: { namespace, name: saName, uid: String(sa.metadata?.uid ?? '') },
      audiences,
      expirationSeconds: exp,
      warnAfterSeconds: warnAfter,
      pod: pod ? { name: String(pod.metadata?.name ?? ''), uid: String(pod.metadata?.uid ?? '') } : undefined,
      secret: secret ? { name: String(secret.metadata?.name ?? ''), uid: String(secret.metadata?.uid ?? '') } : undefined,
      node,
      nowMs,
    });
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw internalError(`failed to generate token: ${(e as Error).message}`);
  }
  const creation = rfc3339(nowMs);
  const status: TokenRequestStatus = { token: issued.token, expirationTimestamp: rfc3339(nowMs + expirationSeconds * 1000) };
  const outSpec: TokenRequestObject['spec'] = { audiences, expirationSeconds };
  if (boundRef) outSpec.boundObjectRef = { ...boundRef };
  const auditAnnotations: Record<string, string> = {};
  const credID = credentialIDForJTI(issued.claims.jti as string | undefined);
  if (credID) auditAnnotations[ISSUED_CREDENTIAL_ID_AUDIT_ANNOTATION] = credID;
  return {
    object: {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: saName, namespace, creationTimestamp: creation },
      spec: outSpec,
      status,
    },
    status,
    warnings,
    auditAnnotations,
  };
}

// ---------------------------------------------------------------------------------------------
// verification

/** What a validator returns: the ServiceAccount, or why the token is refused. */
type Validation =
  | { ok: true; info: ServiceAccountInfo; dependsOn: string[]; expiresAt?: number; warnings?: string[]; annotations?: Record<string, string> }
  | { ok: false; error: string };

type Validator = (token: string, pub: PublicClaims, payload: Record<string, unknown>) => Validation;

/** Go's json decoding of go-jose's jwt.Claims; a message for wrongly typed claims. */
function publicClaims(p: Record<string, unknown>): PublicClaims | string {
  const out: PublicClaims = {};
  for (const k of ['iss', 'sub', 'jti'] as const) {
    const v = p[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') return `json: cannot unmarshal ${goJSONType(v)} into Go struct field Claims.${k} of type string`;
    out[k] = v;
  }
  for (const k of ['exp', 'nbf', 'iat'] as const) {
    const v = p[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number') return `json: cannot unmarshal ${goJSONType(v)} into Go struct field Claims.${k} of type jwt.NumericDate`;
    out[k] = Math.trunc(v);
  }
  const aud = p.aud;
  if (typeof aud === 'string') out.aud = [aud];
  else if (Array.isArray(aud)) {
    if (!aud.every((a) => typeof a === 'string')) return 'go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience';
    out.aud = aud as string[];
  } else if (aud !== undefined && aud !== null) return 'go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience';
  return out;
}

function goJSONType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

export interface JWTAuthenticatorOptions {
  issuers: readonly string[];
  keys: readonly ServiceAccountPublicKey[];
  /** --api-audiences */
  implicitAudiences: readonly string[];
}

/** Upstream's jwtTokenAuthenticator over a validator. */
class JWTTokenAuthenticator {
  private readonly issuers: Set<string>;
  private readonly byKid = new Map<string, KeyObject[]>();
  private readonly all: KeyObject[];

  constructor(
    readonly name: string,
    private readonly opts: JWTAuthenticatorOptions,
    private readonly validator: Validator,
  ) {
    this.issuers = new Set(opts.issuers);
    this.all = opts.keys.map((k) => k.key);
    for (const k of opts.keys) {
      const list = this.byKid.get(k.kid) ?? [];
      list.push(k.key);
      this.byKid.set(k.kid, list);
    }
  }

  /** hasCorrectIssuer: a compact JWT whose unverified `iss` is one of ours. */
  private hasCorrectIssuer(token: string): boolean {
    if (token.trimStart().startsWith('{')) return false;
    const parts = token.split('.');
    if (parts.length !== 3) return false;
    const payload = decodeRawURL(parts[1]);
    if (!payload) return false;
    let claims: unknown;
    try {
      claims = JSON.parse(payload.toString('utf8'));
    } catch {
      return false;
    }
    if (claims === null) return this.issuers.has('');
    if (typeof claims !== 'object' || Array.isArray(claims)) return false;
    const iss = (claims as Record<string, unknown>).iss;
    if (iss === undefined || iss === null) return this.issuers.has('');
    return typeof iss === 'string' && this.issuers.has(iss);
  }

  authenticateToken(token: string, audiences?: readonly string[]): TokenResult {
    if (!this.hasCorrectIssuer(token)) return { ok: false };
    const jws = parseCompactJWS(token);
    if (!jws) return { ok: false };
    const kid = typeof jws.header.kid === 'string' ? jws.header.kid : '';
    const keys = kid ? this.byKid.get(kid) ?? [] : this.all;
    if (keys.length === 0) return { ok: false, errors: ['invalid signature, no keys found'] };
    const alg = typeof jws.header.alg === 'string' ? jws.header.alg : '';
    const errors: string[] = [];
    let claims: Record<string, unknown> | undefined;
    let pub: PublicClaims | undefined;
    for (const key of keys) {
      if (!verifyJWSSignature(alg, key, jws.input, jws.signature)) {
        errors.push(CRYPTO_FAILURE);
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(jws.payload.toString('utf8'));
      } catch (e) {
        errors.push(`invalid character in JWT payload: ${(e as Error).message}`);
        continue;
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        errors.push(`json: cannot unmarshal ${goJSONType(parsed)} into Go value of type jwt.Claims`);
        continue;
      }
      const pc = publicClaims(parsed as Record<string, unknown>);
      if (typeof pc === 'string') {
        errors.push(pc);
        continue;
      }
      claims = parsed as Record<string, unknown>;
      pub = pc;
      break;
    }
    if (!claims || !pub) return { ok: false, errors };

    if (!this.issuers.has(pub.iss ?? '')) return { ok: false, errors: [`token issuer ${goQuote(pub.iss ?? '')} is invalid`] };

    const annotations: Record<string, string> = {};
    let tokenAudiences = pub.aud ?? [];
    if (tokenAudiences.length === 0) {
      // only apiserver audiences are allowed for legacy tokens
      annotations['authentication.k8s.io/legacy-token'] = pub.sub ?? '';
      tokenAudiences = [...this.opts.implicitAudiences];
    }
    const requested = audiences ?? this.opts.implicitAudiences;
    const auds = intersectAudiences(tokenAudiences, requested);
    if (auds.length === 0 && this.opts.implicitAudiences.length !== 0) {
      return { ok: false, errors: [`token audiences ${goQuoteList(tokenAudiences)} is invalid for the target audiences ${goQuoteList(requested)}`] };
    }

    const v = this.validator(token, pub, claims);
    if (!v.ok) return { ok: false, errors: [v.error] };
    return {
      ok: true,
      user: serviceAccountUserInfo(v.info),
      audiences: auds,
      expiresAt: v.expiresAt,
      dependsOn: v.dependsOn,
      warnings: v.warnings,
      annotations: { ...annotations, ...v.annotations },
    };
  }
}

export interface ServiceAccountAuthenticatorOptions {
  /** Keys of --service-account-key-file (see loadServiceAccountKeyFiles). */
  keys: readonly ServiceAccountPublicKey[];
  /** --service-account-issuer (all accepted); without any, only legacy tokens are. */
  issuers: readonly string[];
  /** --api-audiences */
  apiAudiences: readonly string[];
  /** Secrets, ServiceAccounts, Pods and Nodes. */
  objects: ObjectSource;
  /** --service-account-lookup (default true): legacy tokens must still be in their Secret. */
  lookup?: boolean;
  /** Called when a legacy token from a Secret authenticated (the server may patch the last-used label; see legacyTokenLastUsedPatch). */
  onLegacyTokenUsed?: (secret: KObject) => void;
  /** Clock (ms), for tests. */
  now?: () => number;
}

function deletedBefore(o: KObject, limitMs: number): boolean {
  const ts = o.metadata?.deletionTimestamp;
  if (typeof ts !== 'string' || !ts) return false;
  const t = Date.parse(ts);
  return Number.isFinite(t) && t < limitMs;
}

function uidOf(o: KObject): string {
  return String(o.metadata?.uid ?? '');
}

function getServiceAccount(objects: ObjectSource, namespace: string, name: string): KObject | string {
  if (name === '') return 'resource name may not be empty';
  return objects.get('', 'serviceaccounts', namespace, name) ?? notFound('', 'serviceaccounts', name).message;
}

/** The ServiceAccount token authenticators: legacy (issuer kubernetes/serviceaccount) first, then bound tokens. */
export function serviceAccountAuthenticators(opts: ServiceAccountAuthenticatorOptions): TokenAuthenticatorSource[] {
  const out: TokenAuthenticatorSource[] = [legacyServiceAccountAuthenticator(opts)];
  if (opts.issuers.length) out.push(boundServiceAccountAuthenticator(opts));
  return out;
}

/** Upstream's newLegacyServiceAccountAuthenticator. */
export function legacyServiceAccountAuthenticator(opts: ServiceAccountAuthenticatorOptions): TokenAuthenticatorSource {
  const lookup = opts.lookup ?? true;
  const objects = opts.objects;
  const validator: Validator = (token, pub, p) => {
    const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : '');
    if (!pub.sub) return { ok: false, error: 'sub claim is missing' };
    const namespace = str('kubernetes.io/serviceaccount/namespace');
    if (!namespace) return { ok: false, error: 'namespace claim is missing' };
    const secretName = str('kubernetes.io/serviceaccount/secret.name');
    if (!secretName) return { ok: false, error: 'secretName claim is missing' };
    const saName = str('kubernetes.io/serviceaccount/service-account.name');
    if (!saName) return { ok: false, error: 'serviceAccountName claim is missing' };
    const saUID = str('kubernetes.io/serviceaccount/service-account.uid');
    if (!saUID) return { ok: false, error: 'serviceAccountUID claim is missing' };
    const split = splitUsername(pub.sub);
    if (!split || split[0] !== namespace || split[1] !== saName) return { ok: false, error: 'sub claim is invalid' };

    const info: ServiceAccountInfo = { namespace, name: saName, uid: saUID };
    if (!lookup) return { ok: true, info, dependsOn: [] };

    const secret = objects.get('', 'secrets', namespace, secretName);
    if (!secret || secret.metadata?.deletionTimestamp) return { ok: false, error: 'Token has been invalidated' };
    const stored = Buffer.from(typeof secret.data?.token === 'string' ? secret.data.token : '', 'base64');
    const given = Buffer.from(token);
    if (stored.length !== given.length || !timingSafeEqual(stored, given)) return { ok: false, error: "Token does not match server's copy" };
    const sa = getServiceAccount(objects, namespace, saName);
    if (typeof sa === 'string') return { ok: false, error: sa };
    if (sa.metadata?.deletionTimestamp) return { ok: false, error: `ServiceAccount ${namespace}/${saName} has been deleted` };
    if (uidOf(sa) !== saUID) return { ok: false, error: `ServiceAccount UID (${uidOf(sa)}) does not match claim (${saUID})` };

    const annotations: Record<string, string> = {};
    if (secret.metadata?.labels?.[LEGACY_INVALID_SINCE_LABEL]) {
      annotations['authentication.k8s.io/legacy-token-invalidated'] = `${secret.metadata.name}/${secret.metadata.namespace}`;
      opts.onLegacyTokenUsed?.(secret);
      return {
        ok: false,
        error: `the token in secret ${namespace}/${secretName} for service account ${namespace}/${saName} has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the '${LEGACY_INVALID_SINCE_LABEL}' label from the secret to temporarily allow use of this token`,
      };
    }
    const warnings: string[] = [];
    const autoGenerated = Array.isArray(sa.secrets) && sa.secrets.some((r: KObject) => r?.name === secretName);
    if (autoGenerated) {
      warnings.push('Use tokens from the TokenRequest API or manually created secret-based tokens instead of auto-generated secret-based tokens.');
      annotations['authentication.k8s.io/legacy-token-autogenerated-secret'] = secretName;
    } else {
      annotations['authentication.k8s.io/legacy-token-manual-secret'] = secretName;
    }
    opts.onLegacyTokenUsed?.(secret);
    return { ok: true, info, dependsOn: [uidOf(secret), uidOf(sa)], warnings, annotations };
  };
  return new JWTTokenAuthenticator('serviceaccount-legacy', { issuers: [LEGACY_ISSUER], keys: opts.keys, implicitAudiences: opts.apiAudiences }, validator);
}

/** Upstream's newServiceAccountAuthenticator with the bound-token validator (claims.go). */
export function boundServiceAccountAuthenticator(opts: ServiceAccountAuthenticatorOptions): TokenAuthenticatorSource {
  const objects = opts.objects;
  const now = opts.now ?? Date.now;
  const validator: Validator = (_token, pub, p) => {
    const nowMs = now();
    const leeway = DEFAULT_LEEWAY_SECONDS * 1000;
    if (pub.nbf !== undefined && nowMs + leeway < pub.nbf * 1000) return { ok: false, error: 'service account token is not valid yet' };
    if (pub.exp !== undefined && nowMs - leeway > pub.exp * 1000) return { ok: false, error: 'service account token has expired' };
    if (pub.iat !== undefined && nowMs + leeway < pub.iat * 1000) return { ok: false, error: 'service account token is issued in the future' };

    const k = p['kubernetes.io'];
    const priv: BoundPrivateClaims = k && typeof k === 'object' && !Array.isArray(k) ? (k as BoundPrivateClaims) : {};
    const namespace = typeof priv.namespace === 'string' ? priv.namespace : '';
    const saref = ref(priv.serviceaccount ?? {});
    const podref = priv.pod && typeof priv.pod === 'object' ? ref(priv.pod) : undefined;
    const secref = priv.secret && typeof priv.secret === 'object' ? ref(priv.secret) : undefined;
    const noderef = priv.node && typeof priv.node === 'object' ? ref(priv.node) : undefined;
    const invalidIfDeletedBefore = nowMs - leeway;
    const invalidated = { ok: false as const, error: 'service account token has been invalidated' };

    const sa = getServiceAccount(objects, namespace, saref.name ?? '');
    if (typeof sa === 'string') return { ok: false, error: sa };
    if (uidOf(sa) !== (saref.uid ?? '')) return { ok: false, error: `service account UID (${uidOf(sa)}) does not match claim (${saref.uid ?? ''})` };
    if (deletedBefore(sa, invalidIfDeletedBefore)) return { ok: false, error: `service account ${namespace}/${saref.name} has been deleted` };
    const dependsOn = [uidOf(sa)];

    if (secref) {
      const secret = secref.name ? objects.get('', 'secrets', namespace, secref.name) : undefined;
      if (!secret) return invalidated;
      if ((secref.uid ?? '') !== uidOf(secret)) return { ok: false, error: `secret UID (${uidOf(secret)}) does not match service account secret ref claim (${secref.uid ?? ''})` };
      if (deletedBefore(secret, invalidIfDeletedBefore)) return invalidated;
      dependsOn.push(uidOf(secret));
    }

    let podName: string | undefined, podUID: string | undefined;
    if (podref) {
      const pod = podref.name ? objects.get('', 'pods', namespace, podref.name) : undefined;
      if (!pod) return invalidated;
      if ((podref.uid ?? '') !== uidOf(pod)) return { ok: false, error: `pod UID (${uidOf(pod)}) does not match service account pod ref claim (${podref.uid ?? ''})` };
      if (deletedBefore(pod, invalidIfDeletedBefore)) return invalidated;
      podName = podref.name;
      podUID = podref.uid;
      dependsOn.push(uidOf(pod));
    }

    let nodeName: string | undefined, nodeUID: string | undefined;
    if (noderef) {
      if (podref) {
        // for pod-bound tokens, just extract the node claims
        nodeName = noderef.name;
        nodeUID = noderef.uid;
      } else {
        const node = noderef.name ? objects.get('', 'nodes', '', noderef.name) : undefined;
        if (!node) return invalidated;
        if ((noderef.uid ?? '') !== uidOf(node)) return { ok: false, error: `node UID (${uidOf(node)}) does not match service account node ref claim (${noderef.uid ?? ''})` };
        if (deletedBefore(node, invalidIfDeletedBefore)) return invalidated;
        nodeName = noderef.name;
        nodeUID = noderef.uid;
        dependsOn.push(uidOf(node));
      }
    }

    const annotations: Record<string, string> = {};
    const warnafter = typeof priv.warnafter === 'number' ? priv.warnafter : 0;
    if (warnafter && nowMs > warnafter * 1000) {
      annotations['authentication.k8s.io/stale-token'] = `subject: ${pub.sub ?? ''}, seconds after warning threshold: ${Math.floor(nowMs / 1000) - warnafter}`;
    }
    return {
      ok: true,
      info: {
        namespace,
        name: saref.name ?? '',
        uid: saref.uid ?? '',
        podName,
        podUID,
        nodeName,
        nodeUID,
        credentialID: credentialIDForJTI(pub.jti),
      },
      dependsOn,
      expiresAt: pub.exp !== undefined ? pub.exp * 1000 + leeway : undefined,
      annotations,
    };
  };
  return new JWTTokenAuthenticator('serviceaccount', { issuers: opts.issuers, keys: opts.keys, implicitAudiences: opts.apiAudiences }, validator);
}

/**
 * The merge patch upstream sends after a legacy token was used: label the Secret with today's
 * date (UTC) unless it already says today or tomorrow. Undefined when no patch is due.
 */
export function legacyTokenLastUsedPatch(secret: KObject, nowMs: number = Date.now()): KObject | undefined {
  const today = new Date(nowMs).toISOString().slice(0, 10);
  const tomorrow = new Date(nowMs + 86_400_000).toISOString().slice(0, 10);
  const lastUsed = secret.metadata?.labels?.[LEGACY_LAST_USED_LABEL];
  if (lastUsed === today || lastUsed === tomorrow) return undefined;
  return { metadata: { labels: { [LEGACY_LAST_USED_LABEL]: today }, name: secret.metadata?.name, namespace: secret.metadata?.namespace, uid: secret.metadata?.uid } };
}

/** Decode a token's header and claims without verifying it (for tests and debugging). */
export function decodeJWT(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined {
  const jws = parseCompactJWS(token);
  if (!jws) return undefined;
  try {
    return { header: jws.header, claims: JSON.parse(jws.payload.toString('utf8')) };
  } catch {
    return undefined;
  }
}
