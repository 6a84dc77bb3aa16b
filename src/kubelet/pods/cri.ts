// The part of the CRI client (src/cri) the pod lifecycle calls. Kept as a Pick of CriClient so
// unit tests can hand in a fake runtime with just these methods.
import type { CriClient } from '../../cri/client.js';

export type * from '../../cri/types.js';

export type RuntimeApi = Pick<
  CriClient,
  | 'version'
  | 'runPodSandbox'
  | 'stopPodSandbox'
  | 'removePodSandbox'
  | 'podSandboxStatus'
  | 'listPodSandbox'
  | 'createContainer'
  | 'startContainer'
  | 'stopContainer'
  | 'removeContainer'
  | 'listContainers'
  | 'containerStatus'
  | 'execSync'
  | 'imageStatus'
  | 'pullImage'
>;

/** CRI timestamps are nanoseconds since the epoch (int64 read as Number); 0 means unset. */
export function nanosToMs(v: number | string | undefined | null): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' ? Number(BigInt(v) / 1000000n) : Math.floor(v / 1e6);
  return Number.isFinite(n) ? n : 0;
}
