// Request-header authentication (--requestheader-* flags), as upstream's front-proxy
// authenticator: a request whose TLS client certificate was issued by a
// --requestheader-client-ca-file authority (with a CN in --requestheader-allowed-names, when
// that list is set) is the user named in the first non-empty --requestheader-username-headers
// header, with the groups of --requestheader-group-headers and the extras of the
// --requestheader-extra-headers-prefix headers. Also answers whether a certificate was issued
// by the --client-ca-file authorities, so a front-proxy certificate is not mistaken for an
// x509 user when the two CAs differ.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from '../endpoints/context.js';

export interface RequestHeaderConfig {
  /** --requestheader-client-ca-file (PEM bundle) */
  caFile: string;
  /** --requestheader-allowed-names (empty: any CN) */
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

/** Every certificate of a PEM bundle. */
export function parseBundle(pem: string | Buffer): X509Certificate[] {
  const text = pem.toString();
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** True when cert was issued (and signed) by one of the authorities and is within its validity. */
export function issuedByAny(cert: X509Certificate, cas: X509Certificate[], now = Date.now()): boolean {
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) return false;
  return cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
}

function commonName(cert: X509Certificate): string {
  const m = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject);
  return m ? m[1] : '';
}

function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** The identity in the headers (undefined when no username header is set). Pure: no certificate check. */
export function identityFromHeaders(headers: IncomingHttpHeaders, cfg: Pick<RequestHeaderConfig, 'usernameHeaders' | 'groupHeaders' | 'extraHeaderPrefixes'>): UserInfo | undefined {
  let username = '';
  for (const h of cfg.usernameHeaders) {
    const v = headerValues(headers, h).find((x) => x.length > 0);
    if (v) {
      username = v;
      break;
    }
  }
  if (!username) return undefined;
  const groups: string[] = [];
  for (const h of cfg.groupHeaders) groups.push(...headerValues(headers, h));
  const extra: Record<string, string[]> = {};
  for (const prefix of cfg.extraHeaderPrefixes) {
    const p = prefix.toLowerCase();
    for (const [k, v] of Object.entries(headers)) {
      if (!k.startsWith(p) || k.length === p.length || v === undefined) continue;
      let key = k.slice(p.length);
      try {
        key = decodeURIComponent(key);
      } catch {
        /* keep as sent */
      }
      (extra[key.toLowerCase()] ??= []).push(...(Array.isArray(v) ? v : [v]));
    }
  }
  const user: UserInfo = { username, groups };
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}

export class RequestHeaderAuthenticator {
  readonly caPem: Buffer;
  private readonly cas: X509Certificate[];
  private readonly clientCAs: X509Certificate[];
  /** per TLS session: the verified front-proxy certificate's CN, or an error text */
  private readonly verified = new WeakMap<object, { ok: boolean; why: string }>();

  constructor(readonly cfg: RequestHeaderConfig, clientCAFile?: string) {
    this.caPem = readFileSync(cfg.caFile);
    this.cas = parseBundle(this.caPem);
    if (!this.cas.length) throw new Error(`--requestheader-client-ca-file: no certificate in ${cfg.caFile}`);
    this.clientCAs = clientCAFile ? parseBundle(readFileSync(clientCAFile)) : [];
  }

  /** Whether the connection's client certificate was issued by a --client-ca-file authority. */
  issuedByClientCA(socket: TLSSocket): boolean {
    const cert = typeof socket.getPeerX509Certificate === 'function' ? socket.getPeerX509Certificate() : undefined;
    return !!cert && issuedByAny(cert, this.clientCAs);
  }

  /** The front-proxy check of one certificate: ok, or upstream's reason why not. */
  checkProxyCert(cert: X509Certificate | undefined): { ok: boolean; why: string } {
    if (!cert) return { ok: false, why: 'no client certificate' };
    if (!issuedByAny(cert, this.cas)) return { ok: false, why: 'x509: certificate signed by unknown authority' };
    const cn = commonName(cert);
    if (this.cfg.allowedNames.length && !this.cfg.allowedNames.includes(cn)) return { ok: false, why: `x509: subject with cn=${cn} is not in the allowed list` };
    return { ok: true, why: '' };
  }

  /**
   * The header identity when the request names a user and comes with a valid front-proxy
   * certificate; undefined when the request names no user or the certificate is not a
   * front-proxy one (the other authenticators decide then).
   */
  authenticate(headers: IncomingHttpHeaders, socket: TLSSocket, session: object): UserInfo | undefined {
    const user = identityFromHeaders(headers, this.cfg);
    if (!user) return undefined;
    let v = this.verified.get(session);
    if (!v) {
      const cert = typeof socket.getPeerX509Certificate === 'function' ? socket.getPeerX509Certificate() : undefined;
      v = this.checkProxyCert(cert);
      this.verified.set(session, v);
    }
    if (!v.ok) return undefined;
    if (!user.groups.includes('system:authenticated') && user.username !== 'system:anonymous') user.groups.push('system:authenticated');
    return user;
  }
}
