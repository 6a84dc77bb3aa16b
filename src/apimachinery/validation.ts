// Generic API validation, as upstream apimachinery's util/validation and api/validation:
// the string-format checks (DNS labels/subdomains, qualified names, label values, ports,
// IPs, ...) returning upstream's detail strings, and ObjectMeta / labels / annotations /
// label-selector validation returning FieldErrors with upstream's fields and messages.

import { isIP } from 'node:net';
import { fieldErr, type FieldError } from './errors.js';

// ---------------------------------------------------------------------------------------
// message helpers (upstream's wording)
// ---------------------------------------------------------------------------------------

/** "must be no more than N characters" */
export function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

/** "must be non-empty" */
export function emptyError(): string {
  return 'must be non-empty';
}

/** "must be between lo and hi, inclusive" */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/**
 * Upstream's RegexError: `msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')`.
 * (The doubled space between examples is upstream's.)
 */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let s = `${msg} (e.g. `;
  examples.forEach((ex, i) => {
    if (i > 0) s += ' or ';
    s += `'${ex}', `;
  });
  return `${s}regex used for validation is '${fmt}')`;
}

/** Length in bytes, as Go's len() on a string. */
function blen(s: string): number {
  // Fast path: pure ASCII strings have byte length == UTF-16 length.
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s.length : Buffer.byteLength(s, 'utf8');
}

// ---------------------------------------------------------------------------------------
// formats
// ---------------------------------------------------------------------------------------

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123LabelErrMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
export const DNS1123LabelMaxLength = 63;
const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);

const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainErrMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
export const DNS1123SubdomainMaxLength = 253;
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);

const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const dns1035LabelErrMsg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
export const DNS1035LabelMaxLength = 63;
const dns1035LabelRe = new RegExp(`^${dns1035LabelFmt}$`);

const qnameCharFmt = '[A-Za-z0-9]';
const qnameExtCharFmt = '[-A-Za-z0-9_.]';
const qualifiedNameFmt = `(${qnameCharFmt}${qnameExtCharFmt}*)?${qnameCharFmt}`;
const qualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
export const QualifiedNameMaxLength = 63;
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`);

const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueErrMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
export const LabelValueMaxLength = 63;
const labelValueRe = new RegExp(`^${labelValueFmt}$`);

const cIdentifierFmt = '[A-Za-z_][A-Za-z0-9_]*';
const cIdentifierErrMsg = "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'";
const cIdentifierRe = new RegExp(`^${cIdentifierFmt}$`);

const percentFmt = '[0-9]+%';
const percentErrMsg = "a valid percent string must be a numeric string followed by an ending '%'";
const percentRe = new RegExp(`^${percentFmt}$`);

const httpHeaderNameFmt = '[-A-Za-z0-9]+';
const httpHeaderNameErrMsg = "a valid HTTP header must consist of alphanumeric characters or '-'";
const httpHeaderNameRe = new RegExp(`^${httpHeaderNameFmt}$`);

const envVarNameFmt = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const envVarNameErrMsg = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
const envVarNameRe = new RegExp(`^${envVarNameFmt}$`);

const configMapKeyFmt = '[-._a-zA-Z0-9]+';
const configMapKeyErrMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
const configMapKeyRe = new RegExp(`^${configMapKeyFmt}$`);

export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (blen(v) > DNS1123LabelMaxLength) errs.push(maxLenError(DNS1123LabelMaxLength));
  if (!dns1123LabelRe.test(v)) {
    if (dns1123SubdomainRe.test(v)) errs.push('must not contain dots');
    else errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, 'my-name', '123-abc'));
  }
  return errs;
}

export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (blen(v) > DNS1123SubdomainMaxLength) errs.push(maxLenError(DNS1123SubdomainMaxLength));
  if (!dns1123SubdomainRe.test(v)) errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'));
  return errs;
}

export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (blen(v) > DNS1035LabelMaxLength) errs.push(maxLenError(DNS1035LabelMaxLength));
  if (!dns1035LabelRe.test(v)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, 'my-name', 'abc-123'));
  return errs;
}

/** A "qualified name": `[prefix/]name`, the format of label keys, annotation keys, finalizers. */
export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    errs.push(`a qualified name ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`);
    return errs;
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (blen(name) > QualifiedNameMaxLength) errs.push(`name part ${maxLenError(QualifiedNameMaxLength)}`);
  if (!qualifiedNameRe.test(name)) errs.push(`name part ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (blen(v) > LabelValueMaxLength) errs.push(maxLenError(LabelValueMaxLength));
  if (!labelValueRe.test(v)) errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errs;
}

export function isCIdentifier(v: string): string[] {
  return cIdentifierRe.test(v) ? [] : [regexError(cIdentifierErrMsg, cIdentifierFmt, 'my_name', 'MY_NAME', 'MyName')];
}

export function isValidPortNum(n: number): string[] {
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

/** An inclusive-range check as upstream's IsInRange. */
export function isInRange(n: number, lo: number, hi: number): string[] {
  return n >= lo && n <= hi ? [] : [inclusiveRangeError(lo, hi)];
}

/** Port names (IANA_SVC_NAME): at most 15 chars of [-a-z0-9], at least one letter, no '--', no leading/trailing '-'. */
export function isValidPortName(v: string): string[] {
  const errs: string[] = [];
  if (blen(v) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(v)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(v)) errs.push('must contain at least one letter (a-z)');
  if (v.includes('--')) errs.push('must not contain consecutive hyphens');
  if (v.length > 0 && (v[0] === '-' || v[v.length - 1] === '-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/**
 * Parses an IP address as upstream's "sloppy" parser does (IPv4 components may carry
 * leading zeros, read as decimal). Returns 4 or 16 for the family, or 0 when invalid.
 */
export function parseIPFamily(v: string): 0 | 4 | 6 {
  if (v.includes(':')) {
    if (v.includes('%')) return 0; // zones are not IP addresses
    // Node accepts embedded dotted quads only in canonical form; rewrite sloppy ones.
    const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(v);
    if (m) {
      const q = sloppyIPv4(m[2]);
      if (!q) return 0;
      return isIP(m[1] + q.join('.')) === 6 ? 6 : 0;
    }
    return isIP(v) === 6 ? 6 : 0;
  }
  return sloppyIPv4(v) ? 4 : 0;
}

function sloppyIPv4(v: string): number[] | null {
  const parts = v.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) {
      // Go's parser reads up to a large number of digits then range-checks; any
      // non-digit or empty part is invalid either way, and >3 digits is >255 unless zeros.
      if (!/^[0-9]+$/.test(p)) return null;
    }
    const n = parseInt(p, 10);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

export function isValidIP(v: string): string[] {
  return parseIPFamily(v) ? [] : ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
}

export function isValidIPv4Address(v: string): string[] {
  return parseIPFamily(v) === 4 ? [] : ['must be a valid IPv4 address'];
}

export function isValidIPv6Address(v: string): string[] {
  return parseIPFamily(v) === 6 ? [] : ['must be a valid IPv6 address'];
}

/** Parses "addr/prefix"; returns the family or 0. */
export function parseCIDRFamily(v: string): 0 | 4 | 6 {
  const i = v.indexOf('/');
  if (i < 0) return 0;
  const fam = parseIPFamily(v.slice(0, i));
  if (!fam) return 0;
  const bits = v.slice(i + 1);
  if (!/^[0-9]+$/.test(bits)) return 0;
  const n = parseInt(bits, 10);
  if (n > (fam === 4 ? 32 : 128)) return 0;
  return fam;
}

export function isValidCIDR(v: string): string[] {
  return parseCIDRFamily(v) ? [] : ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'];
}

export function isPercent(v: string): string[] {
  return percentRe.test(v) ? [] : [regexError(percentErrMsg, percentFmt, '1%', '93%')];
}

export function isHTTPHeaderName(v: string): string[] {
  return httpHeaderNameRe.test(v) ? [] : [regexError(httpHeaderNameErrMsg, httpHeaderNameFmt, 'X-Header-Name')];
}

function hasChDirPrefix(v: string): string[] {
  if (v === '.') return ["must not be '.'"];
  if (v === '..') return ["must not be '..'"];
  if (v.startsWith('..')) return ["must not start with '..'"];
  return [];
}

export function isEnvVarName(v: string): string[] {
  const errs: string[] = [];
  if (!envVarNameRe.test(v)) errs.push(regexError(envVarNameErrMsg, envVarNameFmt, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1'));
  errs.push(...hasChDirPrefix(v));
  return errs;
}

/** The relaxed env var name rule (RelaxedEnvironmentVariableValidation). */
export function isRelaxedEnvVarName(v: string): string[] {
  const errs: string[] = [];
  if (v.length === 0) errs.push(`environment variable name ${emptyError()}`);
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x3d) {
      errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
      break;
    }
  }
  return errs;
}

export function isConfigMapKey(v: string): string[] {
  const errs: string[] = [];
  if (blen(v) > DNS1123SubdomainMaxLength) errs.push(maxLenError(DNS1123SubdomainMaxLength));
  if (!configMapKeyRe.test(v)) errs.push(regexError(configMapKeyErrMsg, configMapKeyFmt, 'key.name', 'KEY_NAME', 'key-name'));
  errs.push(...hasChDirPrefix(v));
  return errs;
}

// ---------------------------------------------------------------------------------------
// object names
// ---------------------------------------------------------------------------------------

/** A name validator: (name, isGenerateNamePrefix) → detail strings. */
export type ValidateNameFunc = (name: string, prefix: boolean) => string[];

/** Upstream's quirk: a generateName prefix ending in '-' is checked with its last two chars replaced by 'a'. */
export function maskTrailingDash(name: string): string {
  if (name.length > 1 && name.endsWith('-')) return name.slice(0, name.length - 2) + 'a';
  return name;
}

export const nameIsDNSSubdomain: ValidateNameFunc = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: ValidateNameFunc = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: ValidateNameFunc = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);
export const validateNamespaceName: ValidateNameFunc = nameIsDNSLabel;

/** Names that only need to be usable as a URL path segment. */
export function isValidPathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return isValidPathSegmentPrefix(name);
}

export function isValidPathSegmentPrefix(name: string): string[] {
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

export const validatePathSegmentName: ValidateNameFunc = (name, prefix) => (prefix ? isValidPathSegmentPrefix(name) : isValidPathSegmentName(name));

export type NameRule = 'subdomain' | 'label' | 'dns1035' | 'path' | 'none';

export function nameRuleFunc(rule: NameRule | ValidateNameFunc): ValidateNameFunc {
  if (typeof rule === 'function') return rule;
  switch (rule) {
    case 'subdomain': return nameIsDNSSubdomain;
    case 'label': return nameIsDNSLabel;
    case 'dns1035': return nameIsDNS1035Label;
    case 'path': return validatePathSegmentName;
    case 'none': default: return () => [];
  }
}

// ---------------------------------------------------------------------------------------
// labels, annotations, selectors
// ---------------------------------------------------------------------------------------

export const TotalAnnotationSizeLimitB = 256 * (1 << 10);

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function validateLabelName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((m) => fieldErr.invalid(path, name, m));
}

export function validateLabels(labels: Record<string, string> | undefined | null, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(labels)) return errs;
  for (const k of Object.keys(labels)) {
    for (const m of isQualifiedName(k)) errs.push(fieldErr.invalid(path, k, m));
    const v = String(labels[k] ?? '');
    for (const m of isValidLabelValue(v)) errs.push(fieldErr.invalid(path, v, m));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined | null, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(annotations)) return errs;
  let size = 0;
  for (const k of Object.keys(annotations)) {
    // Qualified-name rule, but case-insensitive.
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fieldErr.invalid(path, k, m));
    size += blen(k) + blen(String(annotations[k] ?? ''));
  }
  if (size > TotalAnnotationSizeLimitB) errs.push(fieldErr.tooLong(path, '', TotalAnnotationSizeLimitB));
  return errs;
}

export interface LabelSelectorValidationOptions {
  /** Skip label-value format checks on matchExpressions values (upstream's compatibility option). */
  allowInvalidLabelValueInSelector?: boolean;
}

export function validateLabelSelectorRequirement(req: LabelSelectorRequirement, path: string, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  const values = Array.isArray(req?.values) ? req.values : [];
  switch (req?.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(fieldErr.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(fieldErr.forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(fieldErr.invalid(`${path}.operator`, req?.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(req?.key ?? '', `${path}.key`));
  if (!opts.allowInvalidLabelValueInSelector) {
    values.forEach((v, i) => {
      for (const m of isValidLabelValue(v)) errs.push(fieldErr.invalid(`${path}.values[${i}]`, v, m));
    });
  }
  return errs;
}

export function validateLabelSelector(sel: LabelSelector | undefined | null, path: string, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  if (!sel) return errs;
  errs.push(...validateLabels(sel.matchLabels, `${path}.matchLabels`));
  (sel.matchExpressions ?? []).forEach((e, i) => {
    errs.push(...validateLabelSelectorRequirement(e, `${path}.matchExpressions[${i}]`, opts));
  });
  return errs;
}

// ---------------------------------------------------------------------------------------
// ObjectMeta
// ---------------------------------------------------------------------------------------

export const FieldImmutableErrorMsg = 'field is immutable';
export const FinalizerOrphanDependents = 'orphan';
export const FinalizerDeleteDependents = 'foregroundDeletion';
export const FieldManagerMaxLength = 128;

/** Kinds that may never be owners (group/version/kind). */
const bannedOwners = new Set(['/v1/Event']);

function splitAPIVersion(apiVersion: string): { group: string; version: string } {
  if (!apiVersion) return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0] };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  return { group: '', version: '' }; // unparseable: upstream keeps only the kind
}

/** An owner reference with its fields in the Go struct's JSON order (for error values). */
function ownerRefValue(ref: unknown): Record<string, unknown> {
  const r = isObj(ref) ? ref : {};
  const out: Record<string, unknown> = { apiVersion: r.apiVersion ?? '', kind: r.kind ?? '', name: r.name ?? '', uid: r.uid ?? '' };
  if (r.controller !== undefined && r.controller !== null) out.controller = r.controller;
  if (r.blockOwnerDeletion !== undefined && r.blockOwnerDeletion !== null) out.blockOwnerDeletion = r.blockOwnerDeletion;
  return out;
}

export function validateOwnerReferences(refs: any[] | undefined | null, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(refs)) return errs;
  let firstController = '';
  for (const ref of refs) {
    const r = isObj(ref) ? ref : {};
    const apiVersion = String(r.apiVersion ?? '');
    const kind = String(r.kind ?? '');
    const name = String(r.name ?? '');
    const uid = String(r.uid ?? '');
    const gv = splitAPIVersion(apiVersion);
    if (!gv.version) errs.push(fieldErr.invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!kind) errs.push(fieldErr.invalid(`${path}.kind`, kind, 'kind must not be empty'));
    if (!name) errs.push(fieldErr.invalid(`${path}.name`, name, 'name must not be empty'));
    if (!uid) errs.push(fieldErr.invalid(`${path}.uid`, uid, 'uid must not be empty'));
    if (bannedOwners.has(`${gv.group}/${gv.version}/${kind}`)) {
      errs.push(fieldErr.invalid(path, ownerRefValue(ref), `${gv.group}/${gv.version}, Kind=${kind} is disallowed from being an owner`));
    }
    if (r.controller === true) {
      const cur = `${kind}/${name}`;
      if (firstController) {
        errs.push(fieldErr.invalid(path, refs.map(ownerRefValue), `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`));
      } else {
        firstController = cur;
      }
    }
  }
  return errs;
}

export function validateFinalizerName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((m) => fieldErr.invalid(path, name, m));
}

export interface FinalizerValidationOptions {
  /**
   * Reject repeated entries. Upstream's generic validation does not (duplicates are
   * accepted and stored), so this is off by default.
   */
  noDuplicates?: boolean;
}

export function validateFinalizers(finalizers: string[] | undefined | null, path: string, opts: FinalizerValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(finalizers)) return errs;
  let orphan = false;
  let foreground = false;
  const seen = new Set<string>();
  finalizers.forEach((f, i) => {
    const s = String(f);
    errs.push(...validateFinalizerName(s, path));
    if (s === FinalizerOrphanDependents) orphan = true;
    if (s === FinalizerDeleteDependents) foreground = true;
    if (opts.noDuplicates) {
      if (seen.has(s)) errs.push(fieldErr.duplicate(`${path}[${i}]`, s));
      seen.add(s);
    }
  });
  if (orphan && foreground) {
    errs.push(fieldErr.invalid(path, finalizers, `finalizer ${FinalizerOrphanDependents} and ${FinalizerDeleteDependents} cannot be both set`));
  }
  return errs;
}

/** Forbidden to add finalizers to an object that is being deleted. */
export function validateNoNewFinalizers(newF: string[] | undefined, oldF: string[] | undefined, path: string): FieldError[] {
  const old = new Set(oldF ?? []);
  const extra = [...new Set((newF ?? []).filter((f) => !old.has(f)))].sort();
  if (extra.length === 0) return [];
  return [fieldErr.forbidden(path, `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((e) => JSON.stringify(e)).join(', ')}}`)];
}

function isPrintable(cp: number): boolean {
  // Approximation of Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols, ASCII space.
  if (cp === 0x20) return true;
  const ch = String.fromCodePoint(cp);
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch);
}

export function validateFieldManager(manager: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (blen(manager) > FieldManagerMaxLength) errs.push(fieldErr.tooLong(path, manager, FieldManagerMaxLength));
  let bytePos = 0;
  for (const ch of manager) {
    const cp = ch.codePointAt(0)!;
    if (!isPrintable(cp)) {
      const hex = cp.toString(16).toUpperCase().padStart(4, '0');
      errs.push(fieldErr.invalid(path, manager, `invalid character U+${hex} (at position ${bytePos})`));
    }
    bytePos += Buffer.byteLength(ch, 'utf8');
  }
  return errs;
}

export function validateManagedFields(entries: any[] | undefined | null, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(entries)) return errs;
  entries.forEach((e, i) => {
    const p = `${path}[${i}]`;
    const m = isObj(e) ? e : {};
    const op = m.operation ?? '';
    if (op !== 'Apply' && op !== 'Update') errs.push(fieldErr.invalid(`${p}.operation`, op, 'must be `Apply` or `Update`'));
    const ft = m.fieldsType ?? '';
    if (ft !== '' && ft !== 'FieldsV1') errs.push(fieldErr.invalid(`${p}.fieldsType`, ft, 'must be `FieldsV1`'));
    errs.push(...validateFieldManager(String(m.manager ?? ''), `${p}.manager`));
    const sub = String(m.subresource ?? '');
    if (blen(sub) > 128) errs.push(fieldErr.tooLong(`${p}.subresource`, sub, 128));
  });
  return errs;
}

export function validateNonnegativeField(v: number, path: string): FieldError[] {
  return v < 0 ? [fieldErr.invalid(path, v, 'must be greater than or equal to 0')] : [];
}

function normalizeForCompare(v: unknown): unknown {
  return v === undefined || v === null || v === '' ? null : v;
}

function deepEqual(a: unknown, b: unknown): boolean {
  a = normalizeForCompare(a);
  b = normalizeForCompare(b);
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

/** `field: Invalid value: <new>: field is immutable` when new differs from old (unset == empty). */
export function validateImmutableField(newVal: unknown, oldVal: unknown, path: string): FieldError[] {
  if (deepEqual(newVal, oldVal)) return [];
  return [fieldErr.invalid(path, newVal === undefined ? null : newVal, FieldImmutableErrorMsg)];
}

export interface ObjectMetaValidationOptions {
  namespaced: boolean;
  nameRule: NameRule | ValidateNameFunc;
  /** See FinalizerValidationOptions.noDuplicates. */
  noDuplicateFinalizers?: boolean;
}

/** Validates metadata on create, as upstream's ValidateObjectMeta. */
export function validateObjectMeta(meta: any, opts: ObjectMetaValidationOptions, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  const m: any = isObj(meta) ? meta : {};
  const nameFn = nameRuleFunc(opts.nameRule);
  const generateName = typeof m.generateName === 'string' ? m.generateName : '';
  const name = typeof m.name === 'string' ? m.name : '';
  const namespace = typeof m.namespace === 'string' ? m.namespace : '';

  if (generateName) {
    for (const msg of nameFn(generateName, true)) errs.push(fieldErr.invalid(`${path}.generateName`, generateName, msg));
  }
  if (!name) {
    errs.push(fieldErr.required(`${path}.name`, 'name or generateName is required'));
  } else {
    for (const msg of nameFn(name, false)) errs.push(fieldErr.invalid(`${path}.name`, name, msg));
  }
  if (opts.namespaced) {
    if (!namespace) errs.push(fieldErr.required(`${path}.namespace`, ''));
    else for (const msg of validateNamespaceName(namespace, false)) errs.push(fieldErr.invalid(`${path}.namespace`, namespace, msg));
  } else if (namespace) {
    errs.push(fieldErr.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  errs.push(...validateNonnegativeField(Number(m.generation ?? 0), `${path}.generation`));
  errs.push(...validateLabels(m.labels, `${path}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(m.finalizers, `${path}.finalizers`, { noDuplicates: opts.noDuplicateFinalizers }));
  errs.push(...validateManagedFields(m.managedFields, `${path}.managedFields`));
  return errs;
}

/**
 * Validates metadata on update, as upstream's ValidateObjectMetaUpdate: immutable
 * identity fields, resourceVersion required, generation never decremented, no new
 * finalizers while deleting, and the create-time checks on labels etc.
 */
export function validateObjectMetaUpdate(meta: any, old: any, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  const n: any = isObj(meta) ? meta : {};
  const o: any = isObj(old) ? old : {};

  if (o.deletionTimestamp) {
    errs.push(...validateNoNewFinalizers(n.finalizers as string[] | undefined, o.finalizers as string[] | undefined, `${path}.finalizers`));
  }
  const rv = typeof n.resourceVersion === 'string' ? n.resourceVersion : '';
  if (!rv) errs.push(fieldErr.invalid(`${path}.resourceVersion`, rv, 'must be specified for an update'));
  const ng = Number(n.generation ?? 0);
  const og = Number(o.generation ?? 0);
  if (ng < og) errs.push(fieldErr.invalid(`${path}.generation`, ng, 'must not be decremented'));

  errs.push(...validateImmutableField(n.name ?? '', o.name ?? '', `${path}.name`));
  errs.push(...validateImmutableField(n.namespace ?? '', o.namespace ?? '', `${path}.namespace`));
  errs.push(...validateImmutableField(n.uid ?? '', o.uid ?? '', `${path}.uid`));
  errs.push(...validateImmutableField(n.creationTimestamp ?? null, o.creationTimestamp ?? null, `${path}.creationTimestamp`));
  errs.push(...validateImmutableField(n.deletionTimestamp ?? null, o.deletionTimestamp ?? null, `${path}.deletionTimestamp`));
  errs.push(...validateImmutableField(n.deletionGracePeriodSeconds ?? null, o.deletionGracePeriodSeconds ?? null, `${path}.deletionGracePeriodSeconds`));

  errs.push(...validateLabels(n.labels, `${path}.labels`));
  errs.push(...validateAnnotations(n.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(n.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateManagedFields(n.managedFields, `${path}.managedFields`));
  return errs;
}

/** A LabelSelector as Go's %#v prints it (upstream's "field is immutable" messages show this form). */
export function goLabelSelector(sel: any): string {
  if (sel === null || sel === undefined) return '(*v1.LabelSelector)(nil)';
  const ml = sel.matchLabels && typeof sel.matchLabels === 'object'
    ? `map[string]string{${Object.keys(sel.matchLabels).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(sel.matchLabels[k]))}`).join(', ')}}`
    : 'map[string]string(nil)';
  const me = Array.isArray(sel.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions.map((r: any) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(String(r?.key ?? ''))}, Operator:${JSON.stringify(String(r?.operator ?? ''))}, Values:${Array.isArray(r?.values) ? `[]string{${r.values.map((v: unknown) => JSON.stringify(String(v))).join(', ')}}` : '[]string(nil)'}}`).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `&v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`;
}

/** validateImmutableField for a LabelSelector, with the value printed as upstream prints it. */
export function validateImmutableSelector(newSel: unknown, oldSel: unknown, path: string): FieldError[] {
  if (deepEqual(newSel, oldSel)) return [];
  return [{ type: 'FieldValueInvalid', field: path, value: newSel, valueText: goLabelSelector(newSel).replace(/^&/, ''), detail: FieldImmutableErrorMsg }];
}
