// What configMap, secret, downwardAPI and projected volumes contain: the payloads handed to the
// atomic writer (upstream's configmap.MakePayload, secret.MakePayload, downwardapi.CollectData
// and the projected plugin's collectData), with upstream's error messages.
import type {
  ConfigMap,
  DownwardAPIVolumeFile,
  KeyToPath,
  Pod,
  ProjectedVolumeSource,
  Secret,
  ServiceAccountTokenProjection,
} from 'kubernetes-types/core/v1.js';
import { posix } from 'node:path';
import type { FileProjection, Payload } from './atomic-writer.js';
import { extractFieldPathAsString, extractResourceValue } from './downward.js';
import type { NodeAllocatable } from './downward.js';

/** The default mode of every projected file (the API server's default for defaultMode: 0644). */
export const DEFAULT_MODE = 0o644;

/** A referenced ConfigMap or Secret that does not exist, worded as the kubelet's object caches word it. */
export class ObjectNotFoundError extends Error {
  constructor(
    readonly kind: 'configmap' | 'secret',
    readonly objectName: string,
  ) {
    super(`${kind} ${JSON.stringify(objectName)} not found`);
    this.name = 'ObjectNotFoundError';
  }
}

/** Where payloads get cluster objects, tokens and node facts from (the volume manager). */
export interface PayloadSources {
  getConfigMap(namespace: string, name: string): Promise<ConfigMap>;
  getSecret(namespace: string, name: string): Promise<Secret>;
  /** A bound ServiceAccount token for the pod (the token manager). */
  getToken(pod: Pod, source: ServiceAccountTokenProjection): Promise<string>;
  allocatable(): NodeAllocatable;
}

/** utilerrors.NewAggregate's message: the one error, or `[e1, e2]`. */
export function aggregate(errs: Error[]): Error | undefined {
  if (errs.length === 0) return undefined;
  if (errs.length === 1) return errs[0];
  return new Error(`[${errs.map((e) => e.message).join(', ')}]`);
}

/** Keys → files: every key when items is empty, else the listed keys at their paths and modes. */
function mapKeys(
  items: KeyToPath[] | undefined,
  data: Map<string, Buffer>,
  defaultMode: number,
  optional: boolean,
  missing: (key: string) => string,
): Payload {
  const payload: Payload = new Map();
  if (!items?.length) {
    for (const [k, v] of data) payload.set(k, { data: v, mode: defaultMode });
    return payload;
  }
  for (const it of items) {
    const v = data.get(it.key);
    if (v === undefined) {
      if (optional) continue;
      throw new Error(missing(it.key));
    }
    payload.set(it.path, { data: v, mode: it.mode ?? defaultMode });
  }
  return payload;
}

/** configmap.MakePayload: data and binaryData keys. */
export function configMapPayload(items: KeyToPath[] | undefined, cm: ConfigMap, defaultMode: number, optional: boolean): Payload {
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) data.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) data.set(k, Buffer.from(v, 'base64'));
  return mapKeys(items, data, defaultMode, optional, (k) => `configmap references non-existent config key: ${k}`);
}

/** secret.MakePayload: data values are base64 on the wire. */
export function secretPayload(items: KeyToPath[] | undefined, secret: Secret, defaultMode: number, optional: boolean): Payload {
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret.data ?? {})) data.set(k, Buffer.from(v, 'base64'));
  return mapKeys(items, data, defaultMode, optional, (k) => `secret references non-existent secret key: ${k}`);
}

/** downwardapi.CollectData: each item's field or resource as a file; errors are aggregated. */
export function downwardAPIPayload(items: DownwardAPIVolumeFile[] | undefined, pod: Pod, defaultMode: number, allocatable: NodeAllocatable): Payload {
  const payload: Payload = new Map();
  const errs: Error[] = [];
  for (const it of items ?? []) {
    const f: FileProjection = { data: Buffer.alloc(0), mode: it.mode ?? defaultMode };
    try {
      if (it.fieldRef) f.data = Buffer.from(extractFieldPathAsString(pod, it.fieldRef.fieldPath), 'utf8');
      else if (it.resourceFieldRef) f.data = Buffer.from(extractResourceValue(it.resourceFieldRef, pod, it.resourceFieldRef.containerName ?? '', allocatable), 'utf8');
    } catch (err) {
      errs.push(err as Error);
    }
    payload.set(posix.normalize(it.path), f);
  }
  const err = aggregate(errs);
  if (err) throw err;
  return payload;
}

/** A missing object is an empty one when the reference is optional, else the error stands. */
async function getOptional<T>(get: () => Promise<T>, optional: boolean, empty: T): Promise<T> {
  try {
    return await get();
  } catch (err) {
    if (optional && err instanceof ObjectNotFoundError) return empty;
    throw err;
  }
}

export async function configMapVolumePayload(src: PayloadSources, pod: Pod, ref: { name?: string; items?: KeyToPath[]; optional?: boolean }, defaultMode: number): Promise<Payload> {
  const optional = ref.optional === true;
  const cm = await getOptional(() => src.getConfigMap(pod.metadata?.namespace ?? '', ref.name ?? ''), optional, {} as ConfigMap);
  return configMapPayload(ref.items, cm, defaultMode, optional);
}

export async function secretVolumePayload(src: PayloadSources, pod: Pod, ref: { name?: string; items?: KeyToPath[]; optional?: boolean }, defaultMode: number): Promise<Payload> {
  const optional = ref.optional === true;
  const secret = await getOptional(() => src.getSecret(pod.metadata?.namespace ?? '', ref.name ?? ''), optional, {} as Secret);
  return secretPayload(ref.items, secret, defaultMode, optional);
}

/**
 * The projected plugin's collectData: every source's files in one payload, errors aggregated.
 * A token file is 0600 when the pod has an fsUser or fsGroup (ownership then opens it to the group).
 */
export async function projectedPayload(src: PayloadSources, pod: Pod, proj: ProjectedVolumeSource, owner: { fsUser?: number; fsGroup?: number }): Promise<Payload> {
  const defaultMode = proj.defaultMode ?? DEFAULT_MODE;
  const payload: Payload = new Map();
  const errs: Error[] = [];
  for (const s of proj.sources ?? []) {
    try {
      let part: Payload | undefined;
      if (s.secret) part = await secretVolumePayload(src, pod, s.secret, defaultMode);
      else if (s.configMap) part = await configMapVolumePayload(src, pod, s.configMap, defaultMode);
      else if (s.downwardAPI) part = downwardAPIPayload(s.downwardAPI.items, pod, defaultMode, src.allocatable());
      else if (s.serviceAccountToken) {
        const token = await src.getToken(pod, s.serviceAccountToken);
        const mode = owner.fsUser !== undefined || owner.fsGroup !== undefined ? 0o600 : defaultMode;
        part = new Map([[s.serviceAccountToken.path, { data: Buffer.from(token, 'utf8'), mode, fsUser: owner.fsUser }]]);
      } else if ((s as { clusterTrustBundle?: unknown }).clusterTrustBundle) {
        // the ClusterTrustBundle API is alpha upstream and not served by k8ts
        throw new Error('clusterTrustBundle projected volume sources are not supported');
      }
      for (const [k, v] of part ?? []) payload.set(k, v);
    } catch (err) {
      errs.push(err as Error);
    }
  }
  const err = aggregate(errs);
  if (err) throw err;
  return payload;
}
