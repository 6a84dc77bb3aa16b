// The csrcleaner controller (upstream's certificates/cleaner): every hour, CSRs that are done
// with are deleted — issued ones an hour after approval, denied or failed ones an
// hour after that condition, pending ones after 24 hours, and any whose certificate expired.

import { X509Certificate } from 'node:crypto';
import type { Informer, RestClient } from '../../client/index.js';
import { isNotFound } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import { every } from '../util/queueworkers.js';
import { CSR_GVR } from './controller.js';
import type { CSR } from './csr.js';

const log = logger('cleaner.go');

const POLLING_INTERVAL_MS = 3600_000;
const APPROVED_EXPIRATION_MS = 3600_000;
const DENIED_EXPIRATION_MS = 3600_000;
const PENDING_EXPIRATION_MS = 24 * 3600_000;

/** Go's time.Duration String for whole hours/minutes (1h0m0s, 24h0m0s). */
function goDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m${s % 60}s`;
}

function olderThan(t: string | undefined, ms: number, now: number): boolean {
  return !!t && Date.parse(t) + ms < now;
}

/** Why the CSR should be deleted at `now`: the log line and its key/value pairs, or undefined. */
export function cleanReason(csr: CSR, now: number): [string, Record<string, string>] | undefined {
  const conds = csr.status?.conditions ?? [];
  const issued = !!csr.status?.certificate;
  if (conds.some((c) => c.type === 'Approved' && issued && olderThan(c.lastUpdateTime, APPROVED_EXPIRATION_MS, now))) {
    return ['Cleaning CSR as it is more than approvedExpiration duration old and approved.', { approvedExpiration: goDuration(APPROVED_EXPIRATION_MS) }];
  }
  if (conds.some((c) => c.type === 'Denied' && olderThan(c.lastUpdateTime, DENIED_EXPIRATION_MS, now))) {
    return ['Cleaning CSR as it is more than deniedExpiration duration old and denied.', { deniedExpiration: goDuration(DENIED_EXPIRATION_MS) }];
  }
  if (conds.some((c) => c.type === 'Failed' && olderThan(c.lastUpdateTime, DENIED_EXPIRATION_MS, now))) {
    return ['Cleaning CSR as it is more than deniedExpiration duration old and failed.', { deniedExpiration: goDuration(DENIED_EXPIRATION_MS) }];
  }
  if (!conds.length && olderThan(csr.metadata?.creationTimestamp, PENDING_EXPIRATION_MS, now)) {
    return ['Cleaning CSR as it is more than pendingExpiration duration old and unhandled.', { pendingExpiration: goDuration(PENDING_EXPIRATION_MS) }];
  }
  if (issued && conds.some((c) => c.type === 'Approved')) {
    try {
      const cert = new X509Certificate(Buffer.from(csr.status!.certificate!, 'base64'));
      if (Date.parse(cert.validTo) < now) return ['Cleaning CSR as the associated certificate is expired.', {}];
    } catch {
      // an unparseable certificate is left alone
    }
  }
  return undefined;
}

export class CSRCleaner implements ControllerInstance {
  private csrs: Informer<CSR>;
  private ctl = new AbortController();

  constructor(private readonly client: RestClient, ctx: ControllerContext) {
    this.csrs = ctx.informers.forResource<CSR>(CSR_GVR);
  }

  run(): void {
    log.info('Starting CSR cleaner controller');
    every(POLLING_INTERVAL_MS, this.ctl.signal, () => this.worker(), log);
  }

  async stop(): Promise<void> {
    this.ctl.abort();
  }

  private async worker(): Promise<void> {
    const now = Date.now();
    for (const csr of this.csrs.indexer.list()) {
      const reason = cleanReason(csr, now);
      if (!reason) continue;
      log.info(reason[0], { csr: csr.metadata?.name, ...reason[1] });
      try {
        await this.client.delete({ ...CSR_GVR, name: csr.metadata!.name! });
      } catch (err) {
        if (!isNotFound(err)) log.error('Error while attempting to clean CSR', { csr: csr.metadata?.name, err: `unable to delete CSR "${csr.metadata?.name}": ${(err as Error).message}` });
      }
    }
  }
}
