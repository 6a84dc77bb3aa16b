// The kubelet's volume manager (see manager.ts): newVolumeManager(deps) is what the kubelet builds.
import { Manager } from './manager.js';
import type { VolumeManager, VolumeManagerDeps } from './types.js';

export { VolumeSetupError, volumeReferences } from './manager.js';
export type * from './types.js';

export function newVolumeManager(deps: VolumeManagerDeps): VolumeManager {
  return new Manager(deps);
}
