// httpGet probe (pkg/probe/http): GET with User-Agent kube-probe/<version>, success for 2xx and
// 3xx, redirects followed (up to 10) only to the same host — a redirect elsewhere ends the probe
// with a warning, which counts as success. Errors read as Go's net/http client prints them.
import * as http from 'node:http';
import * as https from 'node:https';
import type { ProbeOutcome } from './results.js';
import { hostPort } from './tcp.js';

export const probeUserAgent = 'kube-probe/1.32';
const maxRedirects = 10;
const maxBody = 10 * 1024;

/** `dial tcp 10.0.0.1:80: connect: connection refused` from a Node socket error. */
export function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  const text: Record<string, string> = {
    ECONNREFUSED: 'connect: connection refused',
    EHOSTUNREACH: 'connect: no route to host',
    ENETUNREACH: 'connect: network is unreachable',
    ECONNRESET: 'read: connection reset by peer',
    ETIMEDOUT: 'i/o timeout',
  };
  return `dial tcp ${hostPort(host, port)}: ${text[err.code ?? ''] ?? err.message}`;
}

export interface HttpProbeRequest {
  url: URL;
  headers: Record<string, string>;
  timeoutMs: number;
}

function once(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const h: Record<string, string> = { 'User-Agent': probeUserAgent, Accept: '*/*', ...headers };
    const req = mod.request(url, { method: 'GET', headers: h, rejectUnauthorized: false, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < maxBody) body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: body.slice(0, maxBody) }));
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'K8TS_TIMEOUT' })), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end();
  });
}

export async function httpProbe({ url, headers, timeoutMs }: HttpProbeRequest): Promise<ProbeOutcome> {
  let current = url;
  const originalHost = url.hostname;
  for (let i = 0; ; i++) {
    let res;
    try {
      res = await once(current, headers, timeoutMs);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'K8TS_TIMEOUT' ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : dialError(current.hostname, Number(current.port) || (current.protocol === 'https:' ? 443 : 80), e);
      return { result: 'failure', output: `Get "${current.href}": ${why}` };
    }
    if (res.status >= 300 && res.status < 400 && res.location) {
      const next = new URL(res.location, current);
      if (next.hostname !== originalHost) return { result: 'warning', output: `Probe terminated redirects, Response body: ${res.body}` };
      if (i + 1 >= maxRedirects) return { result: 'failure', output: `Get "${next.href}": stopped after 10 redirects` };
      current = next;
      continue;
    }
    if (res.status >= 300 && res.status < 400) return { result: 'warning', output: `Probe terminated redirects, Response body: ${res.body}` };
    if (res.status >= 200 && res.status < 300) return { result: 'success', output: res.body };
    return { result: 'failure', output: `HTTP probe failed with statuscode: ${res.status}` };
  }
}
