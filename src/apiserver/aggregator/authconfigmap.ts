// The kube-system/extension-apiserver-authentication ConfigMap, as upstream's
// client-ca registration hook publishes it at start: client-ca-file, and with request-header
// authentication requestheader-client-ca-file plus the allowed names and header names as JSON
// arrays. Extension API servers read it to trust the aggregator's front-proxy certificate.

import { readFileSync } from 'node:fs';
import type { KObject } from '../registry/types.js';
import type { ClusterObjects } from './objects.js';

export interface AuthenticationInfo {
  clientCAFile?: string;
  requestheaderClientCAFile?: string;
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

export const EXTENSION_AUTH_CONFIGMAP = 'extension-apiserver-authentication';

export function authenticationConfigMapData(info: AuthenticationInfo): Record<string, string> {
  const data: Record<string, string> = {};
  if (info.clientCAFile) data['client-ca-file'] = readFileSync(info.clientCAFile, 'utf8');
  if (info.requestheaderClientCAFile) {
    data['requestheader-client-ca-file'] = readFileSync(info.requestheaderClientCAFile, 'utf8');
    data['requestheader-allowed-names'] = JSON.stringify(info.allowedNames);
    data['requestheader-username-headers'] = JSON.stringify(info.usernameHeaders);
    data['requestheader-group-headers'] = JSON.stringify(info.groupHeaders);
    data['requestheader-extra-headers-prefix'] = JSON.stringify(info.extraHeaderPrefixes);
  }
  return data;
}

/** Create or update the ConfigMap (nothing is written when it already says the same). */
export async function publishAuthenticationConfigMap(objects: ClusterObjects, info: AuthenticationInfo): Promise<void> {
  const data = authenticationConfigMapData(info);
  if (!Object.keys(data).length) return;
  const cm: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: EXTENSION_AUTH_CONFIGMAP, namespace: 'kube-system' }, data };
  try {
    await objects.create('', 'v1', 'configmaps', cm);
  } catch (err: any) {
    if (err?.code !== 409) throw err;
    await objects.update('', 'v1', 'configmaps', 'kube-system', EXTENSION_AUTH_CONFIGMAP, (o) => {
      if (JSON.stringify(o.data ?? {}) === JSON.stringify(data)) return false;
      o.data = data;
      return true;
    });
  }
}
