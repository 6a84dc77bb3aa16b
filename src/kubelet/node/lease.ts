// The node Lease heartbeat (upstream's nodelease controller): kube-node-lease/<node>, held by
// the node, owned by its Node object, renewed every quarter of nodeLeaseDurationSeconds
// (10 s by default); failures retry with a back-off from 200 ms to 7 s.
import { microTime } from '../../apimachinery/time.js';
import type { RestClient, ResourceRef } from '../../client/rest.js';
import { isNotFound } from '../../client/rest.js';
import type { Logger } from '../../util/klog.js';

const leaseRef = (name?: string): ResourceRef => ({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-node-lease', name });

interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; ownerReferences?: unknown[] };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
}

export class NodeLeaseController {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private latest?: Lease;
  private backoffMs = 200;
  /** renewals done (metrics/tests) */
  renewals = 0;

  constructor(
    private readonly client: RestClient,
    private readonly nodeName: string,
    private readonly durationSeconds: number,
    /** the Node's UID once registered (owner reference) */
    private readonly nodeUID: () => string | undefined,
    private readonly log: Logger,
  ) {}

  get renewIntervalMs(): number {
    return (this.durationSeconds * 1000) / 4;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    try {
      await this.renew();
      this.backoffMs = 200;
      this.schedule(this.renewIntervalMs);
    } catch (err) {
      this.log.error('Failed to update lease', { err: (err as Error).message });
      this.latest = undefined;
      this.schedule(this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 7000);
    }
  }

  private desired(base?: Lease): Lease {
    const uid = this.nodeUID();
    const lease: Lease = base ? structuredClone(base) : { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.nodeName, namespace: 'kube-node-lease' }, spec: {} };
    lease.spec.holderIdentity = this.nodeName;
    lease.spec.leaseDurationSeconds = this.durationSeconds;
    lease.spec.renewTime = microTime();
    if (uid && !(lease.metadata.ownerReferences ?? []).length) lease.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid }];
    return lease;
  }

  /** One renewal: update the last seen lease, or get/create it when there is none. */
  async renew(): Promise<void> {
    if (!this.latest) {
      try {
        this.latest = await this.client.get<Lease>(leaseRef(this.nodeName));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.latest = await this.client.create<Lease>(leaseRef(), this.desired());
        this.renewals++;
        return;
      }
    }
    this.latest = await this.client.update<Lease>(leaseRef(this.nodeName), this.desired(this.latest));
    this.renewals++;
  }
}
