// core/v1 ServiceAccount: the NAME / SECRETS / AGE table (upstream validates only the
// metadata; token minting and the default service account belong to the controllers).

import type { ResourceDef } from '../types.js';
import { ageCell, ageColumn, col, docs, nameColumn } from './columns.js';
import { arr, obj, str } from './helpers.js';

export const serviceaccounts: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  nameRule: 'subdomain',
  table: {
    columns: [nameColumn, col('Secrets', 'string', docs.serviceAccountSecrets), ageColumn],
    cells: (sa, now) => [str(obj(sa.metadata).name), arr(sa.secrets).length, ageCell(sa, now)],
  },
};
