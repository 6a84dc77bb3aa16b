// The static pod source and mirror pods (upstream's file config source plus the mirror client):
// staticPodPath is read every fileCheckFrequency and on fs.watch events; new or changed files
// become pods handed to the pod lifecycle (an edit is a new UID: the old pod is removed), removed
// files remove their pods. For each static pod a mirror pod exists in the API: created when
// missing (recreated when deleted), replaced when its hash differs, deleted when the file goes.
import { readdirSync, readFileSync, statSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { RestClient, ResourceRef } from '../../client/rest.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../client/rest.js';
import type { Logger } from '../../util/klog.js';
import type { PodSource } from '../pods/types.js';
import { ConfigHashAnnotation, ConfigMirrorAnnotation, mirrorPodFor, seenTime, staticPodFromFile } from './pod.js';

const podRef = (namespace: string, name?: string): ResourceRef => ({ group: '', version: 'v1', resource: 'pods', namespace, name });

export interface StaticPodDeps {
  dir: string;
  nodeName: string;
  /** fileCheckFrequency in ms */
  periodMs: number;
  client?: RestClient;
  /** the Node's UID (mirror pods are owned by it); undefined until registered */
  nodeUID: () => string | undefined;
  upsertPod: (pod: Pod, source: PodSource) => void;
  removePod: (uid: string) => void;
  log: Logger;
}

interface FileEntry {
  mtimeMs: number;
  size: number;
  content: string;
  pod?: Pod;
}

const key = (ns: string, name: string) => `${ns}/${name}`;

export class StaticPodSource {
  private files = new Map<string, FileEntry>();
  /** static pods by namespace/name */
  private pods = new Map<string, Pod>();
  /** mirror pods seen in the API, by namespace/name */
  private mirrors = new Map<string, Pod>();
  private timer?: NodeJS.Timeout;
  private watcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;
  private stopped = false;
  private reconciling = false;
  private again = false;

  constructor(private readonly d: StaticPodDeps) {}

  start(): void {
    this.scan();
    this.watchDir();
    const tick = () => {
      if (this.stopped) return;
      this.scan();
      this.watchDir();
      void this.reconcileMirrors();
      this.timer = setTimeout(tick, this.d.periodMs);
    };
    this.timer = setTimeout(tick, this.d.periodMs);
  }

  /** fs.watch the directory once it exists (polling every fileCheckFrequency covers the rest). */
  private watchDir(): void {
    if (this.watcher || this.stopped) return;
    try {
      this.watcher = watch(this.d.dir, () => this.soon());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.d.log.warning('Unable to watch the static pod path; polling only', { path: this.d.dir, err: (err as Error).message });
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.watcher?.close();
  }

  /** Static pods currently read from files. */
  list(): Pod[] {
    return [...this.pods.values()];
  }

  private soon(): void {
    if (this.debounce || this.stopped) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.scan();
      void this.reconcileMirrors();
    }, 100);
  }

  /** Read the directory; hand new/changed/removed pods to the lifecycle. */
  scan(): void {
    let names: string[];
    try {
      names = readdirSync(this.d.dir).filter((n) => !n.startsWith('.'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.d.log.error('Unable to read static pod path', { path: this.d.dir, err: (err as Error).message });
      names = [];
    }
    const present = new Set<string>();
    for (const n of names) {
      const path = join(this.d.dir, n);
      let st;
      try {
        st = statSync(path);
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      present.add(path);
      const old = this.files.get(path);
      if (old && old.mtimeMs === st.mtimeMs && old.size === st.size) continue;
      let content: string;
      try {
        content = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
      if (old && old.content === content) {
        old.mtimeMs = st.mtimeMs;
        old.size = st.size;
        continue;
      }
      const entry: FileEntry = { mtimeMs: st.mtimeMs, size: st.size, content };
      try {
        entry.pod = staticPodFromFile(content, path, this.d.nodeName, seenTime());
      } catch (err) {
        this.d.log.error('Could not process static pod file', { path, err: (err as Error).message });
      }
      if (old?.pod) this.removed(old.pod);
      this.files.set(path, entry);
      if (entry.pod) this.added(entry.pod);
    }
    for (const [path, entry] of this.files) {
      if (present.has(path)) continue;
      this.files.delete(path);
      if (entry.pod) this.removed(entry.pod);
    }
  }

  private added(pod: Pod): void {
    const k = key(pod.metadata!.namespace!, pod.metadata!.name!);
    const prev = this.pods.get(k);
    if (prev && prev.metadata!.uid !== pod.metadata!.uid) this.d.removePod(prev.metadata!.uid!);
    this.pods.set(k, pod);
    this.d.log.v(2).info('Static pod added or updated', { pod: k, uid: pod.metadata!.uid });
    this.d.upsertPod(pod, 'file');
  }

  private removed(pod: Pod): void {
    const k = key(pod.metadata!.namespace!, pod.metadata!.name!);
    if (this.pods.get(k)?.metadata!.uid === pod.metadata!.uid) this.pods.delete(k);
    this.d.log.v(2).info('Static pod removed', { pod: k, uid: pod.metadata!.uid });
    this.d.removePod(pod.metadata!.uid!);
  }

  /** A mirror pod from the API pod informer (added/updated), or undefined with its key when deleted. */
  observeMirror(pod: Pod, deleted = false): void {
    const k = key(pod.metadata!.namespace!, pod.metadata!.name!);
    if (deleted) {
      if (this.mirrors.get(k)?.metadata?.uid === pod.metadata?.uid) this.mirrors.delete(k);
    } else this.mirrors.set(k, pod);
    this.soon();
  }

  /** Make the API's mirror pods match the static pods (serialised; a request during a run re-runs it). */
  async reconcileMirrors(): Promise<void> {
    const client = this.d.client;
    const nodeUID = this.d.nodeUID();
    if (!client || !nodeUID) return;
    if (this.reconciling) {
      this.again = true;
      return;
    }
    this.reconciling = true;
    try {
      do {
        this.again = false;
        for (const [k, pod] of this.pods) {
          const mirror = this.mirrors.get(k);
          const hash = pod.metadata!.annotations![ConfigHashAnnotation];
          if (mirror && mirror.metadata?.annotations?.[ConfigMirrorAnnotation] === hash && !mirror.metadata?.deletionTimestamp) continue;
          if (mirror) await this.deleteMirror(mirror, 'its static pod changed');
          try {
            const created = await client.create<Pod>(podRef(pod.metadata!.namespace!), mirrorPodFor(pod, { name: this.d.nodeName, uid: nodeUID }));
            this.mirrors.set(k, created);
            this.d.log.v(2).info('Created mirror pod', { pod: k });
          } catch (err) {
            if (!isAlreadyExists(err)) this.d.log.error('Failed creating a mirror pod', { pod: k, err: (err as Error).message });
          }
        }
        for (const [k, mirror] of this.mirrors) {
          if (this.pods.has(k) || mirror.metadata?.deletionTimestamp) continue;
          await this.deleteMirror(mirror, 'its static pod is gone');
          this.mirrors.delete(k);
        }
      } while (this.again && !this.stopped);
    } finally {
      this.reconciling = false;
    }
  }

  private async deleteMirror(mirror: Pod, why: string): Promise<void> {
    const m = mirror.metadata!;
    try {
      await this.d.client!.delete(podRef(m.namespace!, m.name!), { gracePeriodSeconds: 0, preconditions: { uid: m.uid } });
      this.d.log.v(2).info('Deleted mirror pod', { pod: key(m.namespace!, m.name!), reason: why });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) this.d.log.error('Failed deleting a mirror pod', { pod: key(m.namespace!, m.name!), err: (err as Error).message });
    }
  }
}
