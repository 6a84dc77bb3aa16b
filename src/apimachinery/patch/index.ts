// Entry point for PATCH bodies: maps the request Content-Type to a patch type (and answers 415 for
// unsupported ones, as upstream), decodes the body the way upstream's handler does (Go encoding/json
// syntax-error texts, the strict decode of fieldValidation=Strict/Warn with its duplicate/unknown-field
// errors) and dispatches to the JSON patch, merge patch and strategic merge patch implementations.

import { StatusError, badRequest, fieldErr, invalid } from '../errors.js';
import { applyJsonPatch, strictCheckJsonPatch, jsonKindName } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch, goFormat } from './strategic-merge.js';
import type { PatchMeta } from './patch-meta.js';

export { applyJsonPatch, JsonPatchApplyError, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { applyMergePatch, createMergePatch } from './merge-patch.js';
export {
  applyStrategicMergePatch, createStrategicMergePatch, createThreeWayMergePatch, StrategicMergePatchError,
  MergePatchConflictError, goFormat,
} from './strategic-merge.js';
export { builtinPatchMeta, strategicMergePatchSupported, lookupPatchMeta, type PatchMeta, type PatchStrategy } from './patch-meta.js';

/** The patch types a PATCH request can carry; 'apply' is server-side apply (handled elsewhere). */
export type PatchType = 'json' | 'merge' | 'strategic';

export const JSON_PATCH_CONTENT_TYPE = 'application/json-patch+json';
export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH_CONTENT_TYPE = 'application/strategic-merge-patch+json';
export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

/** The patch content types upstream accepts for built-in resources, in its order. */
export const BUILTIN_PATCH_CONTENT_TYPES: readonly string[] = [
  JSON_PATCH_CONTENT_TYPE, MERGE_PATCH_CONTENT_TYPE, STRATEGIC_MERGE_PATCH_CONTENT_TYPE, APPLY_PATCH_CONTENT_TYPE,
];

/** The patch content types upstream accepts for custom resources (no strategic merge patch). */
export const CUSTOM_RESOURCE_PATCH_CONTENT_TYPES: readonly string[] = [
  JSON_PATCH_CONTENT_TYPE, MERGE_PATCH_CONTENT_TYPE, APPLY_PATCH_CONTENT_TYPE,
];

/**
 * The patch type of a Content-Type header: parameters after ";" are dropped as upstream does, the rest
 * must match exactly. Undefined when it is not a patch type at all.
 */
export function patchTypeFromContentType(contentType: string | undefined): PatchType | 'apply' | undefined {
  if (!contentType) return undefined;
  const idx = contentType.indexOf(';');
  const ct = idx > 0 ? contentType.slice(0, idx) : contentType;
  switch (ct) {
    case JSON_PATCH_CONTENT_TYPE: return 'json';
    case MERGE_PATCH_CONTENT_TYPE: return 'merge';
    case STRATEGIC_MERGE_PATCH_CONTENT_TYPE: return 'strategic';
    case APPLY_PATCH_CONTENT_TYPE: return 'apply';
    default: return undefined;
  }
}

/** Alias of patchTypeFromContentType. */
export const patchKindForContentType = patchTypeFromContentType;

/** Upstream's 415 for a PATCH whose Content-Type is not among `accepted`. */
export function unsupportedPatchMediaType(accepted: readonly string[]): StatusError {
  return new StatusError(415, 'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
}

/**
 * Check a PATCH Content-Type against what the resource accepts (built-ins: all four types; custom
 * resources, i.e. strategicMergeSupported false: no strategic merge patch) and return its type, or
 * throw upstream's 415.
 */
export function checkPatchContentType(contentType: string | undefined, strategicMergeSupported: boolean): PatchType | 'apply' {
  const accepted = strategicMergeSupported ? BUILTIN_PATCH_CONTENT_TYPES : CUSTOM_RESOURCE_PATCH_CONTENT_TYPES;
  const t = patchTypeFromContentType(contentType);
  if (!t || (t === 'strategic' && !strategicMergeSupported)) throw unsupportedPatchMediaType(accepted);
  return t;
}

// ---- Go-compatible JSON decoding ----

/** A syntax error worded as Go's encoding/json words it. */
export class GoJsonSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoJsonSyntaxError';
  }
}

/** Go's quoteChar for the byte at the start of text[i] (non-ASCII characters show their first byte). */
function quoteChar(text: string, i: number): string {
  const cp = text.codePointAt(i) ?? 0;
  const b = cp < 0x80 ? cp : Buffer.from(String.fromCodePoint(cp), 'utf8')[0];
  if (b === 0x27) return "'\\''";
  if (b === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  if (named[b]) return `'${named[b]}'`;
  if (b < 0x20 || b === 0x7f) return `'\\x${b.toString(16).padStart(2, '0')}'`;
  if ((b >= 0x80 && b < 0xa0) || b === 0xa0 || b === 0xad) return `'\\u00${b.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCharCode(b)}'`;
}

export interface GoJsonParseResult {
  value: unknown;
  /** Strict-decoding errors for repeated object members: `duplicate field "spec.replicas"`. */
  duplicates: string[];
}

/**
 * Parse JSON as Go's encoding/json accepts it, failing with its error text (`invalid character 'x'
 * looking for beginning of value`, `unexpected end of JSON input`, ...); repeated members keep the last
 * value and are reported as the strict decoder reports them.
 */
export function parseGoJson(text: string): GoJsonParseResult {
  let i = 0;
  const n = text.length;
  const duplicates: string[] = [];
  const eof = () => new GoJsonSyntaxError('unexpected end of JSON input');
  const bad = (ctx: string) => new GoJsonSyntaxError(`invalid character ${quoteChar(text, i)} ${ctx}`);
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);
  const join = (path: string, seg: string) => (seg.startsWith('[') ? path + seg : path ? `${path}.${seg}` : seg);

  function literal(word: string, v: unknown): unknown {
    for (let k = 1; k < word.length; k++) {
      i++;
      if (i >= n) throw eof();
      if (text[i] !== word[k]) throw bad(`in literal ${word} (expecting '${word[k]}')`);
    }
    i++;
    return v;
  }

  function number(): number {
    const start = i;
    if (text[i] === '-') {
      i++;
      if (i >= n) throw eof();
      if (!isDigit(text[i])) throw bad('in numeric literal');
    }
    if (text[i] === '0') i++;
    else while (isDigit(text[i])) i++;
    if (text[i] === '.') {
      i++;
      if (i >= n) throw eof();
      if (!isDigit(text[i])) throw bad('after decimal point in numeric literal');
      while (isDigit(text[i])) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (i >= n) throw eof();
      if (text[i] === '+' || text[i] === '-') {
        i++;
        if (i >= n) throw eof();
      }
      if (!isDigit(text[i])) throw bad('in exponent of numeric literal');
      while (isDigit(text[i])) i++;
    }
    return Number(text.slice(start, i));
  }

  function string(): string {
    i++; // opening quote
    let out = '';
    let from = i;
    for (;;) {
      if (i >= n) throw eof();
      const c = text[i];
      if (c === '"') {
        out += text.slice(from, i);
        i++;
        return out;
      }
      if (c === '\\') {
        out += text.slice(from, i);
        i++;
        if (i >= n) throw eof();
        const e = text[i];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e in simple) {
          out += simple[e];
          i++;
        } else if (e === 'u') {
          i++;
          for (let k = 0; k < 4; k++) {
            if (i + k >= n) {
              i = n;
              throw eof();
            }
            if (!isHex(text[i + k])) {
              i += k;
              throw bad('in \\u hexadecimal character escape');
            }
          }
          out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
          i += 4;
        } else {
          throw bad('in string escape code');
        }
        from = i;
        continue;
      }
      if (c.charCodeAt(0) < 0x20) throw bad('in string literal');
      i++;
    }
  }

  function value(path: string): unknown {
    ws();
    if (i >= n) throw eof();
    const c = text[i];
    if (c === '{') return object(path);
    if (c === '[') return array(path);
    if (c === '"') return string();
    if (c === '-' || isDigit(c)) return number();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    throw bad('looking for beginning of value');
  }

  function object(path: string): Record<string, unknown> {
    i++; // {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    ws();
    if (i >= n) throw eof();
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      ws();
      if (i >= n) throw eof();
      if (text[i] !== '"') throw bad('looking for beginning of object key string');
      const key = string();
      ws();
      if (i >= n) throw eof();
      if (text[i] !== ':') throw bad('after object key');
      i++;
      const childPath = join(path, key);
      const v = value(childPath);
      if (seen.has(key)) duplicates.push(`duplicate field ${JSON.stringify(childPath)}`);
      seen.add(key);
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      ws();
      if (i >= n) throw eof();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return out;
      }
      throw bad('after object key:value pair');
    }
  }

  function array(path: string): unknown[] {
    i++; // [
    const out: unknown[] = [];
    ws();
    if (i >= n) throw eof();
    if (text[i] === ']') {
      i++;
      return out;
    }
    for (;;) {
      out.push(value(join(path, `[${out.length}]`)));
      ws();
      if (i >= n) throw eof();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return out;
      }
      throw bad('after array element');
    }
  }

  const v = value('');
  ws();
  if (i < n) throw bad('after top-level value');
  return { value: v, duplicates };
}

// ---- applying a PATCH body ----

/** The fieldValidation query parameter; upstream's default (parameter absent) is Warn. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface ApplyPatchOptions {
  fieldValidation?: FieldValidation;
}

export interface ApplyPatchResult {
  /** The patched object (not yet decoded/validated against its type). */
  object: any;
  /** The parsed patch body. */
  patch: unknown;
  /**
   * Strict-decoding errors found in the patch itself (duplicate members, unknown JSON-patch op
   * members), empty with fieldValidation=Ignore. Upstream appends the unknown-field errors of the
   * patched object and answers Strict with strictDecodingInvalid(...), Warn with warnings.
   */
  strictErrors: string[];
}

function bodyText(body: Buffer | Uint8Array | string): string {
  return typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
}

function parseBody(text: string, prefix: string): GoJsonParseResult {
  try {
    return parseGoJson(text);
  } catch (e) {
    if (e instanceof GoJsonSyntaxError) throw badRequest(`${prefix}${e.message}`);
    throw e;
  }
}

/** Like applyPatch, also returning the parsed patch and the patch's own strict-decoding errors. */
export function applyPatchWithResult(type: PatchType, doc: unknown, body: Buffer | Uint8Array | string, meta?: PatchMeta, opts: ApplyPatchOptions = {}): ApplyPatchResult {
  const strict = opts.fieldValidation !== 'Ignore';
  const text = bodyText(body);
  switch (type) {
    case 'json': {
      const parsed = parseBody(text, strict ? 'error decoding patch: ' : '');
      const strictErrors = strict
        ? [...strictCheckJsonPatch(parsed.value), ...parsed.duplicates.map((d) => `json patch ${d}`)]
        : [];
      return { object: applyJsonPatch(doc, parsed.value), patch: parsed.value, strictErrors };
    }
    case 'merge': {
      let parsed: GoJsonParseResult;
      try {
        parsed = parseGoJson(text);
      } catch (e) {
        if (!(e instanceof GoJsonSyntaxError)) throw e;
        throw badRequest(strict ? `error decoding patch: ${e.message}` : 'Invalid JSON Patch');
      }
      const v = parsed.value;
      if (strict && v !== null && (typeof v !== 'object' || Array.isArray(v))) {
        throw badRequest(`error decoding patch: json: cannot unmarshal ${jsonKindName(v)} into Go value of type map[string]interface {}`);
      }
      return { object: applyMergePatch(doc, v), patch: v, strictErrors: strict ? parsed.duplicates : [] };
    }
    case 'strategic': {
      const parsed = parseBody(text, '');
      const v = parsed.value;
      if (v !== null && (typeof v !== 'object' || Array.isArray(v))) {
        throw badRequest(`json: cannot unmarshal ${jsonKindName(v)} into Go value of type map[string]interface {}`);
      }
      return { object: applyStrategicMergePatch(doc, v, meta), patch: v, strictErrors: strict ? parsed.duplicates : [] };
    }
    default:
      throw new StatusError(500, '', `${String(type)}: unimplemented patch type`);
  }
}

/**
 * Apply a PATCH request body of the given type to `doc` and return the patched object (a new
 * object; `doc` is not modified). `meta` is the strategic-merge metadata of the kind
 * (builtinPatchMeta); without it a strategic patch merges objects and replaces lists. Errors are the
 * StatusErrors upstream answers with (400 malformed body, 413, 415, 422, 500 for some SMP failures).
 */
export function applyPatch(type: PatchType, doc: unknown, body: Buffer | Uint8Array | string, meta?: PatchMeta, opts?: ApplyPatchOptions): any {
  return applyPatchWithResult(type, doc, body, meta, opts).object;
}

// ---- strict-decoding failures ----

function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** encoding/json's Marshal of a decoded value: map keys sorted, HTML-safe escapes. */
export function goJsonMarshal(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(goJsonMarshal).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${goJsonString(k)}:${goJsonMarshal(o[k])}`).join(',')}}`;
}

/**
 * Upstream's 422 for fieldValidation=Strict when the patch or the patched object had strict-decoding
 * errors: ` "" is invalid: patch: Invalid value: "<patched JSON>": strict decoding error: ...` for JSON
 * and merge patches; the value is the patch map (Go %v) for strategic merge patches.
 */
export function strictDecodingInvalid(type: PatchType, patchedObject: unknown, patch: unknown, errs: string[]): StatusError {
  const value = type === 'strategic' ? goFormat(patch) : goJsonMarshal(patchedObject);
  return invalid('', '', '', [fieldErr.invalid('patch', value, `strict decoding error: ${errs.join(', ')}`)]);
}
