// Admission plugin "ServiceAccount" (on by default upstream). On pod creation:
//  - spec.serviceAccountName defaults to "default" (spec.serviceAccount, the deprecated
//    alias, follows it);
//  - the service account must exist: `pods "x" is forbidden: error looking up service account
//    ns/sa: serviceaccount "sa" not found`. A miss in the cache is retried against storage
//    (10 times, 100-200 ms apart, for "default", which the service account controller
//    creates shortly after the namespace; once for any other name), as upstream does;
//  - unless automountServiceAccountToken is false (pod first, then service account), every
//    init container and container mounts the projected volume `kube-api-access-<5 random>`
//    (token expiring in 3607 s, the kube-root-ca.crt ConfigMap's ca.crt, the namespace) read
//    only at /var/run/secrets/kubernetes.io/serviceaccount;
//  - a pod without imagePullSecrets gets the service account's.
// Mirror pods are left alone but must not reference service accounts, secrets or projected
// service account tokens. Service accounts annotated
// `kubernetes.io/enforce-mountable-secrets: "true"` limit the secrets the pod (and ephemeral
// containers added later) may use to the ones the service account lists.

import type { RequestScope } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';
import { MIRROR_POD_ANNOTATION, admissionForbidden, arr, isResource, randomSuffix, rec, str, type Objects, type Plugin } from './common.js';

export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
export const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';
export const SERVICE_ACCOUNT_VOLUME_NAME = 'kube-api-access';
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** serviceaccount.WarnOnlyBoundTokenExpirationSeconds: one hour and seven seconds. */
export const TOKEN_EXPIRATION_SECONDS = 3607;

export interface ServiceAccountOptions {
  /** Waits between look-ups of a missing service account (default: real timers). */
  sleep?: (ms: number) => Promise<void>;
  /** The volume name suffix generator (default: 5 random characters as GenerateName). */
  suffix?: () => string;
}

/** The projected volume source every automounting pod gets (upstream's TokenVolumeSource). */
export function tokenVolumeSource(): KObject {
  return {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

function shouldAutomount(sa: KObject, pod: KObject): boolean {
  if (typeof pod.spec?.automountServiceAccountToken === 'boolean') return pod.spec.automountServiceAccountToken;
  if (typeof sa.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}

function enforceMountableSecrets(sa: KObject): boolean {
  const v = sa.metadata?.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION];
  // strconv.ParseBool
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(String(v ?? ''));
}

/** Whether the pod names any secret (podutil.VisitPodSecretNames over every container). */
function podReferencesSecrets(spec: KObject): boolean {
  if (arr(spec.imagePullSecrets).length) return true;
  const containers = [...arr(spec.initContainers), ...arr(spec.containers), ...arr(spec.ephemeralContainers)];
  for (const c of containers) {
    if (arr(c.envFrom).some((e) => e.secretRef)) return true;
    if (arr(c.env).some((e) => e.valueFrom?.secretKeyRef)) return true;
  }
  for (const v of arr(spec.volumes)) {
    if (v.secret || v.azureFile || v.cephfs?.secretRef || v.cinder?.secretRef || v.flexVolume?.secretRef || v.rbd?.secretRef || v.scaleIO?.secretRef || v.iscsi?.secretRef || v.storageos?.secretRef || v.csi?.nodePublishSecretRef) return true;
    if (arr(v.projected?.sources).some((s) => s.secret)) return true;
  }
  return false;
}

function limitSecretReferences(sa: KObject, spec: KObject): string | undefined {
  const saName = str(sa.metadata?.name);
  const mountable = new Set(arr(sa.secrets).map((s) => str(s.name)));
  for (const v of arr(spec.volumes)) {
    if (!v.secret) continue;
    const n = str(v.secret.secretName);
    if (!mountable.has(n)) return `volume with secret.secretName="${n}" is not allowed because service account ${saName} does not reference that secret`;
  }
  for (const [containers, what] of [[arr(spec.initContainers), 'init container'], [arr(spec.containers), 'container']] as const) {
    for (const c of containers) {
      for (const e of arr(c.env)) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !mountable.has(str(ref.name))) {
          return `${what} ${str(c.name)} with envVar ${str(e.name)} referencing secret.secretName="${str(ref.name)}" is not allowed because service account ${saName} does not reference that secret`;
        }
      }
      for (const e of arr(c.envFrom)) {
        if (e.secretRef && !mountable.has(str(e.secretRef.name))) {
          return `${what} ${str(c.name)} with envFrom referencing secret.secretName="${str(e.secretRef.name)}" is not allowed because service account ${saName} does not reference that secret`;
        }
      }
    }
  }
  const pullSecrets = new Set(arr(sa.imagePullSecrets).map((s) => str(s.name)));
  const refs = arr(spec.imagePullSecrets);
  for (let i = 0; i < refs.length; i++) {
    const n = str(refs[i].name);
    if (!pullSecrets.has(n)) return `imagePullSecrets[${i}].name="${n}" is not allowed because service account ${saName} does not reference that imagePullSecret`;
  }
  return undefined;
}

function limitEphemeralContainerSecretReferences(sa: KObject, spec: KObject): string | undefined {
  const saName = str(sa.metadata?.name);
  const mountable = new Set(arr(sa.secrets).map((s) => str(s.name)));
  for (const c of arr(spec.ephemeralContainers)) {
    for (const e of arr(c.env)) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref && !mountable.has(str(ref.name))) {
        return `ephemeral container ${str(c.name)} with envVar ${str(e.name)} referencing secret.secretName="${str(ref.name)}" is not allowed because service account ${saName} does not reference that secret`;
      }
    }
    for (const e of arr(c.envFrom)) {
      if (e.secretRef && !mountable.has(str(e.secretRef.name))) {
        return `ephemeral container ${str(c.name)} with envFrom referencing secret.secretName="${str(e.secretRef.name)}" is not allowed because service account ${saName} does not reference that secret`;
      }
    }
  }
  return undefined;
}

/** Mounts the kube-api-access volume in every init container and container (mountServiceAccountToken). */
export function mountServiceAccountToken(spec: KObject, suffix: () => string): void {
  const volumes = arr(spec.volumes);
  let tokenVolumeName = '';
  let hasTokenVolume = false;
  for (const v of volumes) {
    if (str(v.name).startsWith(`${SERVICE_ACCOUNT_VOLUME_NAME}-`)) {
      tokenVolumeName = str(v.name);
      hasTokenVolume = true;
      break;
    }
  }
  if (!tokenVolumeName) tokenVolumeName = `${SERVICE_ACCOUNT_VOLUME_NAME}-${suffix()}`;
  let needsTokenVolume = false;
  for (const c of [...arr(spec.initContainers), ...arr(spec.containers)]) {
    const mounts = arr(c.volumeMounts);
    if (mounts.some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [...mounts, { name: tokenVolumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }];
    needsTokenVolume = true;
  }
  if (!hasTokenVolume && needsTokenVolume) spec.volumes = [...volumes, { name: tokenVolumeName, projected: tokenVolumeSource() }];
}

export function serviceAccountPlugin(objects: Objects, opts: ServiceAccountOptions = {}): Plugin {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const suffix = opts.suffix ?? (() => randomSuffix(5));

  /** The service account, from the cache or (after a miss) from storage; throws the lookup error. */
  async function getServiceAccount(namespace: string, name: string): Promise<KObject> {
    const cached = await objects.get('', 'serviceaccounts', namespace, name);
    if (cached) return cached;
    const live = objects.getLive ?? objects.get;
    const attempts = name === DEFAULT_SERVICE_ACCOUNT_NAME ? 10 : 1;
    const interval = 100 + Math.floor(Math.random() * 100);
    for (let i = 0; i < attempts; i++) {
      if (i !== 0) await sleep(interval);
      const sa = await live.call(objects, '', 'serviceaccounts', namespace, name);
      if (sa) return sa;
    }
    throw new Error(`serviceaccount ${JSON.stringify(name)} not found`);
  }

  async function lookup(scope: RequestScope, pod: KObject, name: string): Promise<KObject> {
    try {
      return await getServiceAccount(scope.namespace, name);
    } catch (err) {
      throw admissionForbidden(scope, pod, `error looking up service account ${scope.namespace}/${name}: ${(err as Error).message}`);
    }
  }

  function ignored(obj: KObject | undefined, scope: RequestScope): boolean {
    return !obj || !isResource(scope, '', 'pods') || (scope.subresource !== '' && scope.subresource !== 'ephemeralcontainers');
  }

  function isMirror(pod: KObject): boolean {
    const a = pod.metadata?.annotations;
    return !!a && typeof a === 'object' && MIRROR_POD_ANNOTATION in a;
  }

  return {
    name: 'ServiceAccount',
    async admit(op, obj, _old, scope) {
      if (ignored(obj, scope) || op !== 'CREATE' || scope.subresource) return;
      const pod = obj!;
      const spec = (pod.spec = rec(pod.spec));
      if (isMirror(pod)) return;
      if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string' && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
      if (!spec.serviceAccountName) spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT_NAME;
      spec.serviceAccount = spec.serviceAccountName;
      const sa = await lookup(scope, pod, spec.serviceAccountName);
      if (shouldAutomount(sa, pod)) mountServiceAccountToken(spec, suffix);
      if (!arr(spec.imagePullSecrets).length) {
        const fromSA = arr(sa.imagePullSecrets).map((s) => ({ name: str(s.name) }));
        if (fromSA.length) spec.imagePullSecrets = fromSA;
      }
    },
    async validate(op, obj, _old, scope) {
      if (ignored(obj, scope)) return;
      const pod = obj!;
      const spec = rec(pod.spec);
      if (op === 'UPDATE' && scope.subresource === 'ephemeralcontainers') {
        if (!spec.serviceAccountName) throw admissionForbidden(scope, pod, `no service account specified for pod ${scope.namespace}/${str(pod.metadata?.name)}`);
        const sa = await lookup(scope, pod, spec.serviceAccountName);
        if (!enforceMountableSecrets(sa)) return;
        const why = limitEphemeralContainerSecretReferences(sa, spec);
        if (why) throw admissionForbidden(scope, pod, why);
        return;
      }
      if (op !== 'CREATE' || scope.subresource) return;
      if (isMirror(pod)) {
        if (spec.serviceAccountName) throw admissionForbidden(scope, pod, 'a mirror pod may not reference service accounts');
        if (podReferencesSecrets(spec)) throw admissionForbidden(scope, pod, 'a mirror pod may not reference secrets');
        for (const v of arr(spec.volumes)) {
          if (arr(v.projected?.sources).some((s) => s.serviceAccountToken)) {
            throw admissionForbidden(scope, pod, 'a mirror pod may not use ServiceAccountToken volume projections');
          }
        }
        return;
      }
      if (!spec.serviceAccountName) throw admissionForbidden(scope, pod, `no service account specified for pod ${scope.namespace}/${str(pod.metadata?.name)}`);
      const sa = await lookup(scope, pod, spec.serviceAccountName);
      if (enforceMountableSecrets(sa)) {
        const why = limitSecretReferences(sa, spec);
        if (why) throw admissionForbidden(scope, pod, why);
      }
    },
  };
}
