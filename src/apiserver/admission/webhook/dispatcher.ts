// The MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins: for every webhook of
// every configuration (sorted by configuration name, in list order) that matches the request
// (rules, namespaceSelector, objectSelector, matchConditions), refuse dry runs to webhooks with
// side effects, call it (client.ts) and act on the answer: denials as upstream's ToStatusErr,
// JSONPatch patches applied (then defaults again), warnings to the client, audit annotations
// to the audit event, failurePolicy on call errors. Mutating webhooks run one after another and
// IfNeeded ones run once more when a later webhook changed the object; validating webhooks run
// in parallel.

import { StatusError } from '../../../apimachinery/errors.js';
import { applyJsonPatch } from '../../../apimachinery/patch/index.js';
import { compileCelCached, type CelProgram } from '../../../apimachinery/cel/index.js';
import { logger } from '../../../util/klog.js';
import type { KObject } from '../../registry/types.js';
import type { RequestScope } from '../../endpoints/context.js';
import { addAuditAnnotation, addWarning, type Objects, type Operation, type Plugin } from '../common.js';
import { MATCH_CONDITION_VARS } from '../../registry/admissionregistration/common.js';
import { WebhookCallError, postReview, targetOf, type ClientConfig } from './client.js';
import {
  anyRuleMatches, attributesOf, isExemptResource, namespaceObjectOf, namespaceSelectorMatches, objectSelectorMatches, type Attributes,
} from './matching.js';
import { buildReview, checkResponse } from './review.js';
import type { ConfigSource } from './source.js';

const log = logger('admission/webhook');

export interface WebhookDeps {
  objects: Objects;
  /** MutatingWebhookConfigurations (for the mutating plugin) or ValidatingWebhookConfigurations. */
  configs: ConfigSource;
  /** Sends a review (tests replace it); default: HTTPS per client.ts. */
  post?: (cc: ClientConfig, review: KObject, timeoutSeconds: number) => Promise<unknown>;
}

interface Hook {
  configuration: string;
  webhook: KObject;
}

function hooksOf(configs: KObject[]): Hook[] {
  const out: Hook[] = [];
  for (const c of configs) for (const w of Array.isArray(c.webhooks) ? c.webhooks : []) out.push({ configuration: c.metadata?.name ?? '', webhook: w });
  return out;
}

const program = (expr: string): CelProgram => compileCelCached(expr, MATCH_CONDITION_VARS);

/** The `request` variable of matchConditions (the review's request without objects). */
export function celRequest(a: Attributes): KObject {
  const r = buildReview(a).request as KObject;
  delete r.object;
  delete r.oldObject;
  return r;
}

/** matchConditions: true when all hold; throws when one cannot be evaluated. */
async function conditionsMatch(conds: unknown, a: Attributes, objects: Objects): Promise<boolean> {
  if (!Array.isArray(conds) || conds.length === 0) return true;
  const vars = {
    object: a.object ?? null,
    oldObject: a.oldObject ?? null,
    request: celRequest(a),
    params: null,
    namespaceObject: (await namespaceObjectOf(a, objects)) ?? null,
  };
  let err: Error | undefined;
  for (const c of conds) {
    try {
      if (program(c.expression).eval(vars) !== true) return false;
    } catch (e) {
      err ??= new Error(`${c.name}: ${(e as Error).message}`);
    }
  }
  if (err) throw err;
  return true;
}

async function shouldCall(h: Hook, a: Attributes, objects: Objects): Promise<boolean> {
  const w = h.webhook;
  if (!anyRuleMatches(w.rules, a)) return false;
  if (!(await namespaceSelectorMatches(w.namespaceSelector, a, objects))) return false;
  return objectSelectorMatches(w.objectSelector, a);
}

function internalError(msg: string): StatusError {
  return new StatusError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
}

/** webhookerrors.ToStatusErr: a rejection answered with the webhook's status. */
export function deniedError(name: string, result: KObject | undefined): StatusError {
  const r = result ?? {};
  const code = typeof r.code === 'number' && r.code >= 400 ? r.code : 400;
  const deniedBy = `admission webhook ${JSON.stringify(name)} denied the request`;
  const message = r.message ? `${deniedBy}: ${r.message}` : r.reason ? `${deniedBy}: ${r.reason}` : `${deniedBy} without explanation`;
  return new StatusError(code, r.reason ?? '', message, r.details);
}

function ignoreOnFailure(w: KObject): boolean {
  return w.failurePolicy === 'Ignore';
}

function dryRunRefused(w: KObject, scope: RequestScope): StatusError | undefined {
  if (!scope.dryRun) return undefined;
  if (w.sideEffects === 'None' || w.sideEffects === 'NoneOnDryRun') return undefined;
  return new StatusError(400, 'BadRequest', `admission webhook ${JSON.stringify(w.name)} does not support dry run`);
}

async function defaultPost(deps: WebhookDeps, cc: ClientConfig, review: KObject, timeoutSeconds: number): Promise<unknown> {
  const target = await targetOf(cc, deps.objects, timeoutSeconds);
  return postReview(target, cc.caBundle, review, timeoutSeconds);
}

type CallResult = { response: KObject } | { skipped: true };

/** Match, call and check one webhook. Throws StatusError for denials and (failurePolicy Fail) call errors. */
async function callHook(deps: WebhookDeps, h: Hook, a: Attributes, kind: 'mutating' | 'validating', index: number, round: number): Promise<CallResult> {
  const w = h.webhook;
  const name = String(w.name ?? '');
  const failed = (reason: string): CallResult => {
    const msg = `failed calling webhook ${JSON.stringify(name)}: ${reason}`;
    if (ignoreOnFailure(w)) {
      log.warning('Failed calling webhook, failing open', { webhook: name, err: msg });
      addAuditAnnotation(a.scope, `failed-open.${kind}.webhook.admission.k8s.io/round_${round}_index_${index}`, name);
      return { skipped: true };
    }
    log.v(2).info('Failed calling webhook, failing closed', { webhook: name, err: msg });
    throw internalError(msg);
  };
  try {
    if (!(await conditionsMatch(w.matchConditions, a, deps.objects))) return { skipped: true };
  } catch (e) {
    return failed(`failed to evaluate match conditions: ${(e as Error).message}`);
  }
  const refused = dryRunRefused(w, a.scope);
  if (refused) throw refused;
  const review = buildReview(a);
  const timeout = typeof w.timeoutSeconds === 'number' ? w.timeoutSeconds : 10;
  let body: unknown;
  try {
    body = await (deps.post ? deps.post(w.clientConfig ?? {}, review, timeout) : defaultPost(deps, w.clientConfig ?? {}, review, timeout));
  } catch (e) {
    if (e instanceof WebhookCallError || !(e instanceof StatusError)) return failed(`failed to call webhook: ${(e as Error).message}`);
    throw e;
  }
  const response = checkResponse(body, review.request.uid);
  if (typeof response === 'string') return failed(`received invalid webhook response: ${response}`);
  for (const warning of Array.isArray(response.warnings) ? response.warnings : []) {
    if (typeof warning === 'string' && warning) addWarning(a.scope, warning.slice(0, 4096));
  }
  for (const [k, v] of Object.entries(response.auditAnnotations ?? {})) {
    if (typeof v === 'string') addAuditAnnotation(a.scope, `${name}/${k}`, v);
  }
  if (!response.allowed) throw deniedError(name, response.status);
  return { response };
}

function replaceContents(target: KObject, source: KObject): void {
  for (const k of Object.keys(target)) delete target[k];
  Object.assign(target, source);
}

/** The request's attributes and the webhooks that match it (none for exempt resources). */
async function matchingHooks(deps: WebhookDeps, op: Operation, obj: KObject | undefined, old: KObject | undefined, scope: RequestScope): Promise<{ a: Attributes; hooks: Hook[] }> {
  const configs = await deps.configs();
  const a = attributesOf(op, obj, old, scope);
  if (configs.length === 0 || isExemptResource(a)) return { a, hooks: [] };
  const hooks: Hook[] = [];
  for (const h of hooksOf(configs)) if (await shouldCall(h, a, deps.objects)) hooks.push(h);
  return { a, hooks };
}

export function mutatingWebhookPlugin(deps: WebhookDeps): Plugin {
  const run = async (op: Operation, obj: KObject | undefined, old: KObject | undefined, scope: RequestScope): Promise<void> => {
    const { a, hooks } = await matchingHooks(deps, op, obj, old, scope);
    if (hooks.length === 0) return;
    const invoked: { hook: Hook; index: number; at: number }[] = [];
    let changes = 0;
    const callOne = async (h: Hook, index: number, round: number): Promise<void> => {
      const before = obj ? JSON.stringify(obj) : '';
      const r = await callHook(deps, h, a, 'mutating', index, round);
      if ('skipped' in r) return;
      const { response } = r;
      let mutated = false;
      if (response.patch !== undefined && response.patch !== null && response.patch !== '') {
        const name = JSON.stringify(String(h.webhook.name ?? ''));
        if (response.patchType !== 'JSONPatch') throw internalError(`failed calling webhook ${name}: received invalid webhook response: unsupported patch type ${JSON.stringify(response.patchType ?? '')}`);
        if (obj) {
          let patched: KObject;
          try {
            const ops = JSON.parse(Buffer.from(String(response.patch), 'base64').toString('utf8'));
            patched = applyJsonPatch(structuredClone(obj), ops);
          } catch (e) {
            throw internalError(`failed calling webhook ${name}: JSON patch could not be applied: ${(e as Error).message}`);
          }
          scope.def.defaults?.(patched);
          replaceContents(obj, patched);
          mutated = JSON.stringify(obj) !== before;
        }
      }
      addAuditAnnotation(scope, `mutation.webhook.admission.k8s.io/round_${round}_index_${index}`,
        JSON.stringify({ configuration: h.configuration, webhook: h.webhook.name, mutated }));
      if (mutated) changes++;
      if (round === 0) invoked.push({ hook: h, index, at: changes });
    };
    for (let i = 0; i < hooks.length; i++) await callOne(hooks[i]!, i, 0);
    // reinvocation: IfNeeded webhooks that ran before a later change run once more
    const again = invoked.filter((x) => x.hook.webhook.reinvocationPolicy === 'IfNeeded' && x.at < changes);
    for (const x of again) await callOne(x.hook, x.index, 1);
  };
  return { name: 'MutatingAdmissionWebhook', admit: run };
}

export function validatingWebhookPlugin(deps: WebhookDeps): Plugin {
  const run = async (op: Operation, obj: KObject | undefined, old: KObject | undefined, scope: RequestScope): Promise<void> => {
    const { a, hooks } = await matchingHooks(deps, op, obj, old, scope);
    const results = await Promise.allSettled(hooks.map((h, i) => callHook(deps, h, a, 'validating', i, 0)));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  };
  return { name: 'ValidatingAdmissionWebhook', validate: run };
}
