// The CRI ContainerConfig of one container (kuberuntime's generateContainerConfig): command and
// args with $(VAR) expansion, env, working dir, mounts (volumes, /etc/hosts, termination log),
// log path <name>/<restartCount>.log, labels/annotations, resources and the effective security
// context (pod merged with container; runAsNonRoot verified against the image's user).
import type { Container, Pod, PodSecurityContext, SecurityContext } from 'kubernetes-types/core/v1.js';
import type { ContainerMountSpec } from '../volumes/types.js';
import type { ContainerConfig, KeyValue, LinuxContainerSecurityContext, Mount } from './cri.js';
import { ContainerConfigError } from './env.js';
import { expand } from './expansion.js';
import { containerAnnotations, containerLabels } from './labels.js';
import { containerResources } from './qos.js';
import { namespaceOptions } from './sandbox.js';

export interface ImageUser {
  uid?: number;
  username?: string;
}

export interface ContainerConfigInput {
  pod: Pod;
  container: Container;
  restartCount: number;
  hash: string;
  imageRef: string;
  imageUser: ImageUser;
  env: KeyValue[];
  volumeMounts: ContainerMountSpec[];
  /** <podDir>/etc-hosts (mounted at /etc/hosts unless a volume already is) */
  hostsFile?: string;
  /** host file mounted at terminationMessagePath */
  terminationLogFile?: string;
  memoryCapacity: number;
  cpuCFSQuota: boolean;
  cpuPeriodUs: number;
}

/** The container's security context with the pod's defaults filled in (DetermineEffectiveSecurityContext). */
export function effectiveSecurityContext(pod: Pod, c: Container): SecurityContext & Pick<PodSecurityContext, 'supplementalGroups' | 'fsGroup'> {
  const ps = pod.spec?.securityContext ?? {};
  const cs = c.securityContext ?? {};
  return {
    ...cs,
    runAsUser: cs.runAsUser ?? ps.runAsUser,
    runAsGroup: cs.runAsGroup ?? ps.runAsGroup,
    runAsNonRoot: cs.runAsNonRoot ?? ps.runAsNonRoot,
    seLinuxOptions: cs.seLinuxOptions ?? ps.seLinuxOptions,
    seccompProfile: cs.seccompProfile ?? ps.seccompProfile,
    supplementalGroups: ps.supplementalGroups,
    fsGroup: ps.fsGroup,
  };
}

/** verifyRunAsNonRoot: refuses a container that would run as root when runAsNonRoot is set. */
export function verifyRunAsNonRoot(pod: Pod, c: Container, sc: SecurityContext, user: ImageUser): void {
  if (!sc.runAsNonRoot) return;
  const podName = `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
  if (sc.runAsUser !== undefined) {
    if (sc.runAsUser === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy (pod: "${podName}", container: ${c.name})`);
    return;
  }
  if (user.uid !== undefined && user.uid !== null) {
    if (user.uid === 0) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root (pod: "${podName}", container: ${c.name})`);
    return;
  }
  if (user.username) throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${user.username}), cannot verify user is non-root (pod: "${podName}", container: ${c.name})`);
  // no user in the image: it runs as root
  throw new ContainerConfigError(`container has runAsNonRoot and image will run as root (pod: "${podName}", container: ${c.name})`);
}

function linuxSecurityContext(pod: Pod, c: Container, sc: ReturnType<typeof effectiveSecurityContext>): LinuxContainerSecurityContext {
  const privileged = !!sc.privileged;
  const out: LinuxContainerSecurityContext = {
    privileged,
    namespaceOptions: namespaceOptions(pod),
    readonlyRootfs: !!sc.readOnlyRootFilesystem,
    supplementalGroups: [...(sc.supplementalGroups ?? []), ...(sc.fsGroup !== undefined ? [sc.fsGroup] : [])],
    // privileged containers may always escalate; otherwise only an explicit false sets no_new_privs
    noNewPrivs: !privileged && sc.allowPrivilegeEscalation === false,
  };
  if (sc.runAsUser !== undefined) out.runAsUser = { value: sc.runAsUser };
  if (sc.runAsGroup !== undefined) out.runAsGroup = { value: sc.runAsGroup };
  if (sc.capabilities) out.capabilities = { addCapabilities: [...(sc.capabilities.add ?? [])], dropCapabilities: [...(sc.capabilities.drop ?? [])] };
  const seccomp = sc.seccompProfile;
  out.seccomp = { profileType: seccomp?.type === 'RuntimeDefault' ? 'RuntimeDefault' : seccomp?.type === 'Localhost' ? 'Localhost' : 'Unconfined', localhostRef: seccomp?.localhostProfile };
  if (sc.procMount === 'Unmasked') {
    out.maskedPaths = [];
    out.readonlyPaths = [];
  }
  return out;
}

export function containerConfig(input: ContainerConfigInput): ContainerConfig {
  const { pod, container: c } = input;
  const sc = effectiveSecurityContext(pod, c);
  verifyRunAsNonRoot(pod, c, sc, input.imageUser);
  const envMap = new Map(input.env.map((e) => [e.key, e.value]));
  const lookup = (n: string) => envMap.get(n);
  const mounts: Mount[] = input.volumeMounts.map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readonly, propagation: (m.propagation ?? 'PROPAGATION_PRIVATE') as Mount['propagation'] }));
  const mountedAt = new Set(mounts.map((m) => m.containerPath));
  if (input.hostsFile && !mountedAt.has('/etc/hosts')) mounts.push({ containerPath: '/etc/hosts', hostPath: input.hostsFile, readonly: false, propagation: 'PROPAGATION_PRIVATE' });
  const tmp = c.terminationMessagePath ?? '/dev/termination-log';
  if (input.terminationLogFile && tmp && !mountedAt.has(tmp)) mounts.push({ containerPath: tmp, hostPath: input.terminationLogFile, readonly: false, propagation: 'PROPAGATION_PRIVATE' });
  return {
    metadata: { name: c.name, attempt: input.restartCount },
    image: { image: input.imageRef || c.image!, userSpecifiedImage: c.image },
    command: (c.command ?? []).map((x) => expand(x, lookup)),
    args: (c.args ?? []).map((x) => expand(x, lookup)),
    workingDir: c.workingDir ?? '',
    envs: input.env,
    mounts,
    labels: containerLabels(pod, c),
    annotations: containerAnnotations(pod, c, input.hash, input.restartCount),
    logPath: `${c.name}/${input.restartCount}.log`,
    stdin: !!c.stdin,
    stdinOnce: !!c.stdinOnce,
    tty: !!c.tty,
    linux: {
      resources: containerResources(pod, c, { memoryCapacity: input.memoryCapacity, cpuCFSQuota: input.cpuCFSQuota, cpuPeriodUs: input.cpuPeriodUs }),
      securityContext: linuxSecurityContext(pod, c, sc),
    },
  };
}
