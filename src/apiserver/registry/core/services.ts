// core/v1 Service: upstream's v1 defaults (type, session affinity, port protocols and
// target ports, traffic policies, IP family fields), the strategy (status apart from spec,
// allocated values kept and type-dependent fields dropped across updates), validation of
// ports, types, cluster IPs and policies, field selectors and the kubectl get table. The
// cluster IP and node port allocation itself belongs to the API server.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidIP,
  isValidPortName,
  isValidPortNum,
  parseCIDRFamily,
  parseIPFamily,
  validateLabels,
} from '../../../apimachinery/validation.js';
import type { KObject, ResourceDef } from '../types.js';
import { ageCell, ageColumn, col, docs, formatLabelSet, nameColumn } from './columns.js';
import { arr, check, clone, isObj, obj, semanticEqual, str, validateNonSpecialIP } from './helpers.js';

const isIPv6 = (ip: string) => parseIPFamily(ip) === 6;
const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const protocols = ['SCTP', 'TCP', 'UDP'];

function externallyAccessible(spec: Record<string, any>): boolean {
  const t = str(spec.type);
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && arr(spec.externalIPs).length > 0);
}

function needsClusterIP(spec: Record<string, any>): boolean {
  return str(spec.type) !== 'ExternalName';
}

function needsNodePort(spec: Record<string, any>): boolean {
  const t = str(spec.type);
  return t === 'NodePort' || (t === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

function needsHCNodePort(spec: Record<string, any>): boolean {
  return str(spec.type) === 'LoadBalancer' && str(spec.externalTrafficPolicy) === 'Local';
}

function isHeadless(spec: Record<string, any>): boolean {
  const ips = arr<string>(spec.clusterIPs);
  return ips.length === 1 && ips[0] === 'None';
}

/** SetDefaults_Service, plus the clusterIP/clusterIPs and IP family fields kept in step. */
export function defaultService(svc: KObject): void {
  if (!isObj(svc.spec)) svc.spec = {};
  const spec = svc.spec;
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const timeout = obj(obj(spec.sessionAffinityConfig).clientIP).timeoutSeconds;
    if (timeout === undefined || timeout === null) spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const p of arr(spec.ports)) {
    if (!isObj(p)) continue;
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (externallyAccessible(spec) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if ((spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) && ['ClusterIP', 'NodePort', 'LoadBalancer'].includes(spec.type)) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    spec.allocateLoadBalancerNodePorts = true;
  }
  // clusterIP mirrors clusterIPs[0].
  if (str(spec.clusterIP) && arr(spec.clusterIPs).length === 0) spec.clusterIPs = [spec.clusterIP];
  else if (!str(spec.clusterIP) && arr(spec.clusterIPs).length > 0) spec.clusterIP = arr(spec.clusterIPs)[0];
  if (needsClusterIP(spec)) defaultIPFamilies(spec);
}

/** The IP family fields (single-stack IPv4 unless the given IPs say otherwise). */
function defaultIPFamilies(spec: Record<string, any>): void {
  const ips = arr<string>(spec.clusterIPs).filter((ip) => ip && ip !== 'None');
  const headlessNoSelector = isHeadless(spec) && Object.keys(obj(spec.selector)).length === 0;
  if (spec.ipFamilyPolicy === undefined || spec.ipFamilyPolicy === null || spec.ipFamilyPolicy === '') {
    spec.ipFamilyPolicy = headlessNoSelector ? 'RequireDualStack' : ips.length > 1 ? 'PreferDualStack' : 'SingleStack';
  }
  if (arr(spec.ipFamilies).length === 0) {
    if (ips.length) spec.ipFamilies = ips.map((ip) => (isIPv6(ip) ? 'IPv6' : 'IPv4'));
    else if (spec.ipFamilyPolicy !== 'SingleStack') spec.ipFamilies = ['IPv4', 'IPv6'];
    else spec.ipFamilies = ['IPv4'];
  }
}

function prepareForCreate(svc: KObject): void {
  svc.status = { loadBalancer: {} };
}

/** Keeps allocated values the client omitted and drops those the new type does not use. */
function prepareForUpdate(svc: KObject, old: KObject): void {
  // Upstream defaults on decode, before this hook: the comparisons below expect defaulted
  // values, so apply the (idempotent) defaults first whatever order the server uses.
  defaultService(svc);
  svc.status = clone(old.status);
  if (!isObj(svc.spec)) svc.spec = {};
  const spec = svc.spec;
  const oldSpec = obj(old.spec);

  // patchAllocatedValues
  if (needsClusterIP(oldSpec) && needsClusterIP(spec)) {
    if (!str(spec.clusterIP) && str(oldSpec.clusterIP)) spec.clusterIP = oldSpec.clusterIP;
    if (arr(spec.clusterIPs).length === 0 && arr(oldSpec.clusterIPs).length > 0) spec.clusterIPs = clone(oldSpec.clusterIPs);
  }
  if (needsNodePort(oldSpec) && needsNodePort(spec)) {
    const used = (s: Record<string, any>) => new Set(arr(s.ports).map((p) => obj(p).nodePort).filter((n) => n));
    const oldUsed = used(oldSpec);
    const newUsed = used(spec);
    const inBoth = new Set([...oldUsed].filter((n) => newUsed.has(n)));
    const byName = new Map<string, number>();
    for (const p of arr(oldSpec.ports)) byName.set(str(obj(p).name), obj(p).nodePort);
    for (const p of arr(spec.ports)) {
      if (!isObj(p) || p.nodePort) continue;
      const v = byName.get(str(p.name));
      if (v && !inBoth.has(v)) p.nodePort = v;
    }
  }
  if (needsHCNodePort(oldSpec) && needsHCNodePort(spec) && !spec.healthCheckNodePort && oldSpec.healthCheckNodePort) {
    spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  }

  // dropTypeDependentFields
  if (needsClusterIP(oldSpec) && !needsClusterIP(spec)) {
    if (semanticEqual(spec.clusterIP, oldSpec.clusterIP) && semanticEqual(spec.clusterIPs, oldSpec.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (semanticEqual(spec.ipFamilies, oldSpec.ipFamilies)) delete spec.ipFamilies;
    if (semanticEqual(spec.ipFamilyPolicy, oldSpec.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(oldSpec) && !needsNodePort(spec)) {
    const same = semanticEqual(arr(spec.ports).map((p) => obj(p).nodePort ?? 0), arr(oldSpec.ports).map((p) => obj(p).nodePort ?? 0));
    if (same) for (const p of arr(spec.ports)) if (isObj(p)) delete p.nodePort;
  }
  if (needsHCNodePort(oldSpec) && !needsHCNodePort(spec) && spec.healthCheckNodePort === oldSpec.healthCheckNodePort) {
    delete spec.healthCheckNodePort;
  }
  if (str(oldSpec.type) === 'LoadBalancer' && str(spec.type) !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (spec.loadBalancerClass === oldSpec.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(oldSpec) && !externallyAccessible(spec) && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
}

function prepareForStatusUpdate(svc: KObject, old: KObject): void {
  svc.spec = clone(old.spec);
}

function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return check(isValidPortNum(port), path, port);
  if (typeof port === 'string') return check(isValidPortName(port), path, port);
  return [];
}

/** ValidateService (spec and status rules; metadata is the server's). */
export function validateService(svc: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(svc.spec);
  const type = str(spec.type);
  const ports = arr(spec.ports);
  const headless = isHeadless(spec);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(fieldErr.required('spec.ports', ''));
  switch (type) {
    case 'LoadBalancer':
      if (headless) errs.push(fieldErr.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
      ports.forEach((p, i) => {
        if (obj(p).port === 10250) errs.push(fieldErr.invalid(`spec.ports[${i}]`, 10250, 'may not expose port 10250 externally since it is used by kubelet'));
      });
      break;
    case 'NodePort':
      if (headless) errs.push(fieldErr.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if (arr(spec.clusterIPs).length > 0) errs.push(fieldErr.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (arr(spec.ipFamilies).length > 0) errs.push(fieldErr.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errs.push(fieldErr.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      const cname = str(spec.externalName).replace(/\.$/, '');
      if (cname) errs.push(...check(isDNS1123Subdomain(cname), 'spec.externalName', cname));
      else errs.push(fieldErr.required('spec.externalName', ''));
      break;
    }
  }

  const names = new Set<string>();
  ports.forEach((raw, i) => {
    const p = obj(raw);
    const path = `spec.ports[${i}]`;
    const name = str(p.name);
    if (ports.length > 1 && !name) errs.push(fieldErr.required(`${path}.name`, ''));
    else if (name) {
      errs.push(...check(isDNS1123Label(name), `${path}.name`, name));
      if (names.has(name)) errs.push(fieldErr.duplicate(`${path}.name`, name));
      else names.add(name);
    }
    errs.push(...check(isValidPortNum(p.port), `${path}.port`, p.port ?? 0));
    const proto = str(p.protocol);
    if (!proto) errs.push(fieldErr.required(`${path}.protocol`, ''));
    else if (!protocols.includes(proto)) errs.push(fieldErr.notSupported(`${path}.protocol`, proto, protocols));
    errs.push(...validatePortNumOrName(p.targetPort, `${path}.targetPort`));
    if (typeof p.appProtocol === 'string') errs.push(...check(isQualifiedName(p.appProtocol), `${path}.appProtocol`, p.appProtocol));
  });

  if (isObj(spec.selector)) errs.push(...validateLabels(spec.selector, 'spec.selector'));

  const affinity = str(spec.sessionAffinity);
  if (!affinity) errs.push(fieldErr.required('spec.sessionAffinity', ''));
  else if (affinity !== 'ClientIP' && affinity !== 'None') errs.push(fieldErr.notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None']));
  if (affinity === 'ClientIP') {
    const cfg = spec.sessionAffinityConfig;
    const base = 'spec.sessionAffinityConfig';
    if (!isObj(cfg)) errs.push(fieldErr.required(base, 'when session affinity type is ClientIP'));
    else if (!isObj(cfg.clientIP)) errs.push(fieldErr.required(`${base}.clientIP`, 'when session affinity type is ClientIP'));
    else {
      const t = cfg.clientIP.timeoutSeconds;
      if (t === undefined || t === null) errs.push(fieldErr.required(`${base}.clientIP.timeoutSeconds`, 'when session affinity type is ClientIP'));
      else if (typeof t !== 'number' || t <= 0 || t > 86400) errs.push(fieldErr.invalid(`${base}.clientIP.timeoutSeconds`, t, 'must be greater than 0 and less than 86400'));
    }
  } else if (affinity === 'None' && spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null) {
    errs.push(fieldErr.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }

  errs.push(...validateClusterIPFields(spec));

  arr<string>(spec.externalIPs).forEach((ip, i) => {
    const path = `spec.externalIPs[${i}]`;
    const msgs = isValidIP(str(ip));
    if (msgs.length) errs.push(...check(msgs, path, ip));
    else errs.push(...validateNonSpecialIP(ip, path));
  });

  if (!type) errs.push(fieldErr.required('spec.type', ''));
  else if (!serviceTypes.includes(type)) errs.push(fieldErr.notSupported('spec.type', type, serviceTypes));

  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (obj(p).nodePort) errs.push(fieldErr.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((raw, i) => {
    const p = obj(raw);
    if (!p.nodePort) return;
    const key = `${str(p.protocol)}/${p.nodePort}`;
    if (nodePorts.has(key)) errs.push(fieldErr.duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
    nodePorts.add(key);
  });
  const seen = new Set<string>();
  ports.forEach((raw, i) => {
    const p = obj(raw);
    const key = `${str(p.protocol)}/${p.port}`;
    if (seen.has(key)) errs.push(fieldErr.duplicate(`spec.ports[${i}]`, { port: p.port, protocol: str(p.protocol) }));
    seen.add(key);
  });

  const ranges = arr<string>(spec.loadBalancerSourceRanges);
  if (ranges.length) {
    if (type !== 'LoadBalancer') errs.push(fieldErr.forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => {
      if (!parseCIDRFamily(str(r).trim())) errs.push(fieldErr.invalid(`spec.LoadBalancerSourceRanges[${i}]`, str(r).trim(), 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
    });
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && type !== 'LoadBalancer') {
    errs.push(fieldErr.forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    errs.push(fieldErr.required('allocateLoadBalancerNodePorts', ''));
  }
  if (spec.loadBalancerClass !== undefined && spec.loadBalancerClass !== null) {
    if (type !== 'LoadBalancer') errs.push(fieldErr.forbidden('spec.loadBalancerClass', 'may only be used when service type is LoadBalancer'));
    else errs.push(...check(isQualifiedName(str(spec.loadBalancerClass)), 'spec.loadBalancerClass', spec.loadBalancerClass));
  }

  // externalTrafficPolicy and the health check node port
  const etp = str(spec.externalTrafficPolicy);
  if (!externallyAccessible(spec)) {
    if (etp) errs.push(fieldErr.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) {
    errs.push(fieldErr.required('spec.externalTrafficPolicy', ''));
  } else if (etp !== 'Cluster' && etp !== 'Local') {
    errs.push(fieldErr.notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  }
  if (spec.healthCheckNodePort) {
    if (!needsHCNodePort(spec)) {
      errs.push(fieldErr.invalid('spec.healthCheckNodePort', spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    } else {
      errs.push(...check(isValidPortNum(spec.healthCheckNodePort), 'spec.healthCheckNodePort', spec.healthCheckNodePort));
    }
  }

  // internalTrafficPolicy
  const itp = spec.internalTrafficPolicy;
  if (itp === undefined || itp === null) {
    if (['NodePort', 'LoadBalancer', 'ClusterIP'].includes(type)) errs.push(fieldErr.required('spec.internalTrafficPolicy', ''));
  } else if (itp !== 'Cluster' && itp !== 'Local') {
    errs.push(fieldErr.notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  }
  const td = spec.trafficDistribution;
  if (td !== undefined && td !== null && td !== 'PreferClose') {
    errs.push(fieldErr.notSupported('spec.trafficDistribution', td, ['PreferClose']));
  }

  // status.loadBalancer.ingress
  arr(obj(obj(svc.status).loadBalancer).ingress).forEach((raw, i) => {
    const ing = obj(raw);
    const path = `status.loadBalancer.ingress[${i}]`;
    if (str(ing.ip)) errs.push(...check(isValidIP(str(ing.ip)), `${path}.ip`, ing.ip));
    if (str(ing.hostname)) {
      errs.push(...check(isDNS1123Subdomain(str(ing.hostname)), `${path}.hostname`, ing.hostname));
      if (isValidIP(str(ing.hostname)).length === 0) errs.push(fieldErr.invalid(`${path}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
    if (ing.ipMode !== undefined && ing.ipMode !== null) {
      if (!str(ing.ip)) errs.push(fieldErr.forbidden(`${path}.ipMode`, 'may not be specified when `ip` is not set'));
      else if (ing.ipMode !== 'VIP' && ing.ipMode !== 'Proxy') errs.push(fieldErr.notSupported(`${path}.ipMode`, ing.ipMode, ['Proxy', 'VIP']));
    }
  });
  return errs;
}

/** ValidateServiceClusterIPsRelatedFields. */
function validateClusterIPFields(spec: Record<string, any>): FieldError[] {
  const errs: FieldError[] = [];
  if (str(spec.type) === 'ExternalName') return errs;
  const clusterIP = str(spec.clusterIP);
  const ips = arr<string>(spec.clusterIPs);
  if (clusterIP) {
    if (ips.length === 0) errs.push(fieldErr.required('spec.clusterIPs', ''));
    else if (ips[0] !== clusterIP) errs.push(fieldErr.invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  } else if (ips.length) {
    errs.push(fieldErr.invalid('spec.clusterIPs', ips, 'must be empty when `clusterIP` is not specified'));
  }
  const families = arr<string>(spec.ipFamilies);
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(fieldErr.notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
    if (seen.has(f)) errs.push(fieldErr.duplicate(`spec.ipFamilies[${i}]`, f));
    seen.add(f);
  });
  const policy = spec.ipFamilyPolicy;
  if (policy !== undefined && policy !== null && !['PreferDualStack', 'RequireDualStack', 'SingleStack'].includes(policy)) {
    errs.push(fieldErr.notSupported('spec.ipFamilyPolicy', policy, ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  }
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) errs.push(fieldErr.invalid('spec.clusterIPs', ips, "'None' must be the first and only value"));
      return;
    }
    errs.push(...check(isValidIP(str(ip)), `spec.clusterIPs[${i}]`, ip));
  });
  if (ips.length > 2) errs.push(fieldErr.invalid('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  if (errs.length) return errs;
  if (ips.length > 1 && isIPv6(ips[0]) === isIPv6(ips[1])) {
    errs.push(fieldErr.invalid('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(spec) && ips.length && families.length) {
    ips.forEach((ip, i) => {
      if (i >= families.length) return;
      if (families[i] === 'IPv4' && isIPv6(ip)) errs.push(fieldErr.invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (families[i] === 'IPv6' && !isIPv6(ip)) errs.push(fieldErr.invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

/** ValidateServiceUpdate: cluster IPs and the primary IP family may not change once set. */
export function validateServiceUpdate(svc: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(svc.spec);
  const oldSpec = obj(old.spec);
  if (str(spec.type) !== 'ExternalName' && str(oldSpec.type) !== 'ExternalName') {
    const ips = arr<string>(spec.clusterIPs);
    const oldIPs = arr<string>(oldSpec.clusterIPs);
    if (!(isHeadless(spec) && isHeadless(oldSpec))) {
      if (ips.length === oldIPs.length) {
        oldIPs.forEach((ip, i) => {
          if (ip !== ips[i]) errs.push(fieldErr.invalid(`spec.clusterIPs[${i}]`, ips, 'may not change once set'));
        });
      } else if (oldIPs.length > ips.length) {
        if (ips.length === 0) errs.push(fieldErr.invalid('spec.clusterIPs[0]', ips, 'primary clusterIP can not be unset'));
        if (oldIPs.length && ips.length && ips[0] !== oldIPs[0]) errs.push(fieldErr.invalid('spec.clusterIPs[0]', ips, 'may not change once set'));
        if (ips.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
          errs.push(fieldErr.invalid('spec.clusterIPs[0]', ips, "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP"));
        }
      } else if (oldIPs.length && ips[0] !== oldIPs[0]) {
        errs.push(fieldErr.invalid('spec.clusterIPs[0]', ips, 'may not change once set'));
      }
    }
    const fams = arr<string>(spec.ipFamilies);
    const oldFams = arr<string>(oldSpec.ipFamilies);
    if (oldFams.length && fams.length && fams[0] !== oldFams[0]) {
      errs.push(fieldErr.invalid('spec.ipFamilies[0]', fams[0], 'may not change once set'));
    }
  }
  return errs;
}

// ---------------------------------------------------------------------------------------
// printing
// ---------------------------------------------------------------------------------------

function loadBalancerIngress(svc: KObject): string {
  return arr(obj(obj(svc.status).loadBalancer).ingress)
    .map((i) => str(obj(i).ip) || str(obj(i).hostname))
    .filter((s) => s)
    .join(',');
}

/** The EXTERNAL-IP cell (upstream's getServiceExternalIP, wide). */
export function serviceExternalIP(svc: KObject): string {
  const spec = obj(svc.spec);
  const externalIPs = arr<string>(spec.externalIPs);
  switch (str(spec.type)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(svc);
      if (externalIPs.length) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
  }
  return '<unknown>';
}

/** The PORT(S) cell: "80/TCP,443:30443/TCP". */
export function servicePorts(ports: unknown): string {
  return arr(ports)
    .map((raw) => {
      const p = obj(raw);
      return p.nodePort > 0 ? `${p.port}:${p.nodePort}/${str(p.protocol)}` : `${p.port}/${str(p.protocol)}`;
    })
    .join(',');
}

export const services: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  subresources: { status: true },
  storageResource: 'services/specs',
  defaults: defaultService,
  prepareForCreate,
  prepareForUpdate,
  prepareForStatusUpdate,
  validate: (svc) => validateService(svc),
  validateUpdate(svc, old, ctx) {
    return ctx.subresource === '' ? validateServiceUpdate(svc, old) : [];
  },
  // Service names are DNS-1035 labels (upstream's ValidateServiceName).
  nameRule: 'dns1035' as ResourceDef['nameRule'],
  selectableFields(svc) {
    const spec = obj(svc.spec);
    return { 'spec.clusterIP': str(spec.clusterIP), 'spec.type': str(spec.type) };
  },
  table: {
    columns: [
      nameColumn,
      col('Type', 'string', docs.serviceSpecType),
      col('Cluster-IP', 'string', docs.serviceSpecClusterIP),
      col('External-IP', 'string', docs.serviceSpecExternalIPs),
      col('Port(s)', 'string', docs.serviceSpecPorts),
      ageColumn,
      col('Selector', 'string', docs.serviceSpecSelector, 1),
    ],
    cells(svc, now) {
      const spec = obj(svc.spec);
      const ips = arr<string>(spec.clusterIPs);
      return [
        str(obj(svc.metadata).name),
        str(spec.type),
        ips.length ? ips[0] : '<none>',
        serviceExternalIP(svc),
        servicePorts(spec.ports) || '<none>',
        ageCell(svc, now),
        formatLabelSet(spec.selector),
      ];
    },
  },
};
