// Autoregistration, as upstream's autoregister and CRD registration controllers: a Local
// APIService (no service) for every group/version this server serves — built-ins with
// upstream's priorities and the label kube-aggregator.kubernetes.io/automanaged=onstart,
// group/versions that appear later (CRDs) with priority 1000/100 and automanaged=true.
// Synced whenever the registry changes; automanaged APIServices whose group/version is no
// longer served are deleted; APIServices without the label (made by users) are left alone.

import type { Registry } from '../registry/index.js';
import type { KObject } from '../registry/types.js';
import { logger } from '../../util/klog.js';
import { APIREGISTRATION_GROUP } from './apiservice.js';
import type { ClusterObjects } from './objects.js';

const log = logger('autoregister_controller.go');

export const AUTOMANAGED_LABEL = 'kube-aggregator.kubernetes.io/automanaged';

/** Upstream's group and version priorities of the built-in group/versions. */
const PRIORITIES: Record<string, [number, number]> = {
  'v1': [18000, 1],
  'apiregistration.k8s.io/v1': [18000, 15],
  'apps/v1': [17800, 15],
  'events.k8s.io/v1': [17750, 15],
  'authentication.k8s.io/v1': [17700, 15],
  'authorization.k8s.io/v1': [17600, 15],
  'autoscaling/v2': [17500, 30],
  'autoscaling/v1': [17500, 15],
  'batch/v1': [17400, 15],
  'certificates.k8s.io/v1': [17300, 15],
  'networking.k8s.io/v1': [17200, 15],
  'policy/v1': [17100, 15],
  'rbac.authorization.k8s.io/v1': [17000, 15],
  'storage.k8s.io/v1': [16800, 15],
  'apiextensions.k8s.io/v1': [16700, 15],
  'admissionregistration.k8s.io/v1': [16700, 15],
  'scheduling.k8s.io/v1': [16600, 15],
  'coordination.k8s.io/v1': [16500, 15],
  'node.k8s.io/v1': [16300, 15],
  'discovery.k8s.io/v1': [16200, 15],
  'flowcontrol.apiserver.k8s.io/v1': [16100, 21],
};

/** CRDs "should have relatively low priority" (upstream's crdregistration controller). */
const CRD_PRIORITY: [number, number] = [1000, 100];

export function apiServiceName(group: string, version: string): string {
  return `${version}.${group}`;
}

/** The Local APIService of a served group/version. */
export function localAPIService(group: string, version: string, automanaged: 'onstart' | 'true'): KObject {
  const [gpm, vp] = PRIORITIES[group ? `${group}/${version}` : version] ?? CRD_PRIORITY;
  return {
    apiVersion: `${APIREGISTRATION_GROUP}/v1`,
    kind: 'APIService',
    metadata: { name: apiServiceName(group, version), labels: { [AUTOMANAGED_LABEL]: automanaged } },
    spec: { group, version, groupPriorityMinimum: gpm, versionPriority: vp },
  };
}

function servedGroupVersions(registry: Registry): [string, string][] {
  const out: [string, string][] = [];
  if (registry.hasGroupVersion('', 'v1')) out.push(['', 'v1']);
  for (const g of registry.groups()) for (const v of g.versions) out.push([g.name, v]);
  return out;
}

export class AutoRegistration {
  private onstart = new Set<string>();
  private running = false;
  private again = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly registry: Registry, private readonly objects: ClusterObjects) {}

  /** Register the group/versions served now (onstart), then follow the registry. */
  async start(): Promise<void> {
    for (const [g, v] of servedGroupVersions(this.registry)) this.onstart.add(apiServiceName(g, v));
    await this.sync();
    this.registry.onChange(() => this.queue());
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private queue(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, 20);
    this.timer.unref();
  }

  async sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.syncOnce();
      } while (this.again);
    } catch (err) {
      log.warning('APIService autoregistration failed', { err: String(err) });
    } finally {
      this.running = false;
    }
  }

  private async syncOnce(): Promise<void> {
    const want = new Map<string, KObject>();
    for (const [g, v] of servedGroupVersions(this.registry)) {
      const name = apiServiceName(g, v);
      want.set(name, localAPIService(g, v, this.onstart.has(name) ? 'onstart' : 'true'));
    }
    for (const [name, desired] of want) {
      const cur = this.objects.get(APIREGISTRATION_GROUP, 'apiservices', '', name);
      if (!cur) {
        await this.objects.create(APIREGISTRATION_GROUP, 'v1', 'apiservices', desired).catch((err) => {
          if (err?.code !== 409) throw err;
        });
        log.v(2).info('registered APIService', { name });
        continue;
      }
      if (!cur.metadata?.labels?.[AUTOMANAGED_LABEL]) continue; // someone else's
      const same = JSON.stringify(cur.spec) === JSON.stringify(desired.spec) && cur.metadata.labels[AUTOMANAGED_LABEL] === desired.metadata.labels[AUTOMANAGED_LABEL];
      if (same) continue;
      await this.objects.update(APIREGISTRATION_GROUP, 'v1', 'apiservices', '', name, (o) => {
        o.spec = structuredClone(desired.spec);
        o.metadata.labels = { ...(o.metadata.labels ?? {}), [AUTOMANAGED_LABEL]: desired.metadata.labels[AUTOMANAGED_LABEL] };
        return true;
      });
    }
    for (const cur of this.objects.list(APIREGISTRATION_GROUP, 'apiservices')) {
      const name = cur.metadata?.name;
      if (!cur.metadata?.labels?.[AUTOMANAGED_LABEL] || want.has(name) || cur.spec?.service) continue;
      await this.objects.delete(APIREGISTRATION_GROUP, 'v1', 'apiservices', '', name);
      log.v(2).info('removed APIService of a group/version no longer served', { name });
    }
  }
}
