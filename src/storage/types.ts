// The Store interface: a key-value store with etcd v3 semantics, which every backend
// (memory, sqlite, and later etcd) implements and the API server builds on.
//
// Semantics (as etcd v3):
//  - one global revision, incremented by 1 for every successful create, update or delete;
//  - every key has createRevision (revision of its creation), modRevision (revision of its
//    last change) and version (1 at creation, +1 per update);
//  - ranges are ordered by key (byte order) and may be read at a past revision until it is
//    compacted;
//  - watches deliver every change with modRevision >= startRevision, in revision order,
//    for keys under a prefix; a watch whose start revision is compacted fails with
//    StorageError('Compacted');
//  - keys created with a TTL disappear after it (a DELETE event, as an etcd lease expiry).

export interface KeyValue {
  key: string;
  /** Stored bytes. Empty for the kv of a DELETE event. */
  value: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  /** Absolute expiry (ms since epoch) of a key written with a TTL. */
  expiresAt?: number;
}

export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  /** For PUT: the new kv. For DELETE: key and modRevision (the deletion revision), empty value. */
  kv: KeyValue;
  /** The kv before this change (absent for a create). */
  prevKv?: KeyValue;
}

export interface ListOptions {
  /** Continue from this key (inclusive), as etcd's range start. Must be under the prefix. */
  startKey?: string;
  /** At most this many items (0 or undefined: no limit). */
  limit?: number;
  /** Read at this past revision (0/undefined: current). Compacted → StorageError('Compacted'). */
  revision?: number;
  /**
   * Do not count the remaining keys (a page-by-page full read, e.g. loading a cache, would
   * otherwise count the rest of the range on every page): `count` is then only a lower bound.
   */
  skipCount?: boolean;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the read was served at. */
  revision: number;
  /** True when more keys follow the last one returned. */
  more: boolean;
  /** Number of keys in [startKey, end of prefix) at that revision (etcd's count). */
  count: number;
}

export interface WriteOptions {
  /** Key expires after this many seconds (used for Events, --event-ttl). */
  ttlSeconds?: number;
}

export interface UpdateOptions extends WriteOptions {
  /** Compare-and-swap: fail with Conflict unless the key's modRevision equals this. */
  expectedModRevision?: number;
}

export interface DeleteOptions {
  expectedModRevision?: number;
}

export interface WatchOptions {
  /** Deliver events with modRevision >= startRevision. 0/undefined: only future changes. */
  startRevision?: number;
}

export interface Watcher {
  cancel(): void;
}

export type WatchHandler = (events: WatchEvent[]) => void;
/** Called at most once; the watch is dead afterwards. */
export type WatchErrorHandler = (err: StorageError) => void;

export interface Store {
  /** e.g. 'memory', 'sqlite', 'etcd3' */
  readonly backend: string;
  currentRevision(): Promise<number>;
  /** Revision below which history is gone (0 when never compacted). */
  compactedRevision(): Promise<number>;
  get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined>;
  /** All keys that start with prefix (a prefix normally ends with '/'). */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Number of keys under prefix now. */
  count(prefix: string): Promise<number>;
  /** Fails with KeyExists if the key is present. */
  create(key: string, value: Buffer, opts?: WriteOptions): Promise<KeyValue>;
  /** Fails with KeyNotFound if absent, Conflict (err.current set) on a revision mismatch. */
  update(key: string, value: Buffer, opts?: UpdateOptions): Promise<KeyValue>;
  /** Returns the deleted kv (its last value) and the deletion revision. */
  delete(key: string, opts?: DeleteOptions): Promise<{ prev: KeyValue; revision: number }>;
  watch(prefix: string, opts: WatchOptions, onEvents: WatchHandler, onError: WatchErrorHandler): Watcher;
  /** Drop history older than revision (keeping each key's latest value). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

export type StorageErrorCode = 'KeyExists' | 'KeyNotFound' | 'Conflict' | 'Compacted' | 'FutureRevision' | 'Unavailable';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    readonly key?: string,
    /** For Conflict: the key's current kv (undefined if it is gone). */
    readonly current?: KeyValue,
    /** For Compacted: the compacted revision. */
    readonly compactRevision?: number,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}
