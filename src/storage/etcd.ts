// EtcdStore: the Store backend on an external etcd v3 cluster (--etcd-servers), through the
// etcd3 client's gRPC services (KV, Lease, Watch) called directly, as the apiserver's etcd3
// store uses clientv3:
//  - keys are stored exactly as given (the API server builds '/registry/...' keys), values as bytes;
//  - get/list/count are ranges (list: [max(startKey, prefix), prefixEnd(prefix)) with limit and
//    revision; etcd returns keys in ascending key order, count and more; a read at a past
//    revision reports that revision);
//  - create  = Txn(If CreateRevision(key) == 0 Then Put);
//  - update  = Txn(If CreateRevision(key) > 0 [&& ModRevision(key) == expected] Then Put(prev_kv) Else Get);
//  - delete  = Txn(If CreateRevision(key) > 0 [&& ModRevision(key) == expected] Then DeleteRange(prev_kv) Else Get);
//  - writes are sent one at a time in issue order by default (revisions follow issue order, as
//    in the embedded backends); { concurrentWrites: true } pipelines writes to different keys;
//  - TTLs are etcd leases, shared between writes as the apiserver's lease manager does (a lease
//    is reused while it outlives the requested TTL by at most min(60s, 5% of it), for at most
//    1000 keys), so Events do not cost one lease each. KeyValue.expiresAt is the lease's expiry:
//    known for leases granted here, asked of etcd (LeaseTimeToLive, once per lease) otherwise;
//  - watch is one gRPC watch stream per watcher (prev_kv, progress_notify), re-established after
//    a broken stream or an etcd restart from the last delivered revision + 1 (or the last
//    progress notification's revision + 1): no gap and no duplicate. startRevision 0 starts
//    after the newest revision this client has seen (so every later write of it is delivered).
//    A compacted start revision ends the watch with StorageError('Compacted', compactRevision);
//  - compact(rev) is etcd's Compact (physical: false); the compacted revision is the one this
//    store performed or learned from etcd (a watch answers with it; a range only says "compacted",
//    so then a probe watch asks; open() checks whether revision 1 is still readable);
//  - several endpoints: each call goes to one of them; an endpoint that failed is skipped for a
//    second.
// Errors: ErrCompacted → 'Compacted', ErrFutureRev → 'FutureRevision', anything else (connection
// failures, timeouts, closed client) → 'Unavailable'. Reads are retried on transient failures;
// writes only when the request provably never left (no connection established).

import { readFileSync } from 'node:fs';
import {
  CompareResult,
  CompareTarget,
  Etcd3,
  type ICompare,
  type IDuplexStream,
  type IEvent,
  type IKeyValue,
  type IOptions,
  type IRangeRequest,
  type IRangeResponse,
  type IRequestOp,
  type IResponseHeader,
  type ITxnResponse,
  type IWatchRequest,
  type IWatchResponse,
} from 'etcd3';
import { logger } from '../util/klog.js';
import { closedError } from './common.js';
import {
  StorageError,
  type DeleteOptions,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type UpdateOptions,
  type WatchErrorHandler,
  type WatchEvent,
  type WatchHandler,
  type WatchOptions,
  type Watcher,
  type WriteOptions,
} from './types.js';

const log = logger('storage/etcd3');

export interface EtcdStoreOptions {
  /** etcd client URLs (--etcd-servers): http://host:port or https://host:port, all of one scheme. */
  endpoints: string[];
  /** CA bundle (--etcd-cafile): a file path, or the PEM bytes. */
  ca?: string | Buffer;
  /** Client certificate (--etcd-certfile): a file path, or the PEM bytes. */
  cert?: string | Buffer;
  /** Client key (--etcd-keyfile): a file path, or the PEM bytes. */
  key?: string | Buffer;
  /** Deadline of one unary request (ms). Default 30s. */
  requestTimeoutMs?: number;
  /** How long open() waits for etcd to answer (ms). Default 20s (the apiserver's dial timeout). */
  dialTimeoutMs?: number;
  /**
   * false (default): writes reach etcd one at a time in the order they were issued, so revisions
   * follow issue order as in the embedded backends (the conformance suite requires it).
   * true: writes to different keys are in flight together, as the apiserver's etcd client does
   * (more throughput: etcd batches them into one fsync); writes to one key stay in issue order.
   */
  concurrentWrites?: boolean;
}

const EMPTY = Buffer.alloc(0);
/** Range key and range_end meaning "every key" (etcd: key '\0', range_end '\0' = all keys >= '\0'). */
const ZERO = Buffer.from([0]);

/** The apiserver lease manager's defaults (storagebackend.NewDefaultLeaseManagerConfig). */
const LEASE_REUSE_MAX_SECONDS = 60;
const LEASE_REUSE_PERCENT = 0.05;
const LEASE_MAX_OBJECTS = 1000;

/** Watch re-establishment backoff (ms). */
const WATCH_RETRY_MIN_MS = 100;
const WATCH_RETRY_MAX_MS = 2000;
/** Attempts of a read (or of a write that never reached etcd) on transient failures. */
const READ_ATTEMPTS = 4;

const RE_COMPACTED = /required revision has been compacted/;
const RE_FUTURE = /required revision is a future revision/;
const RE_LEASE_NOT_FOUND = /requested lease not found/;
/** gRPC failures where the request was never sent (safe to retry a write). */
const RE_NOT_SENT = /No connection established|ECONNREFUSED|Connection refused|Name resolution failed/;

/** etcd's prefix range end: the prefix with its last byte incremented (0xff bytes dropped). */
export function bytesPrefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return ZERO; // no upper bound
}

/** [key, range_end] covering every key that starts with prefix ('' = every key). */
function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  if (!prefix) return { key: ZERO, range_end: ZERO };
  const key = Buffer.from(prefix, 'utf8');
  return { key, range_end: bytesPrefixEnd(key) };
}

function readPem(v: string | Buffer | undefined): Buffer | undefined {
  if (v === undefined || v === '') return undefined;
  return Buffer.isBuffer(v) ? v : readFileSync(v);
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The event type arrives as the enum's name ('Put'/'Delete' in etcd3's proto) or its number. */
function isDelete(ev: IEvent): boolean {
  const t = ev.type as unknown;
  return t === 1 || String(t).toUpperCase() === 'DELETE';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A transient failure worth retrying (not an etcd answer such as Compacted or a bad request). */
function isTransient(e: unknown): boolean {
  if (e instanceof StorageError) return false;
  const m = errMessage(e);
  if (RE_COMPACTED.test(m) || RE_FUTURE.test(m)) return false;
  const name = (e as Error)?.constructor?.name ?? '';
  return /GRPCUnavailable|GRPCDeadlineExceeded|GRPCInternal|GRPCUnknown|GRPCCancelled|GRPCResourceExhasted|GRPCAborted|BrokenCircuit/.test(name) ||
    /etcdserver: (request timed out|leader changed|no leader|too many requests)/.test(m) || RE_NOT_SENT.test(m);
}

type Policy = ReturnType<NonNullable<NonNullable<IOptions['faultHandling']>['host']>>;
type PolicyFn<T> = (ctx: { signal: AbortSignal; attempt: number }) => T | Promise<T>;
/** The policy context handed to each call (never aborted; shared: one AbortController per call costs ~3% of a create). */
const POLICY_CTX = Object.freeze({ signal: new AbortController().signal, attempt: 0 });
const policyCtx = () => POLICY_CTX;

/** Fault-handling policy that only runs the call: this store does its own retries. */
const passThrough = {
  execute: <T>(fn: PolicyFn<T>) => Promise.resolve().then(() => fn(policyCtx())),
} as unknown as Policy;

/** Thrown (without sending anything) for an endpoint that failed within the last second. */
class EndpointUnhealthyError extends Error {
  constructor() {
    super('No connection established: etcd endpoint failed recently');
  }
}

/**
 * Per-endpoint breaker for several endpoints: after a transient failure the endpoint is skipped
 * for a second, so the client's connection pool (which moves on to the next endpoint when a call
 * is refused without being sent) fails over instead of picking the dead one again.
 */
function endpointBreaker(): Policy {
  let openUntil = 0;
  return {
    execute: async <T>(fn: PolicyFn<T>) => {
      if (Date.now() < openUntil) throw new EndpointUnhealthyError();
      try {
        return await fn(policyCtx());
      } catch (e) {
        if (isTransient(e)) openUntil = Date.now() + 1000;
        throw e;
      }
    },
  } as unknown as Policy;
}

interface CachedLease {
  id: string;
  ttl: number;
  expiresAt: number;
  count: number;
}

export class EtcdStore implements Store {
  readonly backend = 'etcd3';
  private readonly client: Etcd3;
  private closed = false;
  /** Highest revision seen in any response header (a watch with startRevision 0 starts after it). */
  private lastRev = 0;
  /** Compaction revision performed or learned (0: none known). */
  private compactRev = 0;
  private readonly watches = new Set<EtcdWatch>();
  /** Reusable lease per requested TTL (seconds), and grants in flight. */
  private readonly leases = new Map<number, CachedLease>();
  private readonly granting = new Map<number, Promise<CachedLease>>();
  /** Absolute expiry (ms) of every lease id this store granted or looked up. */
  private readonly leaseExpiry = new Map<string, number>();
  private readonly leaseLookups = new Map<string, Promise<void>>();
  private lastLeasePrune = Date.now();
  /** Tail of the write queue per ordering slot ('' = all writes, or one per key). */
  private readonly writeTails = new Map<string, Promise<void>>();

  /** Prefer openStore({ backend: 'etcd3', endpoints }) or EtcdStore.open(), which check the connection. */
  constructor(readonly opts: EtcdStoreOptions) {
    if (!opts.endpoints?.length) throw new StorageError('Unavailable', 'etcd3 storage: no endpoints (--etcd-servers) given');
    for (const ep of opts.endpoints) {
      if (!/^https?:\/\/[^/]+\/?$/.test(ep)) throw new StorageError('Unavailable', `etcd3 storage: invalid endpoint ${JSON.stringify(ep)}: expected http(s)://host:port`);
    }
    const timeout = opts.requestTimeoutMs ?? 30_000;
    let credentials: IOptions['credentials'];
    try {
      const ca = readPem(opts.ca);
      const cert = readPem(opts.cert);
      const key = readPem(opts.key);
      if (ca || cert || key) {
        if (!!cert !== !!key) throw new Error('--etcd-certfile and --etcd-keyfile must be given together');
        // rootCertificate undefined: the system roots
        credentials = { rootCertificate: ca as Buffer, certChain: cert, privateKey: key };
      }
    } catch (e) {
      throw new StorageError('Unavailable', `etcd3 storage: cannot read TLS files: ${errMessage(e)}`);
    }
    const hosts = opts.endpoints.map((e) => e.replace(/\/$/, ''));
    try {
      this.client = new Etcd3({
        hosts,
        credentials,
        grpcOptions: {
          // as the apiserver's etcd client: unlimited receive size, 30s/10s keepalive
          'grpc.max_receive_message_length': -1,
          'grpc.max_send_message_length': -1,
          'grpc.keepalive_time_ms': 30_000,
          'grpc.keepalive_timeout_ms': 10_000,
          'grpc.keepalive_permit_without_calls': 1,
          'grpc.initial_reconnect_backoff_ms': 100,
          'grpc.max_reconnect_backoff_ms': 2000,
        },
        defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
        faultHandling: { host: () => (hosts.length > 1 ? endpointBreaker() : passThrough), global: passThrough },
      });
    } catch (e) {
      throw new StorageError('Unavailable', `etcd3 storage: ${errMessage(e)}`);
    }
  }

  /** Connects (waiting up to dialTimeoutMs for etcd to answer) and learns the compacted revision. */
  static async open(opts: EtcdStoreOptions): Promise<EtcdStore> {
    const store = new EtcdStore(opts);
    const deadline = Date.now() + (opts.dialTimeoutMs ?? 20_000);
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      try {
        await store.rangeOnce({ key: ZERO, count_only: true });
        break;
      } catch (e) {
        if (Date.now() + delay >= deadline || !isTransient(e)) {
          await store.close();
          throw new StorageError('Unavailable', `etcd3 storage: cannot reach etcd at ${opts.endpoints.join(',')}: ${errMessage(e)}`);
        }
        await sleep(delay);
      }
    }
    try {
      await store.learnCompactedAtOpen();
    } catch (e) {
      log.warning('could not determine the compacted revision', { err: errMessage(e) });
    }
    return store;
  }

  // ---- Store API -------------------------------------------------------------------------------

  async currentRevision(): Promise<number> {
    const res = await this.range({ key: ZERO, count_only: true });
    return Number(res.header.revision);
  }

  async compactedRevision(): Promise<number> {
    this.checkOpen();
    return this.compactRev;
  }

  async get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined> {
    const res = await this.range({ key: Buffer.from(key, 'utf8'), revision: opts?.revision || 0 }, opts?.revision);
    if (!res.kvs.length) return undefined;
    await this.resolveLeases(res.kvs);
    return this.toKv(res.kvs[0]);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const { key: pkey, range_end } = prefixRange(prefix);
    let key = pkey;
    if (opts.startKey !== undefined) {
      const start = Buffer.from(opts.startKey, 'utf8');
      if (Buffer.compare(start, pkey) > 0) key = start;
    }
    const limit = opts.limit && opts.limit > 0 ? Math.floor(opts.limit) : 0;
    // Keys come back in ascending key order. (Asking for sort ASCEND by KEY explicitly would make
    // etcd read the whole range before applying the limit; clientv3 drops it for that reason.)
    const res = await this.range({ key, range_end, limit, revision: opts.revision || 0 }, opts.revision);
    await this.resolveLeases(res.kvs);
    const items = res.kvs.map((kv) => this.toKv(kv));
    // etcd's header carries its current revision; a read at a past revision was served at that one
    return { items, revision: opts.revision || Number(res.header.revision), more: !!res.more, count: Number(res.count) };
  }

  async count(prefix: string): Promise<number> {
    const res = await this.range({ ...prefixRange(prefix), count_only: true });
    return Number(res.count);
  }

  async create(key: string, value: Buffer, opts?: WriteOptions): Promise<KeyValue> {
    this.checkOpen();
    const k = Buffer.from(key, 'utf8');
    const v = Buffer.from(value);
    const notExists: ICompare[] = [{ key: k, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }];
    const res = await this.ordered(key, () =>
      this.withLease(opts?.ttlSeconds, (lease) => this.txn(notExists, [{ request_put: { key: k, value: v, lease: lease?.id ?? 0 } }], [])),
    );
    if (!res.txn.succeeded) throw new StorageError('KeyExists', `key already exists: ${key}`, key);
    const rev = Number(res.txn.header.revision);
    const kv: KeyValue = { key, value: v, createRevision: rev, modRevision: rev, version: 1 };
    if (res.lease) kv.expiresAt = res.lease.expiresAt;
    return kv;
  }

  async update(key: string, value: Buffer, opts?: UpdateOptions): Promise<KeyValue> {
    this.checkOpen();
    const k = Buffer.from(key, 'utf8');
    const v = Buffer.from(value);
    const guard = this.guard(k, opts?.expectedModRevision);
    const res = await this.ordered(key, () =>
      this.withLease(opts?.ttlSeconds, (lease) =>
        this.txn(guard, [{ request_put: { key: k, value: v, lease: lease?.id ?? 0, prev_kv: true } }], [{ request_range: { key: k } }]),
      ),
    );
    if (!res.txn.succeeded) throw await this.guardFailure(key, res.txn, opts?.expectedModRevision);
    const prev = res.txn.responses[0]?.response_put?.prev_kv;
    if (!prev) throw new StorageError('Unavailable', `etcd3 storage: update of ${key} returned no previous value`);
    const kv: KeyValue = {
      key,
      value: v,
      createRevision: Number(prev.create_revision),
      modRevision: Number(res.txn.header.revision),
      version: Number(prev.version) + 1,
    };
    if (res.lease) kv.expiresAt = res.lease.expiresAt;
    return kv;
  }

  async delete(key: string, opts?: DeleteOptions): Promise<{ prev: KeyValue; revision: number }> {
    this.checkOpen();
    const k = Buffer.from(key, 'utf8');
    const txn = await this.ordered(key, () =>
      this.txn(this.guard(k, opts?.expectedModRevision), [{ request_delete_range: { key: k, prev_kv: true } }], [{ request_range: { key: k } }]),
    );
    if (!txn.succeeded) throw await this.guardFailure(key, txn, opts?.expectedModRevision);
    const prevRaw = txn.responses[0]?.response_delete_range?.prev_kvs?.[0];
    if (!prevRaw) throw new StorageError('Unavailable', `etcd3 storage: delete of ${key} returned no previous value`);
    await this.resolveLeases([prevRaw]).catch(() => {}); // deleted anyway: the expiry is best effort
    return { prev: this.toKv(prevRaw), revision: Number(txn.header.revision) };
  }

  watch(prefix: string, opts: WatchOptions, onEvents: WatchHandler, onError: WatchErrorHandler): Watcher {
    const requested = opts?.startRevision && opts.startRevision > 0 ? Math.floor(opts.startRevision) : 0;
    // "Only future changes": everything after the newest revision this client has seen, so that
    // a write issued after watch() returned is always delivered.
    const start = requested || this.lastRev + 1;
    const w = new EtcdWatch(this, prefix, start, onEvents, onError);
    if (this.closed) {
      w.failLater(closedError());
      return w;
    }
    // etcd itself accepts a watch at exactly the compaction revision; its history (and prevKvs)
    // is gone there, so, as the other backends do, that is 'Compacted' too.
    if (requested && requested <= this.compactRev) {
      w.failLater(this.compactedError(`watch start revision ${requested} has been compacted`));
      return w;
    }
    this.watches.add(w);
    w.connect();
    return w;
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (revision === this.compactRev && revision > 0) return;
    try {
      const res = await this.client.kv.compact({ revision, physical: false });
      this.noteHeader(res.header);
      this.noteCompacted(revision);
    } catch (e) {
      const m = errMessage(e);
      if (RE_COMPACTED.test(m)) {
        // etcd refuses revision <= its compaction revision: same revision again is a no-op.
        const actual = revision > 1 ? await this.probeCompacted(revision - 1) : Math.max(this.compactRev, revision);
        if (actual !== undefined) this.noteCompacted(actual);
        if (actual === revision) return;
        throw this.compactedError(`revision ${revision} has already been compacted`);
      }
      throw this.mapError(e);
    }
  }

  /**
   * Storage migration: advances etcd's revision by exactly `count` with writes to scratchKey
   * (puts in parallel, then a delete when that takes one revision, so the key is normally gone
   * afterwards). Returns whether scratchKey still exists (a gap of 1 right after a delete).
   */
  async fillRevisions(count: number, scratchKey: string, exists: boolean): Promise<boolean> {
    this.checkOpen();
    if (count <= 0) return exists;
    const k = Buffer.from(scratchKey, 'utf8');
    const puts = exists || count > 1 ? count - 1 : count;
    try {
      for (let done = 0; done < puts; ) {
        const n = Math.min(64, puts - done);
        await Promise.all(Array.from({ length: n }, () => this.retrying(() => this.client.kv.put({ key: k, value: EMPTY }), true)));
        done += n;
      }
      if (puts === count) return true;
      const res = await this.retrying(() => this.client.kv.deleteRange({ key: k }), true);
      this.noteHeader(res.header);
      return false;
    } catch (e) {
      throw this.mapError(e);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = closedError();
    for (const w of [...this.watches]) w.fail(err);
    this.watches.clear();
    try {
      this.client.close();
    } catch (e) {
      log.warning('closing the etcd client failed', { err: errMessage(e) });
    }
  }

  // ---- internals used by EtcdWatch -----------------------------------------------------------------

  /** @internal */
  isClosed(): boolean {
    return this.closed;
  }

  /** @internal */
  openWatchStream(): Promise<IDuplexStream<IWatchRequest, IWatchResponse>> {
    return this.client.watchClient.watch();
  }

  /** @internal */
  forget(w: EtcdWatch): void {
    this.watches.delete(w);
  }

  /** @internal Records a revision seen in a response header. */
  noteHeader(h: IResponseHeader | undefined): void {
    const r = Number(h?.revision ?? 0);
    if (r > this.lastRev) this.lastRev = r;
  }

  /** @internal */
  noteCompacted(rev: number): void {
    if (rev > this.compactRev) this.compactRev = rev;
  }

  /** @internal */
  compactedError(message: string): StorageError {
    return new StorageError('Compacted', `${message} (compacted revision ${this.compactRev})`, undefined, undefined, this.compactRev);
  }

  /** @internal Lease ids of kvs whose expiry is not known yet. */
  unknownLeases(kvs: Array<IKeyValue | null | undefined>): string[] {
    const out: string[] = [];
    for (const kv of kvs) {
      if (kv && kv.lease && kv.lease !== '0' && !this.leaseExpiry.has(kv.lease) && !out.includes(kv.lease)) out.push(kv.lease);
    }
    return out;
  }

  /** @internal Looks up the expiry of leases this store did not grant (one request per lease). */
  lookupLeases(ids: string[]): Promise<void> {
    return Promise.all(
      ids.map((id) => {
        let p = this.leaseLookups.get(id);
        if (!p) {
          p = this.retrying(() => this.client.leaseClient.leaseTimeToLive({ ID: id }))
            .then((res) => {
              this.noteHeader(res.header);
              const ttl = Number(res.TTL);
              // -1: expired or revoked (the key is being deleted)
              this.leaseExpiry.set(id, Date.now() + Math.max(0, ttl) * 1000);
            })
            .finally(() => this.leaseLookups.delete(id));
          this.leaseLookups.set(id, p);
        }
        return p;
      }),
    ).then(() => undefined);
  }

  /** @internal */
  toKv(raw: IKeyValue): KeyValue {
    const kv: KeyValue = {
      key: raw.key.toString('utf8'),
      value: raw.value ?? EMPTY,
      createRevision: Number(raw.create_revision),
      modRevision: Number(raw.mod_revision),
      version: Number(raw.version),
    };
    if (raw.lease && raw.lease !== '0') {
      const at = this.leaseExpiry.get(raw.lease);
      if (at !== undefined) kv.expiresAt = at;
    }
    return kv;
  }

  /** @internal */
  mapError(e: unknown): StorageError {
    if (e instanceof StorageError) return e;
    const m = errMessage(e);
    if (RE_COMPACTED.test(m)) return this.compactedError(m);
    if (RE_FUTURE.test(m)) return new StorageError('FutureRevision', m);
    return new StorageError('Unavailable', `etcd3 storage: ${m}`);
  }

  /**
   * @internal The compaction revision, asked of etcd with a watch that starts at `below` (which
   * must be below it): etcd answers such a watch with the compaction revision. Undefined if etcd
   * did not answer in time.
   */
  async probeCompacted(below: number, timeoutMs = 3000): Promise<number | undefined> {
    if (below < 1) return undefined;
    let stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
    try {
      stream = await this.openWatchStream();
      const s = stream;
      return await new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), timeoutMs);
        const done = (v: number | undefined) => {
          clearTimeout(timer);
          resolve(v);
        };
        s.on('data', (res: IWatchResponse) => {
          this.noteHeader(res.header);
          const c = Number(res.compact_revision ?? 0);
          if (c > 0) done(c);
          else if (res.canceled) done(undefined);
        });
        s.on('error', () => done(undefined));
        s.on('end', () => done(undefined));
        s.write({ create_request: { key: ZERO, start_revision: below } });
      });
    } catch {
      return undefined;
    } finally {
      try {
        stream?.cancel();
      } catch {
        /* ignore */
      }
    }
  }

  // ---- private ---------------------------------------------------------------------------------

  private checkOpen(): void {
    if (this.closed) throw closedError();
  }

  /**
   * Runs a write after the writes issued before it (all of them, or those of the same key with
   * concurrentWrites), whatever their outcome.
   */
  private ordered<T>(key: string, write: () => Promise<T>): Promise<T> {
    const slot = this.opts.concurrentWrites ? key : '';
    const prev = this.writeTails.get(slot);
    const run = prev ? prev.then(write) : write();
    const tail = run.then(
      () => {},
      () => {},
    );
    this.writeTails.set(slot, tail);
    void tail.then(() => {
      if (this.writeTails.get(slot) === tail) this.writeTails.delete(slot);
    });
    return run;
  }

  /** One range request, no retry. */
  private async rangeOnce(req: IRangeRequest): Promise<IRangeResponse> {
    const res = await this.client.kv.range(req);
    this.noteHeader(res.header);
    return res;
  }

  /** A range, retried on transient failures; errors mapped (Compacted with the known revision). */
  private async range(req: IRangeRequest, atRevision?: number): Promise<IRangeResponse> {
    this.checkOpen();
    try {
      return await this.retrying(() => this.rangeOnce(req));
    } catch (e) {
      if (RE_COMPACTED.test(errMessage(e)) && atRevision && atRevision >= this.compactRev) {
        // etcd refuses revisions below its compaction revision without saying which it is: the
        // one known here is stale, so ask (a watch at that revision is refused with it).
        const actual = await this.probeCompacted(atRevision);
        if (actual !== undefined) this.noteCompacted(actual);
        else this.noteCompacted(atRevision + 1);
      }
      throw this.mapError(e);
    }
  }

  /** Runs fn, retrying transient failures a few times (reads; writes only if never sent). */
  private async retrying<T>(fn: () => Promise<T>, onlyIfNotSent = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const retry = onlyIfNotSent ? RE_NOT_SENT.test(errMessage(e)) : isTransient(e);
        if (!retry || attempt >= Math.max(READ_ATTEMPTS, 2 * this.opts.endpoints.length + 1) || this.closed) throw e;
        await sleep(50 * 2 ** attempt);
      }
    }
  }

  private async txn(compare: ICompare[], success: IRequestOp[], failure: IRequestOp[]): Promise<ITxnResponse> {
    this.checkOpen();
    try {
      const res = await this.retrying(() => this.client.kv.txn({ compare, success, failure }), true);
      this.noteHeader(res.header);
      return res;
    } catch (e) {
      throw this.mapError(e);
    }
  }

  /** Compares of update/delete: the key exists, and (optionally) its modRevision is `expected`. */
  private guard(k: Buffer, expected: number | undefined): ICompare[] {
    const cmp: ICompare[] = [{ key: k, target: CompareTarget.Create, result: CompareResult.Greater, create_revision: 0 }];
    if (expected !== undefined) cmp.push({ key: k, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: expected });
    return cmp;
  }

  /** KeyNotFound or Conflict (with the current kv) from a failed guarded txn's Get. */
  private async guardFailure(key: string, txn: ITxnResponse, expected: number | undefined): Promise<StorageError> {
    const cur = txn.responses[0]?.response_range?.kvs?.[0];
    if (!cur) return new StorageError('KeyNotFound', `key not found: ${key}`, key);
    await this.resolveLeases([cur]).catch(() => {});
    const current = this.toKv(cur);
    return new StorageError('Conflict', `modRevision mismatch for ${key}: expected ${expected}, current ${current.modRevision}`, key, current);
  }

  private async resolveLeases(kvs: IKeyValue[]): Promise<void> {
    const unknown = this.unknownLeases(kvs);
    if (!unknown.length) return;
    try {
      await this.lookupLeases(unknown);
    } catch (e) {
      throw this.mapError(e);
    }
  }

  /**
   * Runs a write with the lease for ttlSeconds (none without a TTL). If etcd no longer knows the
   * lease (it expired or was revoked meanwhile), the write is tried once more with a new one.
   */
  private async withLease<T>(ttlSeconds: number | undefined, write: (lease: CachedLease | undefined) => Promise<T>): Promise<{ txn: T; lease?: CachedLease }> {
    if (!(ttlSeconds !== undefined && ttlSeconds > 0 && Number.isFinite(ttlSeconds))) return { txn: await write(undefined) };
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    for (let attempt = 0; ; attempt++) {
      const lease = await this.getLease(ttl);
      try {
        return { txn: await write(lease), lease };
      } catch (e) {
        if (attempt === 0 && RE_LEASE_NOT_FOUND.test(errMessage(e))) {
          if (this.leases.get(ttl) === lease) this.leases.delete(ttl);
          continue;
        }
        throw e;
      }
    }
  }

  /** The apiserver's leaseManager.GetLease, per requested TTL. */
  private async getLease(ttl: number): Promise<CachedLease> {
    const now = Date.now();
    const reuse = Math.min(LEASE_REUSE_MAX_SECONDS, Math.floor(LEASE_REUSE_PERCENT * ttl));
    const prev = this.leases.get(ttl);
    if (prev) {
      const valid = now + ttl * 1000 < prev.expiresAt;
      const sufficient = now + (ttl + reuse) * 1000 > prev.expiresAt;
      if (valid && sufficient && prev.count < LEASE_MAX_OBJECTS) {
        prev.count++;
        return prev;
      }
    }
    let p = this.granting.get(ttl);
    if (!p) {
      p = this.grant(ttl + reuse, ttl).finally(() => this.granting.delete(ttl));
      this.granting.set(ttl, p);
    }
    const lease = await p;
    lease.count++;
    return lease;
  }

  private async grant(seconds: number, ttl: number): Promise<CachedLease> {
    this.checkOpen();
    const t0 = Date.now();
    let res;
    try {
      res = await this.retrying(() => this.client.leaseClient.leaseGrant({ TTL: seconds, ID: 0 }), true);
    } catch (e) {
      throw this.mapError(e);
    }
    this.noteHeader(res.header);
    if (res.error) throw new StorageError('Unavailable', `etcd3 storage: lease grant failed: ${res.error}`);
    // etcd may raise the TTL to its minimum; the lease runs from (about) when it was asked for.
    const lease: CachedLease = { id: String(res.ID), ttl, expiresAt: t0 + Number(res.TTL) * 1000, count: 0 };
    this.leases.set(ttl, lease);
    this.leaseExpiry.set(lease.id, lease.expiresAt);
    this.pruneLeases(t0);
    return lease;
  }

  /** Drops expiries of leases long gone (at most once a minute). */
  private pruneLeases(now: number): void {
    if (now - this.lastLeasePrune < 60_000) return;
    this.lastLeasePrune = now;
    for (const [id, at] of this.leaseExpiry) if (at < now - 60_000) this.leaseExpiry.delete(id);
  }

  /** At open: is revision 1 still readable? If not, learn the compaction revision. */
  private async learnCompactedAtOpen(): Promise<void> {
    try {
      await this.rangeOnce({ key: ZERO, count_only: true, revision: 1 });
    } catch (e) {
      if (!RE_COMPACTED.test(errMessage(e))) throw e;
      const actual = await this.probeCompacted(1);
      this.noteCompacted(actual ?? 2);
    }
  }
}

/** One watcher: a gRPC watch stream, re-established from the next undelivered revision. */
class EtcdWatch implements Watcher {
  private stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
  private dead = false;
  private retryMs = WATCH_RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Batches waiting for lease lookups are delivered through this chain, in order. */
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly store: EtcdStore,
    private readonly prefix: string,
    /** The next revision to deliver: the stream is (re)created from it. */
    private nextRev: number,
    private readonly onEvents: WatchHandler,
    private readonly onError: WatchErrorHandler,
  ) {}

  cancel(): void {
    if (this.dead) return;
    this.dead = true;
    this.teardown();
  }

  /** Ends the watch with err (once). */
  fail(err: StorageError): void {
    if (this.dead) return;
    this.dead = true;
    this.teardown();
    try {
      this.onError(err);
    } catch (e) {
      log.error('watch error handler threw', { prefix: this.prefix, err: errMessage(e) });
    }
  }

  failLater(err: StorageError): void {
    setImmediate(() => this.fail(err));
  }

  connect(): void {
    if (this.dead) return;
    if (this.store.isClosed()) {
      this.fail(closedError());
      return;
    }
    this.store.openWatchStream().then(
      (stream) => this.attach(stream),
      (e) => this.broken(undefined, e),
    );
  }

  private attach(stream: IDuplexStream<IWatchRequest, IWatchResponse>): void {
    if (this.dead) {
      stream.on('error', () => {});
      stream.cancel();
      return;
    }
    this.stream = stream;
    stream.on('data', (res: IWatchResponse) => this.onResponse(stream, res));
    stream.on('error', (e: Error) => this.broken(stream, e));
    stream.on('end', () => this.broken(stream, new Error('watch stream ended')));
    stream.write({
      create_request: { ...prefixRange(this.prefix), start_revision: this.nextRev, prev_kv: true, progress_notify: true },
    });
  }

  private onResponse(stream: IDuplexStream<IWatchRequest, IWatchResponse>, res: IWatchResponse): void {
    if (this.dead || stream !== this.stream) return;
    this.store.noteHeader(res.header);
    const compactRev = Number(res.compact_revision ?? 0);
    if (compactRev > 0) {
      this.store.noteCompacted(compactRev);
      this.fail(this.store.compactedError(`watch revision ${this.nextRev} has been compacted`));
      return;
    }
    if (res.canceled) {
      const reason = res.cancel_reason || 'watch canceled by etcd';
      this.fail(this.store.mapError(new Error(reason)));
      return;
    }
    if (res.created) {
      this.retryMs = WATCH_RETRY_MIN_MS;
      return; // its header revision is no progress guarantee: history may follow
    }
    const events = (res.events ?? []).filter((ev) => Number(ev.kv.mod_revision) >= this.nextRev);
    if (!events.length) {
      // a progress notification: every event up to header.revision has been sent
      if (!res.events?.length) this.nextRev = Math.max(this.nextRev, Number(res.header?.revision ?? 0) + 1);
      return;
    }
    this.nextRev = Number(events[events.length - 1].kv.mod_revision) + 1;
    this.enqueue(events);
  }

  private enqueue(raw: IEvent[]): void {
    const unknown = this.store.unknownLeases(raw.flatMap((ev) => [ev.kv, ev.prev_kv]));
    if (!unknown.length && this.pending === 0) {
      this.deliver(raw);
      return;
    }
    this.pending++;
    const lookup = unknown.length ? this.store.lookupLeases(unknown).catch((e) => log.warning('lease lookup failed', { err: errMessage(e) })) : undefined;
    this.chain = this.chain
      .then(() => lookup)
      .then(() => {
        this.pending--;
        this.deliver(raw);
      });
  }

  private deliver(raw: IEvent[]): void {
    if (this.dead) return;
    const events: WatchEvent[] = raw.map((ev) => {
      const out: WatchEvent = { type: isDelete(ev) ? 'DELETE' : 'PUT', kv: this.store.toKv(ev.kv) };
      if (ev.prev_kv) out.prevKv = this.store.toKv(ev.prev_kv);
      return out;
    });
    try {
      this.onEvents(events);
    } catch (e) {
      log.error('watch handler threw', { prefix: this.prefix, err: errMessage(e) });
    }
  }

  /** The stream failed (etcd down or restarting, connection lost): re-establish it later. */
  private broken(stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined, e: unknown): void {
    if (stream && stream !== this.stream) return;
    this.teardown();
    if (this.dead) return;
    if (this.store.isClosed()) {
      this.fail(closedError());
      return;
    }
    log.v(2).info('watch stream broken; re-establishing', { prefix: this.prefix, from: this.nextRev, err: errMessage(e) });
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, WATCH_RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }

  private teardown(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      try {
        s.cancel();
      } catch {
        /* ignore */
      }
    }
    if (this.dead) this.store.forget(this);
  }
}
