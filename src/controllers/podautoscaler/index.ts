// Descriptor of "horizontalpodautoscaling" (horizontal-pod-autoscaler). Like upstream, it only
// starts when the API server serves autoscaling/v2 horizontalpodautoscalers.

import type { ControllerDescriptor } from '../../controller-manager/context.js';
import { logger } from '../../util/klog.js';
import { HorizontalController } from './horizontal.js';

const log = logger('autoscaling.go');

export const hpaDescriptor: ControllerDescriptor = {
  name: 'horizontalpodautoscaling',
  serviceAccount: 'horizontal-pod-autoscaler',
  async init(ctx) {
    const root = ctx.informers.client;
    try {
      const list = await root.request<{ resources?: { name: string }[] }>({ method: 'GET', path: '/apis/autoscaling/v2' });
      if (!list.resources?.some((r) => r.name === 'horizontalpodautoscalers')) throw new Error('not served');
    } catch {
      log.info('Skipping controller: the API server does not serve autoscaling/v2 horizontalpodautoscalers', { controller: 'horizontalpodautoscaling' });
      return null;
    }
    const client = await ctx.clientFor('horizontal-pod-autoscaler');
    return new HorizontalController(client, ctx.recorderFor('horizontal-pod-autoscaler'), ctx);
  },
};
