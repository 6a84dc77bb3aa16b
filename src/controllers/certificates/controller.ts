// The queue-driven CSR controller the csrsigning signers and csrapproving share (upstream's
// certificates/certificate_controller.go): every CSR add/update is queued by name and handed,
// freshly read from the informer cache, to the controller's handler.

import type { Informer } from '../../client/index.js';
import { newRateLimitingQueue } from '../../client/index.js';
import type { Logger } from '../../util/klog.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import type { CSR } from './csr.js';

export const CSR_GVR = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };

export class CertificateController implements ControllerInstance {
  private queue = newRateLimitingQueue<string>('certificate');
  private workers?: QueueWorkers;
  readonly csrs: Informer<CSR>;

  constructor(
    readonly name: string,
    ctx: ControllerContext,
    private readonly handler: (csr: CSR) => Promise<void>,
    private readonly log: Logger,
    private readonly concurrency = 5,
  ) {
    this.csrs = ctx.informers.forResource<CSR>(CSR_GVR);
    this.csrs.addEventHandler({
      onAdd: (c) => this.queue.add(c.metadata!.name!),
      onUpdate: (_o, c) => this.queue.add(c.metadata!.name!),
    });
  }

  run(): void {
    this.log.info('Starting certificate controller', { name: this.name });
    this.workers = runQueueWorkers(this.queue, this.concurrency, (k) => this.sync(k), this.log, 'certificate request');
  }

  async stop(): Promise<void> {
    this.log.info('Shutting down certificate controller', { name: this.name });
    await this.workers?.stop();
  }

  private async sync(name: string): Promise<void> {
    const start = performance.now();
    const csr = this.csrs.indexer.getByKey(name);
    if (!csr) {
      this.log.v(3).info('csr has been deleted', { csr: name });
      return;
    }
    try {
      await this.handler(structuredClone(csr));
    } finally {
      this.log.v(4).info('Finished syncing CSR', { csr: name, elapsedTime: `${((performance.now() - start) / 1000).toFixed(6)}s` });
    }
  }
}
