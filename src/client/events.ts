// Event recording (client-go's tools/record): components report what they did as core/v1
// Events about an object. Like upstream's EventCorrelator, repeats of the same event (same
// object, type, reason, message, source) within ten minutes are folded into one Event whose
// count and lastTimestamp are patched, and a token bucket per source and object keeps a burst
// of events from flooding the API server. Writes happen in the background, a few at a time per
// broadcaster, and are dropped (with a log line) when the API server refuses them — an event
// is never worth blocking a controller.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubeObject, RestClient } from './rest.js';
import { isAlreadyExists, isNotFound } from './rest.js';
import { logger } from '../util/klog.js';
import { microTime, toTimestamp } from '../apimachinery/time.js';

const log = logger('event.go');

export type EventType = 'Normal' | 'Warning';

export interface EventSource {
  /** e.g. "default-scheduler", "deployment-controller", "kubelet" */
  component: string;
  /** node name or host (kubelet) */
  host?: string;
}

export interface EventOptions {
  /** events.k8s.io action (e.g. "Scheduling", "Binding") */
  action?: string;
  /** a second object the event is about */
  related?: KubeObject;
  /** a field path inside the object (e.g. "spec.containers{app}") */
  fieldPath?: string;
  annotations?: Record<string, string>;
}

export interface EventRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string, opts?: EventOptions): void;
}

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface CoreEvent extends KubeObject {
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  source?: { component?: string; host?: string };
  firstTimestamp?: string;
  lastTimestamp?: string;
  count?: number;
  type?: string;
  eventTime?: string | null;
  action?: string;
  related?: ObjectReference;
  reportingComponent?: string;
  reportingInstance?: string;
}

export function objectReference(obj: KubeObject, fieldPath?: string): ObjectReference {
  const m = obj.metadata ?? {};
  const ref: ObjectReference = { kind: obj.kind, namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: obj.apiVersion, resourceVersion: m.resourceVersion };
  if (fieldPath) ref.fieldPath = fieldPath;
  for (const k of Object.keys(ref) as (keyof ObjectReference)[]) if (ref[k] === undefined || ref[k] === '') delete ref[k];
  return ref;
}

export interface EventBroadcasterOptions {
  /** token bucket per source+object: burst (upstream 25) and refill interval (upstream one per 5 min) */
  burst?: number;
  refillMs?: number;
  /** how long an aggregated event is kept for repeats (upstream 10 min) */
  dedupWindowMs?: number;
  /** max entries remembered for dedup (upstream LRU of 4096) */
  cacheSize?: number;
  /** max queued writes before new events are dropped */
  maxQueue?: number;
  /** concurrent writes (default 4) */
  concurrency?: number;
}

interface Seen {
  namespace: string;
  name: string;
  count: number;
  first: string;
  last: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Sends the events of its recorders to the API server. */
export class EventBroadcaster {
  private queue: (() => Promise<void>)[] = [];
  private workers = 0;
  private seen = new Map<string, Seen>();
  private buckets = new Map<string, Bucket>();
  private closed = false;
  private idle: (() => void)[] = [];
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly windowMs: number;
  private readonly cacheSize: number;
  private readonly maxQueue: number;
  private readonly concurrency: number;

  constructor(private readonly client: RestClient, opts: EventBroadcasterOptions = {}) {
    this.burst = opts.burst ?? 25;
    this.refillMs = opts.refillMs ?? 300_000;
    this.windowMs = opts.dedupWindowMs ?? 600_000;
    this.cacheSize = opts.cacheSize ?? 4096;
    this.maxQueue = opts.maxQueue ?? 1000;
    this.concurrency = opts.concurrency ?? 4;
  }

  newRecorder(source: EventSource): EventRecorder {
    const instance = source.host ? `${source.component}-${source.host}` : `${source.component}-${hostname()}`;
    return {
      event: (obj, type, reason, message, opts = {}) => this.record(source, instance, obj, type, reason, message, opts),
    };
  }

  /** Resolves when every queued event has been written (or dropped). */
  flush(): Promise<void> {
    if (!this.workers && !this.queue.length) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  async shutdown(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private allow(key: string): boolean {
    const now = Date.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
      if (this.buckets.size > this.cacheSize) this.buckets.delete(this.buckets.keys().next().value as string);
    }
    const refill = Math.floor((now - b.at) / this.refillMs);
    if (refill > 0) {
      b.tokens = Math.min(this.burst, b.tokens + refill);
      b.at = now;
    }
    if (b.tokens <= 0) return false;
    b.tokens--;
    return true;
  }

  private record(source: EventSource, instance: string, obj: KubeObject, type: EventType, reason: string, message: string, opts: EventOptions): void {
    if (this.closed) return;
    const ref = objectReference(obj, opts.fieldPath);
    const namespace = ref.namespace || 'default';
    log.v(4).info('Event occurred', { object: `${ref.namespace ? ref.namespace + '/' : ''}${ref.name}`, kind: ref.kind, type, reason, message });
    if (!this.allow(`${source.component}/${source.host ?? ''}/${ref.kind}/${ref.namespace}/${ref.name}/${ref.uid}`)) return;
    if (this.queue.length >= this.maxQueue) {
      log.v(2).info('Dropping event: queue full', { reason });
      return;
    }
    const key = [source.component, source.host ?? '', ref.kind, ref.namespace, ref.name, ref.uid, ref.fieldPath ?? '', type, reason, message].join('\x00');
    const now = Date.now();
    const nowTime = toTimestamp(now);
    const prior = this.seen.get(key);
    if (prior && now - prior.last < this.windowMs) {
      prior.count++;
      prior.last = now;
      const count = prior.count;
      this.enqueue(async () => {
        try {
          await this.client.patch({ group: '', version: 'v1', resource: 'events', namespace: prior.namespace, name: prior.name }, 'strategic', { count, lastTimestamp: nowTime, message });
        } catch (err) {
          if (!isNotFound(err)) throw err;
          // gone (TTL): write it anew
          this.seen.delete(key);
          await this.create(source, instance, ref, namespace, type, reason, message, opts, nowTime, prior.name);
        }
      });
      return;
    }
    const name = `${ref.name ?? 'unknown'}.${(BigInt(now) * 1_000_000n + BigInt(randomBytes(2).readUInt16BE(0))).toString(16)}`;
    this.seen.set(key, { namespace, name, count: 1, first: nowTime, last: now });
    if (this.seen.size > this.cacheSize) this.seen.delete(this.seen.keys().next().value as string);
    this.enqueue(() => this.create(source, instance, ref, namespace, type, reason, message, opts, nowTime, name));
  }

  private async create(source: EventSource, instance: string, ref: ObjectReference, namespace: string, type: EventType, reason: string, message: string, opts: EventOptions, time: string, name: string): Promise<void> {
    const ev: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
      involvedObject: ref,
      reason,
      message,
      source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: instance,
    };
    if (opts.action) {
      ev.action = opts.action;
      ev.eventTime = microTime();
    }
    if (opts.related) ev.related = objectReference(opts.related);
    try {
      await this.client.create({ group: '', version: 'v1', resource: 'events', namespace }, ev);
    } catch (err) {
      if (isAlreadyExists(err)) return;
      throw err;
    }
  }

  private enqueue(fn: () => Promise<void>): void {
    this.queue.push(fn);
    if (this.workers < this.concurrency) void this.drain();
  }

  private async drain(): Promise<void> {
    this.workers++;
    while (this.queue.length) {
      const fn = this.queue.shift()!;
      try {
        await fn();
      } catch (err) {
        log.v(2).info('Server rejected event (will not retry!)', { err: err instanceof Error ? err.message : String(err) });
      }
    }
    this.workers--;
    if (this.workers === 0) for (const r of this.idle.splice(0)) r();
  }
}
