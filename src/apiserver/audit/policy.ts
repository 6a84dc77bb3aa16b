// Audit policy (audit.k8s.io/v1 Policy): loading, validation and evaluation.
//
// Behaviour follows kube-apiserver's --audit-policy-file handling:
//  - only apiVersion audit.k8s.io/v1, kind Policy is accepted;
//  - unknown fields do not fail the load: the policy is decoded leniently and a warning
//    names them ("Audit policy contains errors, falling back to lenient decoding: ...");
//  - validation errors are reported as field errors ("rules[0].level: Unsupported value: ...");
//  - a policy with no rules is illegal;
//  - every error from a file ends with ": from file <path>".
// Evaluation: the first rule that matches decides the level; no match means level None.
// Rule omitStages are the union of the rule's and the policy's; a rule's omitManagedFields,
// when set, overrides the policy-wide default.

import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';

export type Level = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type Stage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export const LEVELS: readonly Level[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
export const STAGES: readonly Stage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

const LEVEL_ORDER: Record<Level, number> = { None: 0, Metadata: 1, Request: 2, RequestResponse: 3 };

/** a < b in the None < Metadata < Request < RequestResponse ordering. */
export function levelLess(a: Level, b: Level): boolean {
  return LEVEL_ORDER[a] < LEVEL_ORDER[b];
}

export interface GroupResources {
  /** API group; "" (or absent) is the core group. */
  group?: string;
  /** "pods", "pods/log", "*", "pods/*", "*\/scale"; empty means every resource in the group. */
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: Level;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  /** "" selects cluster-scoped resources. */
  namespaces?: string[];
  /** "/healthz", "/api*" (trailing * is a prefix match), "*". */
  nonResourceURLs?: string[];
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

export interface Policy {
  apiVersion: 'audit.k8s.io/v1';
  kind: 'Policy';
  metadata?: Record<string, unknown>;
  rules: PolicyRule[];
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

/** What the policy looks at in a request (the authorizer attributes upstream evaluates). */
export interface PolicyAttributes {
  user?: { username: string; groups?: readonly string[] };
  verb: string;
  /** Resource requests carry resource (and group/namespace/name/subresource); others carry path. */
  isResourceRequest: boolean;
  /** URL path without the query string (non-resource requests). */
  path?: string;
  apiGroup?: string;
  namespace?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

/** The outcome of evaluating the policy for one request. */
export interface RequestAuditConfig {
  level: Level;
  omitStages: ReadonlySet<Stage>;
  omitManagedFields: boolean;
}

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

// ---------------------------------------------------------------------------------------------
// Loading

export interface LoadPolicyOptions {
  /** Called with upstream's lenient-decoding warning when the document has unknown fields. */
  onWarning?: (message: string) => void;
}

/** Read, decode and validate a policy file. Errors end with ": from file <path>". */
export function loadPolicyFromFile(filePath: string, opts: LoadPolicyOptions = {}): Policy {
  if (!filePath) throw new PolicyError('file path not specified');
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (e) {
    throw new PolicyError(`failed to read file path ${goQuote(filePath)}: ${(e as Error).message}`);
  }
  try {
    return parsePolicy(text, opts);
  } catch (e) {
    if (e instanceof PolicyError) throw new PolicyError(`${e.message}: from file ${filePath}`);
    throw e;
  }
}

/** Decode and validate a policy document (YAML or JSON). */
export function parsePolicy(text: string, opts: LoadPolicyOptions = {}): Policy {
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = err.linePos?.[0]?.line;
    const msg = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new PolicyError(`failed decoding: yaml: ${line ? `line ${line}: ` : ''}${msg}`);
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PolicyError(`failed decoding: Object 'Kind' is missing in ${goQuote(text.trim().slice(0, 80))}`);
  }
  const obj = raw as Record<string, unknown>;
  const kind = obj.kind;
  const apiVersion = obj.apiVersion;
  if (typeof kind !== 'string' || kind === '') {
    throw new PolicyError(`failed decoding: Object 'Kind' is missing in ${goQuote(text.trim().slice(0, 80))}`);
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    throw new PolicyError(`failed decoding: Object 'apiVersion' is missing in ${goQuote(text.trim().slice(0, 80))}`);
  }
  if (apiVersion !== 'audit.k8s.io/v1' || kind !== 'Policy') {
    throw new PolicyError(`failed decoding: no kind ${goQuote(kind)} is registered for version ${goQuote(apiVersion)} in scheme`);
  }

  const unknown: string[] = [];
  const policy = decodePolicy(obj, unknown);
  if (unknown.length > 0) {
    opts.onWarning?.(
      `Audit policy contains errors, falling back to lenient decoding: strict decoding error: ${unknown.map((f) => `unknown field ${goQuote(f)}`).join(', ')}`,
    );
  }

  const errs = validatePolicy(policy);
  if (errs.length === 1) throw new PolicyError(errs[0]);
  if (errs.length > 1) throw new PolicyError(`[${errs.join(', ')}]`);
  if (policy.rules.length === 0) throw new PolicyError('loaded illegal policy with 0 rules');
  return policy;
}

// Type-checking decode: wrong types fail (as JSON decoding into the Go types would), naming the
// field and the value; unknown fields are collected for the lenient-decoding warning.

const POLICY_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'rules', 'omitStages', 'omitManagedFields']);
const RULE_FIELDS = new Set(['level', 'users', 'userGroups', 'verbs', 'resources', 'namespaces', 'nonResourceURLs', 'omitStages', 'omitManagedFields']);
const GROUP_RESOURCE_FIELDS = new Set(['group', 'resources', 'resourceNames']);

function decodeError(path: string, value: unknown, want: string): PolicyError {
  return new PolicyError(`failed decoding: ${path}: Invalid value: ${formatValue(value)}: must be ${want}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function decodeStringList(v: unknown, path: string): string[] | undefined {
  if (v === null || v === undefined) return undefined;
  if (!Array.isArray(v)) throw decodeError(path, v, 'a list of strings');
  return v.map((s, i) => {
    if (typeof s !== 'string') throw decodeError(`${path}[${i}]`, s, 'a string');
    return s;
  });
}

function decodeString(v: unknown, path: string): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'string') throw decodeError(path, v, 'a string');
  return v;
}

function decodeBool(v: unknown, path: string): boolean | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'boolean') throw decodeError(path, v, 'a boolean');
  return v;
}

function noteUnknown(obj: Record<string, unknown>, known: Set<string>, prefix: string, out: string[]): void {
  for (const k of Object.keys(obj)) if (!known.has(k)) out.push(prefix + k);
}

function decodePolicy(obj: Record<string, unknown>, unknown: string[]): Policy {
  noteUnknown(obj, POLICY_FIELDS, '', unknown);
  if (obj.metadata !== undefined && obj.metadata !== null && !isRecord(obj.metadata)) {
    throw decodeError('metadata', obj.metadata, 'an object');
  }
  const rulesRaw = obj.rules;
  if (rulesRaw !== undefined && rulesRaw !== null && !Array.isArray(rulesRaw)) {
    throw decodeError('rules', rulesRaw, 'a list of rules');
  }
  const rules: PolicyRule[] = ((rulesRaw as unknown[] | undefined | null) ?? []).map((r, i) => decodeRule(r, `rules[${i}]`, unknown));
  const policy: Policy = { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules };
  if (isRecord(obj.metadata)) policy.metadata = obj.metadata;
  const omitStages = decodeStringList(obj.omitStages, 'omitStages');
  if (omitStages) policy.omitStages = omitStages as Stage[];
  const omf = decodeBool(obj.omitManagedFields, 'omitManagedFields');
  if (omf !== undefined) policy.omitManagedFields = omf;
  return policy;
}

function decodeRule(r: unknown, path: string, unknown: string[]): PolicyRule {
  if (!isRecord(r)) throw decodeError(path, r, 'an object');
  noteUnknown(r, RULE_FIELDS, `${path}.`, unknown);
  const rule: PolicyRule = { level: (decodeString(r.level, `${path}.level`) ?? '') as Level };
  const lists = ['users', 'userGroups', 'verbs', 'namespaces', 'nonResourceURLs', 'omitStages'] as const;
  for (const f of lists) {
    const v = decodeStringList(r[f], `${path}.${f}`);
    if (v) (rule as unknown as Record<string, unknown>)[f] = v;
  }
  if (r.resources !== undefined && r.resources !== null) {
    if (!Array.isArray(r.resources)) throw decodeError(`${path}.resources`, r.resources, 'a list of group resources');
    rule.resources = r.resources.map((g, i) => {
      const gp = `${path}.resources[${i}]`;
      if (!isRecord(g)) throw decodeError(gp, g, 'an object');
      noteUnknown(g, GROUP_RESOURCE_FIELDS, `${gp}.`, unknown);
      const gr: GroupResources = {};
      const group = decodeString(g.group, `${gp}.group`);
      if (group !== undefined) gr.group = group;
      const res = decodeStringList(g.resources, `${gp}.resources`);
      if (res) gr.resources = res;
      const names = decodeStringList(g.resourceNames, `${gp}.resourceNames`);
      if (names) gr.resourceNames = names;
      return gr;
    });
  }
  const omf = decodeBool(r.omitManagedFields, `${path}.omitManagedFields`);
  if (omf !== undefined) rule.omitManagedFields = omf;
  return rule;
}

// ---------------------------------------------------------------------------------------------
// Validation (field error texts as apimachinery's field.Error prints them)

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Returns field error strings; empty when the policy is valid. */
export function validatePolicy(policy: Policy): string[] {
  const errs: string[] = [];
  policy.rules.forEach((rule, i) => validateRule(rule, `rules[${i}]`, errs));
  return errs;
}

function validateRule(rule: PolicyRule, path: string, errs: string[]): void {
  // level
  if (!rule.level) errs.push(`${path}.level: Required value`);
  else if (!LEVELS.includes(rule.level)) {
    errs.push(`${path}.level: Unsupported value: ${goQuote(rule.level)}: supported values: ${LEVELS.map(goQuote).join(', ')}`);
  }
  // nonResourceURLs
  (rule.nonResourceURLs ?? []).forEach((url, i) => {
    if (url === '*') return;
    if (!url.startsWith('/')) {
      errs.push(`${path}.nonResourceURLs[${i}]: Invalid value: ${goQuote(url)}: non-resource URL rules must begin with a '/' character`);
    }
    if (url !== '' && url.slice(0, -1).includes('*')) {
      errs.push(`${path}.nonResourceURLs[${i}]: Invalid value: ${goQuote(url)}: non-resource URL wildcards '*' must be the final character of the rule`);
    }
  });
  // resources
  for (const gr of rule.resources ?? []) {
    const group = gr.group ?? '';
    if (group !== '') {
      const msgs: string[] = [];
      if (group.length > 253) msgs.push('must be no more than 253 characters');
      if (!DNS1123_SUBDOMAIN.test(group)) {
        msgs.push(
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        );
      }
      if (msgs.length) errs.push(`${path}.resources.group: Invalid value: ${goQuote(group)}: ${msgs.join(',')}`);
    }
    if ((gr.resourceNames?.length ?? 0) > 0 && (gr.resources?.length ?? 0) === 0) {
      errs.push(`${path}.resources.resourceNames: Invalid value: ${formatValue(gr.resourceNames)}: using resourceNames requires at least one resource`);
    }
  }
  // omitStages
  (rule.omitStages ?? []).forEach((s, i) => {
    if (!STAGES.includes(s)) errs.push(`${path}.omitStages[${i}]: Invalid value: ${goQuote(s)}: allowed stages are ${STAGES.join(',')}`);
  });
  if ((rule.nonResourceURLs?.length ?? 0) > 0 && ((rule.resources?.length ?? 0) > 0 || (rule.namespaces?.length ?? 0) > 0)) {
    errs.push(`${path}.nonResourceURLs: Invalid value: ${formatValue(rule.nonResourceURLs)}: rules cannot apply to both regular resources and non-resource URLs`);
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation: each rule is compiled once into sets and prefix lists.

interface CompiledGroupResources {
  /** no resources listed: every resource of the group */
  all: boolean;
  names: Set<string> | null;
  /** "*" */
  star: boolean;
  /** "pods", "pods/log" */
  exact: Set<string>;
  /** "*\/scale" → "scale" */
  anyResourceSub: Set<string>;
  /** "pods/*" → "pods" */
  resourceAnySub: Set<string>;
}

interface CompiledRule {
  config: RequestAuditConfig;
  users: Set<string> | null;
  groups: Set<string> | null;
  verbs: Set<string> | null;
  /** namespaces or resources set: only resource requests match */
  resourceRule: boolean;
  namespaces: Set<string> | null;
  /** by API group; null when the rule lists no resources */
  resources: Map<string, CompiledGroupResources[]> | null;
  nonResource: { any: boolean; exact: Set<string>; prefixes: string[] } | null;
}

function setOrNull(v: readonly string[] | undefined): Set<string> | null {
  return v && v.length > 0 ? new Set(v) : null;
}

function compileRule(rule: PolicyRule, policy: Policy): CompiledRule {
  const omit = new Set<Stage>([...(policy.omitStages ?? []), ...(rule.omitStages ?? [])]);
  const config: RequestAuditConfig = {
    level: rule.level,
    omitStages: omit,
    omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields ?? false,
  };
  let resources: Map<string, CompiledGroupResources[]> | null = null;
  if (rule.resources && rule.resources.length > 0) {
    resources = new Map();
    for (const gr of rule.resources) {
      const c: CompiledGroupResources = {
        all: (gr.resources?.length ?? 0) === 0,
        names: setOrNull(gr.resourceNames),
        star: false,
        exact: new Set(),
        anyResourceSub: new Set(),
        resourceAnySub: new Set(),
      };
      for (const res of gr.resources ?? []) {
        if (res === '*') c.star = true;
        else c.exact.add(res);
        if (res.startsWith('*/')) c.anyResourceSub.add(res.slice(2));
        if (res.endsWith('/*')) c.resourceAnySub.add(res.slice(0, -2));
      }
      const g = gr.group ?? '';
      const list = resources.get(g);
      if (list) list.push(c);
      else resources.set(g, [c]);
    }
  }
  let nonResource: CompiledRule['nonResource'] = null;
  if (rule.nonResourceURLs && rule.nonResourceURLs.length > 0) {
    nonResource = { any: false, exact: new Set(), prefixes: [] };
    for (const spec of rule.nonResourceURLs) {
      if (spec === '*') nonResource.any = true;
      nonResource.exact.add(spec);
      if (spec.endsWith('*')) nonResource.prefixes.push(spec.replace(/\*+$/, ''));
    }
  }
  return {
    config,
    users: setOrNull(rule.users),
    groups: setOrNull(rule.userGroups),
    verbs: setOrNull(rule.verbs),
    resourceRule: (rule.namespaces?.length ?? 0) > 0 || (rule.resources?.length ?? 0) > 0,
    namespaces: setOrNull(rule.namespaces),
    resources,
    nonResource,
  };
}

function matches(r: CompiledRule, a: PolicyAttributes): boolean {
  if (r.users && (!a.user || !r.users.has(a.user.username))) return false;
  if (r.groups) {
    if (!a.user?.groups) return false;
    let ok = false;
    for (const g of a.user.groups) {
      if (r.groups.has(g)) {
        ok = true;
        break;
      }
    }
    if (!ok) return false;
  }
  if (r.verbs && !r.verbs.has(a.verb)) return false;
  if (r.resourceRule) return matchesResource(r, a);
  if (r.nonResource) return matchesNonResource(r.nonResource, a);
  return true;
}

function matchesNonResource(nr: NonNullable<CompiledRule['nonResource']>, a: PolicyAttributes): boolean {
  if (a.isResourceRequest) return false;
  const path = a.path ?? '';
  if (nr.any || nr.exact.has(path)) return true;
  for (const p of nr.prefixes) if (path.startsWith(p)) return true;
  return false;
}

function matchesResource(r: CompiledRule, a: PolicyAttributes): boolean {
  if (!a.isResourceRequest) return false;
  if (r.namespaces && !r.namespaces.has(a.namespace ?? '')) return false;
  if (!r.resources) return true;
  const list = r.resources.get(a.apiGroup ?? '');
  if (!list) return false;
  const resource = a.resource ?? '';
  const sub = a.subresource ?? '';
  const combined = sub ? `${resource}/${sub}` : resource;
  const name = a.name ?? '';
  for (const c of list) {
    if (c.all) return true;
    if (c.names && !c.names.has(name)) continue;
    if (c.star || c.exact.has(combined)) return true;
    if (sub && c.anyResourceSub.has(sub)) return true;
    if (c.resourceAnySub.has(resource)) return true;
  }
  return false;
}

/** Evaluates a validated policy; rules are compiled once at construction. */
export class PolicyRuleEvaluator {
  private readonly rules: CompiledRule[];
  private readonly fallback: RequestAuditConfig;

  constructor(readonly policy: Policy) {
    this.rules = policy.rules.map((r) => compileRule(r, policy));
    this.fallback = {
      level: 'None',
      omitStages: new Set(policy.omitStages ?? []),
      omitManagedFields: policy.omitManagedFields ?? false,
    };
  }

  evaluate(attrs: PolicyAttributes): RequestAuditConfig {
    for (const r of this.rules) if (matches(r, attrs)) return r.config;
    return this.fallback;
  }
}

// ---------------------------------------------------------------------------------------------
// Go-style value formatting used in error texts

/** Go's %q for a string (strconv.Quote). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad || (c >= 0xd800 && c <= 0xdfff) || c === 0xfeff || c === 0x2028 || c === 0x2029) {
      out += c >= 0xd800 && c <= 0xdfff ? '\\ufffd' : `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + '"';
}

/** A value as apimachinery's field errors print it (%q for strings, %#v-like for lists). */
function formatValue(v: unknown): string {
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `[]string{${v.map((x) => goQuote(x)).join(', ')}}`;
  return JSON.stringify(v);
}
