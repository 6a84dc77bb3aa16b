// Restart decisions shared by the runtime manager and the status generator
// (kubecontainer.ShouldContainerBeRestarted, types.IsRestartableInitContainer).
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerRecord } from '../pods/runtime-state.js';

/** A sidecar: an init container with restartPolicy Always. */
export function isRestartableInit(c: Container): boolean {
  return (c as Container & { restartPolicy?: string }).restartPolicy === 'Always';
}

/** Whether the next sync should (re)start this container, given its newest runtime record. */
export function shouldRestart(container: Container, pod: Pod, latest: ContainerRecord | undefined, isInit = false): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  if (!latest) return true;
  if (latest.state === 'running') return false;
  if (latest.state === 'unknown' || latest.state === 'created') return true;
  if (isInit && isRestartableInit(container)) return true;
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' || isInit) return latest.exitCode !== 0 && policy !== 'Never';
  return true;
}
