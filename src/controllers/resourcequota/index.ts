// kube-controller-manager's "resourcequota" controller (see resource_quota_controller.ts).

import type { KubeObject } from '../../client/index.js';
import type { ControllerDescriptor } from '../../controller-manager/context.js';
import type { ResourceQuota } from '../util/types.js';
import { ResourceQuotaController } from './resource_quota_controller.js';
import { CORE_RESOURCES } from './usage.js';

export const resourceQuotaDescriptor: ControllerDescriptor = {
  name: 'resourcequota',
  serviceAccount: 'resourcequota-controller',
  async init(ctx) {
    const client = await ctx.clientFor('resourcequota-controller');
    const tracked = new Map(CORE_RESOURCES.filter((r) => r.resource !== 'resourcequotas').map((r) => [r.resource, ctx.informers.forResource<KubeObject>({ group: r.group, version: 'v1', resource: r.resource })]));
    const c = new ResourceQuotaController(ctx.informers.forResource<ResourceQuota>({ group: '', version: 'v1', resource: 'resourcequotas' }), tracked, client, ctx.options.resourceQuotaSyncPeriodMs, ctx.informers);
    tracked.set('resourcequotas', ctx.informers.forResource<KubeObject>({ group: '', version: 'v1', resource: 'resourcequotas' }));
    return {
      run: () => c.run(Math.max(1, ctx.options.concurrency['resource-quota'] ?? 5), ctx.signal),
      stop: () => c.stop(),
    };
  },
};
