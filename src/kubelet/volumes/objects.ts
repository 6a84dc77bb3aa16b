// The ConfigMaps and Secrets that pods on this node reference, kept current as upstream's
// watch-based manager does (pkg/kubelet/util/manager): per referenced object one GET and one
// watch with fieldSelector=metadata.name=<name> — the only reads the Node authorizer allows a
// kubelet —, shared by every pod referencing it and stopped when no pod does any more. Immutable
// objects are not watched. A change is reported with the UIDs of the pods that reference it.
import type { KubeObject, RestClient, Watcher } from '../../client/rest.js';
import { isForbidden, isNotFound, sleep } from '../../client/rest.js';
import type { Logger } from '../../util/klog.js';
import { ObjectNotFoundError } from './payload.js';

export type ObjectKind = 'configmap' | 'secret';
const WATCH_RETRY_MS = 60_000;
const RESOURCE: Record<ObjectKind, string> = { configmap: 'configmaps', secret: 'secrets' };

interface Entry<T> {
  namespace: string;
  name: string;
  /** UIDs of the pods referencing the object */
  refs: Set<string>;
  /** undefined: never fetched; null: does not exist */
  obj?: T | null;
  /** true while a watch keeps obj current (get() then needs no request) */
  live: boolean;
  abort: AbortController;
  watcher?: Watcher<T>;
  inflight?: Promise<T | null>;
  /** until then (ms since the epoch) the object is polled: the server refused to watch it */
  pollOnlyUntil: number;
}

export interface ObjectCacheOptions {
  /** how often to re-read an object whose watch the server refuses (default 2 s) */
  pollIntervalMs?: number;
}

export class ObjectCache<T extends KubeObject & { immutable?: boolean }> {
  private entries = new Map<string, Entry<T>>();
  /** pod UID → the keys ("namespace/name") it references */
  private podRefs = new Map<string, Set<string>>();
  private stopped = false;
  private warnedForbidden = false;
  private readonly pollMs: number;

  constructor(
    private readonly client: RestClient,
    readonly kind: ObjectKind,
    private readonly log: Logger,
    private readonly onChange: (podUids: string[]) => void,
    opts: ObjectCacheOptions = {},
  ) {
    this.pollMs = opts.pollIntervalMs ?? 2000;
  }

  /** Replace the set of objects ("namespace/name") the pod references. */
  setReferences(podUid: string, keys: Set<string>): void {
    const old = this.podRefs.get(podUid) ?? new Set<string>();
    for (const k of keys) if (!old.has(k)) this.ref(k, podUid);
    for (const k of old) if (!keys.has(k)) this.unref(k, podUid);
    if (keys.size) this.podRefs.set(podUid, keys);
    else this.podRefs.delete(podUid);
  }

  /** Number of objects currently fetched and watched (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** The object, from the watch when it is live, else with a GET. Rejects with ObjectNotFoundError. */
  async get(namespace: string, name: string): Promise<T> {
    const e = this.entries.get(`${namespace}/${name}`);
    let obj: T | null;
    if (e && e.live && e.obj !== undefined) obj = e.obj;
    else if (e) obj = await this.fetch(e);
    else obj = await this.getOnce(namespace, name);
    if (!obj) throw new ObjectNotFoundError(this.kind, name);
    return obj;
  }

  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) this.close(e);
    this.entries.clear();
    this.podRefs.clear();
  }

  private ref(key: string, podUid: string): void {
    let e = this.entries.get(key);
    if (!e) {
      const slash = key.indexOf('/');
      e = { namespace: key.slice(0, slash), name: key.slice(slash + 1), refs: new Set(), live: false, abort: new AbortController(), pollOnlyUntil: 0 };
      this.entries.set(key, e);
      if (!this.stopped) void this.run(e);
    }
    e.refs.add(podUid);
  }

  private unref(key: string, podUid: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.refs.delete(podUid);
    if (e.refs.size === 0) {
      this.close(e);
      this.entries.delete(key);
      this.log.v(4).info(`stopped watching ${this.kind}`, { namespace: e.namespace, name: e.name });
    }
  }

  private close(e: Entry<T>): void {
    e.abort.abort();
    e.watcher?.stop();
    e.live = false;
  }

  private async getOnce(namespace: string, name: string, signal?: AbortSignal): Promise<T | null> {
    try {
      return await this.client.get<T>({ group: '', version: 'v1', resource: RESOURCE[this.kind], namespace, name }, { signal });
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** One GET for the entry (concurrent callers share it). */
  private fetch(e: Entry<T>): Promise<T | null> {
    e.inflight ??= this.getOnce(e.namespace, e.name, e.abort.signal)
      .then((obj) => {
        this.set(e, obj);
        return obj;
      })
      .finally(() => (e.inflight = undefined));
    return e.inflight;
  }

  private set(e: Entry<T>, obj: T | null): void {
    const before = e.obj;
    e.obj = obj;
    if (before === undefined) return;
    const rv = (o: T | null | undefined) => (o ? (o.metadata?.resourceVersion ?? '') : null);
    if (rv(before) === rv(obj)) return;
    this.log.v(3).info(`${this.kind} changed`, { namespace: e.namespace, name: e.name, resourceVersion: rv(obj) });
    if (e.refs.size) this.onChange([...e.refs]);
  }

  /** GET, then watch from the object's resourceVersion; again when the watch ends. */
  private async run(e: Entry<T>): Promise<void> {
    let backoff = 1000;
    const signal = e.abort.signal;
    while (!signal.aborted) {
      let watching = false;
      try {
        const obj = await this.fetch(e);
        if (signal.aborted) return;
        if (obj?.immutable) {
          // an immutable object never changes: no watch needed (upstream stops its reflector)
          e.live = true;
          return;
        }
        if (Date.now() < e.pollOnlyUntil) {
          await sleep(this.pollMs, signal).catch(() => {});
          continue;
        }
        watching = true;
        const w = await this.client.watch<T>(
          { group: '', version: 'v1', resource: RESOURCE[this.kind], namespace: e.namespace, name: e.name },
          { resourceVersion: obj?.metadata?.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 + Math.floor(Math.random() * 300), signal },
        );
        e.watcher = w;
        e.live = true;
        const started = Date.now();
        for await (const ev of w) {
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.set(e, ev.object);
          else if (ev.type === 'DELETED') this.set(e, null);
          else if (ev.type === 'ERROR') break; // e.g. 410 Expired: read again
        }
        e.live = false;
        // a watch the server ends at once is not retried in a tight loop
        if (Date.now() - started < 1000) await sleep(backoff, signal).catch(() => {});
        else backoff = 1000;
      } catch (err) {
        e.live = false;
        if (signal.aborted) return;
        if (isForbidden(err)) {
          // the Node authorizer refuses reads of objects no pod of this node references (yet):
          // read again shortly, as the graph catches up. A refused watch (the GET went through)
          // falls back to polling for a minute before the watch is tried again.
          if (watching) {
            e.pollOnlyUntil = Date.now() + WATCH_RETRY_MS;
            if (!this.warnedForbidden) {
              this.warnedForbidden = true;
              this.log.warning(`cannot watch ${this.kind}; polling it instead`, { namespace: e.namespace, name: e.name, err: (err as Error).message });
            }
          } else {
            this.log.v(2).info(`cannot read ${this.kind} yet; retrying`, { namespace: e.namespace, name: e.name, err: (err as Error).message });
          }
          await sleep(this.pollMs, signal).catch(() => {});
          continue;
        }
        this.log.v(2).info(`${this.kind} watch failed; retrying`, { namespace: e.namespace, name: e.name, err: (err as Error).message, backoffMs: backoff });
        await sleep(backoff, signal).catch(() => {});
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }
}
