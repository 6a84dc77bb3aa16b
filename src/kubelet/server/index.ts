// Placeholder for the kubelet HTTPS API; replaced by its owner.
import type { KubeletServer, KubeletServerDeps } from './types.js';

export async function startKubeletServer(_deps: KubeletServerDeps): Promise<KubeletServer> {
  throw new Error('kubelet server: not built yet');
}
