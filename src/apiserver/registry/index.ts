// The resource registry: every served resource (built-ins, and CRDs as they are established) indexed by
// group/version/plural and by kind, plus the group/version ordering discovery needs.

import type { ResourceDef } from './types.js';

export interface GroupVersionInfo {
  group: string;
  version: string;
  resources: ResourceDef[];
}

/** Upstream's preference order of built-in groups in discovery (/apis). */
const GROUP_ORDER = [
  '', 'apiregistration.k8s.io', 'apps', 'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io',
  'autoscaling', 'batch', 'certificates.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io',
  'storage.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'scheduling.k8s.io',
  'coordination.k8s.io', 'node.k8s.io', 'discovery.k8s.io', 'flowcontrol.apiserver.k8s.io',
];

export const DEFAULT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export class Registry {
  private byPath = new Map<string, ResourceDef>();
  private byKind = new Map<string, ResourceDef>();
  private gvs = new Map<string, GroupVersionInfo>();
  private listeners = new Set<() => void>();

  constructor(defs: ResourceDef[] = []) {
    for (const d of defs) this.add(d);
  }

  add(def: ResourceDef): void {
    this.byPath.set(`${def.group}/${def.version}/${def.plural}`, def);
    this.byKind.set(`${def.group}/${def.version}/${def.kind}`, def);
    const gvKey = `${def.group}/${def.version}`;
    let gv = this.gvs.get(gvKey);
    if (!gv) {
      gv = { group: def.group, version: def.version, resources: [] };
      this.gvs.set(gvKey, gv);
    }
    gv.resources = gv.resources.filter((r) => r.plural !== def.plural);
    gv.resources.push(def);
    gv.resources.sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0));
    for (const l of this.listeners) l();
  }

  remove(group: string, version: string, plural: string): void {
    const def = this.byPath.get(`${group}/${version}/${plural}`);
    if (!def) return;
    this.byPath.delete(`${group}/${version}/${plural}`);
    this.byKind.delete(`${group}/${version}/${def.kind}`);
    const gv = this.gvs.get(`${group}/${version}`);
    if (gv) {
      gv.resources = gv.resources.filter((r) => r.plural !== plural);
      if (!gv.resources.length) this.gvs.delete(`${group}/${version}`);
    }
    for (const l of this.listeners) l();
  }

  /** Called whenever the set of resources changes (discovery caches drop their copy). */
  onChange(fn: () => void): void {
    this.listeners.add(fn);
  }

  lookup(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  lookupKind(group: string, version: string, kind: string): ResourceDef | undefined {
    return this.byKind.get(`${group}/${version}/${kind}`);
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.gvs.has(`${group}/${version}`);
  }

  all(): ResourceDef[] {
    return [...this.byPath.values()];
  }

  /** Groups (without the core group) in discovery order, each with its versions, preferred first. */
  groups(): { name: string; versions: string[] }[] {
    const byGroup = new Map<string, string[]>();
    for (const gv of this.gvs.values()) {
      if (gv.group === '') continue;
      const list = byGroup.get(gv.group) ?? [];
      list.push(gv.version);
      byGroup.set(gv.group, list);
    }
    const rank = (g: string) => {
      const i = GROUP_ORDER.indexOf(g);
      return i < 0 ? GROUP_ORDER.length : i;
    };
    return [...byGroup.entries()]
      .sort((a, b) => rank(a[0]) - rank(b[0]) || (a[0] < b[0] ? -1 : 1))
      .map(([name, versions]) => ({ name, versions: versions.sort(compareVersions) }));
  }

  groupVersion(group: string, version: string): GroupVersionInfo | undefined {
    return this.gvs.get(`${group}/${version}`);
  }
}

/**
 * Kubernetes version priority: GA (v2 > v1) before beta before alpha, as upstream's
 * version sort ("v1" > "v1beta2" > "v1beta1" > "v1alpha1"). Returns a negative number when
 * a is preferred.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { kind: 3, major: 0, minor: 0, raw: v };
    return { kind: m[2] === 'alpha' ? 2 : m[2] === 'beta' ? 1 : 0, major: Number(m[1]), minor: Number(m[3] ?? 0), raw: v };
  };
  const x = parse(a);
  const y = parse(b);
  if (x.kind !== y.kind) return x.kind - y.kind;
  if (x.kind === 3) return x.raw < y.raw ? -1 : x.raw > y.raw ? 1 : 0;
  if (x.major !== y.major) return y.major - x.major;
  return y.minor - x.minor;
}
