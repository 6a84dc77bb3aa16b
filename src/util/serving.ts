// The secure serving endpoint of the non-apiserver components (kube-controller-manager on
// 10257, kube-scheduler on 10259): HTTPS with --tls-cert-file/--tls-private-key-file or, as
// upstream does without them, a self-signed certificate made at start (CA "<host>-ca@<time>",
// serving cert "<host>@<time>" for localhost and the bind address); /healthz, /livez, /readyz
// (with named checks, `?verbose`) and /metrics in Prometheus text format.
//
// Departure: upstream authorizes /metrics with a SubjectAccessReview through
// --authorization-kubeconfig; k8ts serves it to any TLS client (health paths are open upstream
// too).

import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { createCA, issueCert } from '../pki/certs.js';
import { logger } from './klog.js';

const log = logger('secure_serving.go');

export type HealthCheck = () => boolean | string;

export interface SecureServingOptions {
  bindAddress: string;
  port: number;
  certFile?: string;
  keyFile?: string;
  registry?: Registry;
  /** named checks for /healthz and /readyz; a string return is the failure reason */
  checks?: Record<string, HealthCheck>;
  /** name for the self-signed certificate's subject (default: hostname) */
  selfSignedName?: string;
}

export interface SecureServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

async function servingPair(o: SecureServingOptions): Promise<{ cert: string; key: string }> {
  if (o.certFile && o.keyFile) return { cert: await readFile(o.certFile, 'utf8'), key: await readFile(o.keyFile, 'utf8') };
  const host = o.selfSignedName ?? hostname();
  const stamp = Math.floor(Date.now() / 1000);
  const ca = await createCA({ commonName: `${host}-ca@${stamp}`, keyAlgorithm: 'ecdsa', validityDays: 365 });
  const ips = ['127.0.0.1', ...(o.bindAddress && o.bindAddress !== '0.0.0.0' && o.bindAddress !== '::' ? [o.bindAddress] : [])];
  const leaf = await issueCert(ca, { commonName: `${host}@${stamp}`, dnsNames: ['localhost', host], ipAddresses: ips, usages: ['server'], keyAlgorithm: 'ecdsa', validityDays: 365 });
  log.info('Generated self-signed cert (in-memory)');
  return { cert: leaf.certPem + ca.certPem, key: leaf.keyPem };
}

function healthBody(checks: Record<string, HealthCheck>, verbose: boolean, path: string): { ok: boolean; text: string } {
  const lines: string[] = [];
  let ok = true;
  for (const [name, fn] of Object.entries({ ping: () => true as const, ...checks })) {
    let r: boolean | string;
    try {
      r = fn();
    } catch (e) {
      r = (e as Error).message;
    }
    if (r === true) lines.push(`[+]${name} ok`);
    else {
      ok = false;
      lines.push(`[-]${name} failed: ${typeof r === 'string' ? r : 'reason withheld'}`);
    }
  }
  if (ok && !verbose) return { ok, text: 'ok' };
  return { ok, text: `${lines.join('\n')}\n${ok ? `${path.slice(1)} check passed` : `${path.slice(1)} check failed`}\n` };
}

/** Listen on bindAddress:port (0: a free port) with the health and metrics endpoints. */
export async function serveSecurely(o: SecureServingOptions): Promise<SecureServer> {
  const { cert, key } = await servingPair(o);
  const checks = o.checks ?? {};
  const server = createServer({ cert, key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      const h = healthBody(path === '/livez' ? {} : checks, url.searchParams.has('verbose'), path);
      res.writeHead(h.ok ? 200 : 500, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end(h.text);
      return;
    }
    const m = /^\/(healthz|readyz|livez)\/([^/]+)$/.exec(path);
    if (m && (m[2] === 'ping' || checks[m[2]!])) {
      const r = m[2] === 'ping' ? true : checks[m[2]!]!();
      res.writeHead(r === true ? 200 : 500, { 'content-type': 'text/plain; charset=utf-8' }).end(r === true ? 'ok' : `internal server error: ${r}`);
      return;
    }
    if (path === '/metrics' && o.registry) {
      const reg = o.registry;
      reg
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': reg.contentType }).end(text))
        .catch((e: Error) => res.writeHead(500).end(e.message));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.bindAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info('Serving securely on ' + `${o.bindAddress.includes(':') ? `[${o.bindAddress}]` : o.bindAddress}:${port}`);
  return {
    server,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
