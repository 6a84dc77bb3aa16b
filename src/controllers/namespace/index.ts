// kube-controller-manager's "namespace" controller: deletes the content of Terminating
// namespaces and finalizes them (see namespace_controller.ts and deleter.ts).

import type { ControllerDescriptor } from '../../controller-manager/context.js';
import type { Namespace } from '../util/types.js';
import { NamespaceController } from './namespace_controller.js';
import { NamespacedResourcesDeleter } from './deleter.js';

export const namespaceDescriptor: ControllerDescriptor = {
  name: 'namespace',
  serviceAccount: 'namespace-controller',
  async init(ctx) {
    const client = await ctx.clientFor('namespace-controller');
    const informer = ctx.informers.forResource<Namespace>({ group: '', version: 'v1', resource: 'namespaces' });
    const c = new NamespaceController(informer, new NamespacedResourcesDeleter(client), ctx.options.namespaceSyncPeriodMs);
    return {
      run: () => c.run(Math.max(1, ctx.options.concurrency.namespace ?? 10), ctx.signal),
      stop: () => c.stop(),
    };
  },
};
