// Admission plugin "DenyServiceExternalIPs" (off by default upstream): no new use of
// Service spec.externalIPs; updates may keep (or drop) the addresses a Service already had.

import { admissionForbidden, arr, isResource, type Plugin } from './common.js';

export function denyServiceExternalIPsPlugin(): Plugin {
  return {
    name: 'DenyServiceExternalIPs',
    validate(op, obj, old, scope) {
      if ((op !== 'CREATE' && op !== 'UPDATE') || !obj || scope.subresource || !isResource(scope, '', 'services')) return;
      const ips = arr<string>(obj.spec?.externalIPs);
      if (!ips.length) return;
      if (op === 'UPDATE' && old) {
        const had = new Set(arr<string>(old.spec?.externalIPs));
        if (ips.every((ip) => had.has(ip))) return;
      }
      throw admissionForbidden(scope, obj, 'Use of external IPs is denied by admission control');
    },
  };
}
