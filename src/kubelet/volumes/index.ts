// Placeholder for the volume manager; replaced by its owner.
import type { VolumeManager, VolumeManagerDeps } from './types.js';

export function newVolumeManager(_deps: VolumeManagerDeps): VolumeManager {
  throw new Error('volume manager: not built yet');
}
