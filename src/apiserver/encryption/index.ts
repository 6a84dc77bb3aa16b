// Encryption at rest (--encryption-provider-config): the EncryptionConfiguration file becomes a
// ValueTransformer for the storage codec. Each stored value is transformed by the providers of
// the rule matching its resource, found as upstream's transformerFromOverrides finds it: the exact
// group/resource, then "*.<group>", then "*.*"; a resource no rule names is written in plain and
// read with the identity check (encrypted bytes there are an error, as upstream).
//
// The resource of a value comes from its storage key (k8ts hands keys, not resources, to the
// transformer): "<prefix>/secrets/ns/name" → secrets, "<prefix>/deployments/..." → deployments.apps,
// "<prefix>/<group>/<plural>/..." for API groups stored with their group in the key (CRDs,
// apiservices); pass resourceOfKey to resolve keys differently.
//
// Key rotation is upstream's "rewrite everything": put the new key first, restart, reencrypt()
// every resource (each value is read with whichever key wrote it and written back with the new
// first key), then drop the old key.

import { StorageError, type KeyValue, type Store } from '../../storage/types.js';
import type { ValueTransformer } from '../storage/codec.js';
import {
  EncryptionConfigError,
  goQuote,
  groupResourceString,
  parseGroupResource,
  readEncryptionConfiguration,
  type EncryptionConfiguration,
  type GroupResource,
  type ResourceConfiguration,
} from './config.js';
import {
  identity,
  identityPrefixTransformer,
  keyedPrefixTransformer,
  PrefixTransformers,
  TransformError,
  type DataTransformer,
  type PrefixTransformer,
} from './transformers.js';

export * from './config.js';
export * from './transformers.js';
export { secretboxOpen, secretboxSeal } from './secretbox.js';

export type ResourceOfKey = (key: string) => GroupResource | undefined;

/**
 * Storage key segments (under --etcd-prefix) of the built-in resources, as upstream lays them
 * out, with the group/resource their storage is configured for.
 */
const STORAGE_SEGMENTS: Record<string, GroupResource> = (() => {
  const m: Record<string, GroupResource> = {};
  const add = (group: string, resources: string[]) => {
    for (const r of resources) m[r] = { group, resource: r };
  };
  add('', ['pods', 'secrets', 'configmaps', 'namespaces', 'serviceaccounts', 'persistentvolumes', 'persistentvolumeclaims', 'limitranges', 'resourcequotas', 'podtemplates', 'events']);
  m['controllers'] = { group: '', resource: 'replicationcontrollers' };
  m['minions'] = { group: '', resource: 'nodes' };
  m['services/specs'] = { group: '', resource: 'services' };
  m['services/endpoints'] = { group: '', resource: 'endpoints' };
  m['ranges/serviceips'] = { group: '', resource: 'serviceipallocations' };
  m['ranges/servicenodeports'] = { group: '', resource: 'servicenodeportallocations' };
  add('apps', ['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'controllerrevisions']);
  add('batch', ['jobs', 'cronjobs']);
  add('autoscaling', ['horizontalpodautoscalers']);
  add('policy', ['poddisruptionbudgets']);
  add('networking.k8s.io', ['networkpolicies', 'ingressclasses', 'ipaddresses', 'servicecidrs']);
  m['ingress'] = { group: 'networking.k8s.io', resource: 'ingresses' };
  add('rbac.authorization.k8s.io', ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings']);
  add('storage.k8s.io', ['storageclasses', 'volumeattachments', 'csidrivers', 'csinodes', 'csistoragecapacities', 'volumeattributesclasses']);
  add('scheduling.k8s.io', ['priorityclasses']);
  add('coordination.k8s.io', ['leases', 'leasecandidates']);
  add('node.k8s.io', ['runtimeclasses']);
  add('discovery.k8s.io', ['endpointslices']);
  add('certificates.k8s.io', ['certificatesigningrequests', 'clustertrustbundles']);
  add('admissionregistration.k8s.io', [
    'validatingwebhookconfigurations',
    'mutatingwebhookconfigurations',
    'validatingadmissionpolicies',
    'validatingadmissionpolicybindings',
    'mutatingadmissionpolicies',
    'mutatingadmissionpolicybindings',
  ]);
  add('flowcontrol.apiserver.k8s.io', ['flowschemas', 'prioritylevelconfigurations']);
  add('resource.k8s.io', ['deviceclasses', 'resourceclaims', 'resourceclaimtemplates', 'resourceslices']);
  add('storagemigration.k8s.io', ['storageversionmigrations']);
  add('internal.apiserver.k8s.io', ['storageversions']);
  return m;
})();

function normalizePrefix(etcdPrefix: string): string {
  return `${etcdPrefix.replace(/\/+$/, '')}/`;
}

function resolveSegments(rest: string, table: Record<string, GroupResource>): GroupResource | undefined {
  const parts = rest.split('/');
  if (!parts[0]) return undefined;
  if (parts.length >= 2) {
    const two = table[`${parts[0]}/${parts[1]}`];
    if (two) return two;
  }
  const one = table[parts[0]];
  if (one) return one;
  // "<prefix>/<group>/<plural>/...": groups stored with their name in the key (always dotted)
  if (parts[0].includes('.')) return parts.length >= 2 && parts[1] ? { group: parts[0], resource: parts[1] } : undefined;
  return { group: '', resource: parts[0] };
}

/** Resolves built-in layouts, "<prefix>/<group>/<plural>/..." and other keys as core resources. */
export function defaultResourceOfKey(etcdPrefix: string): ResourceOfKey {
  const base = normalizePrefix(etcdPrefix);
  return (key) => (key.startsWith(base) ? resolveSegments(key.slice(base.length), STORAGE_SEGMENTS) : undefined);
}

/**
 * A resolver from resource definitions (e.g. the registry's ResourceDefs): storageResource (or
 * plural) → group/plural. Definitions sharing a storage segment resolve to the core one (events
 * stored for both core/v1 and events.k8s.io/v1 are the core "events" resource, as upstream).
 */
export function resourceOfKeyFromDefs(defs: Iterable<{ group: string; plural: string; storageResource?: string }>, etcdPrefix: string): ResourceOfKey {
  const table: Record<string, GroupResource> = { ...STORAGE_SEGMENTS };
  const fromDefs = new Set<string>();
  for (const d of defs) {
    const seg = d.storageResource ?? d.plural;
    // keep the first definition of a segment, unless a later one is the core group's
    if (fromDefs.has(seg) && (table[seg].group === '' || d.group !== '')) continue;
    table[seg] = { group: d.group, resource: d.plural };
    fromDefs.add(seg);
  }
  const base = normalizePrefix(etcdPrefix);
  return (key) => (key.startsWith(base) ? resolveSegments(key.slice(base.length), table) : undefined);
}

/** The transformer a storage key's value goes through, with upstream's extras. */
export interface EncryptionTransformer extends ValueTransformer {
  readonly config: EncryptionConfiguration;
  /** The group/resource a key belongs to (undefined: not under the prefix). */
  resourceOf(key: string): GroupResource | undefined;
  /** The providers for a resource (identity check for resources no rule names). */
  transformerFor(gr: GroupResource | undefined): DataTransformer;
  /** fromStorage, plus whether the value should be rewritten (not written by today's writer). */
  fromStorageWithStale(stored: Buffer, key: string): { value: Buffer; stale: boolean };
  /** What new values of this key start with, e.g. "k8s:enc:aescbc:v1:key1:" ('' when plain). */
  writePrefix(key: string): string;
}

const ANY = '*';

function grKey(gr: GroupResource): string {
  return `${gr.group}\u0000${gr.resource}`;
}

function providerTransformers(rc: ResourceConfiguration, index: number): PrefixTransformer[] {
  return rc.providers.map((p, j) => {
    if (p.aesgcm) return keyedPrefixTransformer('aesgcm', p.aesgcm.keys);
    if (p.aescbc) return keyedPrefixTransformer('aescbc', p.aescbc.keys);
    if (p.secretbox) return keyedPrefixTransformer('secretbox', p.secretbox.keys);
    if (p.kms) {
      throw new TransformError(
        `could not configure KMS${p.kms.apiVersion === 'v2' ? 'v2' : 'v1'} plugin ${goQuote(p.kms.name)} (resources[${index}].providers[${j}].kms): ` +
          'kms providers are not supported by this version of k8ts (it has no KMS plugin gRPC client); use aescbc, aesgcm or secretbox',
      );
    }
    if (p.identity) return identityPrefixTransformer();
    throw new TransformError('provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity');
  });
}

/** getTransformerOverrides: group/resource → its providers, with upstream's masking rule. */
function buildOverrides(config: EncryptionConfiguration): Map<string, PrefixTransformers> {
  const lists = new Map<string, PrefixTransformer[]>();
  config.resources.forEach((rc, i) => {
    const transformers = providerTransformers(rc, i);
    for (const resource of rc.resources) {
      const gr = parseGroupResource(resource);
      const anyInGroup = { group: gr.group, resource: ANY };
      if (lists.has(grKey(anyInGroup))) {
        throw new TransformError(`resource ${goQuote(groupResourceString(gr))} is masked by earlier rule ${goQuote(groupResourceString(anyInGroup))}`);
      }
      const anyAny = { group: ANY, resource: ANY };
      if (lists.has(grKey(anyAny))) {
        throw new TransformError(`resource ${goQuote(groupResourceString(gr))} is masked by earlier rule ${goQuote(groupResourceString(anyAny))}`);
      }
      lists.set(grKey(gr), [...(lists.get(grKey(gr)) ?? []), ...transformers]);
    }
  });
  const out = new Map<string, PrefixTransformers>();
  for (const [k, list] of lists) out.set(k, new PrefixTransformers(list, 'no matching prefix found'));
  return out;
}

/** Builds the transformer for an already parsed and validated configuration. */
export function buildEncryptionTransformer(config: EncryptionConfiguration, etcdPrefix: string, resourceOfKey?: ResourceOfKey, file?: string): EncryptionTransformer {
  let overrides: Map<string, PrefixTransformers>;
  try {
    overrides = buildOverrides(config);
  } catch (e) {
    throw new EncryptionConfigError(`error while building transformers: ${(e as Error).message}`, file);
  }
  const resourceOf = resourceOfKey ?? defaultResourceOfKey(etcdPrefix);
  const cache = new Map<string, DataTransformer>();

  const transformerFor = (gr: GroupResource | undefined): DataTransformer => {
    if (!gr) return identity;
    const k = grKey(gr);
    let t = cache.get(k);
    if (!t) {
      t = overrides.get(k) ?? overrides.get(grKey({ group: gr.group, resource: ANY })) ?? overrides.get(grKey({ group: ANY, resource: ANY })) ?? identity;
      cache.set(k, t);
    }
    return t;
  };
  const forKey = (key: string) => transformerFor(resourceOf(key));

  return {
    config,
    resourceOf,
    transformerFor,
    toStorage(plain: Buffer, key: string): Buffer {
      return forKey(key).transformToStorage(plain, Buffer.from(key));
    },
    fromStorage(stored: Buffer, key: string): Buffer {
      return forKey(key).transformFromStorage(stored, Buffer.from(key)).data;
    },
    fromStorageWithStale(stored: Buffer, key: string) {
      const r = forKey(key).transformFromStorage(stored, Buffer.from(key));
      return { value: r.data, stale: r.stale };
    },
    writePrefix(key: string): string {
      const t = forKey(key);
      return t instanceof PrefixTransformers ? t.writePrefix() : '';
    },
  };
}

/**
 * Reads, validates and builds --encryption-provider-config. Errors are EncryptionConfigError
 * with kube-apiserver's messages ("error while parsing file: ...", "error while building
 * transformers: ...").
 */
export async function loadEncryptionConfig(path: string, etcdPrefix: string, resourceOfKey?: ResourceOfKey): Promise<EncryptionTransformer> {
  const config = await readEncryptionConfiguration(path);
  return buildEncryptionTransformer(config, etcdPrefix, resourceOfKey, path);
}

export interface ReencryptOptions {
  /** Keys listed per page (default 500). */
  pageSize?: number;
  /** Rewrite only values not written by the current writer (needs an EncryptionTransformer). */
  onlyStale?: boolean;
  /** Attempts per key when it changes concurrently (default 5). */
  maxAttempts?: number;
}

function hasStale(t: ValueTransformer): t is EncryptionTransformer {
  return typeof (t as Partial<EncryptionTransformer>).fromStorageWithStale === 'function';
}

/**
 * Rotation by rewriting: every value under prefix (e.g. "/registry/secrets/") is read through
 * the transformer and written back, so it is re-encrypted with the current first provider/key.
 * Writes are compare-and-swap on the value's modRevision (a concurrent change is re-read and
 * retried), keep the key's TTL, and skip keys deleted meanwhile. Returns the number of values
 * rewritten. A value the transformer cannot read fails the call, naming its key.
 */
export async function reencrypt(store: Store, transformer: ValueTransformer, prefix: string, opts: ReencryptOptions = {}): Promise<number> {
  const pageSize = opts.pageSize ?? 500;
  const maxAttempts = opts.maxAttempts ?? 5;
  let rewritten = 0;

  const rewrite = async (first: KeyValue): Promise<boolean> => {
    let kv: KeyValue | undefined = first;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (!kv) return false;
      let plain: Buffer;
      let stale = true;
      try {
        if (hasStale(transformer)) ({ value: plain, stale } = transformer.fromStorageWithStale(kv.value, kv.key));
        else plain = transformer.fromStorage(kv.value, kv.key);
      } catch (e) {
        throw new TransformError(`unable to transform key ${goQuote(kv.key)}: ${(e as Error).message}`);
      }
      if (opts.onlyStale && !stale) return false;
      let ttlSeconds: number | undefined;
      if (kv.expiresAt !== undefined) {
        ttlSeconds = (kv.expiresAt - Date.now()) / 1000;
        if (ttlSeconds <= 0) return false; // expiring now: nothing to keep
      }
      try {
        await store.update(kv.key, transformer.toStorage(plain, kv.key), { expectedModRevision: kv.modRevision, ttlSeconds });
        return true;
      } catch (e) {
        if (!(e instanceof StorageError)) throw e;
        if (e.code === 'KeyNotFound') return false;
        if (e.code !== 'Conflict') throw e;
        kv = e.current ?? (await store.get(kv.key));
      }
    }
    throw new StorageError('Conflict', `reencrypt: ${kv?.key ?? first.key} kept changing, gave up after ${maxAttempts} attempts`, first.key);
  };

  let startKey: string | undefined;
  for (;;) {
    const page = await store.list(prefix, { startKey, limit: pageSize });
    for (const kv of page.items) if (await rewrite(kv)) rewritten++;
    if (!page.more || page.items.length === 0) break;
    startKey = `${page.items[page.items.length - 1].key}\u0000`;
  }
  return rewritten;
}
