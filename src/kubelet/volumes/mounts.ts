// A container's volumeMounts as CRI mounts (upstream's kubelet makeMounts): the volume's host
// path (or a safe bind mount of its subPath / expanded subPathExpr), read-only when the mount
// asks for it or the volume must be (secret, configMap, downwardAPI, projected), and the mount
// propagation translated to CRI's PROPAGATION_* values.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { Logger } from '../../util/klog.js';
import { expandSubPathExpr, simpleContainerEnv } from './expansion.js';
import type { PodPaths } from './paths.js';
import { prepareSafeSubpath, safeMakeDir, validateSubPath } from './subpath.js';
import type { ContainerMountSpec, PodVolume } from './types.js';

/** translateMountPropagation: None (and unset) → PRIVATE, HostToContainer → HOST_TO_CONTAINER (rslave), Bidirectional → BIDIRECTIONAL (rshared). */
export function translateMountPropagation(mode: string | undefined): string {
  switch (mode ?? 'None') {
    case 'None':
      return 'PROPAGATION_PRIVATE';
    case 'HostToContainer':
      return 'PROPAGATION_HOST_TO_CONTAINER';
    case 'Bidirectional':
      return 'PROPAGATION_BIDIRECTIONAL';
    default:
      throw new Error(`invalid MountPropagation mode: ${JSON.stringify(mode)}`);
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

export function makeMounts(
  paths: PodPaths,
  log: Logger,
  pod: Pod,
  container: Container,
  volumes: Map<string, PodVolume>,
  env?: Record<string, string>,
): ContainerMountSpec[] {
  const uid = pod.metadata?.uid ?? '';
  let envMap: Map<string, string> | undefined;
  return (container.volumeMounts ?? []).map((m, i) => {
    const vol = volumes.get(m.name);
    if (!vol) throw new Error(`cannot find volume ${JSON.stringify(m.name)} to mount into container ${JSON.stringify(container.name)}`);
    let hostPath = vol.hostPath;
    let subPath = m.subPath ?? '';
    if (m.subPathExpr) {
      envMap ??= env ? new Map(Object.entries(env)) : simpleContainerEnv(pod, container);
      subPath = expandSubPathExpr(m.subPathExpr, envMap);
    }
    if (subPath) {
      validateSubPath(subPath);
      if (!exists(join(hostPath, subPath))) {
        // created now, with the volume's mode, so that it does not appear later with the wrong owner
        try {
          safeMakeDir(hostPath, subPath, statSync(hostPath).mode & 0o7777);
        } catch (err) {
          // the detail stays in the log: it could tell about the host's file system
          log.error('Failed to create subPath directory for volumeMount of the container', { pod: pod.metadata?.name, containerName: container.name, volumeMountName: m.name, err });
          throw new Error(`failed to create subPath directory for volumeMount ${JSON.stringify(m.name)} of container ${JSON.stringify(container.name)}`);
        }
      }
      try {
        hostPath = prepareSafeSubpath(hostPath, subPath, paths.subpathDir(uid, m.name, container.name, i));
      } catch (err) {
        log.error('Failed to prepare subPath for volumeMount of the container', { pod: pod.metadata?.name, containerName: container.name, volumeMountName: m.name, err });
        throw new Error(`failed to prepare subPath for volumeMount ${JSON.stringify(m.name)} of container ${JSON.stringify(container.name)}`);
      }
    }
    const propagation = translateMountPropagation(m.mountPropagation);
    if (propagation === 'PROPAGATION_BIDIRECTIONAL' && container.securityContext?.privileged !== true) {
      throw new Error('Bidirectional mount propagation is available only to privileged containers');
    }
    return { hostPath, containerPath: m.mountPath, readonly: m.readOnly === true || vol.readOnly, propagation };
  });
}
