// The endpoint reconciler of the `kubernetes` Service (upstream's pkg/controlplane/reconcilers,
// chosen by --endpoint-reconciler-type): every 10 s each API server re-creates the Service if it
// was deleted, then makes the default/kubernetes Endpoints and EndpointSlice list the API servers
// that run.
//  - lease (default): each server refreshes its master lease (leases.ts, TTL 15 s) and writes
//    the IPs of every live lease, sorted, on its own port; on a clean shutdown it removes its
//    lease and reconciles once more, so it drops out at once; a killed server drops out when its
//    lease expires. It never erases the last address (upstream refuses to, too).
//  - master-count (deprecated upstream): each server adds its own IP and trims the list to
//    --apiserver-count, removing the addresses after its own.
//  - none: the Endpoints are left to someone else.
// Writes go through the ordinary create/update path (validation included), as upstream's
// reconciler writes through a loopback client.

import { logger } from '../../util/klog.js';
import { scopeFor } from '../bootstrap.js';
import type { ApiContext } from '../endpoints/context.js';
import { updateObject } from '../endpoints/write.js';
import type { KObject } from '../registry/types.js';
import { MasterLeases } from './leases.js';
import type { EndpointReconcilerType } from './types.js';

const log = logger('controller.go');


/** upstream's DefaultEndpointReconcilerInterval and DefaultEndpointReconcilerTTL */
export const RECONCILE_INTERVAL_MS = 10_000;
export const MASTER_LEASE_TTL_SECONDS = 15;
/** How long a shutdown waits to take this server out of the Endpoints. */
const STOP_TIMEOUT_MS = 5_000;

const SERVICE = 'kubernetes';
const NAMESPACE = 'default';

interface Port {
  name: string;
  port: number;
  protocol: string;
}

export interface EndpointReconcilerOptions {
  type: EndpointReconcilerType;
  /** This server's address in the Endpoints (undefined: none to publish, the Service only). */
  ip: string | undefined;
  /** Creates the kubernetes Service when it is missing (run before the Endpoints each time). */
  ensureService?: () => Promise<void>;
  port: number;
  /** --apiserver-count, for master-count. */
  masterCount?: number;
}

export interface EndpointReconciler {
  /** Stops the loop; with removeSelf (clean shutdown) takes this server out of the Endpoints. */
  stop(removeSelf: boolean): Promise<void>;
}

/**
 * Reconciles once (awaited, so the Endpoints exist when the server reports ready), then every
 * RECONCILE_INTERVAL_MS until stopped.
 */
export async function startEndpointReconciler(ctx: ApiContext, o: EndpointReconcilerOptions): Promise<EndpointReconciler> {
  const ports: Port[] = [{ name: 'https', port: o.port, protocol: 'TCP' }];
  const leases = new MasterLeases(ctx, MASTER_LEASE_TTL_SECONDS);
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const ip = o.type === 'none' ? undefined : o.ip;
  const reconcile = async (): Promise<void> => {
    await o.ensureService?.();
    if (!ip) return;
    if (o.type === 'lease') {
      await leases.update(ip);
      await writeEndpoints(ctx, await leases.list(), ports);
    } else {
      await reconcileMasterCount(ctx, ip, o.masterCount ?? 1, ports);
    }
  };
  const tick = () => {
    running = reconcile()
      .catch((err) => log.error('unable to sync kubernetes service', { err: String(err?.message ?? err) }))
      .finally(() => {
        if (!stopped) {
          timer = setTimeout(tick, RECONCILE_INTERVAL_MS);
          timer.unref();
        }
      });
  };

  try {
    await reconcile();
  } catch (err) {
    log.error('unable to perform initial Kubernetes service initialization', { err: String((err as Error)?.message ?? err) });
  }
  timer = setTimeout(tick, RECONCILE_INTERVAL_MS);
  timer.unref();

  return {
    async stop(removeSelf: boolean) {
      stopped = true;
      if (timer) clearTimeout(timer);
      const removal = (async () => {
        await running;
        if (!removeSelf || !ip) return;
        try {
          if (o.type === 'lease') {
            await leases.remove(ip);
            await writeEndpoints(ctx, await leases.list(), ports);
          } else {
            await reconcileMasterCount(ctx, ip, 0, ports);
          }
          log.info('removed this API server from the kubernetes endpoints', { ip });
        } catch (err) {
          log.error('unable to remove endpoints from kubernetes service', { err: String((err as Error)?.message ?? err) });
        }
      })();
      // with storage unreachable, shutdown goes on: the lease then expires on its own
      let cap: NodeJS.Timeout | undefined;
      await Promise.race([removal, new Promise<void>((r) => (cap = setTimeout(r, STOP_TIMEOUT_MS)))]);
      clearTimeout(cap);
    },
  };
}

/** Makes the Endpoints (and their EndpointSlice) hold exactly ips on ports. */
async function writeEndpoints(ctx: ApiContext, ips: string[], ports: Port[]): Promise<void> {
  if (!ips.length) {
    throw new Error('no API server IP addresses were listed in storage, refusing to erase all endpoints for the kubernetes Service');
  }
  await updateEndpoints(ctx, () => ips, ports);
}

/**
 * master-count: always add this IP; with more than count addresses, remove those after it
 * (wrapping around). count 0 (shutdown) removes this IP, unless it is the only one.
 */
async function reconcileMasterCount(ctx: ApiContext, ip: string, count: number, ports: Port[]): Promise<void> {
  await updateEndpoints(ctx, (current) => {
    if (count === 0) {
      const rest = current.filter((a) => a !== ip);
      return rest.length ? rest : current;
    }
    const addrs = [...new Set([...current, ip])].sort();
    const mine = addrs.indexOf(ip);
    while (addrs.length > count) addrs.splice((mine + 1) % addrs.length, 1);
    return addrs;
  }, ports);
}

/** Read-modify-write of default/kubernetes Endpoints, then the EndpointSlice mirrored from it. */
async function updateEndpoints(ctx: ApiContext, want: (current: string[]) => string[], ports: Port[]): Promise<void> {
  let ips: string[] = [];
  await updateObject(ctx, scopeFor(ctx, '', 'v1', 'endpoints', NAMESPACE, SERVICE), (cur) => {
    const ep: KObject = cur ?? { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: SERVICE, namespace: NAMESPACE } };
    // the EndpointSliceMirroring controller must leave this one alone
    ep.metadata.labels = { ...(ep.metadata.labels ?? {}), 'endpointslice.kubernetes.io/skip-mirror': 'true' };
    const subsets: any[] = ep.subsets ?? [];
    const current = subsets.length === 1 ? (subsets[0].addresses ?? []).map((a: any) => a.ip as string) : [];
    ips = [...want(current)].sort();
    const next = [{ addresses: ips.map((ip) => ({ ip })), ports }];
    if (JSON.stringify(subsets) !== JSON.stringify(next)) ep.subsets = next;
    return ep;
  }, { mode: 'main', allowCreate: true, isPatch: true });
  if (!ips.length) return;
  const family = ips[0].includes(':') ? 'IPv6' : 'IPv4';
  const endpoints = ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } }));
  await updateObject(ctx, scopeFor(ctx, 'discovery.k8s.io', 'v1', 'endpointslices', NAMESPACE, SERVICE), (cur) => {
    const s: KObject = cur ?? { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: SERVICE, namespace: NAMESPACE } };
    s.metadata.labels = { ...(s.metadata.labels ?? {}), 'kubernetes.io/service-name': SERVICE };
    s.addressType = family;
    if (JSON.stringify(s.endpoints) !== JSON.stringify(endpoints)) s.endpoints = endpoints;
    if (JSON.stringify(s.ports) !== JSON.stringify(ports)) s.ports = ports;
    return s;
  }, { mode: 'main', allowCreate: true, isPatch: true });
}
