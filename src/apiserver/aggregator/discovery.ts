// Discovery of aggregated APIs, merged into this server's: the groups of the APIServices
// that have a service (and are not served locally) listed in /apis ordered by
// groupPriorityMinimum, their versions by versionPriority; /apis/<group> answered here as
// upstream's aggregator does; and aggregated discovery (v2, v2beta1) entries built from each
// extension server's /apis/<group>/<version> document, which the availability check fetches
// (so it is refreshed every resync and on every APIService change). A version whose last
// check failed is served as freshness "Stale".

import type { KObject } from '../registry/types.js';
import { compareVersions } from '../registry/index.js';

interface RemoteVersion {
  group: string;
  version: string;
  groupPriority: number;
  versionPriority: number;
  /** APIResourceList resources as the extension server listed them */
  resources?: KObject[];
  fresh: boolean;
}

export class RemoteDiscovery {
  private versions = new Map<string, RemoteVersion>();
  private listeners = new Set<() => void>();

  constructor(private readonly isLocalGroup: (group: string) => boolean) {}

  onChange(fn: () => void): void {
    this.listeners.add(fn);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** Follow an APIService (created, changed or deleted: obj undefined). */
  setAPIService(name: string, obj: KObject | undefined): void {
    const prev = this.versions.get(name);
    if (!obj || !obj.spec?.service) {
      if (prev) {
        this.versions.delete(name);
        this.changed();
      }
      return;
    }
    const next: RemoteVersion = {
      group: String(obj.spec.group ?? ''),
      version: String(obj.spec.version ?? ''),
      groupPriority: Number(obj.spec.groupPriorityMinimum ?? 0),
      versionPriority: Number(obj.spec.versionPriority ?? 0),
      resources: prev?.resources,
      fresh: prev?.fresh ?? false,
    };
    if (!prev || prev.group !== next.group || prev.version !== next.version || prev.groupPriority !== next.groupPriority || prev.versionPriority !== next.versionPriority) {
      this.versions.set(name, next);
      this.changed();
    }
  }

  /** The result of a discovery check: the APIResourceList body when it passed. */
  setDocument(name: string, body: string | undefined): void {
    const v = this.versions.get(name);
    if (!v) return;
    if (body === undefined) {
      if (v.fresh) {
        v.fresh = false;
        this.changed();
      }
      return;
    }
    let resources: KObject[] | undefined;
    try {
      const doc = JSON.parse(body);
      resources = Array.isArray(doc?.resources) ? doc.resources : undefined;
    } catch {
      resources = undefined;
    }
    if (!resources) return;
    if (v.fresh && JSON.stringify(v.resources) === JSON.stringify(resources)) return;
    v.resources = resources;
    v.fresh = true;
    this.changed();
  }

  /** Aggregated groups (not served locally), highest priority first, versions preferred first. */
  groups(): { name: string; versions: string[] }[] {
    const byGroup = new Map<string, RemoteVersion[]>();
    for (const v of this.versions.values()) {
      if (this.isLocalGroup(v.group)) continue;
      const list = byGroup.get(v.group) ?? [];
      list.push(v);
      byGroup.set(v.group, list);
    }
    const prio = (vs: RemoteVersion[]) => Math.max(...vs.map((v) => v.groupPriority));
    return [...byGroup.entries()]
      .sort((a, b) => prio(b[1]) - prio(a[1]) || (a[0] < b[0] ? -1 : 1))
      .map(([name, vs]) => ({ name, versions: vs.sort((a, b) => b.versionPriority - a.versionPriority || compareVersions(a.version, b.version)).map((v) => v.version) }));
  }

  /** APIGroupDiscovery items (apidiscovery.k8s.io) of the aggregated groups whose documents are known. */
  aggregatedItems(): KObject[] {
    const items: KObject[] = [];
    for (const g of this.groups()) {
      const versions: KObject[] = [];
      for (const version of g.versions) {
        const v = [...this.versions.values()].find((x) => x.group === g.name && x.version === version);
        if (!v?.resources) continue;
        versions.push({ version, resources: toDiscoveryResources(g.name, version, v.resources), freshness: v.fresh ? 'Current' : 'Stale' });
      }
      if (versions.length) items.push({ metadata: { name: g.name, creationTimestamp: null }, versions });
    }
    return items;
  }
}

/** APIResourceList resources → aggregated discovery APIResourceDiscovery (subresources folded in). */
export function toDiscoveryResources(group: string, version: string, list: KObject[]): KObject[] {
  const out = new Map<string, KObject>();
  for (const r of list) {
    const name = String(r.name ?? '');
    if (!name || name.includes('/')) continue;
    const d: KObject = {
      resource: name,
      responseKind: { group: r.group ?? group, version: r.version ?? version, kind: r.kind ?? '' },
      scope: r.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: r.singularName || String(r.kind ?? '').toLowerCase(),
      verbs: r.verbs ?? [],
    };
    if (r.shortNames?.length) d.shortNames = r.shortNames;
    if (r.categories?.length) d.categories = r.categories;
    out.set(name, d);
  }
  for (const r of list) {
    const [parent, sub] = String(r.name ?? '').split('/', 2);
    const p = sub ? out.get(parent) : undefined;
    if (!p) continue;
    (p.subresources ??= []).push({ subresource: sub, responseKind: { group: r.group ?? group, version: r.version ?? version, kind: r.kind ?? '' }, verbs: r.verbs ?? [] });
  }
  return [...out.values()];
}
