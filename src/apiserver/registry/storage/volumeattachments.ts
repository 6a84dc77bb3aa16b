// storage.k8s.io/v1 VolumeAttachment: validation (attacher, node name, exactly one volume
// source; spec immutable; status message sizes), the create/update/status strategies and
// the Table columns (NAME ATTACHER PV NODE ATTACHED AGE).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isDNS1123Subdomain } from '../../../apimachinery/validation.js';
import { ageCol, ageOf, col, isObj, keepOldStatus, nameCol, resetStatus, semanticEqual, statusOnlyUpdate } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';
import { validateCSIDriverName } from './csidrivers.js';

const MaxAttachedVolumeMetadataSize = 256 * (1 << 10);
const MaxVolumeErrorMessageSize = 1024;

function validateVolumeError(e: unknown, path: string): FieldError[] {
  if (!isObj(e) || typeof e.message !== 'string') return [];
  if (e.message.length > MaxVolumeErrorMessageSize) return [fieldErr.tooLong(`${path}.message`, e.message, MaxVolumeErrorMessageSize)];
  return [];
}

function validateStatus(status: KObject | undefined): FieldError[] {
  const s = isObj(status) ? status : {};
  const errs: FieldError[] = [];
  if (isObj(s.attachmentMetadata)) {
    let size = 0;
    for (const [k, v] of Object.entries(s.attachmentMetadata)) size += k.length + String(v).length;
    if (size > MaxAttachedVolumeMetadataSize) errs.push(fieldErr.tooLong('status.attachmentMetadata', s.attachmentMetadata, MaxAttachedVolumeMetadataSize));
  }
  errs.push(...validateVolumeError(s.attachError, 'status.attachError'));
  errs.push(...validateVolumeError(s.detachError, 'status.detachError'));
  return errs;
}

function validateSpec(spec: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const attacher = typeof spec.attacher === 'string' ? spec.attacher : '';
  if (!attacher) errs.push(fieldErr.required('spec.attacher', ''));
  const src = isObj(spec.source) ? spec.source : {};
  const hasPV = src.persistentVolumeName !== undefined && src.persistentVolumeName !== null;
  const hasInline = src.inlineVolumeSpec !== undefined && src.inlineVolumeSpec !== null;
  if (!hasPV && !hasInline) errs.push(fieldErr.required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (hasPV && hasInline) errs.push(fieldErr.forbidden('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (hasPV && String(src.persistentVolumeName).length === 0) {
    errs.push(fieldErr.required('spec.source.persistentVolumeName', 'must specify non empty persistentVolumeName'));
  }
  const node = typeof spec.nodeName === 'string' ? spec.nodeName : '';
  if (!node) errs.push(fieldErr.required('spec.nodeName', ''));
  else for (const m of isDNS1123Subdomain(node)) errs.push(fieldErr.invalid('spec.nodeName', node, m));
  // v1 extras: the attacher is a CSI driver name, the PV name a subdomain
  if (attacher) errs.push(...validateCSIDriverName(attacher, 'spec.attacher'));
  if (hasPV && String(src.persistentVolumeName).length > 0) {
    for (const m of isDNS1123Subdomain(String(src.persistentVolumeName))) {
      errs.push(fieldErr.invalid('spec.source.persistentVolumeName', src.persistentVolumeName, m));
    }
  }
  return errs;
}

export const volumeAttachmentDef: ResourceDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'VolumeAttachment',
  plural: 'volumeattachments',
  singular: 'volumeattachment',
  namespaced: false,
  subresources: { status: true },
  storageResource: 'volumeattachments',
  prepareForCreate(obj) {
    resetStatus(obj, { attached: false });
  },
  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
  },
  prepareForStatusUpdate: statusOnlyUpdate,
  validate(obj, ctx) {
    if (ctx.subresource === 'status') return validateStatus(obj.status);
    return [...validateSpec(isObj(obj.spec) ? obj.spec : {}), ...validateStatus(obj.status)];
  },
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return [];
    if (!semanticEqual(obj.spec, old.spec)) return [fieldErr.invalid('spec', obj.spec ?? null, 'field is immutable')];
    return [];
  },
  table: {
    columns: [
      nameCol(),
      col('Attacher', 'string', 'attacher indicates the name of the volume driver that MUST handle this request. This is the name returned by GetPluginName().', 0, 'name'),
      col('PV', 'string', 'persistentVolumeName represents the name of the persistent volume to attach.'),
      col('Node', 'string', 'nodeName represents the node that the volume should be attached to.'),
      col('Attached', 'boolean', 'attached indicates the volume is successfully attached. This field must only be set by the entity completing the attach operation, i.e. the external-attacher.'),
      ageCol(),
    ],
    cells(obj, now) {
      const spec = obj.spec ?? {};
      const pv = typeof spec.source?.persistentVolumeName === 'string' ? spec.source.persistentVolumeName : '';
      return [obj.metadata?.name ?? '', spec.attacher ?? '', pv, spec.nodeName ?? '', obj.status?.attached === true, ageOf(obj, now)];
    },
  },
};
