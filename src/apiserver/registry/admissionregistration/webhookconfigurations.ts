// admissionregistration.k8s.io/v1 MutatingWebhookConfiguration and ValidatingWebhookConfiguration:
// upstream's defaults (failurePolicy Fail, matchPolicy Equivalent, empty selectors, timeoutSeconds
// 10, reinvocationPolicy Never, rule scope "*", service port 443), ValidateMutatingWebhookConfiguration
// / ValidateValidatingWebhookConfiguration's rules and messages, and the NAME / WEBHOOKS / AGE table.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isDNS1123Subdomain, isValidPortNum } from '../../../apimachinery/validation.js';
import { ageCol, ageOf, col, nameCol } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';
import {
  FAILURE_POLICIES, defaultRule, defaultSelectors, isObj, list, validateMatchConditions, validateRule, validateSelectors,
} from './common.js';

const SIDE_EFFECTS = ['None', 'NoneOnDryRun'];
const REINVOCATION = ['IfNeeded', 'Never'];
const REVIEW_VERSIONS = ['v1', 'v1beta1'];

function defaultWebhook(w: KObject, mutating: boolean): void {
  if (!isObj(w)) return;
  if (w.failurePolicy === undefined || w.failurePolicy === null) w.failurePolicy = 'Fail';
  defaultSelectors(w);
  if (w.timeoutSeconds === undefined || w.timeoutSeconds === null) w.timeoutSeconds = 10;
  if (mutating && (w.reinvocationPolicy === undefined || w.reinvocationPolicy === null)) w.reinvocationPolicy = 'Never';
  for (const r of list(w.rules)) defaultRule(r);
  const svc = w.clientConfig?.service;
  if (isObj(svc) && (svc.port === undefined || svc.port === null)) svc.port = 443;
}

/** A webhook name must be a DNS subdomain with at least three segments. */
function validateWebhookName(name: unknown, path: string): FieldError[] {
  if (typeof name !== 'string' || name === '') return [fieldErr.required(path, '')];
  const errs = isDNS1123Subdomain(name).map((m) => fieldErr.invalid(path, name, m));
  if (name.split('.').length < 3) errs.push(fieldErr.invalid(path, name, 'should be a domain with at least three segments separated by dots'));
  return errs;
}

function validateClientConfig(cc: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const c = isObj(cc) ? cc : {};
  const hasURL = typeof c.url === 'string' && c.url !== '';
  const hasSvc = isObj(c.service);
  if (hasURL === hasSvc) return [fieldErr.required(path, 'exactly one of url or service is required')];
  if (hasURL) {
    let u: URL | undefined;
    try {
      u = new URL(c.url);
    } catch {
      errs.push(fieldErr.invalid(`${path}.url`, c.url, 'host must be specified'));
    }
    if (u) {
      if (u.protocol !== 'https:') errs.push(fieldErr.invalid(`${path}.url`, c.url, "'https' is the only allowed URL scheme"));
      if (!u.hostname) errs.push(fieldErr.invalid(`${path}.url`, c.url, 'host must be specified'));
      if (u.username || u.password) errs.push(fieldErr.invalid(`${path}.url`, c.url, 'user information is not permitted in the URL'));
      if (u.hash) errs.push(fieldErr.invalid(`${path}.url`, c.url, 'fragments are not permitted in the URL'));
      if (u.search) errs.push(fieldErr.invalid(`${path}.url`, c.url, 'query parameters are not permitted in the URL'));
    }
  } else {
    const s = c.service as KObject;
    if (!s.name) errs.push(fieldErr.required(`${path}.service.name`, 'service name is required'));
    if (!s.namespace) errs.push(fieldErr.required(`${path}.service.namespace`, 'service namespace is required'));
    if (s.path !== undefined && s.path !== null && (typeof s.path !== 'string' || !s.path.startsWith('/'))) {
      errs.push(fieldErr.invalid(`${path}.service.path`, s.path, "must start with a '/'"));
    }
    if (s.port !== undefined) for (const m of isValidPortNum(Number(s.port))) errs.push(fieldErr.invalid(`${path}.service.port`, s.port, m));
  }
  if (c.caBundle !== undefined && typeof c.caBundle !== 'string') errs.push(fieldErr.invalid(`${path}.caBundle`, '', 'must be base64 encoded'));
  return errs;
}

function validateWebhook(w: KObject, path: string, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(w)) return [fieldErr.required(path, '')];
  errs.push(...validateWebhookName(w.name, `${path}.name`));
  list(w.rules).forEach((r, i) => errs.push(...validateRule(r, `${path}.rules[${i}]`)));
  if (w.failurePolicy !== undefined && !FAILURE_POLICIES.includes(w.failurePolicy)) errs.push(fieldErr.notSupported(`${path}.failurePolicy`, w.failurePolicy, FAILURE_POLICIES));
  if (w.sideEffects === undefined || w.sideEffects === null || w.sideEffects === '') errs.push(fieldErr.required(`${path}.sideEffects`, `must specify one of ${SIDE_EFFECTS.join(', ')}`));
  else if (!SIDE_EFFECTS.includes(w.sideEffects)) errs.push(fieldErr.notSupported(`${path}.sideEffects`, w.sideEffects, SIDE_EFFECTS));
  if (typeof w.timeoutSeconds === 'number' && (w.timeoutSeconds < 1 || w.timeoutSeconds > 30)) {
    errs.push(fieldErr.invalid(`${path}.timeoutSeconds`, w.timeoutSeconds, 'the timeout value must be between 1 and 30 seconds'));
  }
  const versions = list(w.admissionReviewVersions);
  if (versions.length === 0) errs.push(fieldErr.required(`${path}.admissionReviewVersions`, `must specify one of ${REVIEW_VERSIONS.join(', ')}`));
  else if (!versions.some((v) => REVIEW_VERSIONS.includes(v))) errs.push(fieldErr.invalid(`${path}.admissionReviewVersions`, versions, `must include at least one of ${REVIEW_VERSIONS.join(', ')}`));
  if (mutating && w.reinvocationPolicy !== undefined && !REINVOCATION.includes(w.reinvocationPolicy)) {
    errs.push(fieldErr.notSupported(`${path}.reinvocationPolicy`, w.reinvocationPolicy, REINVOCATION));
  }
  errs.push(...validateSelectors(w, `${path}.`));
  errs.push(...validateClientConfig(w.clientConfig, `${path}.clientConfig`));
  errs.push(...validateMatchConditions(w.matchConditions, `${path}.matchConditions`));
  return errs;
}

function validateConfiguration(obj: KObject, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list(obj.webhooks).forEach((w, i) => {
    errs.push(...validateWebhook(w, `webhooks[${i}]`, mutating));
    if (isObj(w) && typeof w.name === 'string' && w.name) {
      if (seen.has(w.name)) errs.push(fieldErr.duplicate(`webhooks[${i}].name`, w.name));
      seen.add(w.name);
    }
  });
  return errs;
}

function webhookConfigurationDef(kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration'): ResourceDef {
  const mutating = kind === 'MutatingWebhookConfiguration';
  const plural = `${kind.toLowerCase()}s`;
  return {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced: false,
    categories: ['api-extensions'],
    storageResource: plural,
    generation: true,
    defaults(obj) {
      for (const w of list(obj.webhooks)) defaultWebhook(w, mutating);
    },
    validate: (obj) => validateConfiguration(obj, mutating),
    table: {
      columns: [nameCol(), col('Webhooks', 'integer', 'Webhooks indicates the number of webhooks.'), ageCol()],
      cells: (obj, now) => [obj.metadata?.name ?? '', list(obj.webhooks).length, ageOf(obj, now)],
    },
  };
}

export const mutatingWebhookConfigurationDef = webhookConfigurationDef('MutatingWebhookConfiguration');
export const validatingWebhookConfigurationDef = webhookConfigurationDef('ValidatingWebhookConfiguration');
