// core/v1 PersistentVolume (cluster-scoped): reclaim policy / volume mode / phase defaults,
// Pending phase and lastPhaseTransitionTime on create (and on phase changes), validation
// of capacity, access modes, policies and the single volume source, the immutable source
// on update, and the kubectl get table (CAPACITY, ACCESS MODES, CLAIM, STORAGECLASS...).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isDNS1123Subdomain } from '../../../apimachinery/validation.js';
import type { KObject, ResourceDef } from '../types.js';
import { ageCell, ageColumn, col, docs, nameColumn } from './columns.js';
import { arr, check, clone, describeDiff, isObj, keyPath, obj, quantityString, semanticEqual, str, validateQuantityValue } from './helpers.js';
import { validateImmutableField } from '../../../apimachinery/validation.js';

export const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const volumeModes = ['Block', 'Filesystem'];
const reclaimPolicies = ['Delete', 'Recycle', 'Retain'];
const pvSources = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'quobyte', 'iscsi', 'cinder',
  'cephfs', 'fc', 'flocker', 'flexVolume', 'azureFile', 'vsphereVolume', 'azureDisk', 'photonPersistentDisk',
  'portworxVolume', 'scaleIO', 'local', 'storageos', 'csi',
];
const specFields = new Set(['capacity', 'accessModes', 'claimRef', 'persistentVolumeReclaimPolicy', 'storageClassName', 'mountOptions', 'volumeMode', 'nodeAffinity', 'volumeAttributesClassName']);

/** The access modes as kubectl abbreviates them: "RWO,ROX,RWX,RWOP". */
export function accessModesString(modes: unknown): string {
  const m = arr<string>(modes);
  const out: string[] = [];
  if (m.includes('ReadWriteOnce')) out.push('RWO');
  if (m.includes('ReadOnlyMany')) out.push('ROX');
  if (m.includes('ReadWriteMany')) out.push('RWX');
  if (m.includes('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** validateAccessModes shared with claims. */
export function validateAccessModes(modes: unknown, path: string, requiredDetail: string): FieldError[] {
  const errs: FieldError[] = [];
  const m = arr<string>(modes);
  if (m.length === 0) errs.push(fieldErr.required(path, requiredDetail));
  let rwop = false;
  let other = false;
  for (const mode of m) {
    if (!accessModes.includes(mode)) errs.push(fieldErr.notSupported(path, mode, accessModes));
    if (mode === 'ReadWriteOncePod') rwop = true;
    else if (accessModes.includes(mode)) other = true;
  }
  if (rwop && other) errs.push(fieldErr.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function defaults(pv: KObject): void {
  if (!isObj(pv.spec)) pv.spec = {};
  if (!pv.spec.persistentVolumeReclaimPolicy) pv.spec.persistentVolumeReclaimPolicy = 'Retain';
  if (!pv.spec.volumeMode) pv.spec.volumeMode = 'Filesystem';
  if (isObj(pv.spec.hostPath)) {
    if (pv.spec.hostPath.type === undefined || pv.spec.hostPath.type === null) pv.spec.hostPath.type = '';
  }
  if (!isObj(pv.status)) pv.status = {};
  if (!pv.status.phase) pv.status.phase = 'Pending';
}

function prepareForCreate(pv: KObject): void {
  pv.status = { phase: 'Pending', lastPhaseTransitionTime: nowRFC3339() };
}

function prepareForUpdate(pv: KObject, old: KObject): void {
  pv.status = clone(old.status);
}

function prepareForStatusUpdate(pv: KObject, old: KObject): void {
  pv.spec = clone(old.spec);
  const phase = str(obj(pv.status).phase);
  if (isObj(pv.status) && phase !== str(obj(old.status).phase)) pv.status.lastPhaseTransitionTime = nowRFC3339();
}

function nowRFC3339(): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** ValidatePersistentVolume (spec). */
export function validatePersistentVolume(pv: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(pv.spec);
  errs.push(...validateAccessModes(spec.accessModes, 'spec.accessModes', ''));
  const capacity = obj(spec.capacity);
  if (Object.keys(capacity).length === 0) errs.push(fieldErr.required('spec.capacity', ''));
  if (!('storage' in capacity) || Object.keys(capacity).length > 1) errs.push(fieldErr.notSupported('spec.capacity', capacity, ['storage']));
  for (const [k, v] of Object.entries(capacity)) {
    const p = keyPath('spec.capacity', k);
    const { errs: qe, q } = validateQuantityValue(k, v, p);
    errs.push(...qe);
    if (q && q.sign() <= 0) errs.push(fieldErr.invalid(p, q.toString(), 'must be greater than zero'));
  }
  const policy = str(spec.persistentVolumeReclaimPolicy);
  if (policy && !reclaimPolicies.includes(policy)) errs.push(fieldErr.notSupported('spec.persistentVolumeReclaimPolicy', policy, reclaimPolicies));
  const sc = str(spec.storageClassName);
  if (sc) errs.push(...check(isDNS1123Subdomain(sc), 'spec.storageClassName', sc));
  if (spec.volumeMode !== undefined && spec.volumeMode !== null && !volumeModes.includes(str(spec.volumeMode))) {
    errs.push(fieldErr.notSupported('spec.volumeMode', spec.volumeMode, volumeModes));
  }
  const sources = pvSources.filter((k) => isObj(spec[k]));
  sources.forEach((k, i) => {
    const p = `spec.${k}`;
    if (i > 0) {
      errs.push(fieldErr.forbidden(p, 'may not specify more than 1 volume type'));
      return;
    }
    const src = spec[k];
    if (k === 'hostPath' || k === 'local') {
      const path = str(src.path);
      if (!path) errs.push(fieldErr.required(`${p}.path`, ''));
      else if (path.split('/').includes('..')) errs.push(fieldErr.invalid(`${p}.path`, path, "must not contain '..'"));
    }
    if (k === 'local' && !isObj(spec.nodeAffinity)) errs.push(fieldErr.required('spec.nodeAffinity', 'Local volume requires node affinity'));
    if (k === 'nfs') {
      if (!str(src.server)) errs.push(fieldErr.required(`${p}.server`, ''));
      if (!str(src.path)) errs.push(fieldErr.required(`${p}.path`, ''));
      else if (!str(src.path).startsWith('/')) errs.push(fieldErr.invalid(`${p}.path`, src.path, 'must be an absolute path'));
    }
    if (k === 'csi') {
      if (!str(src.driver)) errs.push(fieldErr.required(`${p}.driver`, ''));
      if (!str(src.volumeHandle)) errs.push(fieldErr.required(`${p}.volumeHandle`, ''));
    }
  });
  if (sources.length === 0) errs.push(fieldErr.required('spec', 'must specify a volume type'));
  const phase = str(obj(pv.status).phase);
  const phases = ['Available', 'Bound', 'Failed', 'Pending', 'Released'];
  if (phase && !phases.includes(phase)) errs.push(fieldErr.notSupported('status.phase', phase, phases));
  return errs;
}

function volumeSourceOf(spec: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(spec)) if (!specFields.has(k)) out[k] = v;
  return out;
}

/** ValidatePersistentVolumeUpdate: the volume source, volume mode and node affinity stay. */
export function validatePersistentVolumeUpdate(pv: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(pv.spec);
  const oldSpec = obj(old.spec);
  const src = volumeSourceOf(spec);
  const oldSrc = volumeSourceOf(oldSpec);
  if (!semanticEqual(src, oldSrc)) {
    errs.push(fieldErr.forbidden('spec.persistentvolumesource', `spec.persistentvolumesource is immutable after creation\n${describeDiff(oldSrc, src)}`));
  }
  errs.push(...validateImmutableField(spec.volumeMode ?? null, oldSpec.volumeMode ?? null, 'volumeMode'));
  if (isObj(oldSpec.nodeAffinity) && !semanticEqual(spec.nodeAffinity, oldSpec.nodeAffinity)) {
    errs.push(...validateImmutableField(spec.nodeAffinity ?? null, oldSpec.nodeAffinity, 'nodeAffinity'));
  }
  return errs;
}

/** STORAGECLASS: the beta annotation wins over spec.storageClassName. */
export function storageClassOf(o: KObject, specClass: unknown): string {
  const ann = obj(obj(o.metadata).annotations);
  if ('volume.beta.kubernetes.io/storage-class' in ann) return str(ann['volume.beta.kubernetes.io/storage-class']);
  return str(specClass);
}

function pvCells(pv: KObject, now: number): unknown[] {
  const spec = obj(pv.spec);
  const claimRef = isObj(spec.claimRef) ? `${str(spec.claimRef.namespace)}/${str(spec.claimRef.name)}` : '';
  const phase = obj(pv.metadata).deletionTimestamp ? 'Terminating' : str(obj(pv.status).phase);
  const storage = obj(spec.capacity).storage;
  return [
    str(obj(pv.metadata).name),
    quantityString(storage),
    accessModesString(spec.accessModes),
    str(spec.persistentVolumeReclaimPolicy),
    phase,
    claimRef,
    storageClassOf(pv, spec.storageClassName),
    typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
    str(obj(pv.status).reason),
    ageCell(pv, now),
    typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
  ];
}

export const persistentvolumes: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  subresources: { status: true },
  defaults,
  prepareForCreate,
  prepareForUpdate,
  prepareForStatusUpdate,
  validate: (pv) => validatePersistentVolume(pv),
  validateUpdate: (pv, old, ctx) => (ctx.subresource === '' ? validatePersistentVolumeUpdate(pv, old) : []),
  nameRule: 'subdomain',
  selectableFields: (pv) => ({ name: str(obj(pv.metadata).name) }),
  table: {
    columns: [
      nameColumn,
      col('Capacity', 'string', docs.pvSpecCapacity),
      col('Access Modes', 'string', docs.pvSpecAccessModes),
      col('Reclaim Policy', 'string', docs.pvSpecReclaimPolicy),
      col('Status', 'string', docs.pvStatusPhase),
      col('Claim', 'string', docs.pvSpecClaimRef),
      col('StorageClass', 'string', 'StorageClass of the pv'),
      col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
      col('Reason', 'string', docs.pvStatusReason),
      ageColumn,
      col('VolumeMode', 'string', docs.pvSpecVolumeMode, 1),
    ],
    cells: pvCells,
  },
};
