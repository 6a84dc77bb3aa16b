// How the API server reaches kubelets and proxy targets: TLS settings per transport (kubelet:
// --kubelet-client-certificate/-key, verified with --kubelet-certificate-authority or not at
// all when unset, as upstream; proxy: --proxy-client-cert-file/-key, never verified), dial
// timeouts, keep-alive agents, and Node's socket errors written as Go's net errors.

import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Location, TransportKind } from './location.js';
import { joinHostPort } from './location.js';

export interface ProxyTransportOptions {
  kubeletClientCertFile?: string;
  kubeletClientKeyFile?: string;
  kubeletCAFile?: string;
  /** --kubelet-timeout (upstream default 5s): dialing and the TLS handshake */
  kubeletTimeoutMs?: number;
  proxyClientCertFile?: string;
  proxyClientKeyFile?: string;
}

/** upstream's proxy transport dialer timeout */
const PROXY_DIAL_TIMEOUT_MS = 30_000;
/** Go's http.Transport TLSHandshakeTimeout in upstream's transports */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

function readPem(path: string | undefined, flag: string): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${flag}: cannot read ${path}: ${(err as Error).message}`);
  }
}

export class ProxyTransports {
  private readonly tlsByKind: Record<TransportKind, tls.SecureContextOptions & { rejectUnauthorized: boolean }>;
  private readonly agents = new Map<string, http.Agent>();
  readonly kubeletTimeoutMs: number;

  constructor(opts: ProxyTransportOptions) {
    const cert = readPem(opts.kubeletClientCertFile, '--kubelet-client-certificate');
    const key = readPem(opts.kubeletClientKeyFile, '--kubelet-client-key');
    if (!!cert !== !!key) throw new Error('--kubelet-client-certificate and --kubelet-client-key must be given together');
    const ca = readPem(opts.kubeletCAFile, '--kubelet-certificate-authority');
    const pcert = readPem(opts.proxyClientCertFile, '--proxy-client-cert-file');
    const pkey = readPem(opts.proxyClientKeyFile, '--proxy-client-key-file');
    this.kubeletTimeoutMs = opts.kubeletTimeoutMs || 5000;
    this.tlsByKind = {
      // upstream: without a CA the kubelet transport does not verify the kubelet (Insecure)
      kubelet: { cert, key, ca, rejectUnauthorized: !!ca },
      'kubelet-insecure': { cert, key, rejectUnauthorized: false },
      proxy: { cert: pcert, key: pkey, rejectUnauthorized: false },
    };
  }

  dialTimeout(kind: TransportKind): number {
    return kind === 'proxy' ? PROXY_DIAL_TIMEOUT_MS : this.kubeletTimeoutMs;
  }

  tlsOptions(kind: TransportKind, host: string): tls.ConnectionOptions {
    const o = this.tlsByKind[kind];
    // Go sends SNI only for names; node refuses an IP as servername
    return { ...o, host, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] };
  }

  /** A keep-alive agent for plain requests to loc (one per transport kind and scheme). */
  agent(loc: Location): http.Agent {
    const key = `${loc.transport}:${loc.scheme}`;
    let a = this.agents.get(key);
    if (!a) {
      a = loc.scheme === 'https' ? new https.Agent({ keepAlive: true, ...this.tlsByKind[loc.transport] }) : new http.Agent({ keepAlive: true });
      this.agents.set(key, a);
    }
    return a;
  }

  /**
   * A connected socket to loc (TLS for https), for upgrades. Rejects with Go's error text
   * (`dial tcp 10.0.0.1:10250: connect: connection refused`).
   */
  dial(loc: Location): Promise<net.Socket> {
    const hostport = joinHostPort(loc.host, loc.port);
    const dialTimeout = this.dialTimeout(loc.transport);
    return new Promise((resolve, reject) => {
      // the error listeners stay: after success they are no-ops, so a late error cannot go unhandled
      let done = false;
      const fail = (err: Error, phase: 'dial' | 'tls') => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        reject(new Error(goNetError(err, hostport, phase, loc.host)));
      };
      const raw = net.connect({ host: loc.host, port: Number(loc.port) });
      let sock: net.Socket = raw;
      let timer = setTimeout(() => fail(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }), 'dial'), dialTimeout);
      raw.on('error', (e) => fail(e, 'dial'));
      raw.once('connect', () => {
        if (loc.scheme !== 'https') {
          done = true;
          clearTimeout(timer);
          return resolve(raw);
        }
        clearTimeout(timer);
        timer = setTimeout(() => fail(Object.assign(new Error('timeout'), { code: 'TLS_TIMEOUT' }), 'tls'), TLS_HANDSHAKE_TIMEOUT_MS);
        const t = tls.connect({ socket: raw, ...(loc.tls ?? this.tlsOptions(loc.transport, loc.host)) });
        sock = t;
        t.on('error', (e) => fail(e, 'tls'));
        t.once('secureConnect', () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve(t);
        });
      });
    });
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}

/** Go's text for a dial or TLS failure (what upstream puts in its error messages). */
export function goNetError(err: Error & { code?: string; host?: string; cert?: any }, hostport: string, phase: 'dial' | 'tls', host = ''): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${hostport}: connect: connection refused`;
    case 'ETIMEDOUT':
      return `dial tcp ${hostport}: i/o timeout`;
    case 'EHOSTUNREACH':
      return `dial tcp ${hostport}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${hostport}: connect: network is unreachable`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${host}: no such host`;
    case 'ECONNRESET':
      return phase === 'tls' ? `read tcp ${hostport}: read: connection reset by peer` : `dial tcp ${hostport}: connect: connection reset by peer`;
    case 'TLS_TIMEOUT':
      return 'net/http: TLS handshake timeout';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const san = String(err.cert?.subjectaltname ?? '').split(', ').map((s) => s.replace(/^(DNS|IP Address):/, '')).filter(Boolean);
      return `tls: failed to verify certificate: x509: certificate is valid for ${san.join(', ')}, not ${err.host ?? host}`;
    }
    default:
      if (phase === 'tls' && /alert|handshake|ssl/i.test(err.message)) return `remote error: tls: ${err.message}`;
      return err.message || String(err);
  }
}
