// The serviceaccount-token controller (upstream's serviceaccount/tokens_controller.go): Secrets
// of type kubernetes.io/service-account-token that users create for a ServiceAccount are
// filled with a legacy token (issuer kubernetes/serviceaccount, signed with
// --service-account-private-key-file), ca.crt and namespace; the SA's uid is recorded in the
// annotation. Token Secrets whose ServiceAccount is gone (or was recreated) are deleted.

import type { Informer, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, isConflict, isNotFound, newRateLimitingQueue } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import type { Secret, ServiceAccount } from '../util/types.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import { generateLegacyToken, type ServiceAccountSigningKey } from '../../apiserver/authn/serviceaccount.js';

const log = logger('tokens_controller.go');

export const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_KEY = 'kubernetes.io/service-account.name';
export const SA_UID_KEY = 'kubernetes.io/service-account.uid';

const b64 = (s: string) => Buffer.from(s).toString('base64');

export class TokensController implements ControllerInstance {
  private saQueue = newRateLimitingQueue<string>('serviceaccount_tokens_service');
  private secretQueue = newRateLimitingQueue<string>('serviceaccount_tokens_secret');
  private workers: QueueWorkers[] = [];
  private serviceAccounts: Informer<ServiceAccount>;
  private secrets: Informer<Secret>;

  constructor(
    private readonly client: RestClient,
    private readonly key: ServiceAccountSigningKey,
    private readonly rootCA: string,
    private readonly concurrency: number,
    ctx: ControllerContext,
  ) {
    this.serviceAccounts = ctx.informers.forResource<ServiceAccount>({ group: '', version: 'v1', resource: 'serviceaccounts' });
    this.secrets = ctx.informers.forResource<Secret>({ group: '', version: 'v1', resource: 'secrets' });
    const saKey = (sa: ServiceAccount) => `${sa.metadata!.namespace}/${sa.metadata!.name}/${sa.metadata!.uid ?? ''}`;
    this.serviceAccounts.addEventHandler({
      onDelete: (obj) => {
        const sa = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        if (sa) this.saQueue.add(saKey(sa));
      },
    });
    const secretChanged = (s: Secret | undefined) => {
      if (s?.type === SA_TOKEN_TYPE) this.secretQueue.add(`${s.metadata!.namespace}/${s.metadata!.name}`);
    };
    this.secrets.addEventHandler({
      onAdd: (s) => secretChanged(s),
      onUpdate: (_o, s) => secretChanged(s),
    });
  }

  run(): void {
    log.info('Starting tokens controller');
    this.workers.push(runQueueWorkers(this.saQueue, this.concurrency, (k) => this.syncServiceAccount(k), log, 'service account'));
    this.workers.push(runQueueWorkers(this.secretQueue, this.concurrency, (k) => this.syncSecret(k), log, 'secret'));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }

  private serviceAccount(namespace: string, name: string, uid: string | undefined): ServiceAccount | undefined {
    const sa = this.serviceAccounts.indexer.getByKey(`${namespace}/${name}`);
    if (!sa) return undefined;
    if (uid && sa.metadata?.uid !== uid) return undefined;
    return sa;
  }

  /** A deleted ServiceAccount takes its token Secrets with it. */
  private async syncServiceAccount(key: string): Promise<void> {
    const [namespace, name, uid] = key.split('/') as [string, string, string];
    if (this.serviceAccount(namespace, name, uid)) return;
    for (const s of this.secrets.indexer.byIndex('namespace', namespace)) {
      if (s.type !== SA_TOKEN_TYPE) continue;
      const a = s.metadata?.annotations ?? {};
      if (a[SA_NAME_KEY] !== name || (a[SA_UID_KEY] && uid && a[SA_UID_KEY] !== uid)) continue;
      await this.deleteToken(s);
    }
  }

  private async deleteToken(s: Secret): Promise<void> {
    log.v(2).info('Deleting token secret of a service account that no longer exists', { secret: `${s.metadata?.namespace}/${s.metadata?.name}` });
    try {
      await this.client.delete({ group: '', version: 'v1', resource: 'secrets', namespace: s.metadata!.namespace!, name: s.metadata!.name! }, { preconditions: { uid: s.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  private async syncSecret(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const secret = this.secrets.indexer.getByKey(key);
    if (!secret || secret.type !== SA_TOKEN_TYPE) return;
    const a = secret.metadata?.annotations ?? {};
    const sa = this.serviceAccount(namespace, a[SA_NAME_KEY] ?? '', a[SA_UID_KEY]);
    if (!sa) {
      await this.deleteToken(secret);
      return;
    }
    await this.generateTokenIfNeeded(sa, namespace, name);
  }

  private async generateTokenIfNeeded(sa: ServiceAccount, namespace: string, name: string): Promise<void> {
    const ref = { group: '', version: 'v1', resource: 'secrets', namespace, name };
    for (let attempt = 0; attempt < 5; attempt++) {
      let live: Secret;
      try {
        live = await this.client.get<Secret>(ref);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      const a = live.metadata?.annotations ?? {};
      if (live.type !== SA_TOKEN_TYPE || a[SA_NAME_KEY] !== sa.metadata?.name || (a[SA_UID_KEY] && a[SA_UID_KEY] !== sa.metadata?.uid)) return;
      const data = { ...(live.data ?? {}) };
      const needsCA = !!this.rootCA && data['ca.crt'] !== b64(this.rootCA);
      const needsNamespace = !data.namespace;
      const needsToken = !data.token;
      const needsUID = a[SA_UID_KEY] !== sa.metadata?.uid;
      if (!needsCA && !needsNamespace && !needsToken && !needsUID) return;
      if (needsCA) data['ca.crt'] = b64(this.rootCA);
      if (needsNamespace) data.namespace = b64(namespace);
      if (needsToken) data.token = b64(generateLegacyToken(this.key, sa as never, live as never));
      const updated: Secret = { ...live, metadata: { ...live.metadata, annotations: { ...a, [SA_NAME_KEY]: sa.metadata!.name!, [SA_UID_KEY]: sa.metadata!.uid! } }, data };
      try {
        await this.client.update(ref, updated);
        log.v(2).info('Populated service account token secret', { secret: `${namespace}/${name}`, serviceAccount: sa.metadata?.name });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
    throw new Error(`retrying token generation for secret ${namespace}/${name} after conflicts`);
  }
}
