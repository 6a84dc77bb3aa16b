// The "nodeipam" controller (node-controller): hands out per-node pod CIDRs from --cluster-cidr
// when --allocate-node-cidrs (k8ts implies it when --cluster-cidr is given).

import type { ControllerDescriptor } from '../../controller-manager/context.js';
import { logger } from '../../util/klog.js';
import { RangeAllocator, newCidrSets } from './range_allocator.js';

const log = logger('node_ipam_controller.go');

export const nodeIpamDescriptor: ControllerDescriptor = {
  name: 'nodeipam',
  serviceAccount: 'node-controller',
  async init(ctx) {
    const o = ctx.options;
    if (!o.allocateNodeCIDRs) return null;
    if (o.clusterCIDRs.length === 0) throw new Error('the ClusterCIDR must be set when allocate-node-cidrs is true');
    const serviceCIDRs = o.serviceClusterIPRange.split(',').map((s) => s.trim()).filter(Boolean);
    const sets = newCidrSets(o.clusterCIDRs, o.nodeCIDRMaskSizeIPv4, o.nodeCIDRMaskSizeIPv6, serviceCIDRs);
    log.info('Sending events to api server');
    const client = await ctx.clientFor('node-controller');
    return new RangeAllocator(client, ctx.recorderFor('cidrAllocator'), sets, ctx);
  },
};
