// The token-cleaner controller (upstream's controller/bootstrap/tokencleaner.go): bootstrap
// token Secrets in kube-system are deleted once their expiration passed (a Secret not yet
// expired is looked at again when it will be).

import type { Informer, RestClient } from '../../client/index.js';
import { isConflict, isNotFound, newRateLimitingQueue } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import type { Secret } from '../util/types.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import { SECRET_TYPE_BOOTSTRAP_TOKEN, bootstrapExpiration } from '../../apiserver/authn/bootstrap.js';

const log = logger('tokencleaner.go');

export class TokenCleaner implements ControllerInstance {
  private queue = newRateLimitingQueue<string>('token_cleaner');
  private workers?: QueueWorkers;
  private secrets: Informer<Secret>;

  constructor(private readonly client: RestClient, ctx: ControllerContext) {
    this.secrets = ctx.informers.forResource<Secret>({ group: '', version: 'v1', resource: 'secrets' });
    const enqueue = (s: Secret) => {
      if (s.metadata?.namespace === 'kube-system' && s.type === SECRET_TYPE_BOOTSTRAP_TOKEN) this.queue.add(`kube-system/${s.metadata.name}`);
    };
    this.secrets.addEventHandler({ onAdd: enqueue, onUpdate: (_o, s) => enqueue(s) });
  }

  run(): void {
    log.info('Starting token cleaner controller');
    this.workers = runQueueWorkers(this.queue, 1, (k) => this.syncFunc(k), log, 'secret');
  }

  async stop(): Promise<void> {
    log.info('Shutting down token cleaner controller');
    await this.workers?.stop();
  }

  private async syncFunc(key: string): Promise<void> {
    const secret = this.secrets.indexer.getByKey(key);
    if (!secret) return;
    const [exp, expired] = bootstrapExpiration(secret as never, Date.now());
    if (expired) {
      log.v(3).info('Deleting expired secret', { secret: key });
      try {
        await this.client.delete({ group: '', version: 'v1', resource: 'secrets', namespace: 'kube-system', name: secret.metadata!.name! }, { preconditions: { uid: secret.metadata?.uid } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      return;
    }
    if (exp !== undefined) this.queue.addAfter(key, Math.max(0, exp - Date.now()) + 1);
  }
}
