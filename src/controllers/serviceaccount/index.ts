// Descriptors of "serviceaccount" (service-account-controller), "serviceaccount-token" (the
// controller-manager's own client, as upstream's root client builder) and
// "root-ca-cert-publisher" (root-ca-cert-publisher).

import type { ControllerDescriptor } from '../../controller-manager/context.js';
import { logger } from '../../util/klog.js';
import { loadSigningKeyFile } from '../../apiserver/authn/serviceaccount.js';
import { ServiceAccountsController } from './serviceaccounts_controller.js';
import { RootCACertPublisher } from './rootcacertpublisher.js';
import { TokensController } from './tokens_controller.js';

const log = logger('core.go');

export const serviceAccountDescriptor: ControllerDescriptor = {
  name: 'serviceaccount',
  serviceAccount: 'service-account-controller',
  async init(ctx) {
    return new ServiceAccountsController(await ctx.clientFor('service-account-controller'), ctx);
  },
};

export const serviceAccountTokenDescriptor: ControllerDescriptor = {
  name: 'serviceaccount-token',
  serviceAccount: 'tokens-controller',
  async init(ctx) {
    const o = ctx.options;
    if (!o.serviceAccountPrivateKeyFile) {
      log.info('Controller is disabled because there is no private key', { controller: 'serviceaccount-token' });
      return null;
    }
    const key = loadSigningKeyFile(o.serviceAccountPrivateKeyFile);
    const root = ctx.informers.client;
    const rootCA = o.rootCA || root.config.caCertPem || '';
    return new TokensController(root, key, rootCA, o.concurrency['serviceaccount-token'] ?? 5, ctx);
  },
};

export const rootCACertPublisherDescriptor: ControllerDescriptor = {
  name: 'root-ca-cert-publisher',
  serviceAccount: 'root-ca-cert-publisher',
  async init(ctx) {
    const client = await ctx.clientFor('root-ca-cert-publisher');
    const rootCA = ctx.options.rootCA || ctx.informers.client.config.caCertPem || '';
    if (!rootCA) {
      log.info('Skipping root-ca-cert-publisher: no --root-ca-file and no CA in the kubeconfig');
      return null;
    }
    return new RootCACertPublisher(client, rootCA, ctx);
  },
};
