// The kubelet's volume manager: sets up a pod's volumes on the host before its containers start
// (emptyDir, hostPath, configMap, secret, downwardAPI, projected), keeps the projected ones
// current in place (referenced ConfigMaps/Secrets are watched, tokens refreshed, the downward API
// rewritten when setUpPod sees new labels or annotations), builds each container's CRI mounts,
// and removes everything when the pod goes. Work for one pod is serialized.
import { createHash } from 'node:crypto';
import { readdir, rm, rmdir } from 'node:fs/promises';
import type { ConfigMap, Container, Pod, Secret, Volume } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../apimachinery/quantity.js';
import { AtomicWriter } from './atomic-writer.js';
import type { Payload } from './atomic-writer.js';
import { hostAllocatable } from './downward.js';
import type { NodeAllocatable } from './downward.js';
import { emptyDirMemorySize, setUpEmptyDir } from './emptydir.js';
import { checkHostPathType } from './hostpath.js';
import { makeMounts } from './mounts.js';
import { mountsUnder, readMounts, unmount } from './mount.js';
import { ObjectCache } from './objects.js';
import { fsGroupOf, fsUserFrom, setVolumeOwnership } from './ownership.js';
import { PLUGINS, PodPaths } from './paths.js';
import { DEFAULT_MODE, configMapVolumePayload, downwardAPIPayload, projectedPayload, secretVolumePayload } from './payload.js';
import type { PayloadSources } from './payload.js';
import { TokenManager } from './tokens.js';
import type { ContainerMountSpec, PodVolume, VolumeManager, VolumeManagerDeps } from './types.js';

/** A volume that could not be set up; the message is the FailedMount event's text, as upstream's. */
export class VolumeSetupError extends Error {
  readonly reason = 'FailedMount';
  /** every volume that failed in the same set-up (this one first) */
  all: VolumeSetupError[] = [this];
  constructor(
    readonly volume: string,
    readonly detail: string,
  ) {
    super(`MountVolume.SetUp failed for volume ${JSON.stringify(volume)} : ${detail}`);
    this.name = 'VolumeSetupError';
  }
}

interface PodState {
  pod: Pod;
  /** volume name → fingerprint of the payload last written (skips the writer when unchanged) */
  written: Map<string, string>;
  /** emptyDir volumes this process has set up (a later setUpPod has nothing to do for them) */
  emptyDirs: Set<string>;
  /** serializes set-ups of this pod */
  chain: Promise<unknown>;
  refreshQueued: boolean;
  tokenTimer?: NodeJS.Timeout;
  removed: boolean;
}

/** "namespace/name" of the ConfigMaps and Secrets the pod's volumes reference. */
export function volumeReferences(pod: Pod): { configMaps: Set<string>; secrets: Set<string> } {
  const ns = pod.metadata?.namespace ?? '';
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(`${ns}/${v.configMap.name}`);
    if (v.secret?.secretName) secrets.add(`${ns}/${v.secret.secretName}`);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) configMaps.add(`${ns}/${s.configMap.name}`);
      if (s.secret?.name) secrets.add(`${ns}/${s.secret.name}`);
    }
  }
  return { configMaps, secrets };
}

function fingerprint(payload: Payload): string {
  const h = createHash('sha256');
  for (const p of [...payload.keys()].sort()) {
    const f = payload.get(p)!;
    h.update(`${p}\0${f.mode}\0${f.fsUser ?? ''}\0${f.data.length}\0`);
    h.update(f.data);
  }
  return h.digest('hex');
}

const VOLUME_TYPES = ['persistentVolumeClaim', 'ephemeral', 'csi', 'nfs', 'iscsi', 'rbd', 'cephfs', 'fc', 'image', 'gitRepo', 'local'];

export class Manager implements VolumeManager {
  readonly paths: PodPaths;
  readonly configMaps: ObjectCache<ConfigMap>;
  readonly secrets: ObjectCache<Secret>;
  readonly tokens: TokenManager;
  private pods = new Map<string, PodState>();
  private allocatableCache?: NodeAllocatable;

  constructor(private readonly deps: VolumeManagerDeps) {
    this.paths = new PodPaths(deps.rootDir);
    const onChange = (uids: string[]) => {
      for (const uid of uids) this.refresh(uid);
    };
    const opts = { pollIntervalMs: deps.objectPollIntervalMs };
    this.configMaps = new ObjectCache<ConfigMap>(deps.client, 'configmap', deps.log, onChange, opts);
    this.secrets = new ObjectCache<Secret>(deps.client, 'secret', deps.log, onChange, opts);
    this.tokens = new TokenManager(deps.client, deps.log);
  }

  setUpPod(pod: Pod): Promise<Map<string, PodVolume>> {
    const uid = pod.metadata?.uid;
    if (!uid) return Promise.reject(new Error('setUpPod: the pod has no metadata.uid'));
    let state = this.pods.get(uid);
    if (!state) {
      state = { pod, written: new Map(), emptyDirs: new Set(), chain: Promise.resolve(), refreshQueued: false, removed: false };
      this.pods.set(uid, state);
    }
    state.pod = pod;
    state.removed = false;
    const refs = volumeReferences(pod);
    this.configMaps.setReferences(uid, refs.configMaps);
    this.secrets.setReferences(uid, refs.secrets);
    const s = state;
    return this.serialize(s, () => this.setUpVolumes(s));
  }

  containerMounts(pod: Pod, container: Container, volumes: Map<string, PodVolume>, env?: Record<string, string>): ContainerMountSpec[] {
    return makeMounts(this.paths, this.deps.log, pod, container, volumes, env);
  }

  async tearDownPod(podUid: string): Promise<void> {
    const state = this.pods.get(podUid);
    if (state) {
      state.removed = true;
      clearTimeout(state.tokenTimer);
      await state.chain.catch(() => {});
      if (state.removed) this.pods.delete(podUid);
    }
    this.configMaps.setReferences(podUid, new Set());
    this.secrets.setReferences(podUid, new Set());
    this.tokens.deletePod(podUid);
    this.tokens.cleanup();
    const dirs = [this.paths.podSubpathsDir(podUid), this.paths.podVolumesDir(podUid)];
    for (const dir of dirs) for (const mp of mountsUnder(await readMounts(), dir)) await unmount(mp);
    const mounts = await readMounts();
    // never remove through a mount: whatever is still mounted below stops the tear-down
    const still = dirs.flatMap((d) => mountsUnder(mounts, d));
    if (still.length) throw new Error(`volumes of pod ${podUid} are still mounted: ${still.join(', ')}`);
    for (const dir of [...dirs, this.paths.podPluginsDir(podUid)]) await rm(dir, { recursive: true, force: true });
    // the pod directory itself goes when nothing else (containers, etc-hosts) is left in it
    await rmdir(this.paths.podDir(podUid)).catch(() => {});
    this.deps.log.v(3).info('tore down volumes of pod', { podUID: podUid });
  }

  async podsOnDisk(): Promise<string[]> {
    try {
      return (await readdir(this.paths.podsDir(), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  stop(): void {
    for (const s of this.pods.values()) clearTimeout(s.tokenTimer);
    this.configMaps.stop();
    this.secrets.stop();
  }

  // ---------------------------------------------------------------------------------------------

  private serialize<T>(state: PodState, fn: () => Promise<T>): Promise<T> {
    const run = state.chain.catch(() => {}).then(fn);
    state.chain = run.catch(() => {});
    return run;
  }

  /** Set up the pod's volumes again in the background (a referenced object changed, a token is due). */
  private refresh(uid: string): void {
    const state = this.pods.get(uid);
    if (!state || state.removed || state.refreshQueued) return;
    state.refreshQueued = true;
    this.serialize(state, () => {
      state.refreshQueued = false;
      if (state.removed) return Promise.resolve(undefined);
      return this.setUpVolumes(state);
    }).catch((err) => {
      this.deps.log.v(2).info('refreshing volumes failed', { pod: podName(state.pod), err: (err as Error).message });
    });
  }

  private allocatable(): NodeAllocatable {
    const fromNode = this.deps.nodeAllocatable?.();
    if (fromNode?.memory && fromNode.cpu) return fromNode; // empty until the node status has been computed once
    return (this.allocatableCache ??= hostAllocatable());
  }

  private async setUpVolumes(state: PodState): Promise<Map<string, PodVolume>> {
    const pod = state.pod;
    const refreshAt: number[] = [];
    const sources: PayloadSources = {
      getConfigMap: (ns, name) => this.configMaps.get(ns, name),
      getSecret: (ns, name) => this.secrets.get(ns, name),
      getToken: async (p, src) => {
        const t = await this.tokens.get(p.metadata?.namespace ?? '', p.spec?.serviceAccountName || 'default', {
          audiences: src.audience ? [src.audience] : [],
          expirationSeconds: src.expirationSeconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: p.metadata?.name ?? '', uid: p.metadata?.uid ?? '' },
        });
        refreshAt.push(this.tokens.refreshAt(t));
        return t.token;
      },
      allocatable: () => this.allocatable(),
    };
    const out = new Map<string, PodVolume>();
    const errors: VolumeSetupError[] = [];
    for (const vol of pod.spec?.volumes ?? []) {
      try {
        out.set(vol.name, await this.setUpVolume(state, vol, sources));
      } catch (err) {
        errors.push(new VolumeSetupError(vol.name, (err as Error).message));
      }
    }
    this.scheduleTokenRefresh(state, refreshAt);
    if (errors.length) {
      const first = errors[0]!;
      first.all = errors;
      for (const e of errors) this.deps.log.error(e.message, { pod: podName(pod), podUID: pod.metadata?.uid });
      throw first;
    }
    return out;
  }

  private scheduleTokenRefresh(state: PodState, refreshAt: number[]): void {
    clearTimeout(state.tokenTimer);
    state.tokenTimer = undefined;
    if (!refreshAt.length || state.removed) return;
    const delay = Math.min(Math.max(Math.min(...refreshAt) - Date.now(), 1000), 2 ** 31 - 1);
    const uid = state.pod.metadata?.uid ?? '';
    state.tokenTimer = setTimeout(() => this.refresh(uid), delay);
    state.tokenTimer.unref();
  }

  private async setUpVolume(state: PodState, vol: Volume, src: PayloadSources): Promise<PodVolume> {
    const pod = state.pod;
    const uid = pod.metadata?.uid ?? '';
    const name = vol.name;
    if (vol.emptyDir) {
      const dir = this.paths.volumeDir(uid, PLUGINS.emptyDir, name);
      const medium = vol.emptyDir.medium ?? '';
      if (state.emptyDirs.has(name)) return { name, hostPath: dir, readOnly: false };
      await setUpEmptyDir(dir, {
        medium,
        metaDir: this.paths.pluginDir(uid, PLUGINS.emptyDir, name),
        sizeBytes: medium === 'Memory' ? this.memorySize(pod, vol.emptyDir.sizeLimit as string | undefined) : undefined,
        fsGroup: fsGroupOf(pod),
      });
      state.emptyDirs.add(name);
      return { name, hostPath: dir, readOnly: false };
    }
    if (vol.hostPath) {
      await checkHostPathType(vol.hostPath.path, vol.hostPath.type);
      return { name, hostPath: vol.hostPath.path, readOnly: false };
    }
    if (vol.configMap) {
      const payload = await configMapVolumePayload(src, pod, vol.configMap, vol.configMap.defaultMode ?? DEFAULT_MODE);
      return this.project(state, name, PLUGINS.configMap, '', payload);
    }
    if (vol.secret) {
      const s = vol.secret;
      const payload = await secretVolumePayload(src, pod, { name: s.secretName, items: s.items, optional: s.optional }, s.defaultMode ?? DEFAULT_MODE);
      return this.project(state, name, PLUGINS.secret, 'Memory', payload);
    }
    if (vol.downwardAPI) {
      const payload = downwardAPIPayload(vol.downwardAPI.items, pod, vol.downwardAPI.defaultMode ?? DEFAULT_MODE, this.allocatable());
      return this.project(state, name, PLUGINS.downwardAPI, 'Memory', payload);
    }
    if (vol.projected) {
      const payload = await projectedPayload(src, pod, vol.projected, { fsUser: fsUserFrom(pod), fsGroup: fsGroupOf(pod) });
      return this.project(state, name, PLUGINS.projected, 'Memory', payload);
    }
    const type = VOLUME_TYPES.find((t) => (vol as unknown as Record<string, unknown>)[t]) ?? Object.keys(vol).find((k) => k !== 'name') ?? 'unknown';
    throw new Error(`no volume plugin matched: ${type} volumes are not supported by this kubelet`);
  }

  private memorySize(pod: Pod, sizeLimit: string | undefined): number {
    const mem = this.allocatable().memory;
    let node = Number.NaN;
    try {
      node = parseQuantity(String(mem)).value();
    } catch {
      // no usable allocatable memory: the kernel's default size
    }
    return Number.isFinite(node) && node > 0 ? emptyDirMemorySize(node, pod, sizeLimit) : 0;
  }

  /** The wrapped emptyDir, then the payload through the atomic writer (skipped when this process already wrote it). */
  private async project(state: PodState, name: string, plugin: string, medium: string, payload: Payload): Promise<PodVolume> {
    const pod = state.pod;
    const uid = pod.metadata?.uid ?? '';
    const dir = this.paths.volumeDir(uid, plugin, name);
    const volume: PodVolume = { name, hostPath: dir, readOnly: true };
    const fp = fingerprint(payload);
    const previous = state.written.get(name);
    if (previous === fp) return volume;
    await setUpEmptyDir(dir, {
      medium,
      metaDir: this.paths.pluginDir(uid, PLUGINS.emptyDir, `wrapped_${name}`),
      sizeBytes: medium === 'Memory' ? this.memorySize(pod, undefined) : undefined,
    });
    const fsGroup = fsGroupOf(pod);
    const writer = new AtomicWriter(dir, {
      logContext: `pod ${podName(pod)} volume ${name}`,
      // the whole volume, as files outside the timestamped directory may be new too
      setPerms: fsGroup === undefined ? undefined : () => setVolumeOwnership(dir, fsGroup, true),
    });
    const wrote = await writer.write(payload);
    state.written.set(name, fp);
    if (wrote && previous !== undefined) {
      this.deps.log.v(2).info('volume updated', { pod: podName(pod), volume: name });
      this.deps.onVolumeUpdated?.(uid, name);
    }
    return volume;
  }
}

function podName(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}
