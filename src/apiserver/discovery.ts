// API discovery as upstream serves it: /api (APIVersions), /apis (APIGroupList), /apis/<g>
// (APIGroup), /api/v1 and /apis/<g>/<v> (APIResourceList), and aggregated discovery
// (apidiscovery.k8s.io/v2 and v2beta1 APIGroupDiscoveryList) for /api and /apis when the
// client asks for it. Documents are rebuilt only when the registry changes.

import { createHash } from 'node:crypto';
import type { Registry } from './registry/index.js';
import { DEFAULT_VERBS } from './registry/index.js';
import type { ResourceDef } from './registry/types.js';

interface SubresourceInfo {
  name: string;
  verbs: string[];
  kind?: { group: string; version: string; kind: string };
}

/** Built-in subresources beyond status/scale, as upstream serves them. */
const EXTRA_SUBRESOURCES: Record<string, SubresourceInfo[]> = {
  '/pods': [
    { name: 'attach', verbs: ['create', 'get'], kind: { group: '', version: 'v1', kind: 'PodAttachOptions' } },
    { name: 'binding', verbs: ['create'], kind: { group: '', version: 'v1', kind: 'Binding' } },
    { name: 'ephemeralcontainers', verbs: ['get', 'patch', 'update'] },
    { name: 'eviction', verbs: ['create'], kind: { group: 'policy', version: 'v1', kind: 'Eviction' } },
    { name: 'exec', verbs: ['create', 'get'], kind: { group: '', version: 'v1', kind: 'PodExecOptions' } },
    { name: 'log', verbs: ['get'] },
    { name: 'portforward', verbs: ['create', 'get'], kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' } },
    { name: 'proxy', verbs: ['create', 'delete', 'get', 'patch', 'update'], kind: { group: '', version: 'v1', kind: 'PodProxyOptions' } },
    { name: 'resize', verbs: ['get', 'patch', 'update'] },
  ],
  '/nodes': [{ name: 'proxy', verbs: ['create', 'delete', 'get', 'patch', 'update'], kind: { group: '', version: 'v1', kind: 'NodeProxyOptions' } }],
  '/services': [{ name: 'proxy', verbs: ['create', 'delete', 'get', 'patch', 'update'], kind: { group: '', version: 'v1', kind: 'ServiceProxyOptions' } }],
  '/namespaces': [{ name: 'finalize', verbs: ['update'] }],
  '/serviceaccounts': [{ name: 'token', verbs: ['create'], kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' } }],
  'certificates.k8s.io/certificatesigningrequests': [{ name: 'approval', verbs: ['get', 'patch', 'update'] }],
};

export function subresourcesOf(def: ResourceDef): SubresourceInfo[] {
  const out: SubresourceInfo[] = [];
  if (def.subresources?.status) out.push({ name: 'status', verbs: ['get', 'patch', 'update'] });
  if (def.subresources?.scale) out.push({ name: 'scale', verbs: ['get', 'patch', 'update'], kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' } });
  out.push(...(EXTRA_SUBRESOURCES[`${def.group}/${def.plural}`] ?? []));
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

function verbsOf(def: ResourceDef): string[] {
  return [...(def.verbs ?? DEFAULT_VERBS)].sort();
}

function storageVersionHash(def: ResourceDef): string {
  return createHash('sha256').update(`${def.group}/${def.version}/${def.kind}`).digest('base64').slice(0, 12);
}

function gvString(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Groups served by other servers (aggregated APIs), listed after the registry's. */
export interface DiscoveryExtension {
  groups(): { name: string; versions: string[] }[];
  /** apidiscovery.k8s.io APIGroupDiscovery items */
  aggregatedItems(): unknown[];
  onChange(fn: () => void): void;
}

export class Discovery {
  private cache = new Map<string, string>();
  private ext?: DiscoveryExtension;

  constructor(private readonly registry: Registry) {
    registry.onChange(() => this.cache.clear());
  }

  extend(ext: DiscoveryExtension): void {
    this.ext = ext;
    ext.onChange(() => this.cache.clear());
    this.cache.clear();
  }

  private memo(key: string, build: () => unknown): string {
    let v = this.cache.get(key);
    if (v === undefined) {
      v = JSON.stringify(build());
      this.cache.set(key, v);
    }
    return v;
  }

  apiVersions(serverAddress: string): string {
    return this.memo(`api:${serverAddress}`, () => ({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    }));
  }

  private groupEntry(g: { name: string; versions: string[] }) {
    const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
    return { name: g.name, versions, preferredVersion: versions[0] };
  }

  apiGroupList(): string {
    return this.memo('apis', () => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: [...this.registry.groups(), ...(this.ext?.groups() ?? [])].map((g) => this.groupEntry(g)) }));
  }

  /** undefined when the group is unknown */
  apiGroup(name: string): string | undefined {
    const g = this.registry.groups().find((x) => x.name === name) ?? this.ext?.groups().find((x) => x.name === name);
    if (!g) return undefined;
    return this.memo(`group:${name}`, () => ({ kind: 'APIGroup', apiVersion: 'v1', ...this.groupEntry(g) }));
  }

  /** undefined when the group/version is unknown */
  apiResourceList(group: string, version: string): string | undefined {
    const gv = this.registry.groupVersion(group, version);
    if (!gv) return undefined;
    return this.memo(`rl:${group}/${version}`, () => {
      const resources: Record<string, unknown>[] = [];
      for (const def of gv.resources) {
        const r: Record<string, unknown> = {
          name: def.plural,
          singularName: def.singular,
          namespaced: def.namespaced,
          kind: def.kind,
          verbs: verbsOf(def),
        };
        if (def.shortNames?.length) r.shortNames = def.shortNames;
        if (def.categories?.length) r.categories = def.categories;
        r.storageVersionHash = storageVersionHash(def);
        resources.push(r);
        for (const s of subresourcesOf(def)) {
          const sr: Record<string, unknown> = { name: `${def.plural}/${s.name}`, singularName: '', namespaced: def.namespaced, kind: s.kind?.kind ?? def.kind, verbs: s.verbs };
          if (s.kind && (s.kind.group !== group || s.kind.version !== version)) {
            sr.group = s.kind.group;
            sr.version = s.kind.version;
          }
          resources.push(sr);
        }
      }
      return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gvString(group, version), resources };
    });
  }

  private resourceDiscovery(def: ResourceDef) {
    const r: Record<string, unknown> = {
      resource: def.plural,
      responseKind: { group: def.group, version: def.version, kind: def.kind },
      scope: def.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: def.singular,
      verbs: verbsOf(def),
    };
    if (def.shortNames?.length) r.shortNames = def.shortNames;
    if (def.categories?.length) r.categories = def.categories;
    const subs = subresourcesOf(def);
    if (subs.length) {
      r.subresources = subs.map((s) => ({
        subresource: s.name,
        responseKind: s.kind ?? { group: def.group, version: def.version, kind: def.kind },
        verbs: s.verbs,
      }));
    }
    return r;
  }

  /** Aggregated discovery for /api (core=true) or /apis. */
  aggregated(core: boolean, apiVersion: 'v2' | 'v2beta1'): string {
    return this.memo(`agg:${core}:${apiVersion}`, () => {
      const groups = core ? [{ name: '', versions: ['v1'] }] : this.registry.groups();
      const items = groups
        .map((g) => ({
          metadata: core ? { creationTimestamp: null } : { name: g.name, creationTimestamp: null },
          versions: g.versions
            .map((v) => this.registry.groupVersion(g.name, v))
            .filter((gv) => gv !== undefined)
            .map((gv) => ({ version: gv!.version, resources: gv!.resources.map((d) => this.resourceDiscovery(d)), freshness: 'Current' })),
        }))
        .filter((g) => g.versions.length);
      if (!core && this.ext) items.push(...(this.ext.aggregatedItems() as typeof items));
      return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${apiVersion}`, metadata: {}, items };
    });
  }
}
