// apiregistration.k8s.io/v1 APIService: the resource declaration (cluster scope, status
// subresource, name `<version>.<group>`, stored under /registry/apiregistration.k8s.io/
// apiservices), upstream's defaulting (service port 443), validation (priorities, service or
// local, caBundle or insecureSkipTLSVerify, conditions) and the Table columns
// NAME, SERVICE, AVAILABLE, AGE.

import { fieldErr, type FieldError } from '../../apimachinery/errors.js';
import { isDNS1035Label, isDNS1123Subdomain, isValidPortNum } from '../../apimachinery/validation.js';
import { ageCol, ageOf, col, isObj, nameCol } from '../registry/groups-common.js';
import type { KObject, ResourceDef } from '../registry/types.js';

export const APIREGISTRATION_GROUP = 'apiregistration.k8s.io';

/** The condition a reader looks for: Available with its status and reason. */
export function availableCondition(obj: KObject): KObject | undefined {
  const conds = obj?.status?.conditions;
  return Array.isArray(conds) ? conds.find((c: KObject) => c?.type === 'Available') : undefined;
}

/** The AVAILABLE cell: `True`, `False (Reason)`, or `Unknown` without a condition. */
export function availableCell(obj: KObject): string {
  const c = availableCondition(obj);
  if (!c) return 'Unknown';
  return c.status === 'True' ? 'True' : `${c.status} (${c.reason ?? ''})`;
}

/** ValidateAPIService: the spec rules (the name is checked here too: it must be version.group). */
export function validateAPIService(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec: KObject = isObj(obj.spec) ? obj.spec : {};
  const group = String(spec.group ?? '');
  const version = String(spec.version ?? '');
  const name = String(obj.metadata?.name ?? '');
  const required = `${version}.${group}`;
  if (name && name !== required && !name.includes('/') && !name.includes('%') && name !== '.' && name !== '..') {
    errs.push(fieldErr.invalid('metadata.name', name, `must be \`spec.version+"."+spec.group\`: ${JSON.stringify(required)}`));
  }
  if (!group && version !== 'v1') errs.push(fieldErr.required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group) for (const m of isDNS1123Subdomain(group)) errs.push(fieldErr.invalid('spec.group', group, m));
  for (const m of isDNS1035Label(version)) errs.push(fieldErr.invalid('spec.version', version, m));
  const gpm = Number(spec.groupPriorityMinimum ?? 0);
  if (!(gpm > 0 && gpm <= 20000)) errs.push(fieldErr.invalid('spec.groupPriorityMinimum', gpm, 'must be positive and less than 20000'));
  const vp = Number(spec.versionPriority ?? 0);
  if (!(vp > 0 && vp <= 1000)) errs.push(fieldErr.invalid('spec.versionPriority', vp, 'must be positive and less than 1000'));
  const caBundle = typeof spec.caBundle === 'string' ? spec.caBundle : '';
  const insecure = spec.insecureSkipTLSVerify === true;
  if (!isObj(spec.service)) {
    if (caBundle) errs.push(fieldErr.invalid('spec.caBundle', `${Buffer.from(caBundle, 'base64').length} bytes`, 'local APIServices may not have a caBundle'));
    if (insecure) errs.push(fieldErr.invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return errs;
  }
  const svc = spec.service;
  if (!svc.namespace) errs.push(fieldErr.required('spec.service.namespace', ''));
  if (!svc.name) errs.push(fieldErr.required('spec.service.name', ''));
  const port = Number(svc.port);
  const portErrs = isValidPortNum(port);
  if (portErrs.length) errs.push(fieldErr.invalid('spec.service.port', svc.port, `port is not valid: ${portErrs.join(', ')}`));
  if (insecure && caBundle) errs.push(fieldErr.invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return errs;
}

/** ValidateAPIServiceStatus: each condition's type is set and its status is True, False or Unknown. */
export function validateAPIServiceStatus(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const conds = Array.isArray(obj.status?.conditions) ? obj.status.conditions : [];
  conds.forEach((c: KObject, i: number) => {
    if (!['True', 'False', 'Unknown'].includes(c?.status)) errs.push(fieldErr.notSupported(`status.conditions[${i}].status`, c?.status, ['False', 'True', 'Unknown']));
    if (!c?.type) errs.push(fieldErr.required(`status.conditions[${i}].type`, ''));
  });
  return errs;
}

export const apiServiceDef: ResourceDef = {
  group: APIREGISTRATION_GROUP,
  version: 'v1',
  kind: 'APIService',
  plural: 'apiservices',
  singular: 'apiservice',
  namespaced: false,
  nameRule: 'path',
  storageResource: 'apiregistration.k8s.io/apiservices',
  subresources: { status: true },
  defaults(obj) {
    const svc = obj.spec?.service;
    if (isObj(svc) && (svc.port === undefined || svc.port === null)) svc.port = 443;
  },
  prepareForCreate(obj) {
    obj.status = {};
  },
  prepareForUpdate(obj, old) {
    obj.status = old.status ?? {};
  },
  prepareForStatusUpdate(obj, old) {
    obj.spec = old.spec;
    if (old.metadata?.labels) obj.metadata.labels = old.metadata.labels;
    else delete obj.metadata.labels;
    if (old.metadata?.annotations) obj.metadata.annotations = old.metadata.annotations;
    else delete obj.metadata.annotations;
  },
  validate(obj, ctx) {
    return ctx.subresource === 'status' ? validateAPIServiceStatus(obj) : validateAPIService(obj);
  },
  table: {
    columns: [
      nameCol(),
      col('Service', 'string', 'The reference to the service that hosts this API endpoint.'),
      col('Available', 'string', 'Whether this service is available.'),
      ageCol(),
    ],
    cells(obj, now) {
      const svc = obj.spec?.service;
      return [obj.metadata?.name ?? '', isObj(svc) ? `${svc.namespace ?? ''}/${svc.name ?? ''}` : 'Local', availableCell(obj), ageOf(obj, now)];
    },
  },
};
