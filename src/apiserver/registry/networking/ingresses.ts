// networking.k8s.io/v1 Ingress: validation (rules, hosts incl. wildcards, HTTP paths and
// path types, backends, TLS hosts, ingressClassName, load-balancer status), strategies,
// status subresource and the Table columns (NAME CLASS HOSTS ADDRESS PORTS AGE).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import {
  isDNS1123Subdomain, isValidPathSegmentName, isValidPortName, isValidPortNum, maxLenError, nameIsDNS1035Label, nameIsDNSSubdomain, parseIPFamily, regexError,
} from '../../../apimachinery/validation.js';
import { ageCol, ageOf, arr, col, isObj, keepOldStatus, nameCol, resetStatus, statusOnlyUpdate } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

const wildcardFmt = '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const wildcardRe = new RegExp(`^${wildcardFmt}$`);

/** IsWildcardDNS1123Subdomain. */
export function isWildcardDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLenError(253));
  if (!wildcardRe.test(v)) {
    errs.push(regexError("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character", wildcardFmt, '*.example.com'));
  }
  return errs;
}

function validateHost(host: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
  for (const m of msgs) errs.push(fieldErr.invalid(path, host, m));
  return errs;
}

/** validateIngressTypedLocalObjectReference (resource backends, IngressClass parameters). */
export function validateTypedLocalObjectReference(ref: KObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof ref.apiGroup === 'string') {
    for (const m of isDNS1123Subdomain(ref.apiGroup)) errs.push(fieldErr.invalid(`${path}.apiGroup`, ref.apiGroup, m));
  }
  for (const f of ['kind', 'name']) {
    const v = typeof ref[f] === 'string' ? ref[f] : '';
    if (!v) errs.push(fieldErr.required(`${path}.${f}`, `${f} is required`));
    else for (const m of isValidPathSegmentName(v)) errs.push(fieldErr.invalid(`${path}.${f}`, v, m));
  }
  return errs;
}

function validateBackend(b: KObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const backend = isObj(b) ? b : {};
  const hasRes = isObj(backend.resource);
  const hasSvc = isObj(backend.service);
  if (hasRes && hasSvc) return [fieldErr.invalid(path, '', 'cannot set both resource and service backends')];
  if (hasRes) return validateTypedLocalObjectReference(backend.resource, `${path}.resource`);
  if (hasSvc) {
    const s = backend.service;
    const name = typeof s.name === 'string' ? s.name : '';
    if (!name) errs.push(fieldErr.required(`${path}.service.name`, ''));
    else for (const m of nameIsDNS1035Label(name, false)) errs.push(fieldErr.invalid(`${path}.service.name`, name, m));
    const port = isObj(s.port) ? s.port : {};
    const hasName = typeof port.name === 'string' && port.name.length > 0;
    const hasNumber = typeof port.number === 'number' && port.number !== 0;
    if (hasName && hasNumber) errs.push(fieldErr.invalid(path, '', 'cannot set both port name & port number'));
    else if (hasName) for (const m of isValidPortName(port.name)) errs.push(fieldErr.invalid(`${path}.service.port.name`, port.name, m));
    else if (hasNumber) for (const m of isValidPortNum(port.number)) errs.push(fieldErr.invalid(`${path}.service.port.number`, port.number, m));
    else errs.push(fieldErr.required(path, 'port name or number is required'));
    return errs;
  }
  return [fieldErr.invalid(path, '', 'resource or service backend is required')];
}

function validatePath(p: KObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const hp = isObj(p) ? p : {};
  if (hp.pathType === undefined || hp.pathType === null) return [fieldErr.required(`${path}.pathType`, 'pathType must be specified')];
  const value = typeof hp.path === 'string' ? hp.path : '';
  switch (hp.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) errs.push(fieldErr.invalid(`${path}.path`, value, 'must be an absolute path'));
      if (value.length > 0) {
        for (const seq of ['//', '/./', '/../', '%2f', '%2F']) {
          if (value.includes(seq)) errs.push(fieldErr.invalid(`${path}.path`, value, `must not contain '${seq}'`));
        }
        for (const suf of ['/..', '/.']) {
          if (value.endsWith(suf)) errs.push(fieldErr.invalid(`${path}.path`, value, `cannot end with '${suf}'`));
        }
      }
      break;
    case 'ImplementationSpecific':
      if (value.length > 0 && !value.startsWith('/')) errs.push(fieldErr.invalid(`${path}.path`, value, 'must be an absolute path'));
      break;
    default:
      errs.push(fieldErr.notSupported(`${path}.pathType`, hp.pathType, ['Exact', 'ImplementationSpecific', 'Prefix']));
  }
  errs.push(...validateBackend(hp.backend, `${path}.backend`));
  return errs;
}

function validateSpec(spec: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const rules = arr(spec.rules);
  if (rules.length === 0 && !isObj(spec.defaultBackend)) {
    errs.push(fieldErr.invalid('spec', spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (isObj(spec.defaultBackend)) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((r: any, i) => {
    const p = `spec.rules[${i}]`;
    const host = typeof r?.host === 'string' ? r.host : '';
    if (host) {
      if (parseIPFamily(host)) errs.push(fieldErr.invalid(`${p}.host`, host, 'must be a DNS name, not an IP address'));
      errs.push(...validateHost(host, `${p}.host`));
    }
    if (isObj(r?.http)) {
      const paths = arr(r.http.paths);
      if (paths.length === 0) errs.push(fieldErr.required(`${p}.http.paths`, ''));
      paths.forEach((hp, j) => errs.push(...validatePath(hp, `${p}.http.paths[${j}]`)));
    }
  });
  arr(spec.tls).forEach((t: any, i) => {
    arr<string>(t?.hosts).forEach((h, j) => errs.push(...validateHost(String(h), `spec.tls[${i}].hosts[${j}]`)));
  });
  if (typeof spec.ingressClassName === 'string') {
    for (const m of nameIsDNSSubdomain(spec.ingressClassName, false)) errs.push(fieldErr.invalid('spec.ingressClassName', spec.ingressClassName, m));
  }
  return errs;
}

function validateStatus(status: KObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  arr(status?.loadBalancer?.ingress).forEach((ing: any, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    if (typeof ing?.ip === 'string' && ing.ip && !parseIPFamily(ing.ip)) errs.push(fieldErr.invalid(`${p}.ip`, ing.ip, 'must be a valid IP address'));
    if (typeof ing?.hostname === 'string' && ing.hostname) {
      for (const m of isDNS1123Subdomain(ing.hostname)) errs.push(fieldErr.invalid(`${p}.hostname`, ing.hostname, m));
      if (parseIPFamily(ing.hostname)) errs.push(fieldErr.invalid(`${p}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/** HOSTS cell: up to 3 hosts, "*" when none. */
function formatHosts(rules: unknown[]): string {
  const list: string[] = [];
  let more = false;
  for (const r of rules as any[]) {
    if (list.length === 3) more = true;
    if (!more && typeof r?.host === 'string' && r.host.length) list.push(r.host);
  }
  if (list.length === 0) return '*';
  const s = list.join(',');
  return more ? `${s} + ${rules.length - 3} more...` : s;
}

/** ADDRESS cell: the load balancer IPs/hostnames, de-duplicated. */
function formatAddress(status: KObject | undefined): string {
  const seen = new Set<string>();
  for (const ing of arr(status?.loadBalancer?.ingress) as any[]) {
    if (ing?.ip) seen.add(ing.ip);
    else if (ing?.hostname) seen.add(ing.hostname);
  }
  return [...seen].join(',');
}

export const ingressDef: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  plural: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  subresources: { status: true },
  storageResource: 'ingress',
  generation: true,
  prepareForCreate(obj) {
    resetStatus(obj, { loadBalancer: {} });
  },
  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
  },
  prepareForStatusUpdate: statusOnlyUpdate,
  validate(obj, ctx) {
    if (ctx.subresource === 'status') return validateStatus(obj.status);
    return validateSpec(isObj(obj.spec) ? obj.spec : {});
  },
  table: {
    columns: [
      nameCol(),
      col('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
      col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
      col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
      col('Ports', 'string', 'Ports of TLS configurations that open'),
      ageCol(),
    ],
    cells(obj, now) {
      const spec = obj.spec ?? {};
      const cls = typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>';
      const ports = arr(spec.tls).length ? '80, 443' : '80';
      return [obj.metadata?.name ?? '', cls, formatHosts(arr(spec.rules)), formatAddress(obj.status), ports, ageOf(obj, now)];
    },
  },
};
