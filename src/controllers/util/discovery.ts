// Discovery for controllers that act on every resource (garbage collector, namespace deleter,
// quota monitor): the server's preferred version of each group (client-go's
// ServerPreferredResources), with per-group failures reported apart so one broken group does
// not hide the others, and a small REST mapper from apiVersion/kind to the resource.

import type { RestClient } from '../../client/index.js';

export interface DiscoveredResource {
  group: string;
  version: string;
  /** plural resource name (no subresources) */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

export interface DiscoveryResult {
  resources: DiscoveredResource[];
  /** groupVersion → error, for groups whose resource list could not be read */
  failed: Map<string, Error>;
}

interface APIResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
  group?: string;
  version?: string;
}

interface APIGroup {
  name: string;
  versions: { groupVersion: string; version: string }[];
  preferredVersion?: { groupVersion: string; version: string };
}

/** Every resource (not subresource) of the preferred version of every group. */
export async function discoverResources(client: RestClient, signal?: AbortSignal): Promise<DiscoveryResult> {
  const gvs: { group: string; version: string; path: string }[] = [];
  const core = await client.request<{ versions?: string[] }>({ method: 'GET', path: '/api', signal });
  for (const v of core.versions ?? []) gvs.push({ group: '', version: v, path: `/api/${v}` });
  const groups = await client.request<{ groups?: APIGroup[] }>({ method: 'GET', path: '/apis', signal });
  for (const g of groups.groups ?? []) {
    const pv = g.preferredVersion ?? g.versions[0];
    if (pv) gvs.push({ group: g.name, version: pv.version, path: `/apis/${g.name}/${pv.version}` });
  }
  const failed = new Map<string, Error>();
  const lists = await Promise.all(
    gvs.map(async (gv) => {
      try {
        return { gv, list: await client.request<{ resources?: APIResource[] }>({ method: 'GET', path: gv.path, signal }) };
      } catch (err) {
        failed.set(gv.group ? `${gv.group}/${gv.version}` : gv.version, err as Error);
        return undefined;
      }
    }),
  );
  const resources: DiscoveredResource[] = [];
  for (const l of lists) {
    if (!l) continue;
    for (const r of l.list.resources ?? []) {
      if (r.name.includes('/')) continue;
      resources.push({ group: r.group ?? l.gv.group, version: r.version ?? l.gv.version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [] });
    }
  }
  return { resources, failed };
}

/** Resources having every verb in `verbs` (discovery.SupportsAllVerbs). */
export function withVerbs(resources: DiscoveredResource[], ...verbs: string[]): DiscoveredResource[] {
  return resources.filter((r) => verbs.every((v) => r.verbs.includes(v)));
}

export function groupResource(r: { group: string; resource: string }): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

/** apiVersion ("v1", "apps/v1") → group and version. */
export function parseAPIVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/**
 * apiVersion/kind → resource (meta.RESTMapper), from discovery. A kind served only in another
 * version of its group maps to the served version.
 */
export class RESTMapper {
  private byGVK = new Map<string, DiscoveredResource>();
  private byGK = new Map<string, DiscoveredResource>();
  private byGR = new Map<string, DiscoveredResource>();

  constructor(resources: DiscoveredResource[] = []) {
    this.reset(resources);
  }

  reset(resources: DiscoveredResource[]): void {
    this.byGVK.clear();
    this.byGK.clear();
    this.byGR.clear();
    for (const r of resources) {
      this.byGR.set(`${r.group}/${r.resource}`, r);
      this.byGVK.set(`${r.group}/${r.version}/${r.kind}`, r);
      if (!this.byGK.has(`${r.group}/${r.kind}`)) this.byGK.set(`${r.group}/${r.kind}`, r);
    }
  }

  /** undefined when the kind is not served */
  mapping(apiVersion: string, kind: string): DiscoveredResource | undefined {
    const { group, version } = parseAPIVersion(apiVersion);
    const exact = this.byGVK.get(`${group}/${version}/${kind}`);
    if (exact) return exact;
    // served in another version only: objects are read through the served one
    return this.byGK.get(`${group}/${kind}`);
  }

  /** group/resource → the served (preferred) version's resource */
  forResource(group: string, resource: string): DiscoveredResource | undefined {
    return this.byGR.get(`${group}/${resource}`);
  }
}
