// Authorization benchmarks: RBAC decisions over the default policy plus 1,000 ClusterRoles and
// 1,000 bindings (500 ClusterRoleBindings, 500 RoleBindings over 50 namespaces) — index build
// after a change, decision latency (allowed, denied, non-resource) and throughput. In memory;
// ~2-3 s.

import type { KObject } from '../src/apiserver/registry/types.js';
import type { Attributes, ObjectSource } from '../src/apiserver/authz/types.js';
import { RBACAuthorizer } from '../src/apiserver/authz/rbac.js';
import { bootstrapPolicy, RBAC_GROUP } from '../src/apiserver/authz/bootstrappolicy.js';
import { aggregateClusterRoles } from '../src/apiserver/authz/aggregation.js';

export interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

class Source implements ObjectSource {
  private data = new Map<string, Map<string, KObject>>();
  private versions = new Map<string, number>();
  put(group: string, plural: string, o: KObject): void {
    const k = `${group}/${plural}`;
    let m = this.data.get(k);
    if (!m) this.data.set(k, (m = new Map()));
    m.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
    this.versions.set(k, (this.versions.get(k) ?? 0) + 1);
  }
  list(group: string, plural: string, namespace?: string): KObject[] {
    const all = [...(this.data.get(`${group}/${plural}`)?.values() ?? [])];
    return namespace ? all.filter((o) => o.metadata.namespace === namespace) : all;
  }
  get(group: string, plural: string, namespace: string, name: string): KObject | undefined {
    return this.data.get(`${group}/${plural}`)?.get(`${namespace}/${name}`);
  }
  version(group: string, plural: string): number {
    return this.versions.get(`${group}/${plural}`) ?? 0;
  }
  onChange(): void {}
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function median(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 0.5);
}

const ROLES = 1000;
const CRBS = 500;
const RBS = 500;
const NAMESPACES = 50;
const USERS = 2000;
const GROUPS = 100;

function populate(src: Source): void {
  const p = bootstrapPolicy();
  const agg = aggregateClusterRoles(p.clusterRoles);
  for (const cr of p.clusterRoles) src.put(RBAC_GROUP, 'clusterroles', agg.get(cr.metadata.name) ?? cr);
  for (const b of p.clusterRoleBindings) src.put(RBAC_GROUP, 'clusterrolebindings', b);
  for (const [, list] of Object.entries(p.roles)) for (const r of list) src.put(RBAC_GROUP, 'roles', r);
  for (const [, list] of Object.entries(p.roleBindings)) for (const b of list) src.put(RBAC_GROUP, 'rolebindings', b);
  for (let i = 0; i < ROLES; i++) {
    src.put(RBAC_GROUP, 'clusterroles', {
      kind: 'ClusterRole',
      metadata: { name: `bench-role-${i}` },
      rules: [
        { verbs: ['get', 'list', 'watch'], apiGroups: [`g${i % 40}.example.com`], resources: [`things${i}`, `things${i}/status`] },
        { verbs: ['create', 'update', 'patch', 'delete'], apiGroups: [`g${i % 40}.example.com`], resources: [`things${i}`] },
        { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: [`cm-${i}`] },
        { verbs: ['get', 'list'], apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'] },
        { verbs: ['get'], nonResourceURLs: [`/custom/${i}/*`] },
      ],
    });
  }
  for (let i = 0; i < CRBS; i++) {
    src.put(RBAC_GROUP, 'clusterrolebindings', {
      kind: 'ClusterRoleBinding',
      metadata: { name: `bench-crb-${i}` },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: `bench-role-${i}` },
      subjects: [
        { kind: 'User', apiGroup: RBAC_GROUP, name: `user-${i}` },
        { kind: 'Group', apiGroup: RBAC_GROUP, name: `group-${i % GROUPS}` },
        { kind: 'ServiceAccount', name: `sa-${i}`, namespace: `ns-${i % NAMESPACES}` },
      ],
    });
  }
  for (let i = 0; i < RBS; i++) {
    src.put(RBAC_GROUP, 'rolebindings', {
      kind: 'RoleBinding',
      metadata: { name: `bench-rb-${i}`, namespace: `ns-${i % NAMESPACES}` },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: `bench-role-${ROLES - 1 - i}` },
      subjects: [
        { kind: 'User', apiGroup: RBAC_GROUP, name: `user-${(i * 7) % USERS}` },
        { kind: 'Group', apiGroup: RBAC_GROUP, name: `group-${(i * 3) % GROUPS}` },
      ],
    });
  }
}

function requests(n: number): Attributes[] {
  const out: Attributes[] = [];
  for (let i = 0; i < n; i++) {
    const u = i % USERS;
    const user = { username: `user-${u}`, groups: [`group-${u % GROUPS}`, `group-${(u * 13) % GROUPS}`, 'system:authenticated'] };
    const role = u % ROLES;
    const kind = i % 4;
    if (kind === 0) {
      // allowed through the user's ClusterRoleBinding (users < CRBS) or a group binding
      out.push({ user, verb: 'get', isResourceRequest: true, path: '', namespace: `ns-${i % NAMESPACES}`, apiGroup: `g${role % 40}.example.com`, apiVersion: 'v1', resource: `things${role}`, subresource: 'status', name: 'x' });
    } else if (kind === 1) {
      // usually denied: a resource nobody is granted
      out.push({ user, verb: 'delete', isResourceRequest: true, path: '', namespace: `ns-${i % NAMESPACES}`, apiGroup: '', apiVersion: 'v1', resource: 'secrets', subresource: '', name: `s-${i}` });
    } else if (kind === 2) {
      out.push({ user, verb: 'list', isResourceRequest: true, path: '', namespace: `ns-${i % NAMESPACES}`, apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', subresource: '', name: '' });
    } else {
      out.push({ user, verb: 'get', isResourceRequest: false, path: i % 8 === 3 ? '/healthz' : `/custom/${role}/x`, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' });
    }
  }
  return out;
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const src = new Source();
  populate(src);
  const rbac = new RBACAuthorizer(src);
  const reqs = requests(20_000);

  // Warm-up (JIT, per-user policies).
  for (let r = 0; r < 3; r++) for (const a of reqs) rbac.authorize(a);

  // Index rebuild: the first decision after a change pays for it (and for compiling that
  // user's policy; other users' policies are recompiled on their next request).
  const builds: number[] = [];
  for (let r = 0; r < 15; r++) {
    src.put(RBAC_GROUP, 'clusterroles', { kind: 'ClusterRole', metadata: { name: `bench-churn` }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] });
    const t0 = performance.now();
    rbac.authorize(reqs[r]);
    builds.push(performance.now() - t0);
    for (const a of reqs) rbac.authorize(a);
  }
  rows.push({ name: `rbac index rebuild (${ROLES} roles, ${CRBS + RBS} bindings)`, value: median(builds), unit: 'ms', target: '<= 20' });

  // Per-decision latency.
  let allowed = 0;
  const lat: number[] = [];
  for (const a of reqs) {
    const s = process.hrtime.bigint();
    const d = rbac.authorize(a);
    lat.push(Number(process.hrtime.bigint() - s) / 1000);
    if (d.decision === 'Allow') allowed++;
  }
  lat.sort((a, b) => a - b);
  rows.push({ name: 'rbac decision latency p50', value: percentile(lat, 0.5), unit: 'µs', target: '<= 5' });
  rows.push({ name: 'rbac decision latency p99', value: percentile(lat, 0.99), unit: 'µs', target: '<= 50' });
  rows.push({ name: 'rbac decisions allowed (share of the mix)', value: (allowed / reqs.length) * 100, unit: '%' });

  // Throughput over the mixed workload.
  const rounds = 5;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const a of reqs) rbac.authorize(a);
  const ms = performance.now() - t0;
  rows.push({ name: 'rbac decisions (mixed, warm)', value: ((rounds * reqs.length) / ms) * 1000, unit: 'ops/s', target: '>= 200000' });

  // Cold users: every decision is for a (user, groups) pair not seen before.
  const cold: Attributes[] = reqs.slice(0, 5000).map((a, i) => ({ ...a, user: { username: `cold-${i}`, groups: [`group-${i % GROUPS}`, 'system:authenticated'] } }));
  const t1 = performance.now();
  for (const a of cold) rbac.authorize(a);
  rows.push({ name: 'rbac decision, first request of a user', value: ((performance.now() - t1) / cold.length) * 1000, unit: 'µs' });
  return rows;
}

