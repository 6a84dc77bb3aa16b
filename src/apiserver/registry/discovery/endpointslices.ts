// discovery.k8s.io/v1 EndpointSlice: defaults (port name and protocol), validation
// (addressType required and immutable, endpoints and their addresses per address type,
// ports, hints) and the Table columns (NAME ADDRESSTYPE PORTS ENDPOINTS AGE).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import {
  isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, parseIPFamily, validateImmutableField, validateLabels,
} from '../../../apimachinery/validation.js';
import { ageCol, ageOf, arr, clone, col, ensureObj, isObj, nameCol, num, semanticEqual } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

const MaxEndpoints = 1000;
const MaxAddresses = 100;
const MaxPorts = 100;
const MaxTopologyLabels = 16;
const MaxHints = 8;

/** ValidateNonSpecialIP: no unspecified, loopback or link-local addresses. */
export function validateNonSpecialIP(ip: string, path: string): FieldError[] {
  const fam = parseIPFamily(ip);
  if (!fam) return [fieldErr.invalid(path, ip, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  const lower = ip.toLowerCase();
  if (fam === 4) {
    const o = ip.split('.').map((x) => parseInt(x, 10));
    if (o.every((x) => x === 0)) errs.push(fieldErr.invalid(path, ip, `may not be unspecified (${ip})`));
    if (o[0] === 127) errs.push(fieldErr.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
    if (o[0] === 169 && o[1] === 254) errs.push(fieldErr.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
    if (o[0] === 224 && o[1] === 0 && o[2] === 0) errs.push(fieldErr.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  } else {
    const compact = lower.replace(/^0*:/, ':');
    if (/^[0:]+$/.test(lower) || compact === '::') errs.push(fieldErr.invalid(path, ip, `may not be unspecified (${ip})`));
    if (/^(0{0,4}:){2,7}0{0,3}1$/.test(lower) || lower === '::1') errs.push(fieldErr.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
    if (/^fe[89ab][0-9a-f]?:/.test(lower)) errs.push(fieldErr.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
    if (/^ff02:/.test(lower)) errs.push(fieldErr.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

/** IsFullyQualifiedDomainName. */
function validateFQDN(name: string, path: string): FieldError[] {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n.length === 0) return [fieldErr.required(path, '')];
  const errs: FieldError[] = [];
  for (const m of isDNS1123Subdomain(n)) errs.push(fieldErr.invalid(path, name, m));
  if (!errs.length && n.split('.').length < 2) errs.push(fieldErr.invalid(path, name, 'should be a domain with at least two segments separated by dots'));
  for (const label of n.split('.')) {
    if (errs.length) break;
    for (const m of isDNS1123Label(label)) errs.push(fieldErr.invalid(path, label, m));
  }
  return errs;
}

function validateEndpoints(endpoints: unknown[], addressType: string): FieldError[] {
  const errs: FieldError[] = [];
  if (endpoints.length > MaxEndpoints) return [fieldErr.tooMany('endpoints', endpoints.length, MaxEndpoints)];
  endpoints.forEach((ep: any, i) => {
    const p = `endpoints[${i}]`;
    const e = isObj(ep) ? ep : {};
    const addrs = arr<string>(e.addresses);
    if (addrs.length === 0) errs.push(fieldErr.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > MaxAddresses) errs.push(fieldErr.tooMany(`${p}.addresses`, addrs.length, MaxAddresses));
    addrs.forEach((a, j) => {
      const ap = `${p}.addresses[${j}]`;
      const s = String(a);
      if (addressType === 'IPv4') {
        if (parseIPFamily(s) !== 4) errs.push(fieldErr.invalid(ap, s, 'must be a valid IPv4 address'));
        errs.push(...validateNonSpecialIP(s, ap));
      } else if (addressType === 'IPv6') {
        if (parseIPFamily(s) !== 6) errs.push(fieldErr.invalid(ap, s, 'must be a valid IPv6 address'));
        errs.push(...validateNonSpecialIP(s, ap));
      } else if (addressType === 'FQDN') {
        errs.push(...validateFQDN(s, ap));
      }
    });
    if (typeof e.nodeName === 'string') {
      for (const m of isDNS1123Subdomain(e.nodeName)) errs.push(fieldErr.invalid(`${p}.nodeName`, e.nodeName, m));
    }
    const topo = isObj(e.deprecatedTopology) ? e.deprecatedTopology : {};
    if (Object.keys(topo).length > MaxTopologyLabels) errs.push(fieldErr.tooMany(`${p}.deprecatedTopology`, Object.keys(topo).length, MaxTopologyLabels));
    errs.push(...validateLabels(topo, `${p}.deprecatedTopology`));
    if (typeof e.hostname === 'string') {
      for (const m of isDNS1123Label(e.hostname)) errs.push(fieldErr.invalid(`${p}.hostname`, e.hostname, m));
    }
    if (isObj(e.hints)) {
      const zones = arr(e.hints.forZones);
      if (zones.length > MaxHints) errs.push(fieldErr.tooMany(`${p}.hints.forZones`, zones.length, MaxHints));
      const seen = new Set<string>();
      zones.forEach((z: any, k) => {
        const name = String(z?.name ?? '');
        const zp = `${p}.hints.forZones[${k}].name`;
        if (seen.has(name)) errs.push(fieldErr.duplicate(zp, name));
        seen.add(name);
        for (const m of isValidLabelValue(name)) errs.push(fieldErr.invalid(zp, name, m));
      });
    }
  });
  return errs;
}

function validatePorts(ports: unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  if (ports.length > MaxPorts) return [fieldErr.tooMany('ports', ports.length, MaxPorts)];
  const names = new Set<string>();
  ports.forEach((pt: any, i) => {
    const p = `ports[${i}]`;
    const port = isObj(pt) ? pt : {};
    const name = typeof port.name === 'string' ? port.name : '';
    if (name.length > 0) for (const m of isDNS1123Label(name)) errs.push(fieldErr.invalid(`${p}.name`, name, m));
    if (names.has(name)) errs.push(fieldErr.duplicate(`${p}.name`, name));
    else names.add(name);
    if (port.protocol === undefined || port.protocol === null) errs.push(fieldErr.required(`${p}.protocol`, ''));
    else if (!['SCTP', 'TCP', 'UDP'].includes(port.protocol)) errs.push(fieldErr.notSupported(`${p}.protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
    if (typeof port.appProtocol === 'string') {
      for (const m of isQualifiedName(port.appProtocol)) errs.push(fieldErr.invalid(`${p}.appProtocol`, port.appProtocol, m));
    }
  });
  return errs;
}

function validateAddressType(t: unknown): FieldError[] {
  if (t === undefined || t === null || t === '') return [fieldErr.required('addressType', '')];
  if (!['FQDN', 'IPv4', 'IPv6'].includes(String(t))) return [fieldErr.notSupported('addressType', t, ['FQDN', 'IPv4', 'IPv6'])];
  return [];
}

/** formatDiscoveryPorts / formatDiscoveryEndpoints: up to 3 entries, then "+ N more...". */
function listWithMore(items: string[]): string {
  const max = 3;
  const shown = items.slice(0, max).join(',');
  if (items.length > max) return `${shown} + ${items.length - max} more...`;
  return shown === '' ? '<unset>' : shown;
}

export const endpointSliceDef: ResourceDef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  storageResource: 'endpointslices',
  generation: true,
  defaults(obj) {
    for (const p of arr(obj.ports)) {
      if (!isObj(p)) continue;
      if (p.name === undefined || p.name === null) p.name = '';
      if (p.protocol === undefined || p.protocol === null) p.protocol = 'TCP';
    }
  },
  prepareForUpdate(obj, old) {
    // a label change alone also bumps the generation (the rest is compared generically)
    const a = clone(obj);
    const b = clone(old);
    delete a.metadata;
    delete b.metadata;
    endpointSliceDef.defaults?.(a);
    if (semanticEqual(a, b) && !semanticEqual(obj.metadata?.labels, old.metadata?.labels)) {
      ensureObj(obj, 'metadata').generation = num(old.metadata?.generation) + 1;
    }
  },
  validate(obj, ctx) {
    const errs: FieldError[] = [];
    errs.push(...validateEndpoints(arr(obj.endpoints), String(obj.addressType ?? '')));
    errs.push(...validatePorts(arr(obj.ports)));
    if (ctx.operation === 'create') errs.push(...validateAddressType(obj.addressType));
    return errs;
  },
  validateUpdate(obj, old) {
    return validateImmutableField(obj.addressType, old.addressType, 'addressType');
  },
  table: {
    columns: [
      nameCol(),
      col('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.'),
      col('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.'),
      col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.'),
      ageCol(),
    ],
    cells(obj: KObject, now) {
      const ports = arr(obj.ports).map((p: any) =>
        typeof p?.port === 'number' ? String(p.port) : typeof p?.name === 'string' ? p.name : '*');
      const addrs: string[] = [];
      for (const e of arr(obj.endpoints)) for (const a of arr<string>(e?.addresses)) addrs.push(String(a));
      return [obj.metadata?.name ?? '', obj.addressType ?? '', listWithMore(ports), listWithMore(addrs), ageOf(obj, now)];
    },
  },
};
