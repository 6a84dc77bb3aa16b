// Admission plugin "PodSecurity" (on by default upstream): Pod Security Admission, enforcing
// the Pod Security Standards (privileged / baseline / restricted) per namespace from the
// labels pod-security.kubernetes.io/{enforce,audit,warn}[-version].
//  - pods (create, significant updates, ephemeralcontainers): an enforce violation is a 403
//    `pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation
//    != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ...`;
//    audit violations become the audit annotation pod-security.kubernetes.io/audit-violations,
//    warn violations a warning `would violate PodSecurity "baseline:latest": ...`;
//  - workloads (podtemplates, replicationcontrollers, replicasets, deployments, statefulsets,
//    daemonsets, jobs, cronjobs): their pod template gets warnings and audit annotations only;
//  - namespaces: invalid policy labels are a 422 on create (and on update when they change);
//    tightening the enforce level warns about existing pods that would be rejected.
// The checks, their messages, their order (baseline then restricted, by check ID) and their
// versions (v1.0 .. v1.32, "latest") follow k8s.io/pod-security-admission.

import { invalid, type FieldError } from '../../apimachinery/errors.js';
import type { RequestScope } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';
import { addAuditAnnotation, addWarning, admissionForbidden, arr, isResource, rec, str, type Objects, type Plugin } from './common.js';

export type Level = 'privileged' | 'baseline' | 'restricted';

/** A policy version: a minor of v1, or latest. */
export type Version = number | 'latest';

export interface LevelVersion {
  level: Level;
  version: Version;
}

export interface Policy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const ENFORCE_LEVEL_LABEL = `${LABEL_PREFIX}enforce`;
export const ENFORCE_VERSION_LABEL = `${LABEL_PREFIX}enforce-version`;
export const AUDIT_LEVEL_LABEL = `${LABEL_PREFIX}audit`;
export const AUDIT_VERSION_LABEL = `${LABEL_PREFIX}audit-version`;
export const WARN_LEVEL_LABEL = `${LABEL_PREFIX}warn`;
export const WARN_VERSION_LABEL = `${LABEL_PREFIX}warn-version`;
/** Audit annotation keys (prefixed with LABEL_PREFIX when recorded). */
export const ENFORCED_POLICY_ANNOTATION = 'enforce-policy';
export const AUDIT_VIOLATIONS_ANNOTATION = 'audit-violations';
export const EXEMPTION_ANNOTATION = 'exempt';

/** The newest policy version this build knows checks for; later versions evaluate as latest. */
export const MAX_POLICY_MINOR = 32;

/** PodSecurityConfiguration (pod-security.admission.config.k8s.io). */
export interface PodSecurityConfig {
  defaults?: { enforce?: Level; 'enforce-version'?: string; audit?: Level; 'audit-version'?: string; warn?: Level; 'warn-version'?: string };
  exemptions?: { usernames?: string[]; runtimeClasses?: string[]; namespaces?: string[] };
}

// ---------------------------------------------------------------------------------------
// Levels, versions, policies
// ---------------------------------------------------------------------------------------

const LEVELS: Level[] = ['privileged', 'baseline', 'restricted'];

export function versionString(v: Version): string {
  return v === 'latest' ? 'latest' : `v1.${v}`;
}

export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${versionString(lv.version)}`;
}

function compareLevels(a: Level, b: Level): number {
  return Math.sign(LEVELS.indexOf(a) - LEVELS.indexOf(b));
}

export function parseLevel(s: string): { level: Level; error?: string } {
  if ((LEVELS as string[]).includes(s)) return { level: s as Level };
  return { level: 'restricted', error: `must be one of ${LEVELS.join(', ')}` };
}

export function parseVersion(s: string): { version: Version; error?: string } {
  if (s === 'latest') return { version: 'latest' };
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(s);
  if (!m || Number(m[1]) > 2147483647) return { version: 'latest', error: 'must be "latest" or "v1.x"' };
  return { version: Number(m[1]) };
}

function sameLV(a: LevelVersion, b: LevelVersion): boolean {
  return a.level === b.level && a.version === b.version;
}

function fullyPrivileged(p: Policy): boolean {
  return p.enforce.level === 'privileged' && p.audit.level === 'privileged' && p.warn.level === 'privileged';
}

/**
 * api.PolicyToEvaluate: the namespace's policy over the defaults, and the label errors.
 * An unparseable enforce level is restricted (fail closed), an unparseable audit or warn
 * level privileged (fail open), an unparseable version latest. Warn defaults to enforce when
 * only enforce is set and is stricter.
 */
export function policyToEvaluate(labels: Record<string, string> | undefined, defaults: Policy): { policy: Policy; errs: FieldError[] } {
  const p: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errs: FieldError[] = [];
  if (!labels || !Object.keys(labels).length) return { policy: p, errs };
  const err = (label: string, value: string, e: string | undefined) => {
    if (e) errs.push({ type: 'FieldValueInvalid', field: `metadata.labels[${label}]`, value, detail: e });
  };
  let hasEnforceLevel = false;
  let hasWarnLevel = false;
  let hasWarnVersion = false;
  if (ENFORCE_LEVEL_LABEL in labels) {
    const r = parseLevel(labels[ENFORCE_LEVEL_LABEL]);
    p.enforce.level = r.level;
    hasEnforceLevel = !r.error;
    err(ENFORCE_LEVEL_LABEL, labels[ENFORCE_LEVEL_LABEL], r.error);
  }
  if (ENFORCE_VERSION_LABEL in labels) {
    const r = parseVersion(labels[ENFORCE_VERSION_LABEL]);
    p.enforce.version = r.version;
    err(ENFORCE_VERSION_LABEL, labels[ENFORCE_VERSION_LABEL], r.error);
  }
  if (AUDIT_LEVEL_LABEL in labels) {
    const r = parseLevel(labels[AUDIT_LEVEL_LABEL]);
    p.audit.level = r.error ? 'privileged' : r.level;
    err(AUDIT_LEVEL_LABEL, labels[AUDIT_LEVEL_LABEL], r.error);
  }
  if (AUDIT_VERSION_LABEL in labels) {
    const r = parseVersion(labels[AUDIT_VERSION_LABEL]);
    p.audit.version = r.version;
    err(AUDIT_VERSION_LABEL, labels[AUDIT_VERSION_LABEL], r.error);
  }
  if (WARN_LEVEL_LABEL in labels) {
    hasWarnLevel = true;
    const r = parseLevel(labels[WARN_LEVEL_LABEL]);
    p.warn.level = r.error ? 'privileged' : r.level;
    err(WARN_LEVEL_LABEL, labels[WARN_LEVEL_LABEL], r.error);
  }
  if (WARN_VERSION_LABEL in labels) {
    hasWarnVersion = true;
    const r = parseVersion(labels[WARN_VERSION_LABEL]);
    p.warn.version = r.version;
    err(WARN_VERSION_LABEL, labels[WARN_VERSION_LABEL], r.error);
  }
  if (!hasWarnLevel && hasEnforceLevel && compareLevels(p.enforce.level, p.warn.level) > 0) {
    p.warn.level = p.enforce.level;
    if (!hasWarnVersion) p.warn.version = p.enforce.version;
  }
  return { policy: p, errs };
}

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

export interface CheckResult {
  allowed: boolean;
  reason?: string;
  detail?: string;
}

type CheckFn = (meta: KObject, spec: KObject, minor: number) => CheckResult;

interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** The oldest policy version the check applies to. */
  minMinor: number;
  /** Baseline checks this (restricted) check replaces in restricted policies. */
  overrides?: string[];
  fn: CheckFn;
}

const OK: CheckResult = { allowed: true };

function joinQuote(items: string[]): string {
  return items.length ? `"${items.join('", "')}"` : '';
}

function pluralize(singular: string, plural: string, n: number): string {
  return n === 1 ? singular : plural;
}

/** Go's sets.NewString(...).List(): unique, sorted. */
function sortedSet(items: Iterable<string>): string[] {
  return [...new Set(items)].sort();
}

/** Init containers, containers, ephemeral containers (visitContainers). */
function containers(spec: KObject): KObject[] {
  return [...arr(spec.initContainers), ...arr(spec.containers), ...arr(spec.ephemeralContainers)];
}

function sc(c: KObject): KObject {
  return rec(c.securityContext);
}

function podSC(spec: KObject): KObject {
  return rec(spec.securityContext);
}

function isWindows(spec: KObject): boolean {
  return spec.os?.name === 'windows';
}

function containerNames(list: KObject[]): string[] {
  return list.map((c) => str(c.name));
}

const appArmorProfile: CheckFn = (meta, spec) => {
  const allowedType = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  const psc = podSC(spec);
  if (psc.appArmorProfile && !allowedType(psc.appArmorProfile.type)) {
    badSetters.push('pod');
    badValues.add(str(psc.appArmorProfile.type));
  }
  const bad: string[] = [];
  for (const c of containers(spec)) {
    const p = sc(c).appArmorProfile;
    if (p && !allowedType(p.type)) {
      bad.push(str(c.name));
      badValues.add(str(p.type));
    }
  }
  if (bad.length) badSetters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
  const forbiddenAnnotations: string[] = [];
  for (const [k, v] of Object.entries(rec(meta.annotations))) {
    if (!k.startsWith('container.apparmor.security.beta.kubernetes.io/')) continue;
    const value = str(v);
    if (value === '' || value === 'runtime/default' || value.startsWith('localhost/')) continue;
    forbiddenAnnotations.push(`${k}=${JSON.stringify(value)}`);
  }
  const values = sortedSet(badValues);
  if (forbiddenAnnotations.length) {
    values.push(...forbiddenAnnotations.sort());
    badSetters.push(pluralize('annotation', 'annotations', forbiddenAnnotations.length));
  }
  if (!badSetters.length) return OK;
  return {
    allowed: false,
    reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
    detail: `${badSetters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`,
  };
};

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

const capabilitiesBaseline: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const caps: string[] = [];
  for (const c of containers(spec)) {
    const add = arr<string>(sc(c).capabilities?.add);
    const extra = add.filter((x) => !BASELINE_CAPABILITIES.has(String(x)));
    if (extra.length) {
      bad.push(str(c.name));
      caps.push(...extra.map(String));
    }
  }
  if (!bad.length) return OK;
  return {
    allowed: false,
    reason: 'non-default capabilities',
    detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`,
  };
};

const hostNamespaces: CheckFn = (_meta, spec) => {
  const ns: string[] = [];
  if (spec.hostNetwork === true) ns.push('hostNetwork=true');
  if (spec.hostPID === true) ns.push('hostPID=true');
  if (spec.hostIPC === true) ns.push('hostIPC=true');
  if (!ns.length) return OK;
  return { allowed: false, reason: 'host namespaces', detail: ns.join(', ') };
};

const hostPathVolumes: CheckFn = (_meta, spec) => {
  const vols = arr(spec.volumes).filter((v) => v.hostPath).map((v) => str(v.name));
  if (!vols.length) return OK;
  return { allowed: false, reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', vols.length)} ${joinQuote(vols)}` };
};

const hostPorts: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of containers(spec)) {
    let valid = true;
    for (const p of arr(c.ports)) {
      if (p.hostPort !== undefined && p.hostPort !== null && Number(p.hostPort) !== 0) {
        valid = false;
        ports.push(String(p.hostPort));
      }
    }
    if (!valid) bad.push(str(c.name));
  }
  if (!bad.length) return OK;
  const list = sortedSet(ports);
  return {
    allowed: false,
    reason: 'hostPort',
    detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`,
  };
};

const privileged: CheckFn = (_meta, spec) => {
  const bad = containerNames(containers(spec).filter((c) => sc(c).privileged === true));
  if (!bad.length) return OK;
  return { allowed: false, reason: 'privileged', detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.privileged=true` };
};

const procMount: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const types: string[] = [];
  for (const c of containers(spec)) {
    const pm = sc(c).procMount;
    if (pm === undefined || pm === null) continue;
    if (pm !== 'Default') {
      bad.push(str(c.name));
      types.push(String(pm));
    }
  }
  if (!bad.length) return OK;
  return {
    allowed: false,
    reason: 'procMount',
    detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`,
  };
};

const seLinuxOptions: CheckFn = (_meta, spec, minor) => {
  const allowedTypes = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
  if (minor >= 31) allowedTypes.add('container_engine_t');
  const badSetters: string[] = [];
  const badTypes = new Set<string>();
  let setUser = false;
  let setRole = false;
  const valid = (o: KObject): boolean => {
    let ok = true;
    if (!allowedTypes.has(str(o.type))) {
      ok = false;
      badTypes.add(str(o.type));
    }
    if (str(o.user)) {
      ok = false;
      setUser = true;
    }
    if (str(o.role)) {
      ok = false;
      setRole = true;
    }
    return ok;
  };
  const psc = podSC(spec);
  if (psc.seLinuxOptions && !valid(rec(psc.seLinuxOptions))) badSetters.push('pod');
  const bad: string[] = [];
  for (const c of containers(spec)) {
    const o = sc(c).seLinuxOptions;
    if (o && !valid(rec(o))) bad.push(str(c.name));
  }
  if (bad.length) badSetters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
  if (!badSetters.length) return OK;
  const data: string[] = [];
  if (badTypes.size) data.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote(sortedSet(badTypes))}`);
  if (setUser) data.push('user may not be set');
  if (setRole) data.push('role may not be set');
  return { allowed: false, reason: 'seLinuxOptions', detail: `${badSetters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}` };
};

const validSeccomp = (t: unknown) => t === 'Localhost' || t === 'RuntimeDefault';

const seccompProfileBaseline: CheckFn = (meta, spec, minor) => {
  if (minor < 19) {
    // the alpha annotations
    const annotations = rec(meta.annotations);
    const validAnnotation = (v: string) => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
    const forbidden = new Set<string>();
    const podKey = 'seccomp.security.alpha.kubernetes.io/pod';
    if (podKey in annotations && !validAnnotation(str(annotations[podKey]))) forbidden.add(`${podKey}=${JSON.stringify(str(annotations[podKey]))}`);
    for (const c of containers(spec)) {
      const key = `container.seccomp.security.alpha.kubernetes.io/${str(c.name)}`;
      if (key in annotations && !validAnnotation(str(annotations[key]))) forbidden.add(`${key}=${JSON.stringify(str(annotations[key]))}`);
    }
    if (!forbidden.size) return OK;
    return { allowed: false, reason: 'seccompProfile', detail: `forbidden ${pluralize('annotation', 'annotations', forbidden.size)} ${sortedSet(forbidden).join(', ')}` };
  }
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  const psc = podSC(spec);
  if (psc.seccompProfile && !validSeccomp(psc.seccompProfile.type)) {
    badSetters.push('pod');
    badValues.add(str(psc.seccompProfile.type));
  }
  const bad: string[] = [];
  for (const c of containers(spec)) {
    const p = sc(c).seccompProfile;
    if (p && !validSeccomp(p.type)) {
      bad.push(str(c.name));
      badValues.add(str(p.type));
    }
  }
  if (bad.length) badSetters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
  if (!badSetters.length) return OK;
  return { allowed: false, reason: 'seccompProfile', detail: `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}` };
};

const SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SYSCTLS_1_27 = ['net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SYSCTLS_1_32 = ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

const sysctls: CheckFn = (_meta, spec, minor) => {
  const allowed = new Set(SYSCTLS_1_0);
  if (minor >= 27) SYSCTLS_1_27.forEach((s) => allowed.add(s));
  if (minor >= 29) SYSCTLS_1_29.forEach((s) => allowed.add(s));
  if (minor >= 32) SYSCTLS_1_32.forEach((s) => allowed.add(s));
  const bad = arr(podSC(spec).sysctls).map((s) => str(s.name)).filter((n) => !allowed.has(n));
  if (!bad.length) return OK;
  return { allowed: false, reason: 'forbidden sysctls', detail: bad.join(', ') };
};

const windowsHostProcess: CheckFn = (_meta, spec) => {
  const bad = containerNames(containers(spec).filter((c) => sc(c).windowsOptions?.hostProcess === true));
  const setters: string[] = [];
  if (podSC(spec).windowsOptions?.hostProcess === true) setters.push('pod');
  if (bad.length) setters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
  if (!setters.length) return OK;
  return { allowed: false, reason: 'hostProcess', detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true` };
};

const allowPrivilegeEscalation: CheckFn = (_meta, spec, minor) => {
  if (minor >= 25 && isWindows(spec)) return OK;
  const bad = containerNames(containers(spec).filter((c) => sc(c).allowPrivilegeEscalation !== false));
  if (!bad.length) return OK;
  return {
    allowed: false,
    reason: 'allowPrivilegeEscalation != false',
    detail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must set securityContext.allowPrivilegeEscalation=false`,
  };
};

const capabilitiesRestricted: CheckFn = (_meta, spec, minor) => {
  if (minor >= 25 && isWindows(spec)) return OK;
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbiddenCaps: string[] = [];
  for (const c of containers(spec)) {
    const caps = sc(c).capabilities;
    if (!caps) {
      missingDropAll.push(str(c.name));
      continue;
    }
    if (!arr<string>(caps.drop).some((d) => d === 'ALL')) missingDropAll.push(str(c.name));
    const extra = arr<string>(caps.add).filter((a) => a !== 'NET_BIND_SERVICE');
    if (extra.length) {
      addingForbidden.push(str(c.name));
      forbiddenCaps.push(...extra.map(String));
    }
  }
  const details: string[] = [];
  if (missingDropAll.length) {
    details.push(`${pluralize('container', 'containers', missingDropAll.length)} ${joinQuote(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  }
  if (addingForbidden.length) {
    details.push(`${pluralize('container', 'containers', addingForbidden.length)} ${joinQuote(addingForbidden)} must not include ${joinQuote(sortedSet(forbiddenCaps))} in securityContext.capabilities.add`);
  }
  if (!details.length) return OK;
  return { allowed: false, reason: 'unrestricted capabilities', detail: details.join('; ') };
};

const ALLOWED_RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const RESTRICTED_VOLUME_TYPES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'fc',
  'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos',
];

const restrictedVolumes: CheckFn = (_meta, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of arr(spec.volumes)) {
    const has = (k: string) => v[k] !== undefined && v[k] !== null;
    if (ALLOWED_RESTRICTED_VOLUME_TYPES.some(has)) continue;
    bad.push(str(v.name));
    types.add(RESTRICTED_VOLUME_TYPES.find(has) ?? 'unknown');
  }
  if (!bad.length) return OK;
  const list = sortedSet(types);
  return {
    allowed: false,
    reason: 'restricted volume types',
    detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', list.length)} ${joinQuote(list)}`,
  };
};

const runAsNonRoot: CheckFn = (_meta, spec) => {
  const badSetters: string[] = [];
  let podRunAsNonRoot = false;
  const psc = podSC(spec);
  if (typeof psc.runAsNonRoot === 'boolean') {
    if (!psc.runAsNonRoot) badSetters.push('pod');
    else podRunAsNonRoot = true;
  }
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  for (const c of containers(spec)) {
    const v = sc(c).runAsNonRoot;
    if (typeof v === 'boolean') {
      if (!v) explicitlyBad.push(str(c.name));
    } else if (!podRunAsNonRoot) implicitlyBad.push(str(c.name));
  }
  if (explicitlyBad.length) badSetters.push(`${pluralize('container', 'containers', explicitlyBad.length)} ${joinQuote(explicitlyBad)}`);
  if (badSetters.length) return { allowed: false, reason: 'runAsNonRoot != true', detail: `${badSetters.join(' and ')} must not set securityContext.runAsNonRoot=false` };
  if (implicitlyBad.length) {
    return {
      allowed: false,
      reason: 'runAsNonRoot != true',
      detail: `pod or ${pluralize('container', 'containers', implicitlyBad.length)} ${joinQuote(implicitlyBad)} must set securityContext.runAsNonRoot=true`,
    };
  }
  return OK;
};

const runAsUser: CheckFn = (_meta, spec) => {
  const badSetters: string[] = [];
  if (podSC(spec).runAsUser === 0) badSetters.push('pod');
  const bad = containerNames(containers(spec).filter((c) => sc(c).runAsUser === 0));
  if (bad.length) badSetters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
  if (!badSetters.length) return OK;
  return { allowed: false, reason: 'runAsUser=0', detail: `${badSetters.join(' and ')} must not set runAsUser=0` };
};

const seccompProfileRestricted: CheckFn = (_meta, spec, minor) => {
  if (minor >= 25 && isWindows(spec)) return OK;
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  let podSeccompSet = false;
  const psc = podSC(spec);
  if (psc.seccompProfile) {
    if (!validSeccomp(psc.seccompProfile.type)) {
      badSetters.push('pod');
      badValues.add(str(psc.seccompProfile.type));
    } else podSeccompSet = true;
  }
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  for (const c of containers(spec)) {
    const p = sc(c).seccompProfile;
    if (p) {
      if (!validSeccomp(p.type)) {
        explicitlyBad.push(str(c.name));
        badValues.add(str(p.type));
      }
    } else if (!podSeccompSet) implicitlyBad.push(str(c.name));
  }
  if (explicitlyBad.length) badSetters.push(`${pluralize('container', 'containers', explicitlyBad.length)} ${joinQuote(explicitlyBad)}`);
  if (badSetters.length) {
    return { allowed: false, reason: 'seccompProfile', detail: `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}` };
  }
  if (implicitlyBad.length) {
    return {
      allowed: false,
      reason: 'seccompProfile',
      detail: `pod or ${pluralize('container', 'containers', implicitlyBad.length)} ${joinQuote(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    };
  }
  return OK;
};

/** Every check, with the version it applies from. */
const CHECKS: Check[] = [
  { id: 'appArmorProfile', level: 'baseline', minMinor: 0, fn: appArmorProfile },
  { id: 'capabilities_baseline', level: 'baseline', minMinor: 0, fn: capabilitiesBaseline },
  { id: 'hostNamespaces', level: 'baseline', minMinor: 0, fn: hostNamespaces },
  { id: 'hostPathVolumes', level: 'baseline', minMinor: 0, fn: hostPathVolumes },
  { id: 'hostPorts', level: 'baseline', minMinor: 0, fn: hostPorts },
  { id: 'privileged', level: 'baseline', minMinor: 0, fn: privileged },
  { id: 'procMount', level: 'baseline', minMinor: 0, fn: procMount },
  { id: 'seLinuxOptions', level: 'baseline', minMinor: 0, fn: seLinuxOptions },
  { id: 'seccompProfile_baseline', level: 'baseline', minMinor: 0, fn: seccompProfileBaseline },
  { id: 'sysctls', level: 'baseline', minMinor: 0, fn: sysctls },
  { id: 'windowsHostProcess', level: 'baseline', minMinor: 0, fn: windowsHostProcess },
  { id: 'allowPrivilegeEscalation', level: 'restricted', minMinor: 8, fn: allowPrivilegeEscalation },
  { id: 'capabilities_restricted', level: 'restricted', minMinor: 22, overrides: ['capabilities_baseline'], fn: capabilitiesRestricted },
  { id: 'restrictedVolumes', level: 'restricted', minMinor: 0, overrides: ['hostPathVolumes'], fn: restrictedVolumes },
  { id: 'runAsNonRoot', level: 'restricted', minMinor: 0, fn: runAsNonRoot },
  { id: 'runAsUser', level: 'restricted', minMinor: 23, fn: runAsUser },
  { id: 'seccompProfile_restricted', level: 'restricted', minMinor: 19, overrides: ['seccompProfile_baseline'], fn: seccompProfileRestricted },
];

function byId(a: Check, b: Check): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
const BASELINE_CHECKS = CHECKS.filter((c) => c.level === 'baseline').sort(byId);
const RESTRICTED_CHECKS = CHECKS.filter((c) => c.level === 'restricted').sort(byId);

/** The checks of a level at a version, in upstream's order (baseline, then restricted, by ID). */
function checksFor(lv: LevelVersion): { check: Check; minor: number }[] {
  if (lv.level === 'privileged') return [];
  const minor = lv.version === 'latest' ? MAX_POLICY_MINOR : Math.min(lv.version, MAX_POLICY_MINOR);
  const active = (c: Check) => c.minMinor <= minor;
  if (lv.level === 'baseline') return BASELINE_CHECKS.filter(active).map((check) => ({ check, minor }));
  const restricted = RESTRICTED_CHECKS.filter(active);
  const overridden = new Set(restricted.flatMap((c) => c.overrides ?? []));
  return [...BASELINE_CHECKS.filter((c) => active(c) && !overridden.has(c.id)), ...restricted].map((check) => ({ check, minor }));
}

export interface AggregateResult {
  allowed: boolean;
  reasons: string[];
  details: string[];
}

/** policy.AggregateCheckResults over Evaluator.EvaluatePod. */
export function evaluatePod(lv: LevelVersion, meta: KObject | undefined, spec: KObject | undefined): AggregateResult {
  const m = rec(meta);
  const s = rec(spec);
  const out: AggregateResult = { allowed: true, reasons: [], details: [] };
  for (const { check, minor } of checksFor(lv)) {
    const r = check.fn(m, s, minor);
    if (r.allowed) continue;
    out.allowed = false;
    out.reasons.push(r.reason ?? '');
    out.details.push(r.detail ?? '');
  }
  return out;
}

/** AggregateCheckResult.ForbiddenDetail: `reason (detail), reason, ...`. */
export function forbiddenDetail(r: AggregateResult): string {
  return r.reasons.map((reason, i) => (r.details[i] ? `${reason} (${r.details[i]})` : reason)).join(', ');
}

// ---------------------------------------------------------------------------------------
// The admission plugin
// ---------------------------------------------------------------------------------------

const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

/** Resources whose objects carry a pod template (DefaultPodSpecExtractor). */
const POD_SPEC_RESOURCES = new Set(['/replicationcontrollers', '/podtemplates', 'apps/replicasets', 'apps/deployments', 'apps/statefulsets', 'apps/daemonsets', 'batch/jobs', 'batch/cronjobs']);

/** DefaultPodSpecExtractor.ExtractPodSpec: the template's metadata and spec (undefined when absent). */
export function extractPodTemplate(group: string, plural: string, obj: KObject): { meta: KObject; spec: KObject } | undefined {
  const gr = `${group}/${plural}`;
  let tmpl: KObject | undefined;
  if (gr === '/pods') return { meta: rec(obj.metadata), spec: rec(obj.spec) };
  if (gr === '/podtemplates') tmpl = obj.template;
  else if (gr === 'batch/cronjobs') tmpl = obj.spec?.jobTemplate?.spec?.template;
  else tmpl = obj.spec?.template;
  if (!tmpl) return undefined;
  return { meta: rec(tmpl.metadata), spec: rec(tmpl.spec) };
}

function isSignificantContainerUpdate(c: KObject, old: KObject, ann: KObject, oldAnn: KObject): boolean {
  if (c.image !== old.image) return true;
  const key = `container.seccomp.security.alpha.kubernetes.io/${str(c.name)}`;
  return ann[key] !== oldAnn[key];
}

/** isSignificantPodUpdate: only image, container-set and seccomp annotation changes are evaluated. */
export function isSignificantPodUpdate(pod: KObject, old: KObject): boolean {
  const ann = rec(pod.metadata?.annotations);
  const oldAnn = rec(old.metadata?.annotations);
  if (ann['seccomp.security.alpha.kubernetes.io/pod'] !== oldAnn['seccomp.security.alpha.kubernetes.io/pod']) return true;
  const spec = rec(pod.spec);
  const oldSpec = rec(old.spec);
  for (const f of ['containers', 'initContainers']) {
    const a = arr(spec[f]);
    const b = arr(oldSpec[f]);
    if (a.length !== b.length) return true;
    for (let i = 0; i < a.length; i++) if (isSignificantContainerUpdate(a[i], b[i], ann, oldAnn)) return true;
  }
  const oldEphemeral = arr(oldSpec.ephemeralContainers);
  for (const c of arr(spec.ephemeralContainers)) {
    const o = oldEphemeral.find((x) => x.name === c.name);
    if (!o) return true;
    if (isSignificantContainerUpdate(c, o, ann, oldAnn)) return true;
  }
  return false;
}

function defaultPolicy(cfg: PodSecurityConfig): Policy {
  const d = cfg.defaults ?? {};
  const lv = (level: Level | undefined, version: string | undefined): LevelVersion => ({
    level: level ?? 'privileged',
    version: version ? parseVersion(version).version : 'latest',
  });
  return { enforce: lv(d.enforce, d['enforce-version']), audit: lv(d.audit, d['audit-version']), warn: lv(d.warn, d['warn-version']) };
}

export interface PodSecurityOptions {
  config?: PodSecurityConfig;
  /** Most existing pods checked when a namespace's enforce level is tightened (default 3000). */
  namespaceMaxPodsToCheck?: number;
}

export function podSecurityPlugin(objects: Objects, opts: PodSecurityOptions = {}): Plugin {
  const cfg = opts.config ?? {};
  const defaults = defaultPolicy(cfg);
  const exemptNamespaces = new Set(cfg.exemptions?.namespaces ?? []);
  const exemptUsers = new Set(cfg.exemptions?.usernames ?? []);
  const exemptRuntimeClasses = new Set(cfg.exemptions?.runtimeClasses ?? []);
  const maxPods = opts.namespaceMaxPodsToCheck ?? 3000;

  const audit = (scope: RequestScope, key: string, value: string) => addAuditAnnotation(scope, `${LABEL_PREFIX}${key}`, value);

  async function namespaceLabels(name: string): Promise<Record<string, string> | undefined> {
    const ns = (await objects.get('', 'namespaces', '', name)) ?? (await objects.getLive?.('', 'namespaces', '', name));
    return ns?.metadata?.labels;
  }

  /** Admission.EvaluatePod: enforce (pods only), audit, warn. */
  function evaluate(scope: RequestScope, obj: KObject, policy: Policy, policyErrs: FieldError[], meta: KObject, spec: KObject, enforce: boolean): void {
    const rc = str(spec.runtimeClassName);
    if (rc && exemptRuntimeClasses.has(rc)) {
      audit(scope, EXEMPTION_ANNOTATION, 'runtimeClass');
      return;
    }
    if (policyErrs.length) audit(scope, 'error', `Failed to parse policy: ${aggregateFieldErrors(policyErrs)}`);
    const cache = new Map<string, AggregateResult>();
    const resultFor = (lv: LevelVersion) => {
      const key = levelVersionString(lv);
      let r = cache.get(key);
      if (!r) {
        r = evaluatePod(lv, meta, spec);
        cache.set(key, r);
      }
      return r;
    };
    let denied: Error | undefined;
    if (enforce) {
      audit(scope, ENFORCED_POLICY_ANNOTATION, levelVersionString(policy.enforce));
      const r = resultFor(policy.enforce);
      if (!r.allowed) denied = admissionForbidden(scope, obj, `violates PodSecurity ${JSON.stringify(levelVersionString(policy.enforce))}: ${forbiddenDetail(r)}`);
    }
    const a = resultFor(policy.audit);
    if (!a.allowed) audit(scope, AUDIT_VIOLATIONS_ANNOTATION, `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.audit))}: ${forbiddenDetail(a)}`);
    if (denied) throw denied;
    const w = resultFor(policy.warn);
    if (!w.allowed) addWarning(scope, `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.warn))}: ${forbiddenDetail(w)}`);
  }

  async function validatePod(op: string, obj: KObject, old: KObject | undefined, scope: RequestScope): Promise<void> {
    if (IGNORED_POD_SUBRESOURCES.has(scope.subresource)) return;
    if (exemptNamespaces.has(scope.namespace)) {
      audit(scope, EXEMPTION_ANNOTATION, 'namespace');
      return;
    }
    if (scope.user.username && exemptUsers.has(scope.user.username)) {
      audit(scope, EXEMPTION_ANNOTATION, 'user');
      return;
    }
    const { policy, errs } = policyToEvaluate(await namespaceLabels(scope.namespace), defaults);
    if (!errs.length && fullyPrivileged(policy)) {
      audit(scope, ENFORCED_POLICY_ANNOTATION, levelVersionString({ level: 'privileged', version: 'latest' }));
      return;
    }
    if (op === 'UPDATE' && old && !isSignificantPodUpdate(obj, old)) return;
    evaluate(scope, obj, policy, errs, rec(obj.metadata), rec(obj.spec), true);
  }

  async function validateWorkload(obj: KObject, scope: RequestScope): Promise<void> {
    if (scope.subresource) return;
    if (exemptNamespaces.has(scope.namespace)) {
      audit(scope, EXEMPTION_ANNOTATION, 'namespace');
      return;
    }
    if (scope.user.username && exemptUsers.has(scope.user.username)) {
      audit(scope, EXEMPTION_ANNOTATION, 'user');
      return;
    }
    const { policy, errs } = policyToEvaluate(await namespaceLabels(scope.namespace), defaults);
    if (!errs.length && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return;
    const tmpl = extractPodTemplate(scope.def.group, scope.def.plural, obj);
    if (!tmpl) return;
    evaluate(scope, obj, policy, errs, tmpl.meta, tmpl.spec, false);
  }

  /** EvaluatePodsInNamespace: warnings about existing pods the new enforce level rejects. */
  async function evaluatePodsInNamespace(namespace: string, enforce: LevelVersion): Promise<string[]> {
    const pods = [...(await objects.list('', 'pods', namespace))].sort((a, b) => (str(a.metadata?.name) < str(b.metadata?.name) ? -1 : 1));
    // prioritizePods: one pod per controller first, the replicas after
    const first: KObject[] = [];
    const replicas: KObject[] = [];
    const seen = new Set<string>();
    for (const p of pods) {
      const owner = arr(p.metadata?.ownerReferences).find((r) => r.controller === true);
      if (owner) {
        if (seen.has(str(owner.uid))) {
          replicas.push(p);
          continue;
        }
        seen.add(str(owner.uid));
      }
      first.push(p);
    }
    const ordered = [...first, ...replicas];
    const total = ordered.length;
    const checked = ordered.slice(0, maxPods);
    const warnings: string[] = [];
    const podWarnings: string[] = [];
    const counts = new Map<string, { podName: string; count: number }>();
    for (const pod of checked) {
      const r = evaluatePod(enforce, pod.metadata, pod.spec);
      if (r.allowed) continue;
      const warning = r.reasons.join(', ');
      const c = counts.get(warning);
      const name = str(pod.metadata?.name);
      if (!c) {
        counts.set(warning, { podName: name, count: 1 });
        podWarnings.push(warning);
      } else {
        c.count++;
        if (name < c.podName) c.podName = name;
      }
    }
    if (checked.length < total) warnings.push(`new PodSecurity enforce level only checked against the first ${checked.length} of ${total} existing pods`);
    if (podWarnings.length) warnings.push(`existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(enforce))}`);
    const decorated = podWarnings.map((w) => {
      const c = counts.get(w)!;
      if (c.count === 1) return `${c.podName}: ${w}`;
      if (c.count === 2) return `${c.podName} (and 1 other pod): ${w}`;
      return `${c.podName} (and ${c.count - 1} other pods): ${w}`;
    });
    decorated.sort();
    return [...warnings, ...decorated];
  }

  async function validateNamespace(op: string, obj: KObject, old: KObject | undefined, scope: RequestScope): Promise<void> {
    if (scope.subresource) return;
    const name = str(obj.metadata?.name) || scope.name;
    const { policy, errs } = policyToEvaluate(obj.metadata?.labels, defaults);
    if (op === 'CREATE') {
      if (errs.length) throw invalid('Namespace', '', name, errs);
      return;
    }
    if (op !== 'UPDATE' || !old) return;
    const { policy: oldPolicy, errs: oldErrs } = policyToEvaluate(old.metadata?.labels, defaults);
    if (errs.length && (!oldErrs.length || JSON.stringify(errs) !== JSON.stringify(oldErrs))) throw invalid('Namespace', '', name, errs);
    if (sameLV(policy.enforce, oldPolicy.enforce)) return;
    if (policy.enforce.level === 'privileged') return;
    if (policy.enforce.version === oldPolicy.enforce.version && compareLevels(policy.enforce.level, oldPolicy.enforce.level) < 1) return;
    if (exemptNamespaces.has(name)) return;
    for (const w of await evaluatePodsInNamespace(name, policy.enforce)) addWarning(scope, w);
  }

  return {
    name: 'PodSecurity',
    async validate(op, obj, old, scope) {
      if (!obj || (op !== 'CREATE' && op !== 'UPDATE')) return;
      const gr = `${scope.def.group}/${scope.def.plural}`;
      if (gr === '/namespaces') return validateNamespace(op, obj, old, scope);
      if (isResource(scope, '', 'pods')) return validatePod(op, obj, old, scope);
      if (POD_SPEC_RESOURCES.has(gr)) return validateWorkload(obj, scope);
    },
  };
}

function aggregateFieldErrors(errs: FieldError[]): string {
  const msgs = errs.map((e) => `${e.field}: Invalid value: ${JSON.stringify(e.value)}: ${e.detail}`);
  return msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
}
