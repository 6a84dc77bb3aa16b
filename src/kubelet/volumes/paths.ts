// The kubelet's on-disk layout for pod volumes, as upstream's volume host lays it out:
//   <rootDir>/pods/<uid>/volumes/kubernetes.io~<plugin>/<volume>   (the volume itself)
//   <rootDir>/pods/<uid>/plugins/kubernetes.io~<plugin>/<volume>   (per-volume plugin metadata)
//   <rootDir>/pods/<uid>/volume-subpaths/<volume>/<container>/<i>  (subPath bind mounts)
import { join } from 'node:path';

/** The in-tree plugins k8ts sets up (hostPath is used in place and has no directory). */
export const PLUGINS = {
  emptyDir: 'kubernetes.io/empty-dir',
  configMap: 'kubernetes.io/configmap',
  secret: 'kubernetes.io/secret',
  downwardAPI: 'kubernetes.io/downward-api',
  projected: 'kubernetes.io/projected',
  hostPath: 'kubernetes.io/host-path',
} as const;

/** utilstrings.EscapeQualifiedName: "kubernetes.io/empty-dir" → "kubernetes.io~empty-dir". */
export function escapeQualifiedName(name: string): string {
  return name.replaceAll('/', '~');
}

export class PodPaths {
  constructor(readonly rootDir: string) {}

  podsDir(): string {
    return join(this.rootDir, 'pods');
  }
  podDir(uid: string): string {
    return join(this.podsDir(), uid);
  }
  podVolumesDir(uid: string): string {
    return join(this.podDir(uid), 'volumes');
  }
  podPluginsDir(uid: string): string {
    return join(this.podDir(uid), 'plugins');
  }
  podSubpathsDir(uid: string): string {
    return join(this.podDir(uid), 'volume-subpaths');
  }
  /** <pod>/volumes/kubernetes.io~<plugin>/<volume> */
  volumeDir(uid: string, plugin: string, volume: string): string {
    return join(this.podVolumesDir(uid), escapeQualifiedName(plugin), volume);
  }
  /** <pod>/plugins/kubernetes.io~<plugin>/<volume> (emptyDir keeps its "ready" marker there) */
  pluginDir(uid: string, plugin: string, volume: string): string {
    return join(this.podPluginsDir(uid), escapeQualifiedName(plugin), volume);
  }
  /** <pod>/volume-subpaths/<volume>/<container>/<mount index> */
  subpathDir(uid: string, volume: string, container: string, index: number): string {
    return join(this.podSubpathsDir(uid), volume, container, String(index));
  }
}
