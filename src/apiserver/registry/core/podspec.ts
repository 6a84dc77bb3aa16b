// PodSpec and PodTemplateSpec handling shared by every workload resource (pods, pod
// templates, replication controllers here; deployments, jobs, ... elsewhere): upstream's
// v1 defaulting of pod specs, containers, probes and volumes, the PodSpec validation
// rules (containers, ports, env, volumes and mounts, resources, probes, policies,
// tolerations), and the CONTAINERS / IMAGES column helpers.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import {
  inclusiveRangeError,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidIP,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  validateAnnotations,
  validateLabels,
} from '../../../apimachinery/validation.js';
import type { KObject } from '../types.js';
import {
  arr,
  check,
  isObj,
  keyPath,
  nonNegative,
  obj,
  setDefault,
  str,
  validateContainerResourceName,
  validateQuantityValue,
  isOvercommitAllowed,
} from './helpers.js';

// ---------------------------------------------------------------------------------------
// defaulting
// ---------------------------------------------------------------------------------------

/** The tag of an image reference ("latest" when neither tag nor digest is given). */
export function imageTag(image: string): string {
  if (!image) return '';
  const at = image.indexOf('@');
  const hasDigest = at >= 0;
  const name = hasDigest ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  if (colon >= 0) return name.slice(colon + 1);
  return hasDigest ? '' : 'latest';
}

function defaultHTTPGet(h: unknown): void {
  if (!isObj(h)) return;
  if (!h.path) h.path = '/';
  if (!h.scheme) h.scheme = 'HTTP';
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  defaultHTTPGet(p.httpGet);
}

function defaultFieldRef(ref: unknown): void {
  if (isObj(ref) && !ref.apiVersion) ref.apiVersion = 'v1';
}

/** SetDefaults_Container (also used for init and ephemeral containers). */
export function defaultContainer(c: unknown): void {
  if (!isObj(c)) return;
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(str(c.image)) === 'latest' ? 'Always' : 'IfNotPresent';
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  // ResourceRequirements is a struct upstream: it always serializes, if only as {}.
  setDefault(c, 'resources', {});
  for (const p of arr(c.ports)) if (isObj(p) && !p.protocol) p.protocol = 'TCP';
  for (const e of arr(c.env)) if (isObj(e) && isObj(e.valueFrom)) defaultFieldRef(e.valueFrom.fieldRef);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isObj(c.lifecycle)) {
    for (const h of [c.lifecycle.postStart, c.lifecycle.preStop]) if (isObj(h)) defaultHTTPGet(h.httpGet);
  }
}

const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi',
  'glusterfs', 'flexVolume', 'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc',
  'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'projected',
  'scaleIO', 'configMap', 'csi', 'ephemeral', 'image', 'flocker',
];

/** The volume source keys present on a volume, in upstream's checking order. */
export function volumeSources(v: Record<string, any>): string[] {
  return VOLUME_SOURCES.filter((k) => v[k] !== undefined && v[k] !== null);
}

/** SetDefaults_PersistentVolumeClaimSpec (also for ephemeral volume claim templates). */
export function defaultPVCSpec(spec: unknown): void {
  if (isObj(spec) && !spec.volumeMode) spec.volumeMode = 'Filesystem';
}

/** SetDefaults for one pod volume: emptyDir when no source, file modes, token expiry... */
export function defaultVolume(v: unknown): void {
  if (!isObj(v)) return;
  if (volumeSources(v).length === 0) v.emptyDir = {};
  if (isObj(v.secret)) setDefault(v.secret, 'defaultMode', 0o644);
  if (isObj(v.configMap)) setDefault(v.configMap, 'defaultMode', 0o644);
  if (isObj(v.downwardAPI)) {
    setDefault(v.downwardAPI, 'defaultMode', 0o644);
    for (const it of arr(v.downwardAPI.items)) if (isObj(it)) defaultFieldRef(it.fieldRef);
  }
  if (isObj(v.projected)) {
    setDefault(v.projected, 'defaultMode', 0o644);
    for (const s of arr(v.projected.sources)) {
      if (!isObj(s)) continue;
      if (isObj(s.serviceAccountToken)) setDefault(s.serviceAccountToken, 'expirationSeconds', 3600);
      if (isObj(s.downwardAPI)) for (const it of arr(s.downwardAPI.items)) if (isObj(it)) defaultFieldRef(it.fieldRef);
    }
  }
  if (isObj(v.hostPath)) setDefault(v.hostPath, 'type', '');
  if (isObj(v.iscsi) && !v.iscsi.iscsiInterface) v.iscsi.iscsiInterface = 'default';
  if (isObj(v.rbd)) {
    if (!v.rbd.pool) v.rbd.pool = 'rbd';
    if (!v.rbd.user) v.rbd.user = 'admin';
    if (!v.rbd.keyring) v.rbd.keyring = '/etc/ceph/keyring';
  }
  if (isObj(v.azureDisk)) {
    setDefault(v.azureDisk, 'cachingMode', 'ReadWrite');
    setDefault(v.azureDisk, 'fsType', 'ext4');
    setDefault(v.azureDisk, 'readOnly', false);
    setDefault(v.azureDisk, 'kind', 'Shared');
  }
  if (isObj(v.scaleIO)) {
    if (!v.scaleIO.storageMode) v.scaleIO.storageMode = 'ThinProvisioned';
    if (!v.scaleIO.fsType) v.scaleIO.fsType = 'xfs';
  }
  if (isObj(v.ephemeral) && isObj(v.ephemeral.volumeClaimTemplate)) defaultPVCSpec(v.ephemeral.volumeClaimTemplate.spec);
}

/**
 * SetDefaults_PodSpec (and the defaults of everything inside it): the pod-level policies,
 * every container, every volume, and the serviceAccount / serviceAccountName pair the v1
 * API keeps in sync. Applies to pods and to pod templates alike.
 */
export function defaultPodSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  // v1 keeps the deprecated serviceAccount field as a mirror of serviceAccountName.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of arr(spec.initContainers)) defaultContainer(c);
  for (const c of arr(spec.containers)) defaultContainer(c);
  for (const c of arr(spec.ephemeralContainers)) defaultContainer(c);
  for (const v of arr(spec.volumes)) defaultVolume(v);
}

/**
 * Defaults a PodTemplateSpec: the spec as defaultPodSpec, and the template's metadata as
 * upstream serializes an empty ObjectMeta (creationTimestamp: null).
 */
export function defaultPodTemplateSpec(template: unknown): void {
  if (!isObj(template)) return;
  if (!isObj(template.metadata)) template.metadata = {};
  if (template.metadata.creationTimestamp === undefined) template.metadata.creationTimestamp = null;
  if (!isObj(template.spec)) template.spec = {};
  defaultPodSpec(template.spec);
}

// ---------------------------------------------------------------------------------------
// validation
// ---------------------------------------------------------------------------------------

export interface PodSpecValidationOptions {
  /** Pods only: image without surrounding whitespace, container ports vs hostNetwork... */
  isPod?: boolean;
}

const supportedPortProtocols = ['SCTP', 'TCP', 'UDP'];
const envFieldPaths = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const volumeFieldPaths = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
const resourceFieldRefs = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

/** validatePortNumOrName for an IntOrString port. */
function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return check(isValidPortNum(port), path, port);
  if (typeof port === 'string') return check(isValidPortName(port), path, port);
  return [fieldErr.invalid(path, port ?? null, 'must be an int or string')];
}

/** Field labels the downward API can convert at all (others fail conversion). */
const convertibleFieldPaths = new Set([
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName',
  'spec.restartPolicy', 'spec.serviceAccountName', 'spec.schedulerName', 'status.phase', 'status.hostIP',
  'status.hostIPs', 'status.podIP', 'status.podIPs',
]);

/** validateObjectFieldSelector for env vars and downward API volume items. */
function validateFieldRef(ref: Record<string, any>, path: string, forVolume: boolean): FieldError[] {
  const apiVersion = str(ref.apiVersion);
  const fieldPath = str(ref.fieldPath);
  if (!apiVersion) return [fieldErr.required(`${path}.apiVersion`, '')];
  if (!fieldPath) return [fieldErr.required(`${path}.fieldPath`, '')];
  if (apiVersion !== 'v1') return [fieldErr.invalid(`${path}.fieldPath`, fieldPath, `error converting fieldPath: unsupported pod version: ${apiVersion}`)];
  const m = /^([^[]+)\['(.*)'\]$/.exec(fieldPath);
  const base = m ? m[1] : fieldPath;
  if (!convertibleFieldPaths.has(base)) {
    return [fieldErr.invalid(`${path}.fieldPath`, fieldPath, `error converting fieldPath: field label not supported: ${base}`)];
  }
  if (m) {
    if (base === 'metadata.annotations') return check(isQualifiedName(m[2].toLowerCase()), path, m[2].toLowerCase());
    if (base === 'metadata.labels') return check(isQualifiedName(m[2]), path, m[2]);
    return [fieldErr.invalid(path, base, 'does not support subscript')];
  }
  const allowed = forVolume ? volumeFieldPaths : envFieldPaths;
  return allowed.includes(base) ? [] : [fieldErr.notSupported(`${path}.fieldPath`, base, allowed)];
}

function validateResourceFieldRef(ref: Record<string, any>, path: string, forVolume: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (forVolume && !str(ref.containerName)) errs.push(fieldErr.required(`${path}.containerName`, ''));
  const resource = str(ref.resource);
  if (!resource) errs.push(fieldErr.required(`${path}.resource`, ''));
  else if (!resourceFieldRefs.includes(resource) && !/^(requests|limits)\.hugepages-/.test(resource)) {
    errs.push(fieldErr.notSupported(`${path}.resource`, resource, resourceFieldRefs));
  }
  return errs;
}

function validateKeySelector(ref: Record<string, any>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(ref.name);
  errs.push(...check(isDNS1123Subdomain(name), `${path}.name`, name));
  const key = str(ref.key);
  if (!key) errs.push(fieldErr.required(`${path}.key`, ''));
  else errs.push(...check(isConfigMapKey(key), `${path}.key`, key));
  return errs;
}

function validateEnv(env: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  env.forEach((raw, i) => {
    const e = obj(raw);
    const p = `${path}[${i}]`;
    const name = str(e.name);
    if (!name) errs.push(fieldErr.required(`${p}.name`, ''));
    else errs.push(...check(isRelaxedEnvVarName(name), `${p}.name`, name));
    if (!isObj(e.valueFrom)) return;
    const vf = e.valueFrom;
    const vp = `${p}.valueFrom`;
    let n = 0;
    if (isObj(vf.fieldRef)) {
      n++;
      errs.push(...validateFieldRef(vf.fieldRef, `${vp}.fieldRef`, false));
    }
    if (isObj(vf.resourceFieldRef)) {
      n++;
      errs.push(...validateResourceFieldRef(vf.resourceFieldRef, `${vp}.resourceFieldRef`, false));
    }
    if (isObj(vf.configMapKeyRef)) {
      n++;
      errs.push(...validateKeySelector(vf.configMapKeyRef, `${vp}.configMapKeyRef`));
    }
    if (isObj(vf.secretKeyRef)) {
      n++;
      errs.push(...validateKeySelector(vf.secretKeyRef, `${vp}.secretKeyRef`));
    }
    if (n === 0) errs.push(fieldErr.invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (str(e.value)) errs.push(fieldErr.invalid(vp, '', 'may not be specified when `value` is not empty'));
    else if (n > 1) errs.push(fieldErr.invalid(vp, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  envFrom.forEach((raw, i) => {
    const e = obj(raw);
    const p = `${path}[${i}]`;
    const prefix = str(e.prefix);
    if (prefix) errs.push(...check(isRelaxedEnvVarName(prefix), `${p}.prefix`, prefix));
    let n = 0;
    for (const k of ['configMapRef', 'secretRef']) {
      if (!isObj(e[k])) continue;
      n++;
      const name = str(e[k].name);
      errs.push(...check(isDNS1123Subdomain(name), `${p}.${k}.name`, name));
    }
    if (n === 0) errs.push(fieldErr.invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(fieldErr.invalid(p, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateContainerPorts(ports: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((raw, i) => {
    const port = obj(raw);
    const p = `${path}[${i}]`;
    const name = str(port.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) errs.push(...check(msgs, `${p}.name`, name));
      else if (names.has(name)) errs.push(fieldErr.duplicate(`${p}.name`, name));
      else names.add(name);
    }
    if (!port.containerPort) errs.push(fieldErr.required(`${p}.containerPort`, ''));
    else errs.push(...check(isValidPortNum(port.containerPort), `${p}.containerPort`, port.containerPort));
    if (port.hostPort) errs.push(...check(isValidPortNum(port.hostPort), `${p}.hostPort`, port.hostPort));
    const proto = str(port.protocol);
    if (!proto) errs.push(fieldErr.required(`${p}.protocol`, ''));
    else if (!supportedPortProtocols.includes(proto)) errs.push(fieldErr.notSupported(`${p}.protocol`, proto, supportedPortProtocols));
    if (port.hostIP !== undefined && port.hostIP !== '') errs.push(...check(isValidIP(str(port.hostIP)), `${p}.hostIP`, port.hostIP));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown[], volumes: Map<string, Record<string, any>>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  mounts.forEach((raw, i) => {
    const m = obj(raw);
    const p = `${path}[${i}]`;
    const name = str(m.name);
    if (!name) errs.push(fieldErr.required(`${p}.name`, ''));
    if (!volumes.has(name)) errs.push(fieldErr.notFound(`${p}.name`, name));
    const mountPath = str(m.mountPath);
    if (!mountPath) errs.push(fieldErr.required(`${p}.mountPath`, ''));
    if (mountPoints.has(mountPath)) errs.push(fieldErr.invalid(`${p}.mountPath`, mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    const subPath = str(m.subPath);
    if (subPath) errs.push(...validateLocalDescendingPath(subPath, `${path}.subPath`));
    if (str(m.subPathExpr)) {
      if (subPath) errs.push(fieldErr.invalid(`${p}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(str(m.subPathExpr), `${path}.subPathExpr`));
    }
    if (m.mountPropagation !== undefined && m.mountPropagation !== null) {
      const supported = ['Bidirectional', 'HostToContainer', 'None'];
      if (!supported.includes(str(m.mountPropagation))) errs.push(fieldErr.notSupported(`${p}.mountPropagation`, m.mountPropagation, supported));
    }
  });
  return errs;
}

/** validateLocalDescendingPath: relative, no '..' element. */
function validateLocalDescendingPath(p: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(fieldErr.invalid(path, p, 'must be a relative path'));
  if (p.split('/').some((part) => part === '..')) errs.push(fieldErr.invalid(path, p, "must not contain '..'"));
  return errs;
}

/** ValidateResourceRequirements for a container's resources. */
export function validateResourceRequirements(res: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const r = obj(res);
  const limits = obj(r.limits);
  const requests = obj(r.requests);
  const limPath = `${path}.limits`;
  const reqPath = `${path}.requests`;
  const limQ = new Map<string, ReturnType<typeof validateQuantityValue>['q']>();
  for (const name of Object.keys(limits)) {
    const p = keyPath(limPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const { errs: qe, q } = validateQuantityValue(name, limits[name], p);
    errs.push(...qe);
    limQ.set(name, q);
  }
  for (const name of Object.keys(requests)) {
    const p = keyPath(reqPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const { errs: qe, q } = validateQuantityValue(name, requests[name], p);
    errs.push(...qe);
    if (!q) continue;
    if (name in limits) {
      const lim = limQ.get(name);
      if (!lim) continue;
      if (!isOvercommitAllowed(name) && q.cmp(lim) !== 0) {
        errs.push(fieldErr.invalid(reqPath, q.toString(), `must be equal to ${name} limit of ${lim.toString()}`));
      } else if (q.cmp(lim) > 0) {
        errs.push(fieldErr.invalid(reqPath, q.toString(), `must be less than or equal to ${name} limit of ${lim.toString()}`));
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(fieldErr.required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}

/** validateHandler: exactly one of exec / httpGet / tcpSocket / grpc (/ sleep for lifecycle hooks). */
function validateHandler(h: Record<string, any>, path: string, kinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const k of kinds) {
    if (!isObj(h[k])) continue;
    if (n > 0) {
      errs.push(fieldErr.forbidden(`${path}.${k}`, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    const a = h[k];
    const p = `${path}.${k}`;
    switch (k) {
      case 'exec':
        if (arr(a.command).length === 0) errs.push(fieldErr.required(`${p}.command`, ''));
        break;
      case 'httpGet': {
        if (!str(a.path)) errs.push(fieldErr.required(`${p}.path`, ''));
        errs.push(...validatePortNumOrName(a.port, `${p}.port`));
        const scheme = str(a.scheme);
        if (scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(fieldErr.notSupported(`${p}.scheme`, scheme, ['HTTP', 'HTTPS']));
        arr(a.httpHeaders).forEach((hh, i) => {
          const hn = str(obj(hh).name);
          if (!/^[-A-Za-z0-9]+$/.test(hn)) {
            errs.push(fieldErr.invalid(`${p}.httpHeaders[${i}].name`, hn, "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"));
          }
        });
        break;
      }
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(a.port, `${p}.port`));
        break;
      case 'grpc':
        errs.push(...check(isValidPortNum(a.port), `${p}.port`, a.port));
        break;
      case 'sleep':
        if (typeof a.seconds !== 'number' || a.seconds < 0) errs.push(fieldErr.invalid(`${p}.seconds`, a.seconds ?? null, 'must be non-negative'));
        break;
    }
  }
  if (n === 0) errs.push(fieldErr.required(path, 'must specify a handler type'));
  return errs;
}

function validateProbe(probe: unknown, path: string, kind: 'liveness' | 'readiness' | 'startup'): FieldError[] {
  if (!isObj(probe)) return [];
  const errs = validateHandler(probe, path, ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...nonNegative(probe[f], `${path}.${f}`));
  }
  const tgps = probe.terminationGracePeriodSeconds;
  if (kind === 'readiness') {
    if (tgps !== undefined && tgps !== null) errs.push(fieldErr.invalid(`${path}.terminationGracePeriodSeconds`, tgps, 'must not be set for readinessProbes'));
  } else {
    if (typeof tgps === 'number' && tgps <= 0) errs.push(fieldErr.invalid(`${path}.terminationGracePeriodSeconds`, tgps, 'must be greater than 0'));
    if (probe.successThreshold !== 1) errs.push(fieldErr.invalid(`${path}.successThreshold`, probe.successThreshold ?? 0, 'must be 1'));
  }
  return errs;
}

function validateLifecycle(lc: unknown, path: string): FieldError[] {
  if (!isObj(lc)) return [];
  const errs: FieldError[] = [];
  for (const hook of ['postStart', 'preStop']) {
    if (isObj(lc[hook])) errs.push(...validateHandler(lc[hook], `${path}.${hook}`, ['exec', 'httpGet', 'tcpSocket', 'sleep']));
  }
  return errs;
}

/** validateContainerCommon: what holds for regular, init and ephemeral containers alike. */
function validateContainerCommon(c: Record<string, any>, volumes: Map<string, Record<string, any>>, path: string, opts: PodSpecValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (!name) errs.push(fieldErr.required(`${path}.name`, ''));
  else errs.push(...check(isDNS1123Label(name), `${path}.name`, name));
  const image = str(c.image);
  if (!image) errs.push(fieldErr.required(`${path}.image`, ''));
  else if (opts.isPod && image.trim() !== image) errs.push(fieldErr.invalid(`${path}.image`, image, 'must not have leading or trailing whitespace'));
  const tmp = str(c.terminationMessagePolicy);
  if (!tmp) errs.push(fieldErr.required(`${path}.terminationMessagePolicy`, ''));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') errs.push(fieldErr.notSupported(`${path}.terminationMessagePolicy`, tmp, ['File', 'FallbackToLogsOnError']));
  errs.push(...validateContainerPorts(arr(c.ports), `${path}.ports`));
  errs.push(...validateEnv(arr(c.env), `${path}.env`));
  errs.push(...validateEnvFrom(arr(c.envFrom), `${path}.envFrom`));
  errs.push(...validateVolumeMounts(arr(c.volumeMounts), volumes, `${path}.volumeMounts`));
  const pull = str(c.imagePullPolicy);
  if (!pull) errs.push(fieldErr.required(`${path}.imagePullPolicy`, ''));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pull)) errs.push(fieldErr.notSupported(`${path}.imagePullPolicy`, pull, ['Always', 'IfNotPresent', 'Never']));
  errs.push(...validateResourceRequirements(c.resources, `${path}.resources`));
  return errs;
}

/** Host ports must be unique per hostIP/protocol/port across the given containers. */
function checkHostPortConflicts(containers: Array<{ c: Record<string, any>; path: string }>, seen: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  for (const { c, path } of containers) {
    arr(c.ports).forEach((raw, pi) => {
      const port = obj(raw);
      if (!port.hostPort) return;
      const key = `${str(port.hostIP)}/${str(port.protocol)}/${port.hostPort}`;
      if (seen.has(key)) errs.push(fieldErr.duplicate(`${path}.ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  }
  return errs;
}

function validateKeyToPaths(items: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  items.forEach((raw, i) => {
    const it = obj(raw);
    const p = `${path}[${i}]`;
    if (!str(it.key)) errs.push(fieldErr.required(`${p}.key`, ''));
    if (!str(it.path)) errs.push(fieldErr.required(`${p}.path`, ''));
    else errs.push(...validateLocalDescendingPath(str(it.path), `${p}.path`));
    if (it.mode !== undefined && it.mode !== null) errs.push(...validateFileMode(it.mode, `${p}.mode`));
  });
  return errs;
}

function validateFileMode(mode: unknown, path: string): FieldError[] {
  if (typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 && mode <= 0o777) return [];
  return [fieldErr.invalid(path, mode ?? null, 'must be a number between 0 and 0777 (octal), both inclusive')];
}

const hostPathTypes = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

/** Checks of the individual volume sources (the common ones; others pass as given). */
function validateVolumeSource(kind: string, src: Record<string, any>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case 'hostPath': {
      if (!str(src.path)) errs.push(fieldErr.required(`${path}.path`, ''));
      const t = str(src.type);
      if (!hostPathTypes.includes(t)) errs.push(fieldErr.notSupported(`${path}.type`, t, hostPathTypes));
      break;
    }
    case 'emptyDir': {
      const medium = str(src.medium);
      if (medium && medium !== 'Memory' && !medium.startsWith('HugePages')) {
        errs.push(fieldErr.notSupported(`${path}.medium`, medium, ['', 'HugePages', 'Memory']));
      }
      if (src.sizeLimit !== undefined && src.sizeLimit !== null) errs.push(...validateQuantityValue('ephemeral-storage', src.sizeLimit, `${path}.sizeLimit`).errs);
      break;
    }
    case 'secret':
      if (!str(src.secretName)) errs.push(fieldErr.required(`${path}.secretName`, ''));
      if (src.defaultMode !== undefined) errs.push(...validateFileMode(src.defaultMode, `${path}.defaultMode`));
      errs.push(...validateKeyToPaths(arr(src.items), `${path}.items`));
      break;
    case 'configMap':
      if (!str(src.name)) errs.push(fieldErr.required(`${path}.name`, ''));
      else errs.push(...check(isDNS1123Subdomain(str(src.name)), `${path}.name`, src.name));
      if (src.defaultMode !== undefined) errs.push(...validateFileMode(src.defaultMode, `${path}.defaultMode`));
      errs.push(...validateKeyToPaths(arr(src.items), `${path}.items`));
      break;
    case 'persistentVolumeClaim':
      if (!str(src.claimName)) errs.push(fieldErr.required(`${path}.claimName`, ''));
      break;
    case 'nfs':
      if (!str(src.server)) errs.push(fieldErr.required(`${path}.server`, ''));
      if (!str(src.path)) errs.push(fieldErr.required(`${path}.path`, ''));
      else if (!str(src.path).startsWith('/')) errs.push(fieldErr.invalid(`${path}.path`, src.path, 'must be an absolute path'));
      break;
    case 'csi':
      if (!str(src.driver)) errs.push(fieldErr.required(`${path}.driver`, ''));
      break;
    case 'downwardAPI':
      if (src.defaultMode !== undefined) errs.push(...validateFileMode(src.defaultMode, `${path}.defaultMode`));
      errs.push(...validateDownwardAPIItems(arr(src.items), `${path}.items`));
      break;
    case 'projected':
      if (src.defaultMode !== undefined) errs.push(...validateFileMode(src.defaultMode, `${path}.defaultMode`));
      arr(src.sources).forEach((raw, i) => {
        const s = obj(raw);
        const p = `${path}.sources[${i}]`;
        const kinds = ['secret', 'downwardAPI', 'configMap', 'serviceAccountToken', 'clusterTrustBundle'].filter((k) => isObj(s[k]));
        if (kinds.length === 0) errs.push(fieldErr.required(p, 'must specify exactly 1 of: `secret`, `configMap`, `downwardAPI`, `serviceAccountToken`, `clusterTrustBundle`'));
        for (const k of kinds.slice(1)) errs.push(fieldErr.forbidden(`${p}.${k}`, 'may not specify more than 1 volume type per source'));
        if (isObj(s.serviceAccountToken)) {
          const t = s.serviceAccountToken;
          if (!str(t.path)) errs.push(fieldErr.required(`${p}.serviceAccountToken.path`, ''));
          if (typeof t.expirationSeconds === 'number' && t.expirationSeconds < 600) {
            errs.push(fieldErr.invalid(`${p}.serviceAccountToken.expirationSeconds`, t.expirationSeconds, 'may not specify a duration less than 10 minutes'));
          }
        }
        if (isObj(s.secret) || isObj(s.configMap)) errs.push(...validateKeyToPaths(arr((s.secret ?? s.configMap).items), `${p}.${isObj(s.secret) ? 'secret' : 'configMap'}.items`));
        if (isObj(s.downwardAPI)) errs.push(...validateDownwardAPIItems(arr(s.downwardAPI.items), `${p}.downwardAPI.items`));
      });
      break;
    case 'ephemeral':
      if (!isObj(src.volumeClaimTemplate)) errs.push(fieldErr.required(`${path}.volumeClaimTemplate`, ''));
      break;
  }
  return errs;
}

function validateDownwardAPIItems(items: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  items.forEach((raw, i) => {
    const it = obj(raw);
    const p = `${path}[${i}]`;
    if (!str(it.path)) errs.push(fieldErr.required(`${p}.path`, ''));
    else errs.push(...validateLocalDescendingPath(str(it.path), `${p}.path`));
    if (isObj(it.fieldRef)) errs.push(...validateFieldRef(it.fieldRef, `${p}.fieldRef`, true));
    if (isObj(it.resourceFieldRef)) errs.push(...validateResourceFieldRef(it.resourceFieldRef, `${p}.resourceFieldRef`, true));
    if (isObj(it.fieldRef) && isObj(it.resourceFieldRef)) errs.push(fieldErr.invalid(p, '', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    if (it.mode !== undefined && it.mode !== null) errs.push(...validateFileMode(it.mode, `${p}.mode`));
  });
  return errs;
}

/** ValidateVolumes: unique DNS-label names, exactly one source each. Returns the valid ones. */
export function validateVolumes(volumes: unknown[], path: string): { errs: FieldError[]; valid: Map<string, Record<string, any>> } {
  const errs: FieldError[] = [];
  const valid = new Map<string, Record<string, any>>();
  volumes.forEach((raw, i) => {
    const v = obj(raw);
    const p = `${path}[${i}]`;
    const el: FieldError[] = [];
    const kinds = volumeSources(v);
    kinds.forEach((k, j) => {
      if (j > 0) el.push(fieldErr.forbidden(`${p}.${k}`, 'may not specify more than 1 volume type'));
      else el.push(...validateVolumeSource(k, obj(v[k]), `${p}.${k}`));
    });
    if (kinds.length === 0) el.push(fieldErr.required(p, 'must specify a volume type'));
    const name = str(v.name);
    if (!name) el.push(fieldErr.required(`${p}.name`, ''));
    else el.push(...check(isDNS1123Label(name), `${p}.name`, name));
    if (valid.has(name)) el.push(fieldErr.duplicate(`${p}.name`, name));
    if (el.length === 0) valid.set(name, v);
    else errs.push(...el);
  });
  return { errs, valid };
}

const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** validateTaintEffect (shared with node taints). */
export function validateTaintEffect(effect: string, allowEmpty: boolean, path: string): FieldError[] {
  if (!effect) return allowEmpty ? [] : [fieldErr.required(path, '')];
  return taintEffects.includes(effect) ? [] : [fieldErr.notSupported(path, effect, taintEffects)];
}

/** ValidateTolerations. */
export function validateTolerations(tolerations: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((raw, i) => {
    const t = obj(raw);
    const p = `${path}[${i}]`;
    const key = str(t.key);
    const op = str(t.operator);
    if (key) errs.push(...check(isQualifiedName(key), `${p}.key`, key));
    if (!key && op !== 'Exists') {
      errs.push(fieldErr.invalid(`${p}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && str(t.effect) !== 'NoExecute') {
      errs.push(fieldErr.invalid(`${p}.effect`, str(t.effect), "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (op) {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(str(t.value));
        if (msgs.length) errs.push(fieldErr.invalid(`${p}.operator`, str(t.value), msgs.join(';')));
        break;
      }
      case 'Exists':
        if (str(t.value)) errs.push(fieldErr.invalid(`${p}.operator`, t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(fieldErr.notSupported(`${p}.operator`, op, ['Equal', 'Exists']));
    }
    if (str(t.effect)) errs.push(...validateTaintEffect(str(t.effect), true, `${p}.effect`));
  });
  return errs;
}

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

/**
 * ValidatePodSpec: containers (names unique DNS labels, image required, ports, env, mounts,
 * resources, probes), init and ephemeral containers, volumes, the restart and DNS
 * policies, node selector, tolerations, names of referenced objects and the numeric limits.
 */
export function validatePodSpec(spec: unknown, path: string, opts: PodSpecValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  const s = obj(spec);
  const { errs: volErrs, valid: volumes } = validateVolumes(arr(s.volumes), `${path}.volumes`);
  errs.push(...volErrs);

  // containers
  const containers = arr(s.containers);
  const cPath = `${path}.containers`;
  if (containers.length === 0) errs.push(fieldErr.required(cPath, ''));
  const names = new Set<string>();
  containers.forEach((raw, i) => {
    const c = obj(raw);
    const p = `${cPath}[${i}]`;
    errs.push(...validateContainerCommon(c, volumes, p, opts));
    const name = str(c.name);
    if (names.has(name)) errs.push(fieldErr.duplicate(`${p}.name`, name));
    else names.add(name);
    errs.push(...validateLifecycle(c.lifecycle, `${p}.lifecycle`));
    errs.push(...validateProbe(c.livenessProbe, `${p}.livenessProbe`, 'liveness'));
    errs.push(...validateProbe(c.readinessProbe, `${p}.readinessProbe`, 'readiness'));
    errs.push(...validateProbe(c.startupProbe, `${p}.startupProbe`, 'startup'));
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) errs.push(fieldErr.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
  });
  errs.push(...checkHostPortConflicts(containers.map((c, i) => ({ c: obj(c), path: `${cPath}[${i}]` })), new Set()));

  // init containers
  const icPath = `${path}.initContainers`;
  arr(s.initContainers).forEach((raw, i) => {
    const c = obj(raw);
    const p = `${icPath}[${i}]`;
    errs.push(...validateContainerCommon(c, volumes, p, opts));
    let sidecar = false;
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      if (c.restartPolicy !== 'Always') errs.push(fieldErr.notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']));
      sidecar = c.restartPolicy === 'Always';
    }
    const name = str(c.name);
    if (names.has(name)) errs.push(fieldErr.duplicate(`${p}.name`, name));
    else if (name) names.add(name);
    errs.push(...checkHostPortConflicts([{ c, path: `${icPath}[${i}]` }], new Set()));
    if (sidecar) {
      errs.push(...validateLifecycle(c.lifecycle, `${p}.lifecycle`));
      errs.push(...validateProbe(c.livenessProbe, `${p}.livenessProbe`, 'liveness'));
      errs.push(...validateProbe(c.readinessProbe, `${p}.readinessProbe`, 'readiness'));
      errs.push(...validateProbe(c.startupProbe, `${p}.startupProbe`, 'startup'));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[f] !== undefined && c[f] !== null) errs.push(fieldErr.forbidden(`${p}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });

  // ephemeral containers
  const ecPath = `${path}.ephemeralContainers`;
  arr(s.ephemeralContainers).forEach((raw, i) => {
    const c = obj(raw);
    const p = `${ecPath}[${i}]`;
    errs.push(...validateContainerCommon(c, volumes, p, opts));
    const name = str(c.name);
    if (names.has(name)) errs.push(fieldErr.duplicate(`${p}.name`, name));
    else if (name) names.add(name);
    for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (c[f] !== undefined && c[f] !== null) errs.push(fieldErr.forbidden(`${p}.${f}`, 'cannot be set for an Ephemeral Container'));
    }
    if (arr(c.ports).length) errs.push(fieldErr.forbidden(`${p}.ports`, 'cannot be set for an Ephemeral Container'));
  });

  // hostNetwork: container ports must match host ports
  if (s.hostNetwork === true) {
    containers.forEach((raw, i) => {
      arr(obj(raw).ports).forEach((rp, j) => {
        const port = obj(rp);
        if (port.hostPort && port.hostPort !== port.containerPort) {
          errs.push(fieldErr.invalid(`${cPath}[${i}].ports[${j}].containerPort`, port.containerPort ?? 0, 'must match `hostPort` when `hostNetwork` is true'));
        }
      });
    });
  }

  const rp = str(s.restartPolicy);
  if (!rp) errs.push(fieldErr.required(`${path}.restartPolicy`, ''));
  else if (!restartPolicies.includes(rp)) errs.push(fieldErr.notSupported(`${path}.restartPolicy`, rp, restartPolicies));
  const dp = str(s.dnsPolicy);
  if (!dp) errs.push(fieldErr.required(`${path}.dnsPolicy`, ''));
  else if (!dnsPolicies.includes(dp)) errs.push(fieldErr.notSupported(`${path}.dnsPolicy`, dp, dnsPolicies));
  errs.push(...validateLabels(s.nodeSelector, `${path}.nodeSelector`));

  arr(s.imagePullSecrets).forEach((raw, i) => {
    if (!str(obj(raw).name)) errs.push(fieldErr.required(`${path}.imagePullSecrets[${i}].name`, ''));
  });

  // dnsConfig
  if (dp === 'None' && !isObj(s.dnsConfig)) {
    errs.push(fieldErr.required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  }
  if (isObj(s.dnsConfig)) {
    const dc = s.dnsConfig;
    const ns = arr<string>(dc.nameservers);
    if (dp === 'None' && ns.length === 0) errs.push(fieldErr.required(`${path}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
    if (ns.length > 3) errs.push(fieldErr.invalid(`${path}.dnsConfig.nameservers`, ns, 'must not have more than 3 nameservers'));
    ns.forEach((n, i) => errs.push(...check(isValidIP(str(n)), `${path}.dnsConfig.nameservers[${i}]`, n)));
    const searches = arr<string>(dc.searches);
    if (searches.length > 32) errs.push(fieldErr.invalid(`${path}.dnsConfig.searches`, searches, 'must not have more than 32 search paths'));
    searches.forEach((sp, i) => {
      const v = str(sp).replace(/\.$/, '');
      errs.push(...check(isDNS1123Subdomain(v), `${path}.dnsConfig.searches[${i}]`, sp));
    });
    arr(dc.options).forEach((o, i) => {
      if (!str(obj(o).name)) errs.push(fieldErr.required(`${path}.dnsConfig.options[${i}]`, 'Option.Name must not be empty'));
    });
  }

  arr(s.readinessGates).forEach((raw, i) => {
    const ct = str(obj(raw).conditionType);
    errs.push(...check(isQualifiedName(ct), `${path}.readinessGates[${i}].conditionType`, ct));
  });
  const gates = new Set<string>();
  arr(s.schedulingGates).forEach((raw, i) => {
    const n = str(obj(raw).name);
    const p = `${path}.schedulingGates[${i}]`;
    errs.push(...check(isQualifiedName(n), `${p}.name`, n));
    if (gates.has(n)) errs.push(fieldErr.duplicate(p, n));
    gates.add(n);
  });

  const sa = str(s.serviceAccountName);
  if (sa) errs.push(...check(isDNS1123Subdomain(sa), `${path}.serviceAccountName`, sa));
  const node = str(s.nodeName);
  if (node) errs.push(...check(isDNS1123Subdomain(node), `${path}.nodeName`, node));
  if (s.activeDeadlineSeconds !== undefined && s.activeDeadlineSeconds !== null) {
    const v = s.activeDeadlineSeconds;
    if (typeof v !== 'number' || v < 1 || v > 2147483647) errs.push(fieldErr.invalid(`${path}.activeDeadlineSeconds`, v, inclusiveRangeError(1, 2147483647)));
  }
  const hostname = str(s.hostname);
  if (hostname) errs.push(...check(isDNS1123Label(hostname), `${path}.hostname`, hostname));
  const subdomain = str(s.subdomain);
  if (subdomain) errs.push(...check(isDNS1123Label(subdomain), `${path}.subdomain`, subdomain));
  errs.push(...validateTolerations(arr(s.tolerations), `${path}.tolerations`));
  arr(s.hostAliases).forEach((raw, i) => {
    const ha = obj(raw);
    const p = `${path}.hostAliases[${i}]`;
    errs.push(...check(isValidIP(str(ha.ip)), `${p}.ip`, str(ha.ip)));
    arr<string>(ha.hostnames).forEach((h, j) => errs.push(...check(isDNS1123Subdomain(str(h)), `${p}.hostnames[${j}]`, h)));
  });
  const pcn = str(s.priorityClassName);
  if (pcn) errs.push(...check(isDNS1123Subdomain(pcn), `${path}.priorityClassName`, pcn));
  if (typeof s.runtimeClassName === 'string') errs.push(...check(isDNS1123Subdomain(s.runtimeClassName), `${path}.runtimeClassName`, s.runtimeClassName));
  if (s.preemptionPolicy !== undefined && s.preemptionPolicy !== null) {
    const pp = str(s.preemptionPolicy);
    if (pp !== 'PreemptLowerPriority' && pp !== 'Never') errs.push(fieldErr.notSupported(`${path}.preemptionPolicy`, pp, ['Never', 'PreemptLowerPriority']));
  }
  if (typeof s.terminationGracePeriodSeconds === 'number' && !Number.isInteger(s.terminationGracePeriodSeconds)) {
    errs.push(fieldErr.invalid(`${path}.terminationGracePeriodSeconds`, s.terminationGracePeriodSeconds, 'must be an integer'));
  }
  if (isObj(s.os)) {
    const osName = str(s.os.name);
    if (!osName) errs.push(fieldErr.required(`${path}.os.name`, ''));
    else if (osName !== 'linux' && osName !== 'windows') errs.push(fieldErr.notSupported(`${path}.os.name`, osName, ['linux', 'windows']));
  }
  if (isObj(s.securityContext)) {
    const sc = s.securityContext;
    for (const f of ['runAsUser', 'runAsGroup', 'fsGroup']) errs.push(...nonNegative(sc[f], `${path}.securityContext.${f}`));
    arr(sc.sysctls).forEach((raw, i) => {
      const n = str(obj(raw).name);
      if (!n) errs.push(fieldErr.required(`${path}.securityContext.sysctls[${i}].name`, ''));
    });
  }
  arr(s.topologySpreadConstraints).forEach((raw, i) => {
    const c = obj(raw);
    const p = `${path}.topologySpreadConstraints[${i}]`;
    if (typeof c.maxSkew !== 'number' || c.maxSkew <= 0) errs.push(fieldErr.invalid(`${p}.maxSkew`, c.maxSkew ?? 0, 'must be greater than zero'));
    if (!str(c.topologyKey)) errs.push(fieldErr.required(`${p}.topologyKey`, 'can not be empty'));
    const wus = str(c.whenUnsatisfiable);
    if (!wus) errs.push(fieldErr.required(`${p}.whenUnsatisfiable`, ''));
    else if (wus !== 'DoNotSchedule' && wus !== 'ScheduleAnyway') errs.push(fieldErr.notSupported(`${p}.whenUnsatisfiable`, wus, ['DoNotSchedule', 'ScheduleAnyway']));
  });
  return errs;
}

/**
 * ValidatePodTemplateSpec: the template's labels and annotations and its spec. (Templates
 * may omit what pods may not; the owners add their own rules, e.g. restartPolicy.)
 */
export function validatePodTemplateSpec(template: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const t = obj(template);
  const m = obj(t.metadata);
  // Upstream reports template metadata errors at <path>.labels / <path>.annotations.
  errs.push(...validateLabels(m.labels, `${path}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  errs.push(...validatePodSpec(t.spec, `${path}.spec`));
  if (arr(obj(t.spec).ephemeralContainers).length > 0) {
    errs.push(fieldErr.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------
// printing
// ---------------------------------------------------------------------------------------

/** layoutContainerCells: container names and images, each comma-joined. */
export function containerCells(containers: unknown): { names: string; images: string } {
  const cs = arr(containers).map(obj);
  return { names: cs.map((c) => str(c.name)).join(','), images: cs.map((c) => str(c.image)).join(',') };
}

/** The CONTAINERS and IMAGES cells of a pod template (deployments, jobs, ... use these). */
export function podTemplateContainersImages(template: unknown): [string, string] {
  const { names, images } = containerCells(obj(obj(template).spec).containers);
  return [names, images];
}

/** Convenience for callers that hold a whole object: the pod template at spec.template. */
export function templateOf(o: KObject): Record<string, any> {
  return obj(obj(o.spec).template);
}
