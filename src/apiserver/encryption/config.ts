// --encryption-provider-config: reading, decoding, defaulting and validating an
// EncryptionConfiguration file the way kube-apiserver does (k8s.io/apiserver
// pkg/server/options/encryptionconfig loadConfig + pkg/apis/apiserver/validation).
//
// Accepted kinds are those upstream's config scheme registers: apiserver.config.k8s.io/v1
// EncryptionConfiguration, and the legacy "apiVersion: v1, kind: EncryptionConfig" upstream still
// registers (for an old docs bug). Decoding is strict like upstream's (unknown and duplicate fields
// are errors), type mismatches are reported in encoding/json's words, and validation errors are
// field errors ("<path>: Invalid value: <value>: <detail>") aggregated as upstream does. Key
// secrets are never echoed: like upstream they appear as "REDACTED".

import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { formatGoDuration as formatGoDurationNs, parseGoDuration as parseGoDurationNs } from '../../apimachinery/protobuf/gotime.js';

export const ENCRYPTION_CONFIG_GROUP = 'apiserver.config.k8s.io';

export interface EncryptionKey {
  name: string;
  /** base64 of the key bytes, as written in the file */
  secret: string;
}

export interface AESConfiguration {
  keys: EncryptionKey[];
}

export interface SecretboxConfiguration {
  keys: EncryptionKey[];
}

export type IdentityConfiguration = Record<string, never>;

export interface KMSConfiguration {
  /** 'v1' or 'v2' (defaulted to 'v1' as upstream does) */
  apiVersion: string;
  name: string;
  /** Only for v1 (defaulted to 1000 there). */
  cachesize?: number;
  endpoint: string;
  /** Timeout in nanoseconds (defaulted to 3s). */
  timeoutNanos: number;
}

/** Exactly one member is set in a valid provider. */
export interface ProviderConfiguration {
  aesgcm?: AESConfiguration;
  aescbc?: AESConfiguration;
  secretbox?: SecretboxConfiguration;
  identity?: IdentityConfiguration;
  kms?: KMSConfiguration;
}

export interface ResourceConfiguration {
  resources: string[];
  providers: ProviderConfiguration[];
}

export interface EncryptionConfiguration {
  apiVersion: string;
  kind: string;
  resources: ResourceConfiguration[];
}

export interface GroupResource {
  /** '' for the core group, '*' for any group */
  group: string;
  /** plural resource name, '*' for any resource of the group */
  resource: string;
}

/** schema.ParseGroupResource: "deployments.apps" → {group: apps, resource: deployments}. */
export function parseGroupResource(s: string): GroupResource {
  const i = s.indexOf('.');
  return i >= 0 ? { group: s.slice(i + 1), resource: s.slice(0, i) } : { group: '', resource: s };
}

/** GroupResource.String(), except "*." for all of the core group (upstream's grYAMLString). */
export function groupResourceString(gr: GroupResource): string {
  if (gr.group === '' && gr.resource === '*') return '*.';
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** A configuration problem; message is upstream's text ("error while parsing file: ..."). */
export class EncryptionConfigError extends Error {
  constructor(
    message: string,
    /** The configuration file (when loaded from one). */
    readonly file?: string,
    /** The validation errors, when validation failed. */
    readonly fieldErrors?: FieldError[],
  ) {
    super(message);
    this.name = 'EncryptionConfigError';
  }
}

/** A Go value as field.Error prints it (%q for strings, %v for numbers, ...). */
type GoValue =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'strings'; value: string[] }
  | { kind: 'duration'; nanos: number }
  | { kind: 'raw'; text: string };

export interface FieldError {
  type: 'Required' | 'Invalid';
  /** e.g. "resources[0].providers[1].aescbc.keys[0].secret" */
  field: string;
  /** The bad value as printed (Required errors print none). */
  value?: string;
  detail: string;
}

function required(field: string, detail: string): FieldError {
  return { type: 'Required', field, detail };
}

function invalid(field: string, value: GoValue, detail: string): FieldError {
  return { type: 'Invalid', field, value: printGoValue(value), detail };
}

export function fieldErrorString(e: FieldError): string {
  const body = e.type === 'Required' ? 'Required value' : `Invalid value: ${e.value}`;
  return `${e.field}: ${body}${e.detail ? `: ${e.detail}` : ''}`;
}

/** utilerrors.Aggregate's message (duplicates dropped, several in brackets). */
export function aggregateMessage(messages: string[]): string {
  const seen: string[] = [];
  for (const m of messages) if (!seen.includes(m)) seen.push(m);
  return seen.length === 1 ? seen[0] : `[${seen.join(', ')}]`;
}

/** Go's %q for a string. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

function printGoValue(v: GoValue): string {
  switch (v.kind) {
    case 'string':
      return goQuote(v.value);
    case 'int':
      return String(v.value);
    case 'strings':
      return `[]string{${v.value.map(goQuote).join(', ')}}`;
    case 'duration':
      return formatGoDuration(v.nanos);
    case 'raw':
      return v.text;
  }
}

// ---------------------------------------------------------------------------------------------
// Go durations (metav1.Duration is a time.Duration in its text form)

/** time.ParseDuration in nanoseconds (the shared parser; throws Go's messages). */
export function parseGoDuration(s: string): number {
  return Number(parseGoDurationNs(s));
}

/** time.Duration.String(). */
export function formatGoDuration(nanos: number): string {
  return formatGoDurationNs(BigInt(Math.round(nanos)));
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Go's os.PathError text for a failed read. */
function readErrorText(path: string, err: NodeJS.ErrnoException): string {
  const texts: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'not a directory',
    ELOOP: 'too many levels of symbolic links',
    ENAMETOOLONG: 'file name too long',
  };
  if (err.code === 'EISDIR') return `read ${path}: is a directory`;
  return `open ${path}: ${(err.code && texts[err.code]) || err.message}`;
}

/** Reads, decodes, defaults and validates the file, throwing upstream's messages. */
export async function readEncryptionConfiguration(path: string): Promise<EncryptionConfiguration> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (e) {
    throw new EncryptionConfigError(
      `error while parsing file: error while loading file: error reading encryption provider configuration file ${goQuote(path)}: ${readErrorText(path, e as NodeJS.ErrnoException)}`,
      path,
    );
  }
  return parseEncryptionConfiguration(data, path);
}

/**
 * Decodes, defaults and validates file contents (path only names the file in messages).
 * Errors read as kube-apiserver's: "error while parsing file: ...".
 */
export function parseEncryptionConfiguration(data: Buffer | string, path = ''): EncryptionConfiguration {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  if (text.length === 0) {
    throw new EncryptionConfigError(`error while parsing file: error while loading file: encryption provider configuration file ${goQuote(path)} is empty`, path);
  }
  let config: EncryptionConfiguration;
  try {
    config = decode(text);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const msg = e.unexpectedType
      ? e.message
      : `error decoding encryption provider configuration file ${goQuote(path)}: ${e.message}`;
    throw new EncryptionConfigError(`error while parsing file: ${msg}`, path);
  }
  const errs = validateEncryptionConfiguration(config);
  if (errs.length) {
    throw new EncryptionConfigError(`error while parsing file: ${aggregateMessage(errs.map(fieldErrorString))}`, path, errs);
  }
  return config;
}

// ---------------------------------------------------------------------------------------------
// Decoding: YAML/JSON → typed v1 object, strictly (unknown and duplicate fields are errors)

class DecodeError extends Error {
  constructor(
    message: string,
    /** "got unexpected config type" is not wrapped in the "error decoding" text upstream. */
    readonly unexpectedType = false,
  ) {
    super(message);
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface ParsedInput {
  value: Json;
  /** Strict-mode complaints found while parsing (duplicate keys). */
  strict: string[];
}

function isJsonBuffer(text: string): boolean {
  return /^\s*\{/.test(text);
}

/** Duplicate map keys, with JSON paths ("resources[0].providers") and 1-based lines. */
function findDuplicateKeys(node: unknown, lc: LineCounter, path: string, out: { path: string; key: string; line: number }[]): void {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const k = pair.key as YamlNode | null;
      const key = isScalar(k) ? String(k.value) : String(k);
      if (seen.has(key)) {
        const offset = (k as YamlNode | null)?.range?.[0] ?? 0;
        out.push({ path: path ? `${path}.${key}` : key, key, line: lc.linePos(offset).line });
      } else seen.add(key);
      findDuplicateKeys(pair.value, lc, path ? `${path}.${key}` : key, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => findDuplicateKeys(item, lc, `${path}[${i}]`, out));
  }
}

function parseInput(text: string): ParsedInput {
  if (isJsonBuffer(text)) {
    let value: Json;
    try {
      value = JSON.parse(text) as Json;
    } catch (e) {
      throw new DecodeError(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
    }
    const strict: string[] = [];
    try {
      const lc = new LineCounter();
      const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
      if (!doc.errors.length) {
        const dups: { path: string; key: string; line: number }[] = [];
        findDuplicateKeys(doc.contents, lc, '', dups);
        for (const d of dups) strict.push(`duplicate field ${goQuote(d.path)}`);
      }
    } catch {
      // best effort: JSON.parse accepted it
    }
    return { value, strict };
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', lineCounter: lc, uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const line = lc.linePos(err.pos[0]).line;
    const msg = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new DecodeError(`error converting YAML to JSON: yaml: line ${line}: ${msg}`);
  }
  const dups: { path: string; key: string; line: number }[] = [];
  findDuplicateKeys(doc.contents, lc, '', dups);
  const strict = dups.length
    ? [`error converting YAML to JSON: yaml: unmarshal errors:\n${dups.map((d) => `  line ${d.line}: key ${goQuote(d.key)} already set in map`).join('\n')}`]
    : [];
  const js = doc.toJS({ maxAliasCount: 100 }) as unknown;
  return { value: toJson(js), strict };
}

/** YAML-native values (dates, big ints) as YAMLToJSON would render them. */
function toJson(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Map) {
    const o: { [k: string]: Json } = {};
    for (const [k, val] of v) o[String(k)] = toJson(val);
    return o;
  }
  if (typeof v === 'object') {
    const o: { [k: string]: Json } = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) o[k] = toJson(val);
    return o;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

function jsonKind(v: Json): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function isObject(v: Json): v is { [k: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Registered kinds of upstream's encryption config scheme, per apiVersion. */
const REGISTERED: Record<string, string[]> = {
  [`${ENCRYPTION_CONFIG_GROUP}/v1`]: ['AdmissionConfiguration', 'EncryptionConfiguration', 'TracingConfiguration'],
  v1: ['EncryptionConfig'],
};
const SCHEME_NAME = 'k8s.io/apiserver/pkg/server/options/encryptionconfig/config.go';

function decode(text: string): EncryptionConfiguration {
  const { value, strict: parseStrict } = parseInput(text);
  // runtime's json meta interpreter: apiVersion and kind, as strings
  let apiVersion = '';
  let kind = '';
  if (value !== null) {
    if (!isObject(value)) {
      throw new DecodeError(
        `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKind(value)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
      );
    }
    for (const f of ['apiVersion', 'kind'] as const) {
      const v = value[f];
      if (v !== undefined && v !== null && typeof v !== 'string') {
        throw new DecodeError(`couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKind(v)} into Go struct field .${f} of type string`);
      }
    }
    apiVersion = (value.apiVersion as string | undefined) ?? '';
    kind = (value.kind as string | undefined) ?? '';
  }
  if (!kind) throw new DecodeError(`Object 'Kind' is missing in '${text}'`);
  if (!apiVersion) throw new DecodeError(`Object 'apiVersion' is missing in '${text}'`);
  if (apiVersion.split('/').length > 2) throw new DecodeError(`unexpected GroupVersion string: ${apiVersion}`);
  const registered = REGISTERED[apiVersion] ?? [];
  if (!registered.includes(kind)) {
    throw new DecodeError(`no kind ${goQuote(kind)} is registered for version ${goQuote(apiVersion)} in scheme ${goQuote(SCHEME_NAME)}`);
  }
  if (kind !== 'EncryptionConfiguration' && kind !== 'EncryptionConfig') {
    const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    throw new DecodeError(`got unexpected config type: ${g}/${v}, Kind=${kind}`, true);
  }

  const d = new TypedDecoder();
  const out = d.config(value as { [k: string]: Json });
  if (d.typeError) throw new DecodeError(d.typeError);
  const strict = [...d.unknown.map((p) => `unknown field ${goQuote(p)}`), ...parseStrict];
  if (strict.length) throw new DecodeError(`strict decoding error: ${strict.join(', ')}`);
  defaultConfig(out);
  return out;
}

/**
 * encoding/json into the v1 types: the first type mismatch (Go keeps only the first) in its
 * words, and every unknown field (path with indices) for strict mode.
 */
class TypedDecoder {
  typeError?: string;
  unknown: string[] = [];

  private mismatch(value: Json, struct: string, field: string, goType: string, literal = false): void {
    if (this.typeError) return;
    const what = literal && typeof value === 'number' ? `number ${value}` : jsonKind(value);
    this.typeError = `json: cannot unmarshal ${what} into Go struct field ${struct}.${field} of type ${goType}`;
  }

  /** Fields of an object; unknown ones recorded with strictPath. */
  private fields(obj: { [k: string]: Json }, known: string[], strictPath: string, each: (k: string, v: Json) => void): void {
    for (const [k, v] of Object.entries(obj)) {
      if (known.includes(k)) each(k, v);
      else this.unknown.push(strictPath ? `${strictPath}.${k}` : k);
    }
  }

  private str(v: Json, struct: string, field: string): string {
    if (v === null) return '';
    if (typeof v !== 'string') {
      this.mismatch(v, struct, field, 'string');
      return '';
    }
    return v;
  }

  /** A slice field: null → empty; non-array → mismatch. */
  private slice<T>(v: Json, struct: string, field: string, goType: string, elem: (e: Json, i: number) => T): T[] {
    if (v === null) return [];
    if (!Array.isArray(v)) {
      this.mismatch(v, struct, field, goType);
      return [];
    }
    return v.map(elem);
  }

  config(obj: { [k: string]: Json }): EncryptionConfiguration {
    const out: EncryptionConfiguration = { apiVersion: '', kind: '', resources: [] };
    this.fields(obj, ['apiVersion', 'kind', 'resources'], '', (k, v) => {
      if (k === 'resources') {
        out.resources = this.slice(v, 'EncryptionConfiguration', 'resources', '[]v1.ResourceConfiguration', (e, i) => this.resourceConfig(e, `resources[${i}]`));
      } else out[k as 'apiVersion' | 'kind'] = this.str(v, 'EncryptionConfiguration', k);
    });
    return out;
  }

  private resourceConfig(v: Json, sp: string): ResourceConfiguration {
    const out: ResourceConfiguration = { resources: [], providers: [] };
    if (v === null) return out;
    if (!isObject(v)) {
      this.mismatch(v, 'EncryptionConfiguration', 'resources', 'v1.ResourceConfiguration');
      return out;
    }
    this.fields(v, ['resources', 'providers'], sp, (k, val) => {
      const field = `resources.${k}`;
      if (k === 'resources') out.resources = this.slice(val, 'ResourceConfiguration', field, '[]string', (e) => this.str(e, 'ResourceConfiguration', field));
      else out.providers = this.slice(val, 'ResourceConfiguration', field, '[]v1.ProviderConfiguration', (e, i) => this.provider(e, `${sp}.providers[${i}]`));
    });
    return out;
  }

  private provider(v: Json, sp: string): ProviderConfiguration {
    const out: ProviderConfiguration = {};
    if (v === null) return out;
    if (!isObject(v)) {
      this.mismatch(v, 'ResourceConfiguration', 'resources.providers', 'v1.ProviderConfiguration');
      return out;
    }
    this.fields(v, ['aesgcm', 'aescbc', 'secretbox', 'identity', 'kms'], sp, (k, val) => {
      const field = `resources.providers.${k}`;
      if (val === null) {
        delete out[k as keyof ProviderConfiguration];
        return;
      }
      if (k === 'identity') {
        if (!isObject(val)) return this.mismatch(val, 'ProviderConfiguration', field, 'v1.IdentityConfiguration');
        this.fields(val, [], `${sp}.identity`, () => undefined);
        out.identity = {};
      } else if (k === 'kms') {
        if (!isObject(val)) return this.mismatch(val, 'ProviderConfiguration', field, 'v1.KMSConfiguration');
        out.kms = this.kms(val, `${sp}.kms`, field);
      } else {
        const goType = k === 'secretbox' ? 'v1.SecretboxConfiguration' : 'v1.AESConfiguration';
        if (!isObject(val)) return this.mismatch(val, 'ProviderConfiguration', field, goType);
        const cfg: AESConfiguration = { keys: [] };
        const struct = k === 'secretbox' ? 'SecretboxConfiguration' : 'AESConfiguration';
        this.fields(val, ['keys'], `${sp}.${k}`, (_kk, keys) => {
          cfg.keys = this.slice(keys, struct, `${field}.keys`, '[]v1.Key', (e, i) => this.key(e, `${sp}.${k}.keys[${i}]`, `${field}.keys`, struct));
        });
        out[k as 'aesgcm' | 'aescbc' | 'secretbox'] = cfg;
      }
    });
    return out;
  }

  private key(v: Json, sp: string, field: string, parentStruct: string): EncryptionKey {
    const out: EncryptionKey = { name: '', secret: '' };
    if (v === null) return out;
    if (!isObject(v)) {
      this.mismatch(v, parentStruct, field, 'v1.Key');
      return out;
    }
    this.fields(v, ['name', 'secret'], sp, (k, val) => {
      out[k as 'name' | 'secret'] = this.str(val, 'Key', `${field}.${k}`);
    });
    return out;
  }

  private kms(v: { [k: string]: Json }, sp: string, field: string): KMSConfiguration {
    const out: KMSConfiguration & { timeoutSet?: boolean } = { apiVersion: '', name: '', endpoint: '', timeoutNanos: 0 };
    this.fields(v, ['apiVersion', 'name', 'cachesize', 'endpoint', 'timeout'], sp, (k, val) => {
      const f = `${field}.${k}`;
      if (k === 'cachesize') {
        if (val === null) return;
        if (typeof val !== 'number') return this.mismatch(val, 'KMSConfiguration', f, 'int32');
        if (!Number.isInteger(val) || val < -2147483648 || val > 2147483647) return this.mismatch(val, 'KMSConfiguration', f, 'int32', true);
        out.cachesize = val;
      } else if (k === 'timeout') {
        if (val === null) return;
        // metav1.Duration's UnmarshalJSON: a string in time.ParseDuration's syntax
        if (typeof val !== 'string') {
          this.typeError ??= `json: cannot unmarshal ${jsonKind(val)} into Go value of type string`;
          return;
        }
        try {
          out.timeoutNanos = parseGoDuration(val);
          out.timeoutSet = true;
        } catch (e) {
          this.typeError ??= (e as Error).message;
        }
      } else out[k as 'apiVersion' | 'name' | 'endpoint'] = this.str(val, 'KMSConfiguration', f);
    });
    return out;
  }
}

/** SetDefaults_KMSConfiguration: timeout 3s, apiVersion v1, cachesize 1000 for v1. */
function defaultConfig(c: EncryptionConfiguration): void {
  for (const r of c.resources) {
    for (const p of r.providers) {
      const k = p.kms as (KMSConfiguration & { timeoutSet?: boolean }) | undefined;
      if (!k) continue;
      if (!k.timeoutSet) k.timeoutNanos = 3e9;
      delete k.timeoutSet;
      if (!k.apiVersion) k.apiVersion = 'v1';
      if (k.cachesize === undefined && k.apiVersion === 'v1') k.cachesize = 1000;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Validation (pkg/apis/apiserver/validation/validation_encryption.go)

const MORE_THAN_ONE_ELEMENT = 'more than one provider specified in a single element, should split into different list elements';
const EVENTS_GROUP = "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file";
const EXTENSIONS_GROUP = "'extensions' group has been removed and cannot be used for encryption";
const STAR_RESOURCE = "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources";
const OVERLAP = "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked";
const NON_REST_API_RESOURCE = 'resources which do not have REST API/s cannot be encrypted';
const RESOURCE_NAME = 'resource name should not contain capital letters';
const RESOURCE_ACROSS_GROUP = 'encrypting the same resource across groups is not supported';
const DUPLICATE_RESOURCE = 'the same resource cannot be specified multiple times';

export const AES_KEY_SIZES = [16, 24, 32];
export const SECRETBOX_KEY_SIZES = [32];

/** Go's base64.StdEncoding.DecodeString (CR and LF are skipped); undefined when malformed. */
export function decodeStdBase64(s: string): Buffer | undefined {
  const t = s.replace(/[\r\n]/g, '');
  if (t.length % 4 !== 0) return undefined;
  if (!/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t)) return undefined;
  return Buffer.from(t, 'base64');
}

function validateResourceOverlap(resources: string[], field: string): FieldError[] {
  if (resources.length < 2) return [];
  const grs = resources.map(parseGroupResource);
  let hasOverlap = false;
  let hasDuplicate = false;
  for (let i = 0; i < grs.length; i++) {
    for (let j = 0; j < grs.length; j++) {
      if (i === j) continue;
      const r1 = grs[i];
      const r2 = grs[j];
      if (r1.group === r2.group && r1.resource === r2.resource && !hasDuplicate) {
        hasDuplicate = true;
        continue;
      }
      if (hasOverlap) continue;
      if (r1.group === '*' && r1.resource === '*') {
        hasOverlap = true;
        continue;
      }
      if (r1.group !== r2.group) continue;
      if (r1.resource === '*' || r2.resource === '*') hasOverlap = true;
    }
  }
  const errs: FieldError[] = [];
  if (hasDuplicate) errs.push(invalid(field, { kind: 'strings', value: resources }, DUPLICATE_RESOURCE));
  if (hasOverlap) errs.push(invalid(field, { kind: 'strings', value: resources }, OVERLAP));
  return errs;
}

function validateResourceNames(resources: string[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  resources.forEach((res, j) => {
    const f = `${field}[${j}]`;
    const v: GoValue = { kind: 'string', value: res };
    if (res.toLowerCase() !== res) return errs.push(invalid(f, v, RESOURCE_NAME));
    if (res === '*') return errs.push(invalid(f, v, STAR_RESOURCE));
    if (res === 'apiserveripinfo' || res === 'serviceipallocations' || res === 'servicenodeportallocations') {
      return errs.push(invalid(f, v, NON_REST_API_RESOURCE));
    }
    const gr = parseGroupResource(res);
    if (gr.group === 'events.k8s.io') return errs.push(invalid(f, v, EVENTS_GROUP));
    if (gr.group === 'extensions') return errs.push(invalid(f, v, EXTENSIONS_GROUP));
    if (gr.group === '*' && gr.resource !== '*') return errs.push(invalid(f, v, RESOURCE_ACROSS_GROUP));
    return undefined;
  });
  return errs;
}

/**
 * %#v of the internal ProviderConfiguration, as upstream prints the bad provider. Set members are
 * pointers Go prints as heap addresses (arbitrary there too); fixed ones are printed here.
 */
function printProvider(p: ProviderConfiguration): GoValue {
  const ptr = (set: unknown, type: string, addr: number) => `(*apiserver.${type})(${set ? `0xc0000${addr.toString(16).padStart(5, '0')}` : 'nil'})`;
  return {
    kind: 'raw',
    text:
      `apiserver.ProviderConfiguration{AESGCM:${ptr(p.aesgcm, 'AESConfiguration', 0x10000)}, AESCBC:${ptr(p.aescbc, 'AESConfiguration', 0x10018)}, ` +
      `Secretbox:${ptr(p.secretbox, 'SecretboxConfiguration', 0x10030)}, Identity:${ptr(p.identity, 'IdentityConfiguration', 0x10048)}, ` +
      `KMS:${ptr(p.kms, 'KMSConfiguration', 0x10060)}}`,
  };
}

function validateSingleProvider(p: ProviderConfiguration, field: string): FieldError[] {
  const found = [p.kms, p.aesgcm, p.aescbc, p.secretbox, p.identity].filter((x) => x !== undefined).length;
  if (found === 0) return [invalid(field, printProvider(p), 'provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity')];
  if (found > 1) return [invalid(field, printProvider(p), MORE_THAN_ONE_ELEMENT)];
  return [];
}

function validateKeys(keys: EncryptionKey[], field: string, sizes: number[]): FieldError[] {
  if (keys.length === 0) return [required(field, 'at least one keys is required')];
  const errs: FieldError[] = [];
  keys.forEach((key, i) => {
    const f = `${field}[${i}]`;
    if (key.name === '') errs.push(required(`${f}.name`, 'name is a mandatory field for a key'));
    if (key.secret === '') {
      errs.push(required(`${f}.secret`, 'secret is a mandatory field for a key'));
      return;
    }
    const secret = decodeStdBase64(key.secret);
    if (!secret) {
      errs.push(invalid(`${f}.secret`, { kind: 'string', value: 'REDACTED' }, 'secrets must be base64 encoded'));
      return;
    }
    if (!sizes.includes(secret.length)) {
      errs.push(invalid(`${f}.secret`, { kind: 'string', value: 'REDACTED' }, `secret is not of the expected length, got ${secret.length}, expected one of [${sizes.join(' ')}]`));
    }
  });
  return errs;
}

function urlScheme(endpoint: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(endpoint);
  return m ? m[1].toLowerCase() : '';
}

function validateKMS(c: KMSConfiguration, field: string, names: Set<string>, reload: boolean): FieldError[] {
  const errs: FieldError[] = [];
  // name
  if (c.name === '') errs.push(required(`${field}.name`, 'name is a mandatory field for a provider'));
  if (c.apiVersion !== 'v1' && c.name.includes(':')) {
    errs.push(invalid(`${field}.name`, { kind: 'string', value: c.name }, `invalid KMS provider name ${c.name}, must not contain ':'`));
  }
  if ((reload || c.apiVersion !== 'v1') && names.has(c.name)) {
    errs.push(invalid(`${field}.name`, { kind: 'string', value: c.name }, `duplicate KMS provider name ${c.name}, names must be unique`));
  }
  // timeout
  if (c.timeoutNanos <= 0) errs.push(invalid(`${field}.timeout`, { kind: 'duration', nanos: c.timeoutNanos }, 'timeout should be a positive value'));
  // endpoint
  if (c.endpoint.length === 0) {
    errs.push(invalid(`${field}.endpoint`, { kind: 'string', value: '' }, 'endpoint is a mandatory field for a kms'));
  } else {
    const scheme = urlScheme(c.endpoint);
    if (scheme !== 'unix') {
      errs.push(invalid(`${field}.endpoint`, { kind: 'string', value: c.endpoint }, `unsupported scheme ${goQuote(scheme)} for KMS provider, only unix is supported`));
    }
  }
  // cachesize
  if (c.apiVersion !== 'v1' && c.cachesize !== undefined) {
    errs.push(invalid(`${field}.cachesize`, { kind: 'int', value: c.cachesize }, 'cachesize is not supported in v2'));
  }
  if (c.apiVersion === 'v1' && c.cachesize === 0) {
    errs.push(invalid(`${field}.cachesize`, { kind: 'int', value: 0 }, 'cachesize should be a positive value, or negative to disable'));
  }
  // apiVersion (upstream prints the literal word "apiVersion" here)
  if (c.apiVersion !== 'v1' && c.apiVersion !== 'v2') {
    errs.push(invalid(`${field}.apiVersion`, { kind: 'string', value: c.apiVersion }, 'unsupported apiVersion apiVersion for KMS provider, only v1 and v2 are supported'));
  }
  return errs;
}

/** ValidateEncryptionConfiguration: the field errors, in upstream's order. */
export function validateEncryptionConfiguration(c: EncryptionConfiguration, reload = false): FieldError[] {
  if (c.resources.length === 0) return [required('resources', 'at least one resources is required')];
  const errs: FieldError[] = [];
  const kmsNames = new Set<string>();
  c.resources.forEach((conf, i) => {
    const r = `resources[${i}].resources`;
    const p = `resources[${i}].providers`;
    if (conf.resources.length === 0) errs.push(required(r, `at least one ${r} is required`));
    errs.push(...validateResourceOverlap(conf.resources, r));
    errs.push(...validateResourceNames(conf.resources, r));
    if (conf.providers.length === 0) errs.push(required(p, `at least one ${p} is required`));
    conf.providers.forEach((provider, j) => {
      const path = `${p}[${j}]`;
      errs.push(...validateSingleProvider(provider, path));
      if (provider.kms) {
        errs.push(...validateKMS(provider.kms, `${path}.kms`, kmsNames, reload));
        kmsNames.add(provider.kms.name);
      } else if (provider.aesgcm) {
        errs.push(...validateKeys(provider.aesgcm.keys, `${path}.aesgcm.keys`, AES_KEY_SIZES));
      } else if (provider.aescbc) {
        errs.push(...validateKeys(provider.aescbc.keys, `${path}.aescbc.keys`, AES_KEY_SIZES));
      } else if (provider.secretbox) {
        errs.push(...validateKeys(provider.secretbox.keys, `${path}.secretbox.keys`, SECRETBOX_KEY_SIZES));
      }
    });
  });
  // ToAggregate drops repeated messages
  const seen = new Set<string>();
  return errs.filter((e) => {
    const m = fieldErrorString(e);
    if (seen.has(m)) return false;
    seen.add(m);
    return true;
  });
}
