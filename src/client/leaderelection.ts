// Leader election on coordination.k8s.io/v1 Leases, as client-go's tools/leaderelection: a
// candidate tries to acquire the lease every retryPeriod (jittered ×1.2); the holder renews it
// every retryPeriod and gives up leadership when it could not renew within renewDeadline;
// others take over once they have watched an unchanged lease for leaseDuration (measured on
// their own clock from when they last saw it change, never by comparing renewTime with their
// clock). Writes are optimistic-concurrency updates (resourceVersion of the lease last read or
// written); the holder first tries its cached lease (fast path) before re-reading it.
// The lease fields are written as upstream writes them: holderIdentity, leaseDurationSeconds,
// acquireTime and renewTime (MicroTime, microsecond RFC 3339), leaseTransitions (+1 whenever
// the holder changes). With releaseOnCancel the leader clears holderIdentity (and sets
// leaseDurationSeconds to 1) when it stops, so a successor does not wait for expiry.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { logger } from '../util/klog.js';
import { isNotFound, sleep } from './rest.js';
import type { ObjectMeta, ResourceRef, RestClient } from './rest.js';
import { microTime } from '../apimachinery/time.js';

const log = logger('client/leaderelection');

/** wait.JitterUntil factor of the acquire loop (leaderelection.JitterFactor). */
export const JITTER_FACTOR = 1.2;

export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

/** resourcelock.LeaderElectionRecord (times as MicroTime strings, "" when unset). */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaderTransitions: number;
  strategy?: string;
  preferredHolder?: string;
}

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
  strategy?: string | null;
  preferredHolder?: string | null;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: LeaseSpec;
}


/** resourcelock.LeaseSpecToLeaderElectionRecord */
export function leaseSpecToRecord(spec: LeaseSpec | undefined): LeaderElectionRecord {
  const s = spec ?? {};
  const r: LeaderElectionRecord = {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: s.acquireTime ?? '',
    renewTime: s.renewTime ?? '',
    leaderTransitions: s.leaseTransitions ?? 0,
  };
  if (s.strategy) r.strategy = s.strategy;
  if (s.preferredHolder) r.preferredHolder = s.preferredHolder;
  return r;
}

/** resourcelock.LeaderElectionRecordToLeaseSpec (zero times serialize as null, as metav1.MicroTime). */
export function recordToLeaseSpec(r: LeaderElectionRecord): LeaseSpec {
  const spec: LeaseSpec = {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime || null,
    renewTime: r.renewTime || null,
    leaseTransitions: r.leaderTransitions,
  };
  if (r.strategy) spec.strategy = r.strategy;
  if (r.preferredHolder) spec.preferredHolder = r.preferredHolder;
  return spec;
}

/** The record as JSON with a fixed key order (compared to notice changes made by others). */
function rawRecord(r: LeaderElectionRecord): string {
  return JSON.stringify([r.holderIdentity, r.leaseDurationSeconds, r.acquireTime, r.renewTime, r.leaderTransitions, r.strategy ?? '', r.preferredHolder ?? '']);
}

/** resourcelock.Interface */
export interface ResourceLock {
  /** the current record and its raw form; rejects (NotFound ApiError) when the lock does not exist */
  get(signal?: AbortSignal): Promise<{ record: LeaderElectionRecord; raw: string }>;
  create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /** update the lock read or written last (optimistic concurrency) */
  update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  recordEvent(message: string): void;
  identity(): string;
  describe(): string;
}

export interface LeaseLockConfig {
  /** the candidate's identity (default: defaultIdentity()) */
  identity?: string;
  /** labels put on the Lease */
  labels?: Record<string, string>;
  /** receives the leader election events ("<identity> became leader", "... stopped leading") */
  eventRecorder?: (subject: Lease, eventType: 'Normal' | 'Warning', reason: string, message: string) => void;
}

/** `<hostname>_<uuid>`, as kube-controller-manager and kube-scheduler build their identity. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

/** resourcelock.LeaseLock */
export class LeaseLock implements ResourceLock {
  private lease?: Lease;
  private readonly id: string;

  constructor(
    readonly client: RestClient,
    readonly namespace: string,
    readonly name: string,
    readonly config: LeaseLockConfig = {},
  ) {
    this.id = config.identity ?? defaultIdentity();
  }

  private get ref(): ResourceRef {
    return { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: this.namespace, name: this.name };
  }

  async get(signal?: AbortSignal): Promise<{ record: LeaderElectionRecord; raw: string }> {
    const lease = await this.client.get<Lease>(this.ref, { signal });
    this.lease = lease;
    const record = leaseSpecToRecord(lease.spec);
    return { record, raw: rawRecord(record) };
  }

  async create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    const metadata: ObjectMeta = { name: this.name, namespace: this.namespace };
    if (this.config.labels) metadata.labels = { ...this.config.labels };
    this.lease = await this.client.create<Lease>(
      { ...this.ref, name: undefined },
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: recordToLeaseSpec(record) },
      { signal },
    );
  }

  async update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    if (!this.lease) throw new Error('lease not initialized, call get or create first');
    const lease: Lease = { ...this.lease, metadata: { ...this.lease.metadata }, spec: recordToLeaseSpec(record) };
    if (this.config.labels) lease.metadata!.labels = { ...lease.metadata!.labels, ...this.config.labels };
    this.lease = await this.client.update<Lease>(this.ref, lease, { signal });
  }

  recordEvent(message: string): void {
    if (!this.config.eventRecorder) return;
    const subject: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...(this.lease?.metadata ?? { name: this.name, namespace: this.namespace }) } };
    try {
      this.config.eventRecorder(subject, 'Normal', 'LeaderElection', `${this.id} ${message}`);
    } catch (err) {
      log.error('recording a leader election event failed', { err });
    }
  }

  identity(): string {
    return this.id;
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** The Lease last read or written. */
  currentLease(): Lease | undefined {
    return this.lease;
  }
}

export interface LeaderCallbacks {
  /** Started (asynchronously, not awaited) when this candidate becomes leader; the signal aborts when it stops leading. */
  onStartedLeading: (signal: AbortSignal) => void;
  /** Called when run() ends — as upstream, also when leadership was never acquired. */
  onStoppedLeading: () => void;
  /** Called (asynchronously) whenever the observed leader changes, this candidate included. */
  onNewLeader?: (identity: string) => void;
}

export interface LeaderElectionConfig {
  lock: ResourceLock;
  /** how long non-leaders wait after the last observed change before taking over (default 15s) */
  leaseDurationMs?: number;
  /** how long the leader keeps retrying to renew before it gives up (default 10s) */
  renewDeadlineMs?: number;
  /** interval between acquire/renew attempts (default 2s) */
  retryPeriodMs?: number;
  callbacks: LeaderCallbacks;
  /** give the lease up (holderIdentity "") when run() is cancelled */
  releaseOnCancel?: boolean;
  /** for log lines */
  name?: string;
}

/** leaderelection.LeaderElector */
export class LeaderElector {
  readonly lock: ResourceLock;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly releaseOnCancel: boolean;
  readonly name: string;
  private readonly callbacks: LeaderCallbacks;
  private observedRecord: LeaderElectionRecord = { holderIdentity: '', leaseDurationSeconds: 0, acquireTime: '', renewTime: '', leaderTransitions: 0 };
  private observedRaw = '';
  private observedTime = 0;
  private reportedLeader = '';
  private running = false;
  private ctl?: AbortController;
  private runPromise?: Promise<void>;

  constructor(config: LeaderElectionConfig) {
    this.leaseDurationMs = config.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.renewDeadlineMs = config.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryPeriodMs = config.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
    if (this.renewDeadlineMs <= JITTER_FACTOR * this.retryPeriodMs) throw new Error('renewDeadline must be greater than retryPeriod*JitterFactor');
    if (this.leaseDurationMs < 1) throw new Error('leaseDuration must be greater than zero');
    if (this.renewDeadlineMs < 1) throw new Error('renewDeadline must be greater than zero');
    if (this.retryPeriodMs < 1) throw new Error('retryPeriod must be greater than zero');
    if (!config.callbacks?.onStartedLeading) throw new Error('OnStartedLeading callback must not be nil');
    if (!config.callbacks?.onStoppedLeading) throw new Error('OnStoppedLeading callback must not be nil');
    if (!config.lock) throw new Error('Lock must not be nil.');
    if (!config.lock.identity()) throw new Error('Lock identity is empty');
    this.lock = config.lock;
    this.callbacks = config.callbacks;
    this.releaseOnCancel = !!config.releaseOnCancel;
    this.name = config.name ?? '';
  }

  /** Whether the last observed record names this candidate. */
  isLeader(): boolean {
    return this.observedRecord.holderIdentity === this.lock.identity();
  }

  /** The identity of the last observed leader ("" when none). */
  getLeader(): string {
    return this.observedRecord.holderIdentity;
  }

  /** A copy of the last observed leader election record. */
  getObservedRecord(): LeaderElectionRecord {
    return { ...this.observedRecord };
  }

  /**
   * The healthz check (leaderelection.HealthzAdaptor): an error when this candidate believes it
   * leads but has not renewed for longer than leaseDuration + maxTolerableExpiredLeaseMs.
   */
  check(maxTolerableExpiredLeaseMs: number): Error | undefined {
    if (!this.isLeader()) return undefined;
    if (performance.now() - this.observedTime > this.leaseDurationMs + maxTolerableExpiredLeaseMs) {
      return new Error(`failed election to renew leadership on lease ${this.lock.describe()}`);
    }
    return undefined;
  }

  /** Run in the background (see run()); stop() cancels and waits. */
  start(): void {
    if (this.runPromise) return;
    this.ctl = new AbortController();
    this.runPromise = this.run(this.ctl.signal).catch((err) => log.error('leader election failed', { err }));
  }

  /** Cancel a start()ed election and wait until it has ended (the lease released with releaseOnCancel). */
  async stop(): Promise<void> {
    this.ctl?.abort();
    await this.runPromise;
  }

  /**
   * Acquire the lease (retrying until the signal aborts), call onStartedLeading, keep renewing
   * until renewal fails or the signal aborts, release with releaseOnCancel, then call
   * onStoppedLeading. Resolves when all that is done.
   */
  async run(signal?: AbortSignal): Promise<void> {
    if (this.running) throw new Error('leader election is already running');
    this.running = true;
    try {
      if (!(await this.acquire(signal ?? new AbortController().signal))) return;
      const leading = new AbortController();
      const onAbort = () => leading.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        setImmediate(() => {
          try {
            const r: unknown = this.callbacks.onStartedLeading(leading.signal);
            if (r instanceof Promise) r.catch((err) => log.error('OnStartedLeading failed', { err }));
          } catch (err) {
            log.error('OnStartedLeading failed', { err });
          }
        });
        await this.renew(signal);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        leading.abort();
      }
    } finally {
      this.running = false;
      try {
        this.callbacks.onStoppedLeading();
      } catch (err) {
        log.error('OnStoppedLeading failed', { err });
      }
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    const desc = this.lock.describe();
    log.info(`attempting to acquire leader lease ${desc}...`);
    for (;;) {
      if (signal.aborted) return false;
      const ok = await this.tryAcquireOrRenew(signal);
      this.maybeReportTransition();
      if (ok) {
        this.lock.recordEvent('became leader');
        log.info(`successfully acquired lease ${desc}`);
        return true;
      }
      log.v(4).info(`failed to acquire lease ${desc}`);
      try {
        await sleep(this.retryPeriodMs + Math.random() * JITTER_FACTOR * this.retryPeriodMs, signal);
      } catch {
        return false;
      }
    }
  }

  private async renew(signal: AbortSignal | undefined): Promise<void> {
    const desc = this.lock.describe();
    const outer = signal ?? new AbortController().signal;
    try {
      while (!outer.aborted) {
        // PollUntilContextTimeout(retryPeriod, renewDeadline, immediate)
        // (an explicit timer: AbortSignal.any holds its sources weakly, and a collected
        // AbortSignal.timeout never fires — the leader would then never give up)
        const timer = new AbortController();
        const t = setTimeout(() => timer.abort(), this.renewDeadlineMs);
        const deadline = AbortSignal.any([outer, timer.signal]);
        let renewed = false;
        try {
          for (;;) {
            if (await this.tryAcquireOrRenew(deadline)) {
              renewed = true;
              break;
            }
            if (deadline.aborted) break;
            try {
              await sleep(this.retryPeriodMs, deadline);
            } catch {
              break;
            }
          }
        } finally {
          clearTimeout(t);
        }
        this.maybeReportTransition();
        if (!renewed) {
          log.info(`failed to renew lease ${desc}: ${outer.aborted ? 'context canceled' : 'timed out waiting for the condition'}`);
          break;
        }
        log.v(5).info(`successfully renewed lease ${desc}`);
        try {
          await sleep(this.retryPeriodMs, outer);
        } catch {
          break;
        }
      }
      if (this.releaseOnCancel) await this.release();
    } finally {
      this.lock.recordEvent('stopped leading');
    }
  }

  /** Give up the lease if this candidate holds it: holderIdentity "", leaseDurationSeconds 1. */
  async release(): Promise<boolean> {
    if (!this.isLeader()) return true;
    const now = microTime();
    const record: LeaderElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      renewTime: now,
      acquireTime: now,
      leaderTransitions: this.observedRecord.leaderTransitions,
    };
    try {
      await this.lock.update(record, AbortSignal.timeout(this.renewDeadlineMs));
    } catch (err) {
      log.error(`Failed to release lock: ${(err as Error)?.message ?? err}`);
      return false;
    }
    this.setObservedRecord(record);
    return true;
  }

  private setObservedRecord(r: LeaderElectionRecord): void {
    this.observedRecord = { ...r };
    this.observedTime = performance.now();
  }

  private isLeaseValid(t: number): boolean {
    return this.observedTime + this.observedRecord.leaseDurationSeconds * 1000 > t;
  }

  private maybeReportTransition(): void {
    const holder = this.observedRecord.holderIdentity;
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    const cb = this.callbacks.onNewLeader;
    if (cb) {
      setImmediate(() => {
        try {
          cb(holder);
        } catch (err) {
          log.error('OnNewLeader failed', { err });
        }
      });
    }
  }

  /** One acquire-or-renew attempt (leaderelection.tryAcquireOrRenew); true when this candidate holds the lease. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = microTime();
    const t = performance.now();
    const record: LeaderElectionRecord = {
      holderIdentity: this.lock.identity(),
      leaseDurationSeconds: Math.floor(this.leaseDurationMs / 1000),
      renewTime: now,
      acquireTime: now,
      leaderTransitions: 0,
    };
    // 1. fast path: the leader updates the lease it wrote last
    if (this.isLeader() && this.isLeaseValid(t)) {
      record.acquireTime = this.observedRecord.acquireTime;
      record.leaderTransitions = this.observedRecord.leaderTransitions;
      try {
        await this.lock.update(record, signal);
        this.setObservedRecord(record);
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        log.error(`Failed to update lock optimistically: ${(err as Error)?.message ?? err}, falling back to slow path`);
      }
    }
    // 2. get or create the record
    let old: LeaderElectionRecord;
    let raw: string;
    try {
      ({ record: old, raw } = await this.lock.get(signal));
    } catch (err) {
      if (!isNotFound(err)) {
        if (!signal.aborted) log.error(`error retrieving resource lock ${this.lock.describe()}: ${(err as Error)?.message ?? err}`);
        return false;
      }
      try {
        await this.lock.create(record, signal);
      } catch (e) {
        if (!signal.aborted) log.error(`error initially creating leader election record: ${(e as Error)?.message ?? e}`);
        return false;
      }
      this.setObservedRecord(record);
      return true;
    }
    // 3. record obtained: check the identity and the time
    if (this.observedRaw !== raw) {
      this.setObservedRecord(old);
      this.observedRaw = raw;
    }
    if (old.holderIdentity.length > 0 && this.isLeaseValid(t) && !this.isLeader()) {
      log.v(4).info(`lock is held by ${old.holderIdentity} and has not yet expired`);
      return false;
    }
    // 4. update: keep acquireTime and transitions while leading; a new holder is a transition
    if (this.isLeader()) {
      record.acquireTime = old.acquireTime;
      record.leaderTransitions = old.leaderTransitions;
    } else {
      record.leaderTransitions = old.leaderTransitions + 1;
    }
    try {
      await this.lock.update(record, signal);
    } catch (err) {
      if (!signal.aborted) log.error(`Failed to update lock: ${(err as Error)?.message ?? err}`);
      return false;
    }
    this.setObservedRecord(record);
    return true;
  }
}

/** leaderelection.RunOrDie without the dying: build the elector and run it until the signal aborts. */
export async function runLeaderElection(config: LeaderElectionConfig, signal?: AbortSignal): Promise<void> {
  await new LeaderElector(config).run(signal);
}
