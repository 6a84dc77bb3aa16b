// networking.k8s.io/v1 NetworkPolicy: defaults (policyTypes, port protocol TCP),
// validation (selectors, peers, ipBlocks, ports, policyTypes) and the Table columns
// (NAME POD-SELECTOR AGE).

import { BlockList } from 'node:net';
import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import {
  isValidCIDR, isValidPortName, isValidPortNum, parseCIDRFamily, validateLabelSelector,
} from '../../../apimachinery/validation.js';
import { ageCol, ageOf, arr, col, ensureObj, formatSelector, isObj, nameCol } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

/** Canonical address of a (possibly sloppy) IPv4 dotted quad: leading zeros dropped. */
function canonIP(ip: string): string {
  return ip.includes(':') ? ip : ip.split('.').map((x) => String(parseInt(x, 10))).join('.');
}

/** True when `inner` lies inside `outer` and is strictly smaller (except must be a strict subset). */
function strictSubset(outer: string, inner: string): boolean {
  const [oip, obits] = outer.split('/');
  const [iip, ibits] = inner.split('/');
  const fam = parseCIDRFamily(outer);
  if (fam !== parseCIDRFamily(inner)) return false;
  const type = fam === 4 ? 'ipv4' : 'ipv6';
  const bl = new BlockList();
  try {
    bl.addSubnet(canonIP(oip), Number(obits), type);
    return bl.check(canonIP(iip), type) && Number(obits) < Number(ibits);
  } catch {
    return false;
  }
}

function validateIPBlock(ipb: KObject, path: string): FieldError[] {
  const cidr = typeof ipb.cidr === 'string' ? ipb.cidr : '';
  if (!cidr) return [fieldErr.required(`${path}.cidr`, '')];
  const errs: FieldError[] = [];
  for (const m of isValidCIDR(cidr)) errs.push(fieldErr.invalid(`${path}.cidr`, cidr, m));
  if (errs.length) return errs;
  arr<string>(ipb.except).forEach((ex, i) => {
    const p = `${path}.except[${i}]`;
    const msgs = isValidCIDR(String(ex));
    for (const m of msgs) errs.push(fieldErr.invalid(p, ex, m));
    if (msgs.length) return;
    if (!strictSubset(cidr, String(ex))) errs.push(fieldErr.invalid(p, ex, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

function validatePeer(peer: KObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const p = isObj(peer) ? peer : {};
  let n = 0;
  if (isObj(p.podSelector)) {
    n++;
    errs.push(...validateLabelSelector(p.podSelector as any, `${path}.podSelector`));
  }
  if (isObj(p.namespaceSelector)) {
    n++;
    errs.push(...validateLabelSelector(p.namespaceSelector as any, `${path}.namespaceSelector`));
  }
  if (isObj(p.ipBlock)) {
    n++;
    errs.push(...validateIPBlock(p.ipBlock, `${path}.ipBlock`));
  }
  if (n === 0) errs.push(fieldErr.required(path, 'must specify a peer'));
  else if (n > 1 && isObj(p.ipBlock)) errs.push(fieldErr.forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

function validatePort(port: KObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const p = isObj(port) ? port : {};
  if (p.protocol !== undefined && p.protocol !== null && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) {
    errs.push(fieldErr.notSupported(`${path}.protocol`, p.protocol, ['TCP', 'UDP', 'SCTP']));
  }
  const hasEnd = p.endPort !== undefined && p.endPort !== null;
  if (typeof p.port === 'number') {
    for (const m of isValidPortNum(p.port)) errs.push(fieldErr.invalid(`${path}.port`, p.port, m));
    if (hasEnd) {
      if (p.endPort < p.port) errs.push(fieldErr.invalid(`${path}.endPort`, p.port, 'must be greater than or equal to `port`'));
      for (const m of isValidPortNum(p.endPort)) errs.push(fieldErr.invalid(`${path}.endPort`, p.endPort, m));
    }
  } else if (typeof p.port === 'string') {
    if (hasEnd) errs.push(fieldErr.invalid(`${path}.endPort`, p.endPort, 'may not be specified when `port` is non-numeric'));
    for (const m of isValidPortName(p.port)) errs.push(fieldErr.invalid(`${path}.port`, p.port, m));
  } else if (hasEnd) {
    errs.push(fieldErr.invalid(`${path}.endPort`, p.endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

function validateSpec(spec: KObject): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateLabelSelector(isObj(spec.podSelector) ? (spec.podSelector as any) : {}, 'spec.podSelector'));
  arr(spec.ingress).forEach((rule: any, i) => {
    const p = `spec.ingress[${i}]`;
    arr(rule?.ports).forEach((pt, j) => errs.push(...validatePort(pt, `${p}.ports[${j}]`)));
    arr(rule?.from).forEach((pe, j) => errs.push(...validatePeer(pe, `${p}.from[${j}]`)));
  });
  arr(spec.egress).forEach((rule: any, i) => {
    const p = `spec.egress[${i}]`;
    arr(rule?.ports).forEach((pt, j) => errs.push(...validatePort(pt, `${p}.ports[${j}]`)));
    arr(rule?.to).forEach((pe, j) => errs.push(...validatePeer(pe, `${p}.to[${j}]`)));
  });
  const types = arr<string>(spec.policyTypes);
  if (types.length > 2) {
    errs.push(fieldErr.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(fieldErr.notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  });
  return errs;
}

export const networkPolicyDef: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  singular: 'networkpolicy',
  namespaced: true,
  shortNames: ['netpol'],
  storageResource: 'networkpolicies',
  generation: true,
  defaults(obj) {
    const spec = ensureObj(obj, 'spec');
    if (!isObj(spec.podSelector)) spec.podSelector = {};
    for (const rule of [...arr(spec.ingress), ...arr(spec.egress)]) {
      for (const p of arr(rule?.ports)) if (isObj(p) && !p.protocol) p.protocol = 'TCP';
    }
    if (arr(spec.policyTypes).length === 0) {
      spec.policyTypes = arr(spec.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
    }
  },
  validate(obj) {
    return validateSpec(isObj(obj.spec) ? obj.spec : {});
  },
  table: {
    columns: [
      nameCol(),
      col('Pod-Selector', 'string', 'podSelector selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.'),
      ageCol(),
    ],
    cells(obj, now) {
      return [obj.metadata?.name ?? '', formatSelector(obj.spec?.podSelector ?? {}), ageOf(obj, now)];
    },
  },
};
