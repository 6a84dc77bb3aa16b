// Field selectors, as upstream's k8s.io/apimachinery/pkg/fields: `a=b`, `a==b`, `a!=b`
// terms joined by commas, with backslash escapes (`\,` `\=` `\\`) in values, upstream's
// parse errors (400 BadRequest), matching against a flat field map, and String().

import { badRequest } from './errors.js';

/** Parsed terms only ever carry '=' or '!=' (`==` is normalised to '='), as upstream. */
export type FieldOperator = '=' | '==' | '!=';

/** One term. `==` parses to `=` as upstream. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

export type Fields = Record<string, string>;

export interface FieldSelector {
  /** True when all terms hold; a missing field reads as "". */
  matches(fields: Fields | undefined | null): boolean;
  /** True when there are no terms. */
  readonly empty: boolean;
  /** The terms in canonical (sorted) order. */
  readonly requirements: readonly FieldRequirement[];
  /** If some term is `field=value`, that value. */
  requiresExactMatch(field: string): string | undefined;
  /** Canonical form with values escaped, e.g. `metadata.name=a\,b,status.phase!=Running`. */
  toString(): string;
}

/** Escapes a literal value for use in a field selector (`\` `,` `=`). */
export function escapeValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Unescapes a field selector value; throws a 400 BadRequest with upstream's message on bad input. */
export function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    // Upstream prints the rune with %v, i.e. its code point number.
    else if (c === ',' || c === '=') throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on commas not preceded by a backslash escape (the backslash is kept). */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** First occurrence of `!=`, `==` or `=` (checked in that order at each position). */
function splitTerm(term: string): [string, string, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '=']) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function byteCompare(a: string, b: string): number {
  // Go sorts strings bytewise; compare as UTF-8 when non-ASCII is involved.
  if (a === b) return 0;
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

class TermsSelector implements FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  private str: string | undefined;

  constructor(reqs: FieldRequirement[]) {
    this.requirements = Object.freeze(reqs);
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(fields: Fields | undefined | null): boolean {
    const reqs = this.requirements;
    const f = (fields ?? {}) as Record<string, unknown>;
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i];
      const raw = f[r.field];
      const v = typeof raw === 'string' ? raw : '';
      if (r.operator === '=' ? v !== r.value : v === r.value) return false;
    }
    return true;
  }

  requiresExactMatch(field: string): string | undefined {
    for (const r of this.requirements) if (r.field === field && r.operator === '=') return r.value;
    return undefined;
  }

  toString(): string {
    if (this.str === undefined) {
      this.str = this.requirements.map((r) => `${r.field}${r.operator}${escapeValue(r.value)}`).join(',');
    }
    return this.str;
  }
}

const everythingSelector: FieldSelector = new TermsSelector([]);

/** The field selector that matches everything. */
export function everythingFields(): FieldSelector {
  return everythingSelector;
}

/**
 * Parses a field selector (upstream's fields.ParseSelector). Throws a 400 BadRequest
 * StatusError: `invalid selector: '<s>'; can't understand '<term>'`, or the escape errors.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort(byteCompare);
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const [field, op, rhs] = t;
    const value = unescapeValue(rhs);
    reqs.push({ field, operator: op === '!=' ? '!=' : '=', value });
  }
  return reqs.length ? new TermsSelector(reqs) : everythingSelector;
}

/** `field=value` (upstream's OneTermEqualSelector). */
export function oneTermEqualSelector(field: string, value: string): FieldSelector {
  return new TermsSelector([{ field, operator: '=', value }]);
}

/** `field!=value` (upstream's OneTermNotEqualSelector). */
export function oneTermNotEqualSelector(field: string, value: string): FieldSelector {
  return new TermsSelector([{ field, operator: '!=', value }]);
}

/** Equality terms for each entry, sorted by field (upstream's SelectorFromSet). */
export function fieldSelectorFromSet(set: Fields | undefined | null): FieldSelector {
  if (!set) return everythingSelector;
  const keys = Object.keys(set).sort(byteCompare);
  if (keys.length === 0) return everythingSelector;
  return new TermsSelector(keys.map((k) => ({ field: k, operator: '=' as FieldOperator, value: set[k] })));
}

/** AND of several selectors, flattened. */
export function andFieldSelectors(...sels: FieldSelector[]): FieldSelector {
  const reqs = sels.flatMap((s) => [...s.requirements]);
  return reqs.length ? new TermsSelector(reqs) : everythingSelector;
}
