// Kubernetes' CEL URL library: url(), isURL() and the URL accessors. url() accepts what Go's
// url.ParseRequestURI accepts: an absolute URL or an absolute path.
import type { Environment } from '@marcbachmann/cel-js';

export class CelURL {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly hostname: string,
    readonly port: string,
    readonly escapedPath: string,
    readonly rawQuery: string,
  ) {}

  toString(): string {
    return `${this.scheme ? `${this.scheme}://` : ''}${this.host}${this.escapedPath}${this.rawQuery ? `?${this.rawQuery}` : ''}`;
  }
}

export function parseURL(s: string): CelURL | undefined {
  if (s.startsWith('/')) {
    const q = s.indexOf('?');
    return new CelURL('', '', '', '', q < 0 ? s : s.slice(0, q), q < 0 ? '' : s.slice(q + 1));
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(s);
  if (!m || /\s/.test(s)) return undefined;
  let host = m[2]!;
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  let hostname = host;
  let port = '';
  const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(host);
  if (v6) {
    hostname = v6[1]!;
    port = v6[2] ?? '';
  } else if (host.includes(':')) {
    const i = host.lastIndexOf(':');
    hostname = host.slice(0, i);
    port = host.slice(i + 1);
    if (!/^\d*$/.test(port)) return undefined;
  }
  return new CelURL(m[1]!, host, hostname, port, m[3]!, m[4] ?? '');
}

function query(u: CelURL): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!u.rawQuery) return out;
  for (const part of u.rawQuery.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const k = decodeURIComponent((i < 0 ? part : part.slice(0, i)).replace(/\+/g, ' '));
    const v = i < 0 ? '' : decodeURIComponent(part.slice(i + 1).replace(/\+/g, ' '));
    (out[k] ??= []).push(v);
  }
  return out;
}

export function registerURL(env: Environment): void {
  env.registerType('URL', CelURL);
  env.registerFunction('url(string): URL', (s: string) => {
    const u = parseURL(s);
    if (!u) throw new Error(`URL parse error during conversion from string: parse "${s}": invalid URI for request`);
    return u;
  });
  env.registerFunction('isURL(string): bool', (s: string) => parseURL(s) !== undefined);
  env.registerFunction('URL.getScheme(): string', (u: CelURL) => u.scheme);
  env.registerFunction('URL.getHost(): string', (u: CelURL) => u.host);
  env.registerFunction('URL.getHostname(): string', (u: CelURL) => u.hostname);
  env.registerFunction('URL.getPort(): string', (u: CelURL) => u.port);
  env.registerFunction('URL.getEscapedPath(): string', (u: CelURL) => u.escapedPath);
  env.registerFunction('URL.getQuery(): map', (u: CelURL) => query(u));
}
