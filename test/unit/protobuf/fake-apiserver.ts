// Test helper: a minimal HTTPS API server for the real kubectl to talk to. It answers aggregated
// discovery for a handful of resources, 404s OpenAPI, records every request body, and answers
// writes through a caller-provided handler. Also writes a kubeconfig and runs kubectl.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, issueCert } from '../../../src/pki/certs.js';

export const KUBECTL = '/usr/bin/kubectl';
export const hasKubectl = existsSync(KUBECTL);

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface WriteReply {
  status: number;
  contentType: string;
  body: Buffer | string;
}

type Res = [resource: string, group: string, kind: string, scope: 'Namespaced' | 'Cluster', singular: string];

const SUBRESOURCES: Record<string, Array<[name: string, group: string, kind: string]>> = {
  pods: [['eviction', 'policy', 'Eviction'], ['status', '', 'Pod']],
  serviceaccounts: [['token', 'authentication.k8s.io', 'TokenRequest']],
  deployments: [['scale', 'autoscaling', 'Scale'], ['status', 'apps', 'Deployment']],
};

const CORE: Res[] = [
  ['namespaces', '', 'Namespace', 'Cluster', 'namespace'],
  ['configmaps', '', 'ConfigMap', 'Namespaced', 'configmap'],
  ['secrets', '', 'Secret', 'Namespaced', 'secret'],
  ['services', '', 'Service', 'Namespaced', 'service'],
  ['serviceaccounts', '', 'ServiceAccount', 'Namespaced', 'serviceaccount'],
  ['pods', '', 'Pod', 'Namespaced', 'pod'],
  ['resourcequotas', '', 'ResourceQuota', 'Namespaced', 'resourcequota'],
  ['nodes', '', 'Node', 'Cluster', 'node'],
];
const GROUPS: Record<string, Res[]> = {
  apps: [['deployments', 'apps', 'Deployment', 'Namespaced', 'deployment']],
  batch: [['jobs', 'batch', 'Job', 'Namespaced', 'job'], ['cronjobs', 'batch', 'CronJob', 'Namespaced', 'cronjob']],
  'rbac.authorization.k8s.io': [
    ['roles', 'rbac.authorization.k8s.io', 'Role', 'Namespaced', 'role'],
    ['rolebindings', 'rbac.authorization.k8s.io', 'RoleBinding', 'Namespaced', 'rolebinding'],
    ['clusterroles', 'rbac.authorization.k8s.io', 'ClusterRole', 'Cluster', 'clusterrole'],
  ],
  'policy': [['poddisruptionbudgets', 'policy', 'PodDisruptionBudget', 'Namespaced', 'poddisruptionbudget']],
  'networking.k8s.io': [['ingresses', 'networking.k8s.io', 'Ingress', 'Namespaced', 'ingress']],
  'scheduling.k8s.io': [['priorityclasses', 'scheduling.k8s.io', 'PriorityClass', 'Cluster', 'priorityclass']],
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function groupDiscovery(name: string | undefined, resources: Res[]) {
  return {
    metadata: name ? { name, creationTimestamp: null } : { creationTimestamp: null },
    versions: [{
      version: 'v1',
      resources: resources.map(([resource, group, kind, scope, singular]) => ({
        resource, responseKind: { group, version: 'v1', kind }, scope, singularResource: singular, verbs: VERBS,
        ...(SUBRESOURCES[resource] ? {
          subresources: SUBRESOURCES[resource].map(([subresource, g, k]) => ({ subresource, responseKind: { group: g, version: 'v1', kind: k }, verbs: ['create', 'get', 'patch', 'update'] })),
        } : {}),
      })),
      freshness: 'Current',
    }],
  };
}

/** Legacy discovery of /api/v1 (drain looks for pods/eviction there). */
function legacyResourceList() {
  const resources: Array<Record<string, unknown>> = [];
  for (const [name, , kind, scope, singular] of CORE) {
    resources.push({ name, singularName: singular, namespaced: scope === 'Namespaced', kind, verbs: VERBS });
    for (const [sub, group, k] of SUBRESOURCES[name] ?? []) {
      resources.push({ name: `${name}/${sub}`, singularName: '', namespaced: scope === 'Namespaced', group, version: 'v1', kind: k, verbs: ['create'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'v1', resources };
}

const DISCOVERY_CT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  onWrite: (req: RecordedRequest) => WriteReply = () => ({ status: 500, contentType: 'text/plain', body: 'no handler' });
  /** Consulted first for every request; undefined falls through to the defaults. */
  onRequest: (req: RecordedRequest) => WriteReply | undefined = () => undefined;
  private server?: Server;
  private dir = '';
  url = '';
  kubeconfig = '';

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'k8ts-pb-'));
    const ca = await createCA({ commonName: 'fake-ca', keyAlgorithm: 'ecdsa' });
    const cert = await issueCert(ca, { commonName: 'localhost', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], usages: ['server'], keyAlgorithm: 'ecdsa' });
    this.server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    this.url = `https://127.0.0.1:${addr.port}`;
    this.kubeconfig = join(this.dir, 'kubeconfig');
    writeFileSync(this.kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'fake',
      clusters: [{ name: 'fake', cluster: { server: this.url, 'certificate-authority-data': Buffer.from(ca.certPem).toString('base64') } }],
      users: [{ name: 'fake', user: { token: 'fake-token' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: 'default' } }],
    }));
  }

  async stop(): Promise<void> {
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      this.requests.push(rec);
      const path = rec.url.split('?')[0];
      const send = (status: number, contentType: string, body: Buffer | string) => {
        res.writeHead(status, { 'Content-Type': contentType });
        res.end(body);
      };
      const custom = this.onRequest(rec);
      if (custom) {
        send(custom.status, custom.contentType, custom.body);
      } else if (rec.method === 'GET' && path === '/api') {
        send(200, DISCOVERY_CT, JSON.stringify({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items: [groupDiscovery(undefined, CORE)] }));
      } else if (rec.method === 'GET' && path === '/apis') {
        send(200, DISCOVERY_CT, JSON.stringify({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items: Object.entries(GROUPS).map(([g, rs]) => groupDiscovery(g, rs)) }));
      } else if (rec.method === 'GET' && path === '/api/v1') {
        send(200, 'application/json', JSON.stringify(legacyResourceList()));
      } else if (rec.method === 'POST' || rec.method === 'PUT' || rec.method === 'PATCH') {
        const reply = this.onWrite(rec);
        send(reply.status, reply.contentType, reply.body);
      } else {
        send(404, 'application/json', JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 }));
      }
    });
  }

  /** Runs kubectl against this server (async: the server lives in this process). */
  kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(KUBECTL, [`--kubeconfig=${this.kubeconfig}`, `--cache-dir=${join(this.dir, 'cache')}`, ...args], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.dir },
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }
}
