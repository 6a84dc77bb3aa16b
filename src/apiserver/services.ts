// Service address allocation, as kube-apiserver's service REST does it: a ClusterIP from
// --service-cluster-ip-range and NodePorts from --service-node-port-range on create; values
// kept across updates that omit them; type changes allocate or release; delete releases.
// startServiceRepair runs the ranges' repair loops (allocator/repair.ts) on this server.

import { StatusError, fieldErr, invalid } from '../apimachinery/errors.js';
import type { FieldError } from '../apimachinery/errors.js';
import type { KObject } from './registry/types.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { microTime } from '../apimachinery/time.js';
import type { ApiContext, ResourceHooks } from './endpoints/context.js';
import { resourcePrefix } from './endpoints/context.js';
import { createObject } from './endpoints/write.js';
import { scopeFor } from './bootstrap.js';
import { ServiceRangeRepair } from './allocator/repair.js';
import type { ServiceIPAllocator } from './allocator/ipallocator.js';
import type { NodePortAllocator } from './allocator/portallocator.js';
import { AllocationError } from './allocator/rangeallocator.js';

function needsClusterIP(svc: KObject): boolean {
  return (svc.spec?.type ?? 'ClusterIP') !== 'ExternalName' && svc.spec?.clusterIP !== 'None';
}

function needsNodePorts(svc: KObject): boolean {
  const t = svc.spec?.type;
  if (t === 'NodePort') return true;
  if (t === 'LoadBalancer') return svc.spec?.allocateLoadBalancerNodePorts !== false;
  return false;
}

function fail(svc: KObject, errs: FieldError[]): never {
  throw invalid('Service', '', svc.metadata?.name ?? '', errs);
}

export function serviceHooks(ips: ServiceIPAllocator, ports: NodePortAllocator): ResourceHooks {
  /** Allocate what svc needs; returns a function undoing exactly those allocations. */
  async function allocate(svc: KObject, old: KObject | undefined): Promise<() => Promise<void>> {
    const done: (() => Promise<void>)[] = [];
    const undo = async () => {
      for (const d of done.reverse()) await d().catch(() => {});
    };
    try {
      const spec = (svc.spec ??= {});
      if (needsClusterIP(svc)) {
        const oldIP = old && needsClusterIP(old) ? old.spec?.clusterIP : undefined;
        if (oldIP && (!spec.clusterIP || spec.clusterIP === oldIP)) {
          spec.clusterIP = oldIP;
        } else if (spec.clusterIP) {
          const ip = spec.clusterIP;
          try {
            await ips.allocate(ip);
          } catch (e) {
            if (e instanceof AllocationError) fail(svc, [{ ...fieldErr.invalid('spec.clusterIPs', [ip], `failed to allocate IP ${ip}: ${e.message}`), valueText: `[]string{${JSON.stringify(ip)}}` }]);
            throw e;
          }
          done.push(() => ips.release(ip));
        } else {
          let ip: string;
          try {
            ip = await ips.allocateNext();
          } catch (e) {
            if (e instanceof AllocationError) {
              throw new StatusError(422, 'Invalid', `Service "${svc.metadata?.name ?? ''}" is invalid: spec.clusterIPs: Internal error: failed to allocate a serviceIP: ${e.message}`, {
                name: svc.metadata?.name, kind: 'Service', causes: [{ reason: 'InternalError', message: `failed to allocate a serviceIP: ${e.message}`, field: 'spec.clusterIPs' }],
              });
            }
            throw e;
          }
          spec.clusterIP = ip;
          done.push(() => ips.release(ip));
        }
        spec.clusterIPs = [spec.clusterIP];
        spec.ipFamilies ??= [ips.family];
        spec.ipFamilyPolicy ??= 'SingleStack';
      } else if (spec.clusterIP === 'None') {
        spec.clusterIPs = ['None'];
        spec.ipFamilies ??= [ips.family];
        spec.ipFamilyPolicy ??= 'SingleStack';
      }
      if (needsNodePorts(svc)) {
        const oldPorts = new Map<string, number>();
        if (old && needsNodePorts(old)) {
          for (const p of old.spec?.ports ?? []) if (p.nodePort) oldPorts.set(`${p.protocol ?? 'TCP'}/${p.port}`, p.nodePort);
        }
        const usedOld = new Set<number>();
        const errs: FieldError[] = [];
        const list: KObject[] = spec.ports ?? [];
        for (let i = 0; i < list.length; i++) {
          const p = list[i];
          const prev = oldPorts.get(`${p.protocol ?? 'TCP'}/${p.port}`);
          if (!p.nodePort && prev) p.nodePort = prev;
          if (p.nodePort) {
            if ([...oldPorts.values()].includes(p.nodePort)) {
              usedOld.add(p.nodePort);
              continue;
            }
            try {
              await ports.allocate(p.nodePort);
              const np = p.nodePort;
              done.push(() => ports.release(np));
            } catch (e) {
              if (e instanceof AllocationError) errs.push(fieldErr.invalid(`spec.ports[${i}].nodePort`, p.nodePort, e.message));
              else throw e;
            }
          } else {
            try {
              const np = await ports.allocateNext();
              p.nodePort = np;
              done.push(() => ports.release(np));
            } catch (e) {
              if (e instanceof AllocationError) errs.push(fieldErr.invalid(`spec.ports[${i}].nodePort`, 0, `failed to allocate a nodePort: ${e.message}`));
              else throw e;
            }
          }
        }
        if (errs.length) fail(svc, errs);
      } else if (old && needsNodePorts(old)) {
        // type changed away from NodePort: drop the ports the user did not touch
        for (const p of spec.ports ?? []) {
          const was = (old.spec?.ports ?? []).find((o: KObject) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
          if (was && p.nodePort === was.nodePort) delete p.nodePort;
        }
      }
    } catch (e) {
      await undo();
      throw e;
    }
    return undo;
  }

  async function releaseAll(svc: KObject, keep?: KObject): Promise<void> {
    const ip = svc.spec?.clusterIP;
    if (ip && ip !== 'None' && needsClusterIP(svc) && (!keep || keep.spec?.clusterIP !== ip || !needsClusterIP(keep))) {
      await ips.release(ip).catch(() => {});
    }
    const keepPorts = new Set<number>(keep && needsNodePorts(keep) ? (keep.spec?.ports ?? []).map((p: KObject) => p.nodePort).filter(Boolean) : []);
    for (const p of svc.spec?.ports ?? []) {
      if (p.nodePort && !keepPorts.has(p.nodePort)) await ports.release(p.nodePort).catch(() => {});
    }
  }

  const undoByObject = new WeakMap<KObject, () => Promise<void>>();
  return {
    async beforeCreate(obj) {
      undoByObject.set(obj, await allocate(obj, undefined));
    },
    async createFailed(obj) {
      await undoByObject.get(obj)?.();
    },
    async beforeUpdate(obj, old) {
      undoByObject.set(obj, await allocate(obj, old));
    },
    async updateFailed(obj) {
      await undoByObject.get(obj)?.();
    },
    async afterUpdate(obj, old) {
      await releaseAll(old, obj);
    },
    async afterDelete(obj) {
      await releaseAll(obj);
    },
  };
}

/**
 * The ClusterIP and NodePort repair loops over this server's store (allocator/repair.ts):
 * Services are read from storage, and problems are reported as events.k8s.io/v1 Warning
 * events on the Service, as upstream's repair controllers record them.
 */
export function startServiceRepair(ctx: ApiContext, ips: ServiceIPAllocator, ports: NodePortAllocator): ServiceRangeRepair {
  const instance = hostname();
  return new ServiceRangeRepair({
    ips,
    ports,
    async listServices() {
      const def = ctx.registry.lookup('', 'v1', 'services');
      if (!def) return [];
      return (await ctx.store.list(resourcePrefix(ctx, def))).items.map((kv) => ctx.codec.decode(kv));
    },
    async warn(ev) {
      const svc = ev.service;
      const namespace = String(svc.metadata?.namespace ?? 'default');
      const name = `${svc.metadata?.name ?? 'service'}.${randomBytes(8).toString('hex')}`;
      const now = microTime();
      await createObject(ctx, scopeFor(ctx, 'events.k8s.io', 'v1', 'events', namespace, name), {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace },
        eventTime: now,
        reportingController: ev.controller,
        reportingInstance: `${ev.controller}-${instance}`,
        action: ev.action,
        reason: ev.reason,
        regarding: { kind: 'Service', namespace, name: svc.metadata?.name, uid: svc.metadata?.uid, apiVersion: 'v1', resourceVersion: svc.metadata?.resourceVersion },
        note: ev.note,
        type: 'Warning',
      });
    },
  });
}
