// The bootstrap-signer controller (upstream's controller/bootstrap/bootstrapsigner.go): the
// kubeconfig in ConfigMap kube-public/cluster-info is signed with every valid bootstrap token
// marked usage-bootstrap-signing (keys jws-kubeconfig-<token-id>, detached JWS); signatures
// of tokens that are gone or expired are removed.

import type { Informer, RestClient } from '../../client/index.js';
import { isConflict, isNotFound, newRateLimitingQueue } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import type { ConfigMap, Secret } from '../util/types.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import { BOOTSTRAP_TOKEN_ID_KEY, BOOTSTRAP_TOKEN_SECRET_KEY, BOOTSTRAP_TOKEN_SECRET_PREFIX, SECRET_TYPE_BOOTSTRAP_TOKEN, bootstrapExpiration, secretData } from '../../apiserver/authn/bootstrap.js';
import { computeDetachedSignature } from './jws.js';

const log = logger('bootstrapsigner.go');

export const CONFIGMAP_CLUSTER_INFO = 'cluster-info';
export const KUBECONFIG_KEY = 'kubeconfig';
export const JWS_SIGNATURE_KEY_PREFIX = 'jws-kubeconfig-';
const USAGE_SIGNING = 'usage-bootstrap-signing';

/** validateSecretForSigning: [id, secret] of a usable signing token, or undefined. */
export function tokenForSigning(s: Secret, now = Date.now()): [string, string] | undefined {
  const id = secretData(s as never, BOOTSTRAP_TOKEN_ID_KEY);
  const secret = secretData(s as never, BOOTSTRAP_TOKEN_SECRET_KEY);
  if (!/^[a-z0-9]{6}$/.test(id) || !/^[a-z0-9]{16}$/.test(secret)) return undefined;
  if (s.metadata?.name !== BOOTSTRAP_TOKEN_SECRET_PREFIX + id) return undefined;
  if (secretData(s as never, USAGE_SIGNING) !== 'true') return undefined;
  if (bootstrapExpiration(s as never, now)[1]) return undefined;
  return [id, secret];
}

export class BootstrapSigner implements ControllerInstance {
  private queue = newRateLimitingQueue<string>('bootstrap_signer_queue');
  private workers?: QueueWorkers;
  private configMaps: Informer<ConfigMap>;
  private secrets: Informer<Secret>;

  constructor(private readonly client: RestClient, ctx: ControllerContext) {
    this.configMaps = ctx.informers.forResource<ConfigMap>({ group: '', version: 'v1', resource: 'configmaps' });
    this.secrets = ctx.informers.forResource<Secret>({ group: '', version: 'v1', resource: 'secrets' });
    const cm = (c: ConfigMap) => c.metadata?.namespace === 'kube-public' && c.metadata.name === CONFIGMAP_CLUSTER_INFO && this.queue.add('configmap');
    this.configMaps.addEventHandler({ onAdd: cm, onUpdate: (_o, c) => cm(c) });
    const sec = (s: Secret | unknown) => {
      const x = s as Secret;
      if (x?.metadata?.namespace === 'kube-system' && x.type === SECRET_TYPE_BOOTSTRAP_TOKEN) this.queue.add('configmap');
    };
    this.secrets.addEventHandler({ onAdd: sec, onUpdate: (_o, s) => sec(s), onDelete: () => this.queue.add('configmap') });
  }

  run(): void {
    log.info('Starting workers', { controller: 'bootstrap_signer' });
    this.queue.add('configmap');
    this.workers = runQueueWorkers(this.queue, 1, () => this.signConfigMap(), log, 'configmap');
  }

  async stop(): Promise<void> {
    await this.workers?.stop();
  }

  private async signConfigMap(): Promise<void> {
    const orig = this.configMaps.indexer.getByKey(`kube-public/${CONFIGMAP_CLUSTER_INFO}`);
    if (!orig) return;
    const content = orig.data?.[KUBECONFIG_KEY];
    if (content === undefined) {
      log.v(3).info(`No ${KUBECONFIG_KEY} key in kube-public/${CONFIGMAP_CLUSTER_INFO} ConfigMap`);
      return;
    }
    const data: Record<string, string> = { ...orig.data };
    let needUpdate = false;
    const sigs: Record<string, string> = {};
    for (const s of this.secrets.indexer.byIndex('namespace', 'kube-system')) {
      if (s.type !== SECRET_TYPE_BOOTSTRAP_TOKEN) continue;
      const t = tokenForSigning(s);
      if (!t) continue;
      const sig = await computeDetachedSignature(content, t[0], t[1]);
      if (data[JWS_SIGNATURE_KEY_PREFIX + t[0]] !== sig) needUpdate = true;
      delete data[JWS_SIGNATURE_KEY_PREFIX + t[0]];
      sigs[t[0]] = sig;
    }
    for (const k of Object.keys(data)) {
      if (k.startsWith(JWS_SIGNATURE_KEY_PREFIX)) {
        needUpdate = true;
        delete data[k];
      }
    }
    for (const [id, sig] of Object.entries(sigs)) data[JWS_SIGNATURE_KEY_PREFIX + id] = sig;
    if (!needUpdate) return;
    try {
      await this.client.update({ group: '', version: 'v1', resource: 'configmaps', namespace: 'kube-public', name: CONFIGMAP_CLUSTER_INFO }, { ...orig, data });
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) {
        log.v(3).info('Conflict or not found updating cluster-info; will retry on the next change', { err: (err as Error).message });
        if (isConflict(err)) throw err;
        return;
      }
      throw err;
    }
  }
}
