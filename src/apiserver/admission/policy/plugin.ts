// The ValidatingAdmissionPolicy plugin: each policy (by name) with each binding naming it;
// a pair applies when the policy's matchConstraints and the binding's matchResources match
// (rules with resourceNames, excludeResourceRules, namespace/object selectors), params resolve
// (paramKind + paramRef by name or selector, parameterNotFoundAction) and matchConditions hold.
// Variables are computed in order, then each validation's CEL expression; a false result or an
// error (per failurePolicy) is a failure acted on by the binding's validationActions: Deny
// (the request is refused with upstream's message and the validation's reason), Warn (a
// Warning header), Audit (the validation_failure audit annotation). auditAnnotations become
// `<policy>/<key>` annotations. Policy status (type checking) is not written.

import { StatusError, type StatusReason } from '../../../apimachinery/errors.js';
import { labelSelectorAsSelector } from '../../../apimachinery/labels.js';
import { compileCelCached, type CelProgram } from '../../../apimachinery/cel/index.js';
import type { KObject } from '../../registry/types.js';
import type { RequestScope } from '../../endpoints/context.js';
import type { Registry } from '../../registry/index.js';
import { POLICY_VARS } from '../../registry/admissionregistration/admissionpolicies.js';
import { addAuditAnnotation, addWarning, admissionForbidden, type Objects, type Operation, type Plugin } from '../common.js';
import {
  attributesOf, isExemptResource, namespaceObjectOf, namespaceSelectorMatches, objectSelectorMatches, ruleMatches, type Attributes,
} from '../webhook/matching.js';
import { celRequest } from '../webhook/dispatcher.js';
import type { ConfigSource } from '../webhook/source.js';

export interface PolicyDeps {
  objects: Objects;
  registry: Registry;
  policies: ConfigSource;
  bindings: ConfigSource;
}

const program = (expr: string): CelProgram => compileCelCached(expr, POLICY_VARS);

function list(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

function namedRuleMatches(rules: unknown, a: Attributes): boolean {
  return list(rules).some((r) => {
    if (!ruleMatches(r, a)) return false;
    const names = list(r.resourceNames);
    return names.length === 0 || (a.name !== '' && names.includes(a.name));
  });
}

async function matchResourcesMatch(m: unknown, a: Attributes, objects: Objects, requireRules: boolean): Promise<boolean> {
  if (!m || typeof m !== 'object') return !requireRules;
  const mr = m as KObject;
  if (!(await namespaceSelectorMatches(mr.namespaceSelector, a, objects))) return false;
  if (!objectSelectorMatches(mr.objectSelector, a)) return false;
  if (namedRuleMatches(mr.excludeResourceRules, a)) return false;
  if (list(mr.resourceRules).length === 0) return !requireRules;
  return namedRuleMatches(mr.resourceRules, a);
}

const REASON_CODES: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

interface Failure {
  message: string;
  reason: string;
  index: number;
}

/** The params of a binding: undefined when the policy has none, null when none were found. */
async function paramsFor(policy: KObject, binding: KObject, a: Attributes, deps: PolicyDeps): Promise<KObject[] | undefined> {
  const pk = policy.spec?.paramKind;
  if (!pk) return undefined;
  const ref = binding.spec?.paramRef;
  if (!ref) return [];
  const [group, version] = String(pk.apiVersion ?? '').includes('/') ? String(pk.apiVersion).split('/', 2) : ['', String(pk.apiVersion ?? '')];
  const def = deps.registry.lookupKind(group!, version!, String(pk.kind ?? ''));
  if (!def) throw new StatusError(500, 'InternalError', `Internal error occurred: failed to find resource referenced by paramKind: '${pk.apiVersion}, Kind=${pk.kind}'`);
  const ns = def.namespaced ? (ref.namespace || a.namespace) : '';
  if (ref.name) {
    const o = await deps.objects.get(def.group, def.plural, ns, ref.name);
    return o ? [o] : [];
  }
  const sel = labelSelectorAsSelector(ref.selector ?? {});
  return (await deps.objects.list(def.group, def.plural, def.namespaced ? ns : undefined)).filter((o) => sel.matches(o.metadata?.labels ?? {}));
}

function evalMessage(v: KObject, vars: Record<string, unknown>): string {
  if (v.messageExpression) {
    try {
      const m = program(v.messageExpression).eval(vars);
      if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) return m;
    } catch {
      /* fall back to message */
    }
  }
  if (typeof v.message === 'string' && v.message) return v.message;
  return `failed expression: ${v.expression}`;
}

/** Evaluate one policy against one param (or none); the failures, or throws for failurePolicy Fail errors. */
function evaluate(policy: KObject, a: Attributes, params: KObject | null, nsObject: KObject | null, scope: RequestScope): Failure[] | 'skip' {
  const spec = policy.spec ?? {};
  const failClosed = spec.failurePolicy !== 'Ignore';
  const vars: Record<string, unknown> = {
    object: a.object ?? null,
    oldObject: a.oldObject ?? null,
    request: celRequest(a),
    params,
    namespaceObject: nsObject,
    variables: {},
  };
  const failures: Failure[] = [];
  const errorFailure = (expr: string, e: unknown, index: number): void => {
    if (failClosed) failures.push({ message: `expression '${expr}' resulted in error: ${(e as Error).message}`, reason: 'Invalid', index });
  };
  for (const c of list(spec.matchConditions)) {
    try {
      if (program(c.expression).eval(vars) !== true) return 'skip';
    } catch (e) {
      if (!failClosed) return 'skip';
      failures.push({ message: `failed to evaluate match condition '${c.name}': ${(e as Error).message}`, reason: 'Invalid', index: -1 });
      return failures;
    }
  }
  const variables: Record<string, unknown> = {};
  for (const v of list(spec.variables)) {
    try {
      variables[v.name] = program(v.expression).eval({ ...vars, variables });
    } catch {
      /* an unusable variable fails the expressions that read it */
    }
  }
  vars.variables = variables;
  list(spec.validations).forEach((v, index) => {
    try {
      const ok = program(v.expression).eval(vars);
      if (ok === true) return;
      if (ok !== false) throw new Error(`validation expression must evaluate to a bool`);
      failures.push({ message: evalMessage(v, vars), reason: v.reason ?? 'Invalid', index });
    } catch (e) {
      errorFailure(v.expression, e, index);
    }
  });
  for (const an of list(spec.auditAnnotations)) {
    try {
      const value = program(an.valueExpression).eval(vars);
      if (typeof value === 'string') addAuditAnnotation(scope, `${policy.metadata?.name}/${an.key}`, value);
    } catch {
      /* audit annotations never fail the request */
    }
  }
  return failures;
}

export function validatingAdmissionPolicyPlugin(deps: PolicyDeps): Plugin {
  const run = async (op: Operation, obj: KObject | undefined, old: KObject | undefined, scope: RequestScope): Promise<void> => {
    const policies = await deps.policies();
    if (policies.length === 0) return;
    const bindings = await deps.bindings();
    if (bindings.length === 0) return;
    const a = attributesOf(op, obj, old, scope);
    if (isExemptResource(a)) return;
    const audit: KObject[] = [];
    for (const policy of policies) {
      const pname = policy.metadata?.name ?? '';
      const mine = bindings.filter((b) => b.spec?.policyName === pname);
      if (mine.length === 0) continue;
      if (!(await matchResourcesMatch(policy.spec?.matchConstraints, a, deps.objects, true))) continue;
      const nsObject = (await namespaceObjectOf(a, deps.objects)) ?? null;
      for (const binding of mine) {
        const bname = binding.metadata?.name ?? '';
        if (!(await matchResourcesMatch(binding.spec?.matchResources, a, deps.objects, false))) continue;
        const actions = list(binding.spec?.validationActions);
        let paramSet: (KObject | null)[];
        const params = await paramsFor(policy, binding, a, deps);
        if (params === undefined) paramSet = [null];
        else if (params.length === 0) {
          if (binding.spec?.paramRef?.parameterNotFoundAction === 'Allow') continue;
          const why = binding.spec?.paramRef ? 'no params found for policy binding with `Deny` parameterNotFoundAction' : `policy ${pname} has paramKind but binding ${bname} has no paramRef`;
          if (policy.spec?.failurePolicy === 'Ignore') continue;
          throw admissionForbidden(scope, obj ?? old, `ValidatingAdmissionPolicy '${pname}' with binding '${bname}' denied request: ${why}`);
        } else paramSet = params;
        for (const p of paramSet) {
          const failures = evaluate(policy, a, p, nsObject, scope);
          if (failures === 'skip') continue;
          for (const f of failures) {
            const text = `ValidatingAdmissionPolicy '${pname}' with binding '${bname}' denied request: ${f.message}`;
            if (actions.includes('Audit')) {
              audit.push({ message: text, policy: pname, binding: bname, expressionIndex: f.index, validationActions: actions });
            }
            if (actions.includes('Warn')) addWarning(scope, `Validation failed for ValidatingAdmissionPolicy '${pname}' with binding '${bname}': ${f.message}`);
            if (actions.includes('Deny')) {
              if (audit.length) addAuditAnnotation(scope, 'validation.policy.admission.k8s.io/validation_failure', JSON.stringify(audit));
              const err = admissionForbidden(scope, obj ?? old, text);
              const reason = (REASON_CODES[f.reason] ? f.reason : 'Invalid') as StatusReason;
              throw new StatusError(REASON_CODES[reason]!, reason, err.message, { ...err.details, causes: [{ message: text }] });
            }
          }
        }
      }
    }
    if (audit.length) addAuditAnnotation(scope, 'validation.policy.admission.k8s.io/validation_failure', JSON.stringify(audit));
  };
  return { name: 'ValidatingAdmissionPolicy', validate: run };
}
