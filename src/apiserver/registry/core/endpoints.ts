// core/v1 Endpoints: port protocol defaults, validation of subsets (addresses, ports) and
// the NAME / ENDPOINTS / AGE table with upstream's "a:80,b:80,c:80 + 2 more..." cell.
// Stored under /registry/services/endpoints as upstream lays it out.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidPortNum } from '../../../apimachinery/validation.js';
import type { KObject, ResourceDef } from '../types.js';
import { ageCell, ageColumn, col, docs, joinHostPort, nameColumn } from './columns.js';
import { arr, check, isObj, obj, str, validateNonSpecialIP } from './helpers.js';

const protocols = ['SCTP', 'TCP', 'UDP'];

function defaults(ep: KObject): void {
  for (const ss of arr(ep.subsets)) {
    for (const p of arr(obj(ss).ports)) if (isObj(p) && !p.protocol) p.protocol = 'TCP';
  }
}

function validateAddress(a: Record<string, any>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ip = str(a.ip);
  errs.push(...check(isValidIP(ip), `${path}.ip`, ip));
  if (str(a.hostname)) errs.push(...check(isDNS1123Label(str(a.hostname)), `${path}.hostname`, a.hostname));
  if (typeof a.nodeName === 'string') errs.push(...check(isDNS1123Subdomain(a.nodeName), `${path}.nodeName`, a.nodeName));
  errs.push(...validateNonSpecialIP(ip, `${path}.ip`));
  return errs;
}

/** ValidateEndpoints (the subsets). */
export function validateEndpoints(ep: KObject): FieldError[] {
  const errs: FieldError[] = [];
  arr(ep.subsets).forEach((raw, i) => {
    const ss = obj(raw);
    const p = `subsets[${i}]`;
    if (arr(ss.addresses).length === 0 && arr(ss.notReadyAddresses).length === 0) {
      errs.push(fieldErr.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    arr(ss.addresses).forEach((a, j) => errs.push(...validateAddress(obj(a), `${p}.addresses[${j}]`)));
    arr(ss.notReadyAddresses).forEach((a, j) => errs.push(...validateAddress(obj(a), `${p}.notReadyAddresses[${j}]`)));
    const ports = arr(ss.ports);
    ports.forEach((rp, j) => {
      const port = obj(rp);
      const pp = `${p}.ports[${j}]`;
      const name = str(port.name);
      if (ports.length > 1 && !name) errs.push(fieldErr.required(`${pp}.name`, ''));
      else if (name) errs.push(...check(isDNS1123Label(name), `${pp}.name`, name));
      errs.push(...check(isValidPortNum(port.port), `${pp}.port`, port.port ?? 0));
      const proto = str(port.protocol);
      if (!proto) errs.push(fieldErr.required(`${pp}.protocol`, ''));
      else if (!protocols.includes(proto)) errs.push(fieldErr.notSupported(`${pp}.protocol`, proto, protocols));
      if (typeof port.appProtocol === 'string') errs.push(...check(isQualifiedName(port.appProtocol), `${pp}.appProtocol`, port.appProtocol));
    });
  });
  return errs;
}

/** The ENDPOINTS cell: up to three ip:port pairs, then " + N more...". */
export function formatEndpoints(ep: KObject): string {
  const subsets = arr(ep.subsets);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const raw of subsets) {
    const ss = obj(raw);
    const addresses = arr(ss.addresses).map((a) => str(obj(a).ip));
    const ports = arr(ss.ports);
    if (ports.length === 0) {
      count += addresses.length;
      for (const ip of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(ip);
      }
      continue;
    }
    for (const p of ports) {
      count += addresses.length;
      for (const ip of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(ip, obj(p).port ?? 0));
      }
    }
  }
  const s = list.join(',');
  return more ? `${s} + ${count - max} more...` : s;
}

export const endpoints: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  storageResource: 'services/endpoints',
  defaults,
  validate: (ep) => validateEndpoints(ep),
  nameRule: 'subdomain',
  table: {
    columns: [nameColumn, col('Endpoints', 'string', docs.endpointsSubsets), ageColumn],
    cells: (ep, now) => [str(obj(ep.metadata).name), formatEndpoints(ep), ageCell(ep, now)],
  },
};
