// The admission chain: --enable-admission-plugins / --disable-admission-plugins as
// kube-apiserver 1.32 reads them. The chain is the default-on set plus the enabled plugins
// minus the disabled ones, always in upstream's fixed order (AllOrderedPlugins), whatever
// the order of the flags. Unknown names, or a name both enabled and disabled, are errors
// (`enable-admission-plugins plugin "Foo" is unknown`), which the server prints before it
// exits.

import type { ApiContext } from '../endpoints/context.js';
import { defaultTolerationSecondsPlugin } from './defaulttolerationseconds.js';
import { priorityPlugin } from './priority.js';
import { admissionForbidden, aggregateMessages, type Objects, type Plugin, type QuotaAccess } from './common.js';
import { alwaysPullImagesPlugin } from './alwayspullimages.js';
import { certificateSubjectRestrictionPlugin } from './certificatesubjectrestriction.js';
import { defaultIngressClassPlugin } from './defaultingressclass.js';
import { defaultStorageClassPlugin } from './defaultstorageclass.js';
import { denyServiceExternalIPsPlugin } from './denyserviceexternalips.js';
import { extendedResourceTolerationPlugin } from './extendedresourcetoleration.js';
import { limitPodHardAntiAffinityTopologyPlugin } from './limitpodhardantiaffinitytopology.js';
import { limitRangerPlugin } from './limitranger.js';
import { namespaceLifecyclePlugin } from './namespacelifecycle.js';
import { nodeRestrictionPlugin, type NodeRestrictionOptions } from './noderestriction.js';
import { persistentVolumeClaimResizePlugin } from './persistentvolumeclaimresize.js';
import { podSecurityPlugin, type PodSecurityOptions } from './podsecurity.js';
import { resourceQuotaPlugin, type ResourceQuotaOptions } from './resourcequota.js';
import { runtimeClassPlugin } from './runtimeclass.js';
import { serviceAccountPlugin, type ServiceAccountOptions } from './serviceaccount.js';
import { storageObjectInUseProtectionPlugin } from './storageobjectinuseprotection.js';
import { taintNodesByConditionPlugin } from './taintnodesbycondition.js';
import { mutatingWebhookPlugin, validatingWebhookPlugin } from './webhook/dispatcher.js';
import { cachedConfigs } from './webhook/source.js';
import { validatingAdmissionPolicyPlugin } from './policy/plugin.js';

/** Every plugin kube-apiserver 1.32 knows, in the order they run (AllOrderedPlugins). */
export const ALL_ORDERED_PLUGINS: readonly string[] = Object.freeze([
  'AlwaysAdmit',
  'NamespaceAutoProvision',
  'NamespaceLifecycle',
  'NamespaceExists',
  'LimitPodHardAntiAffinityTopology',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'TaintNodesByCondition',
  'AlwaysPullImages',
  'ImagePolicyWebhook',
  'PodSecurity',
  'PodNodeSelector',
  'Priority',
  'DefaultTolerationSeconds',
  'PodTolerationRestriction',
  'EventRateLimit',
  'ExtendedResourceToleration',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'OwnerReferencesPermissionEnforcement',
  'PersistentVolumeClaimResize',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'DenyServiceExternalIPs',
  // webhook, resourcequota, and deny plugins must go at the end
  'MutatingAdmissionPolicy',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
  'AlwaysDeny',
]);

/** The plugins on unless disabled (kube-apiserver 1.32's DefaultOffAdmissionPlugins complement). */
export const DEFAULT_ON_PLUGINS: ReadonlySet<string> = new Set([
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'TaintNodesByCondition',
  'PodSecurity',
  'Priority',
  'DefaultTolerationSeconds',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'PersistentVolumeClaimResize',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
]);

/**
 * Accepted names whose behaviour is not implemented here: they are in the chain (so flags
 * and ordering work) but do nothing. NamespaceLifecycle's checks live in the write path;
 * AlwaysAdmit does nothing by definition.
 */
export const NOOP_PLUGINS: ReadonlySet<string> = new Set([
  'AlwaysAdmit',
  'NamespaceAutoProvision',
  'NamespaceLifecycle',
  'NamespaceExists',
  'ImagePolicyWebhook',
  'PodNodeSelector',
  'PodTolerationRestriction',
  'EventRateLimit',
  'OwnerReferencesPermissionEnforcement',
  'CertificateApproval',
  'CertificateSigning',
  'ClusterTrustBundleAttest',
  'MutatingAdmissionPolicy',
]);

export interface AdmissionDeps {
  /** The API context (the Priority plugin reads PriorityClasses from its watch cache). */
  ctx: ApiContext;
  /** Cached reads of cluster objects (see contextObjects in common.ts). */
  objects: Objects;
  /** Quota list + status compare-and-swap (see contextQuotaAccess in common.ts). */
  quotas: QuotaAccess;
  podSecurity?: PodSecurityOptions;
  serviceAccount?: ServiceAccountOptions;
  nodeRestriction?: NodeRestrictionOptions;
  resourceQuota?: ResourceQuotaOptions;
  /** --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds (300). */
  defaultTolerationSeconds?: number;
}

function cleanNames(names: readonly string[]): string[] {
  return names.filter((n) => n !== '');
}

/** AdmissionOptions.Validate: the flag errors (empty when the flags are fine). */
export function validateAdmissionFlags(enabled: readonly string[], disabled: readonly string[]): string[] {
  const known = new Set(ALL_ORDERED_PLUGINS);
  const errs: string[] = [];
  const en = cleanNames(enabled);
  const dis = cleanNames(disabled);
  for (const n of en) if (!known.has(n)) errs.push(`enable-admission-plugins plugin ${JSON.stringify(n)} is unknown`);
  for (const n of dis) if (!known.has(n)) errs.push(`disable-admission-plugins plugin ${JSON.stringify(n)} is unknown`);
  const both = [...new Set(en.filter((n) => dis.includes(n)))].sort();
  if (both.length) errs.push(`[${both.join(' ')}] in enable-admission-plugins and disable-admission-plugins overlapped`);
  return errs;
}

/** The names of the plugins that run, in order (enabledPluginNames). */
export function enabledAdmissionPlugins(enabled: readonly string[], disabled: readonly string[]): string[] {
  const en = new Set(cleanNames(enabled));
  const off = new Set([...ALL_ORDERED_PLUGINS.filter((n) => !DEFAULT_ON_PLUGINS.has(n)), ...cleanNames(disabled)].filter((n) => !en.has(n)));
  return ALL_ORDERED_PLUGINS.filter((n) => !off.has(n));
}

function alwaysDenyPlugin(): Plugin {
  const deny: Plugin['admit'] = (_op, obj, old, scope) => {
    throw admissionForbidden(scope, obj ?? old, 'admission control is denying all modifications');
  };
  return { name: 'AlwaysDeny', admit: deny, validate: deny };
}

const ADMISSIONREG = 'admissionregistration.k8s.io';

function construct(name: string, deps: AdmissionDeps): Plugin {
  const { objects } = deps;
  switch (name) {
    case 'NamespaceLifecycle':
      return namespaceLifecyclePlugin();
    case 'LimitPodHardAntiAffinityTopology':
      return limitPodHardAntiAffinityTopologyPlugin();
    case 'LimitRanger':
      return limitRangerPlugin(objects);
    case 'ServiceAccount':
      return serviceAccountPlugin(objects, deps.serviceAccount);
    case 'NodeRestriction':
      return nodeRestrictionPlugin(objects, deps.nodeRestriction);
    case 'TaintNodesByCondition':
      return taintNodesByConditionPlugin();
    case 'AlwaysPullImages':
      return alwaysPullImagesPlugin();
    case 'PodSecurity':
      return podSecurityPlugin(objects, deps.podSecurity);
    case 'Priority':
      return priorityPlugin(deps.ctx);
    case 'DefaultTolerationSeconds':
      return defaultTolerationSecondsPlugin(deps.defaultTolerationSeconds ?? 300);
    case 'ExtendedResourceToleration':
      return extendedResourceTolerationPlugin();
    case 'DefaultStorageClass':
      return defaultStorageClassPlugin(objects);
    case 'StorageObjectInUseProtection':
      return storageObjectInUseProtectionPlugin();
    case 'PersistentVolumeClaimResize':
      return persistentVolumeClaimResizePlugin(objects);
    case 'RuntimeClass':
      return runtimeClassPlugin(objects);
    case 'CertificateSubjectRestriction':
      return certificateSubjectRestrictionPlugin();
    case 'DefaultIngressClass':
      return defaultIngressClassPlugin(objects);
    case 'DenyServiceExternalIPs':
      return denyServiceExternalIPsPlugin();
    case 'MutatingAdmissionWebhook':
      return mutatingWebhookPlugin({ objects, configs: cachedConfigs(deps.ctx, ADMISSIONREG, 'v1', 'mutatingwebhookconfigurations') });
    case 'ValidatingAdmissionPolicy':
      return validatingAdmissionPolicyPlugin({
        objects,
        registry: deps.ctx.registry,
        policies: cachedConfigs(deps.ctx, ADMISSIONREG, 'v1', 'validatingadmissionpolicies'),
        bindings: cachedConfigs(deps.ctx, ADMISSIONREG, 'v1', 'validatingadmissionpolicybindings'),
      });
    case 'ValidatingAdmissionWebhook':
      return validatingWebhookPlugin({ objects, configs: cachedConfigs(deps.ctx, ADMISSIONREG, 'v1', 'validatingwebhookconfigurations') });
    case 'ResourceQuota':
      return resourceQuotaPlugin(deps.quotas, deps.resourceQuota);
    case 'AlwaysDeny':
      return alwaysDenyPlugin();
    default:
      return { name };
  }
}

/**
 * The admission chain for the flags; throws an Error with upstream's message(s) for unknown
 * or overlapping names.
 */
export function buildAdmissionChain(enabled: readonly string[], disabled: readonly string[], deps: AdmissionDeps): Plugin[] {
  const errs = validateAdmissionFlags(enabled, disabled);
  if (errs.length) throw new Error(aggregateMessages(errs));
  return enabledAdmissionPlugins(enabled, disabled).map((n) => construct(n, deps));
}
