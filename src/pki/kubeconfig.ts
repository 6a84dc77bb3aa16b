// Kubeconfig files: the types (the v1 Config shape client-go/kubectl use), building one for
// a cluster + user, writing it as kubectl writes it (YAML with sorted keys, mode 0600), and
// reading/parsing one — relative certificate-authority / client-certificate / client-key /
// tokenFile paths are resolved against the kubeconfig's directory, and the credentials a
// client needs (server, CA, client cert/key or token) are resolved from files or *-data.

import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { writeFileAtomic } from './files.js';

export interface KubeconfigCluster {
  server: string;
  'certificate-authority'?: string;
  /** base64 of the CA PEM */
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  extensions?: unknown[];
}

export interface KubeconfigUser {
  'client-certificate'?: string;
  /** base64 of the client certificate PEM */
  'client-certificate-data'?: string;
  'client-key'?: string;
  /** base64 of the client key PEM */
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  as?: string;
  'as-uid'?: string;
  'as-groups'?: string[];
  username?: string;
  password?: string;
  exec?: Record<string, unknown>;
  'auth-provider'?: Record<string, unknown>;
  extensions?: unknown[];
}

export interface KubeconfigContext {
  cluster: string;
  user: string;
  namespace?: string;
  extensions?: unknown[];
}

export interface NamedCluster {
  name: string;
  cluster: KubeconfigCluster;
}
export interface NamedUser {
  name: string;
  user: KubeconfigUser;
}
export interface NamedContext {
  name: string;
  context: KubeconfigContext;
}

export interface Kubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: NamedCluster[];
  users: NamedUser[];
  contexts: NamedContext[];
  'current-context': string;
  preferences: Record<string, unknown>;
  extensions?: unknown[];
}

export interface BuildKubeconfigOptions {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  /** Default 'kubernetes' (as kubeadm). */
  clusterName?: string;
  /** Default 'kubernetes-admin'. */
  userName?: string;
  /** Default `${userName}@${clusterName}` (as kubeadm). */
  contextName?: string;
  namespace?: string;
  /** Embedded as certificate-authority-data. */
  caCertPem?: string;
  /** Embedded as client-certificate-data / client-key-data. */
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Bearer token (instead of, or besides, a client certificate). */
  token?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** One cluster, one user, one context (current), credentials embedded as *-data. */
export function buildKubeconfig(o: BuildKubeconfigOptions): Kubeconfig {
  const clusterName = o.clusterName ?? 'kubernetes';
  const userName = o.userName ?? 'kubernetes-admin';
  const contextName = o.contextName ?? `${userName}@${clusterName}`;
  const cluster: KubeconfigCluster = { server: o.server };
  if (o.caCertPem) cluster['certificate-authority-data'] = b64(o.caCertPem);
  if (o.insecureSkipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
  if (o.tlsServerName) cluster['tls-server-name'] = o.tlsServerName;
  const user: KubeconfigUser = {};
  if (o.clientCertPem) user['client-certificate-data'] = b64(o.clientCertPem);
  if (o.clientKeyPem) user['client-key-data'] = b64(o.clientKeyPem);
  if (o.token) user.token = o.token;
  const context: KubeconfigContext = { cluster: clusterName, user: userName };
  if (o.namespace) context.namespace = o.namespace;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster }],
    users: [{ name: userName, user }],
    contexts: [{ name: contextName, context }],
    'current-context': contextName,
    preferences: {},
  };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/**
 * YAML as kubectl writes a kubeconfig (sigs.k8s.io/yaml): keys sorted, two-space indent,
 * sequences not indented under their key, no line folding, `preferences: {}`.
 */
export function serializeKubeconfig(cfg: Kubeconfig): string {
  const doc = sortKeys({ ...cfg, preferences: cfg.preferences ?? {} });
  return stringifyYaml(doc, { indent: 2, indentSeq: false, lineWidth: 0, minContentWidth: 0 });
}

/** Write the kubeconfig (mode 0600: it may hold a private key or token). */
export async function writeKubeconfig(path: string, cfg: Kubeconfig): Promise<void> {
  await writeFileAtomic(path, serializeKubeconfig(cfg), 0o600);
}

function asArray<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

function resolveRel(p: string | undefined, baseDir: string | undefined): string | undefined {
  if (!p || !baseDir || isAbsolute(p)) return p;
  return resolvePath(baseDir, p);
}

/**
 * Parse kubeconfig text (YAML or JSON). When baseDir is given, relative file references
 * (certificate-authority, client-certificate, client-key, tokenFile) become absolute paths
 * against it (client-go resolves them against the kubeconfig file's directory).
 */
export function parseKubeconfig(text: string, baseDir?: string): Kubeconfig {
  const raw = (parseYaml(text) ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('kubeconfig: not a mapping');
  const clusters = asArray<Record<string, any>>(raw.clusters).map((c) => {
    const cluster: KubeconfigCluster = { ...(c?.cluster ?? {}) };
    cluster.server = String(cluster.server ?? '');
    const ca = resolveRel(cluster['certificate-authority'], baseDir);
    if (ca) cluster['certificate-authority'] = ca;
    return { name: String(c?.name ?? ''), cluster };
  });
  const users = asArray<Record<string, any>>(raw.users).map((u) => {
    const user: KubeconfigUser = { ...(u?.user ?? {}) };
    for (const k of ['client-certificate', 'client-key', 'tokenFile'] as const) {
      const p = resolveRel(user[k], baseDir);
      if (p) user[k] = p;
    }
    return { name: String(u?.name ?? ''), user };
  });
  const contexts = asArray<Record<string, any>>(raw.contexts).map((c) => ({
    name: String(c?.name ?? ''),
    context: { ...(c?.context ?? {}), cluster: String(c?.context?.cluster ?? ''), user: String(c?.context?.user ?? '') } as KubeconfigContext,
  }));
  const cfg: Kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters,
    users,
    contexts,
    'current-context': typeof raw['current-context'] === 'string' ? raw['current-context'] : '',
    preferences: (raw.preferences as Record<string, unknown>) ?? {},
  };
  if (Array.isArray(raw.extensions)) cfg.extensions = raw.extensions;
  return cfg;
}

/** Read and parse a kubeconfig file, resolving relative paths against its directory. */
export async function readKubeconfig(path: string): Promise<Kubeconfig> {
  const abs = resolvePath(path);
  return parseKubeconfig(await readFile(abs, 'utf8'), dirname(abs));
}

/** What a client needs to connect, with file references and *-data resolved to bytes. */
export interface ResolvedKubeconfig {
  contextName: string;
  clusterName: string;
  userName: string;
  namespace?: string;
  server: string;
  /** CA bundle PEM (from certificate-authority-data or the certificate-authority file). */
  caCertPem?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  username?: string;
  password?: string;
}

async function dataOrFile(data: string | undefined, file: string | undefined): Promise<string | undefined> {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (file) return readFile(file, 'utf8');
  return undefined;
}

/**
 * Resolve the credentials of a context (default: current-context). As client-go, *-data
 * wins over the file reference, and a token wins over tokenFile. Paths must already be
 * absolute (readKubeconfig does that) or relative to the process's working directory.
 */
export async function resolveKubeconfig(cfg: Kubeconfig, contextName?: string): Promise<ResolvedKubeconfig> {
  const name = contextName ?? cfg['current-context'];
  if (!name) throw new Error('kubeconfig: no context selected (current-context is not set)');
  const ctx = cfg.contexts.find((c) => c.name === name);
  if (!ctx) throw new Error(`kubeconfig: context "${name}" does not exist`);
  const cluster = cfg.clusters.find((c) => c.name === ctx.context.cluster);
  if (!cluster) throw new Error(`kubeconfig: cluster "${ctx.context.cluster}" of context "${name}" does not exist`);
  const user = cfg.users.find((u) => u.name === ctx.context.user)?.user ?? {};
  const c = cluster.cluster;
  const out: ResolvedKubeconfig = {
    contextName: name,
    clusterName: cluster.name,
    userName: ctx.context.user,
    server: c.server,
  };
  if (ctx.context.namespace) out.namespace = ctx.context.namespace;
  const [ca, cert, key] = await Promise.all([
    dataOrFile(c['certificate-authority-data'], c['certificate-authority']),
    dataOrFile(user['client-certificate-data'], user['client-certificate']),
    dataOrFile(user['client-key-data'], user['client-key']),
  ]);
  if (ca) out.caCertPem = ca;
  if (cert) out.clientCertPem = cert;
  if (key) out.clientKeyPem = key;
  if (c['insecure-skip-tls-verify']) out.insecureSkipTLSVerify = true;
  if (c['tls-server-name']) out.tlsServerName = c['tls-server-name'];
  if (user.token) out.token = user.token;
  else if (user.tokenFile) out.token = (await readFile(user.tokenFile, 'utf8')).trim();
  if (user.username) out.username = user.username;
  if (user.password) out.password = user.password;
  return out;
}
