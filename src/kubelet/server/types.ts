// Contract between the kubelet and its HTTPS API (src/kubelet/server): what the server needs from
// the rest of the kubelet. Containers are found in the runtime by the labels the kubelet sets:
// io.kubernetes.pod.name, io.kubernetes.pod.namespace, io.kubernetes.pod.uid and
// io.kubernetes.container.name (annotation io.kubernetes.container.restartCount).
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Registry } from 'prom-client';
import type { RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/klog.js';
import type { CriClient } from '../../cri/client.js';
import type { KubeletConfiguration } from '../config/types.js';

export interface KubeletServerDeps {
  config: KubeletConfiguration;
  /** For TokenReview (webhook authentication) and SubjectAccessReview (webhook authorization). */
  client: RestClient;
  nodeName: string;
  cri: CriClient;
  /** The pods this kubelet runs (GET /pods, /runningpods, stats). */
  listPods: () => Pod[];
  /** kubelet --root-dir. */
  rootDir: string;
  /** kubelet --cert-dir (default <rootDir>/pki): where the self-signed serving pair goes when no tlsCertFile is set. */
  certDir?: string;
  /** Health of the kubelet's own loops for /healthz (e.g. the pod sync loop ran recently). */
  healthz: () => { ok: boolean; reason?: string };
  /** The kubelet's metrics (kubelet_* series); /metrics serves it. */
  metrics: Registry;
  log: Logger;
}

export interface KubeletServer {
  /** The port the HTTPS API listens on (config.port; the real one when 0 was asked). */
  port: number;
  /** The port of the plain-HTTP healthz endpoint (config.healthzPort, 127.0.0.1). */
  healthzPort: number;
  close(): Promise<void>;
}
