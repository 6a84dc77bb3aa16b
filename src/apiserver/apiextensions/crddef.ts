// The customresourcedefinitions resource (apiextensions.k8s.io/v1): cluster-scoped, status
// subresource, shortNames crd/crds, upstream's defaulting (singular, listKind, conversion
// None) and strategy (status reset on create, storedVersions kept up to date, the
// customresourcecleanup finalizer and Terminating condition added when it is deleted).

import type { KObject, ResourceDef } from '../registry/types.js';
import { storageVersion, validateCRD, validateCRDUpdate } from './crdvalidation.js';
import { setCondition } from './conditions.js';

export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

function defaultCRD(obj: KObject): void {
  const spec = obj.spec;
  if (!spec || typeof spec !== 'object') return;
  const names = spec.names;
  if (names && typeof names === 'object' && typeof names.kind === 'string' && names.kind) {
    if (!names.singular) names.singular = names.kind.toLowerCase();
    if (!names.listKind) names.listKind = `${names.kind}List`;
  }
  if (!spec.conversion) spec.conversion = { strategy: 'None' };
  else if (!spec.conversion.strategy) spec.conversion.strategy = 'None';
  const svc = spec.conversion?.webhook?.clientConfig?.service;
  if (svc && typeof svc === 'object' && svc.port === undefined) svc.port = 443;
  if (spec.conversion?.strategy === 'Webhook' && spec.conversion.webhook && !spec.conversion.webhook.conversionReviewVersions) {
    spec.conversion.webhook.conversionReviewVersions = ['v1beta1'];
  }
}

function addStoredVersion(obj: KObject): void {
  const sv = storageVersion(obj);
  if (!sv) return;
  const status = (obj.status ??= {});
  const stored: string[] = Array.isArray(status.storedVersions) ? status.storedVersions : [];
  if (!stored.includes(sv)) stored.push(sv);
  status.storedVersions = stored;
}

export const customResourceDefinitionDef: ResourceDef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  subresources: { status: true },
  storageResource: 'apiextensions.k8s.io/customresourcedefinitions',
  generation: true,
  defaults: defaultCRD,
  prepareForCreate(obj) {
    obj.status = { acceptedNames: { plural: '', kind: '' }, conditions: [], storedVersions: [] };
    addStoredVersion(obj);
  },
  prepareForUpdate(obj, old) {
    obj.status = structuredClone(old.status ?? {});
    addStoredVersion(obj);
  },
  prepareForDelete(obj) {
    const meta = obj.metadata;
    if (!(meta.finalizers ?? []).includes(CLEANUP_FINALIZER)) {
      meta.finalizers = [...(meta.finalizers ?? []), CLEANUP_FINALIZER];
      setCondition(obj, 'Terminating', 'True', 'InstanceDeletionPending', 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon');
    }
  },
  validate(obj, ctx) {
    if (ctx.subresource === 'status') return [];
    return validateCRD(obj);
  },
  validateUpdate(obj, old) {
    return validateCRDUpdate(obj, old);
  },
};
