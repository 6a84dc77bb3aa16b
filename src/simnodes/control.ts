// The annotations through which simulated nodes and their pods are steered (so `kubectl
// annotate` works, and so does any API client):
//   Node k8ts.io/sim-ready: "false"      Ready=False, reason KubeletNotReady (kubelet alive)
//   Node k8ts.io/sim-kubelet: "stopped"  no Lease renewals, no status posts, pods left as they
//                                        are: a dead kubelet (the node lifecycle controller
//                                        then marks the node Unknown and taints it)
//   Pod  k8ts.io/sim-ready: "false"      containers never become ready
//   Pod  k8ts.io/sim-exit-code: "N"      containers exit with N after the run duration (also
//                                        for restartPolicy Always: a crash loop)
//   Pod  k8ts.io/sim-run-duration: "5s"  how long containers run before they exit
// Nodes the fleet registers carry the label k8ts.io/simulated: "true".
import { parseDuration } from '../util/flags.js';

export const SIMULATED_LABEL = 'k8ts.io/simulated';
export const SIM_READY_ANNOTATION = 'k8ts.io/sim-ready';
export const SIM_KUBELET_ANNOTATION = 'k8ts.io/sim-kubelet';
export const SIM_EXIT_CODE_ANNOTATION = 'k8ts.io/sim-exit-code';
export const SIM_RUN_DURATION_ANNOTATION = 'k8ts.io/sim-run-duration';

/** The annotations the fleet reads (informers keep only these). */
export const SIM_ANNOTATIONS = [SIM_READY_ANNOTATION, SIM_KUBELET_ANNOTATION, SIM_EXIT_CODE_ANNOTATION, SIM_RUN_DURATION_ANNOTATION];

export function isFalse(v: string | undefined): boolean {
  return v !== undefined && /^(false|0|no|off)$/i.test(v.trim());
}

/** What a node's annotations ask for. */
export function nodeControl(annotations: Record<string, string> | undefined): { ready: boolean; kubeletStopped: boolean } {
  const a = annotations ?? {};
  const k = a[SIM_KUBELET_ANNOTATION]?.trim().toLowerCase();
  return { ready: !isFalse(a[SIM_READY_ANNOTATION]), kubeletStopped: k === 'stopped' || k === 'stop' || k === 'dead' };
}

export interface PodControl {
  /** containers may become ready */
  ready: boolean;
  /** exit code of containers that exit; undefined: only pods that do not restart exit (with 0) */
  exitCode?: number;
  /** run duration override */
  runDurationMs?: number;
}

/** What a pod's annotations ask for (malformed values are ignored). */
export function podControl(annotations: Record<string, string> | undefined): PodControl {
  const a = annotations ?? {};
  const out: PodControl = { ready: !isFalse(a[SIM_READY_ANNOTATION]) };
  const code = a[SIM_EXIT_CODE_ANNOTATION];
  if (code !== undefined && /^-?\d+$/.test(code.trim())) out.exitCode = Number(code.trim());
  const dur = a[SIM_RUN_DURATION_ANNOTATION];
  if (dur !== undefined) {
    try {
      out.runDurationMs = parseDuration(dur.trim());
    } catch {
      // ignored
    }
  }
  return out;
}
