// Label selectors, as upstream's k8s.io/apimachinery/pkg/labels: the selector string
// grammar (`a=b`, `a!=b`, `a in (x,y)`, `!a`, `a>1`, ...) with upstream's parse errors,
// precompiled requirement matching, the canonical String() form, and conversion from
// metav1.LabelSelector (matchLabels/matchExpressions).

import { badRequest, fieldErrorMessage, type FieldError, fieldErr } from './errors.js';
import { isQualifiedName, isValidLabelValue, type LabelSelector } from './validation.js';

export type { LabelSelector, LabelSelectorRequirement } from './validation.js';

/** Upstream's selection.Operator values. */
export type Operator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

const binaryOperators: Operator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
const validOperators: Operator[] = [...binaryOperators, 'exists', '!'];

export type Labels = Record<string, string>;

/** One requirement of a selector: key, operator, values (as given, unsorted). */
export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

export interface Selector {
  /** True when every requirement holds for the given labels (undefined = no labels). */
  matches(labels: Labels | undefined | null): boolean;
  /** True when the selector does not restrict anything (matches everything). */
  readonly empty: boolean;
  /** The requirements, sorted by key. Empty for Everything and Nothing. */
  readonly requirements: readonly Requirement[];
  /** False only for the Nothing selector. */
  readonly selectable: boolean;
  /** Canonical string form, e.g. `app=nginx,tier in (a,b)`. */
  toString(): string;
  /** If the selector pins `key` to exactly one value (=, ==, or in with one value), that value. */
  requiresExactMatch(key: string): string | undefined;
  /** A new selector with extra requirements (re-sorted by key). */
  add(...reqs: Requirement[]): Selector;
}

// ---------------------------------------------------------------------------------------
// Requirement construction/validation (NewRequirement)
// ---------------------------------------------------------------------------------------

/** Go's strconv.ParseInt(s, 10, 64) as a BigInt, or undefined. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return undefined;
  return v;
}

function labelKeyError(key: string, field: string): FieldError | undefined {
  const errs = isQualifiedName(key);
  return errs.length ? fieldErr.invalid(field, key, errs.join('; ')) : undefined;
}

function aggregate(errs: FieldError[]): string {
  const msgs: string[] = [];
  for (const e of errs) {
    const m = fieldErrorMessage(e);
    if (!msgs.includes(m)) msgs.push(m);
  }
  return msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
}

/**
 * Validates a requirement as upstream's NewRequirement. Returns the field errors
 * (fields are "key", "values", "values[i]", "values[i][key]", "operator").
 */
export function requirementErrors(key: string, op: string, values: readonly string[]): FieldError[] {
  const errs: FieldError[] = [];
  const ke = labelKeyError(key, 'key');
  if (ke) errs.push(ke);
  switch (op) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(fieldErr.invalid('values', values.length ? [...values] : null, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(fieldErr.invalid('values', values.length ? [...values] : null, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(fieldErr.invalid('values', values.length ? [...values] : null, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(fieldErr.invalid('values', values.length ? [...values] : null, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(fieldErr.invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(fieldErr.notSupported('operator', op, validOperators));
  }
  values.forEach((v, i) => {
    const ve = isValidLabelValue(v);
    if (ve.length) errs.push(fieldErr.invalid(`values[${i}][${key}]`, v, ve.join('; ')));
  });
  return errs;
}

/** Builds a validated requirement; throws a 400 BadRequest StatusError carrying upstream's message. */
export function newRequirement(key: string, op: Operator, values: readonly string[]): Requirement {
  const errs = requirementErrors(key, op, values);
  if (errs.length) throw badRequest(aggregate(errs));
  return { key, operator: op, values: [...values] };
}

// ---------------------------------------------------------------------------------------
// compiled matching
// ---------------------------------------------------------------------------------------

const enum Op { In, NotIn, Exists, DoesNotExist, Gt, Lt }

interface Compiled {
  key: string;
  op: Op;
  /** Single value for fast equality, or undefined when using `set`. */
  one: string | undefined;
  set: Set<string> | undefined;
  num: bigint | undefined;
}

function compile(r: Requirement): Compiled {
  let op: Op;
  switch (r.operator) {
    case 'in': case '=': case '==': op = Op.In; break;
    case 'notin': case '!=': op = Op.NotIn; break;
    case 'exists': op = Op.Exists; break;
    case '!': op = Op.DoesNotExist; break;
    case 'gt': op = Op.Gt; break;
    case 'lt': op = Op.Lt; break;
    default: op = Op.In;
  }
  const c: Compiled = { key: r.key, op, one: undefined, set: undefined, num: undefined };
  if (op === Op.In || op === Op.NotIn) {
    if (r.values.length === 1) c.one = r.values[0];
    else c.set = new Set(r.values);
  } else if (op === Op.Gt || op === Op.Lt) {
    c.num = r.values.length === 1 ? parseInt64(r.values[0]) : undefined;
  }
  return c;
}

function lookup(labels: Labels, key: string): string | undefined {
  // Prototype members (toString, constructor, ...) are functions, never label values.
  const v = (labels as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

function matchOne(c: Compiled, labels: Labels): boolean {
  const v = lookup(labels, c.key);
  switch (c.op) {
    case Op.In:
      if (v === undefined) return false;
      return c.set ? c.set.has(v) : v === c.one;
    case Op.NotIn:
      if (v === undefined) return true;
      return c.set ? !c.set.has(v) : v !== c.one;
    case Op.Exists:
      return v !== undefined;
    case Op.DoesNotExist:
      return v === undefined;
    case Op.Gt:
    case Op.Lt: {
      if (v === undefined || c.num === undefined) return false;
      const n = parseInt64(v);
      if (n === undefined) return false;
      return c.op === Op.Gt ? n > c.num : n < c.num;
    }
  }
}

function requirementString(r: Requirement): string {
  let s = r.operator === '!' ? `!${r.key}` : r.key;
  switch (r.operator) {
    case 'exists': case '!': return s;
    case '=': s += '='; break;
    case '==': s += '=='; break;
    case '!=': s += '!='; break;
    case 'in': s += ' in '; break;
    case 'notin': s += ' notin '; break;
    case 'gt': s += '>'; break;
    case 'lt': s += '<'; break;
  }
  const vals = r.values.length === 1 ? r.values[0] : [...r.values].sort(compareStrings).join(',');
  return r.operator === 'in' || r.operator === 'notin' ? `${s}(${vals})` : s + vals;
}

/** Byte-wise string order, as Go's sort.Strings (UTF-16 order agrees for BMP text). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortByKey(reqs: Requirement[]): Requirement[] {
  // Array.prototype.sort is stable, keeping equal keys in their given order.
  return reqs.sort((a, b) => compareStrings(a.key, b.key));
}

class RequirementsSelector implements Selector {
  readonly requirements: readonly Requirement[];
  readonly selectable = true;
  private readonly compiled: Compiled[];
  private str: string | undefined;

  constructor(reqs: Requirement[]) {
    this.requirements = Object.freeze(reqs);
    this.compiled = reqs.map(compile);
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Labels | undefined | null): boolean {
    const c = this.compiled;
    const n = c.length;
    if (n === 0) return true;
    const ls = labels ?? {};
    for (let i = 0; i < n; i++) if (!matchOne(c[i], ls)) return false;
    return true;
  }

  toString(): string {
    if (this.str === undefined) this.str = this.requirements.map(requirementString).join(',');
    return this.str;
  }

  requiresExactMatch(key: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== key) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
      return undefined;
    }
    return undefined;
  }

  add(...reqs: Requirement[]): Selector {
    return new RequirementsSelector(sortByKey([...this.requirements, ...reqs]));
  }
}

class NothingSelector implements Selector {
  readonly requirements: readonly Requirement[] = Object.freeze([]);
  readonly selectable = false;
  readonly empty = false;
  matches(): boolean { return false; }
  toString(): string { return ''; }
  requiresExactMatch(): string | undefined { return undefined; }
  add(): Selector { return this; }
}

const everythingSelector: Selector = new RequirementsSelector([]);
const nothingSelector: Selector = new NothingSelector();

/** The selector that matches everything (the empty selector). */
export function everything(): Selector {
  return everythingSelector;
}

/** The selector that matches nothing. */
export function nothing(): Selector {
  return nothingSelector;
}

export function isNothing(s: Selector): boolean {
  return s === nothingSelector;
}

/** A selector from already-validated requirements (sorted by key here). */
export function selectorFromRequirements(reqs: Requirement[]): Selector {
  return reqs.length ? new RequirementsSelector(sortByKey([...reqs])) : everythingSelector;
}

/** Equality selector for a set of labels (no validation, as upstream's SelectorFromSet). */
export function selectorFromSet(set: Labels | undefined | null): Selector {
  if (!set) return everythingSelector;
  const reqs: Requirement[] = Object.keys(set).map((k) => ({ key: k, operator: '=' as Operator, values: [set[k]] }));
  return selectorFromRequirements(reqs);
}

/** Equality selector for a set of labels, validated; throws BadRequest on invalid keys/values. */
export function validatedSelectorFromSet(set: Labels | undefined | null): Selector {
  if (!set) return everythingSelector;
  return selectorFromRequirements(Object.keys(set).map((k) => newRequirement(k, '=', [set[k]])));
}

// ---------------------------------------------------------------------------------------
// lexer / parser
// ---------------------------------------------------------------------------------------

const enum Tok { Error, End, ClosePar, Comma, Not, DoubleEq, Eq, Gt, Ident, In, Lt, NotEq, NotIn, OpenPar }

const symbolTokens: Record<string, Tok> = {
  ')': Tok.ClosePar, ',': Tok.Comma, '!': Tok.Not, '==': Tok.DoubleEq, '=': Tok.Eq,
  '>': Tok.Gt, '<': Tok.Lt, '!=': Tok.NotEq, '(': Tok.OpenPar,
};

function isSpecial(c: string): boolean {
  return c === '=' || c === '!' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<';
}

function isWS(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

interface Item { tok: Tok; lit: string }

function lex(s: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  const n = s.length;
  for (;;) {
    while (i < n && isWS(s[i])) i++;
    // Go reads bytes and stops at NUL as end of input.
    if (i >= n || s[i] === '\0') {
      items.push({ tok: Tok.End, lit: '' });
      return items;
    }
    if (isSpecial(s[i])) {
      // Longest run of special characters that is still a token.
      let best: Item | undefined;
      let buf = '';
      while (i < n && isSpecial(s[i])) {
        const next = buf + s[i];
        const t = symbolTokens[next];
        if (t !== undefined) {
          best = { tok: t, lit: next };
          buf = next;
          i++;
        } else if (best) {
          break;
        } else {
          buf = next;
          i++;
        }
      }
      items.push(best ?? { tok: Tok.Error, lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    const start = i;
    while (i < n && s[i] !== '\0' && !isSpecial(s[i]) && !isWS(s[i])) i++;
    const word = s.slice(start, i);
    items.push({ tok: word === 'in' ? Tok.In : word === 'notin' ? Tok.NotIn : Tok.Ident, lit: word });
  }
}

class ParseError extends Error {}

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  private peek(values: boolean): Item {
    const it = this.items[this.pos];
    return values && (it.tok === Tok.In || it.tok === Tok.NotIn) ? { tok: Tok.Ident, lit: it.lit } : it;
  }

  private next(values: boolean): Item {
    const it = this.peek(values);
    this.pos++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek(true);
      if (tok === Tok.Ident || tok === Tok.Not) {
        try {
          reqs.push(this.requirement());
        } catch (e) {
          if (e instanceof ParseError) throw new ParseError(`unable to parse requirement: ${e.message}`);
          throw e;
        }
        const t = this.next(true);
        if (t.tok === Tok.End) return reqs;
        if (t.tok === Tok.Comma) {
          const t2 = this.peek(true);
          if (t2.tok !== Tok.Ident && t2.tok !== Tok.Not) throw new ParseError(`found '${t2.lit}', expected: identifier after ','`);
          continue;
        }
        throw new ParseError(`found '${t.lit}', expected: ',' or 'end of string'`);
      }
      if (tok === Tok.End) return reqs;
      throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
    }
  }

  private requirement(): Requirement {
    let op: Operator | undefined;
    let t = this.next(true);
    if (t.tok === Tok.Not) {
      op = '!';
      t = this.next(true);
    }
    if (t.tok !== Tok.Ident) throw new ParseError(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    // The parser checks the key with no field path, which upstream prints as "<nil>".
    const ke = labelKeyError(key, '<nil>');
    if (ke) throw new ParseError(fieldErrorMessage(ke));
    const la = this.peek(true).tok;
    if (la === Tok.End || la === Tok.Comma) {
      if (op !== '!') op = 'exists';
    }
    if (op === 'exists' || op === '!') return this.build(key, op, []);

    const ot = this.next(false);
    switch (ot.tok) {
      case Tok.In: op = 'in'; break;
      case Tok.Eq: op = '='; break;
      case Tok.DoubleEq: op = '=='; break;
      case Tok.Gt: op = 'gt'; break;
      case Tok.Lt: op = 'lt'; break;
      case Tok.NotIn: op = 'notin'; break;
      case Tok.NotEq: op = '!='; break;
      default: throw new ParseError(`found '${ot.lit}', expected: ${binaryOperators.join(', ')}`);
    }
    const values = op === 'in' || op === 'notin' ? this.setValues() : this.exactValue();
    return this.build(key, op, [...values].sort(compareStrings));
  }

  private build(key: string, op: Operator, values: string[]): Requirement {
    const errs = requirementErrors(key, op, values);
    if (errs.length) throw new ParseError(aggregate(errs));
    return { key, operator: op, values };
  }

  private setValues(): Set<string> {
    const t = this.next(true);
    if (t.tok !== Tok.OpenPar) throw new ParseError(`found '${t.lit}' expected: '('`);
    const first = this.peek(true);
    if (first.tok === Tok.Ident || first.tok === Tok.Comma) {
      const s = this.identifierList();
      if (this.next(true).tok !== Tok.ClosePar) throw new ParseError(`found '${first.lit}', expected: ')'`);
      return s;
    }
    if (first.tok === Tok.ClosePar) {
      this.next(true);
      return new Set(['']);
    }
    throw new ParseError(`found '${first.lit}', expected: ',', ')' or identifier`);
  }

  private identifierList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const t = this.next(true);
      if (t.tok === Tok.Ident) {
        s.add(t.lit);
        const t2 = this.peek(true);
        if (t2.tok === Tok.Comma) continue;
        if (t2.tok === Tok.ClosePar) return s;
        throw new ParseError(`found '${t2.lit}', expected: ',' or ')'`);
      } else if (t.tok === Tok.Comma) {
        if (s.size === 0) s.add('');
        const t2 = this.peek(true);
        if (t2.tok === Tok.ClosePar) {
          s.add('');
          return s;
        }
        if (t2.tok === Tok.Comma) {
          this.next(true);
          s.add('');
        }
      } else {
        throw new ParseError(`found '${t.lit}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): Set<string> {
    const la = this.peek(true);
    if (la.tok === Tok.End || la.tok === Tok.Comma) return new Set(['']);
    const t = this.next(true);
    if (t.tok === Tok.Ident) return new Set([t.lit]);
    throw new ParseError(`found '${t.lit}', expected: identifier`);
  }
}

/**
 * Parses a label selector string (upstream's labels.Parse). Throws a 400 BadRequest
 * StatusError whose message is upstream's parse error.
 */
export function parseSelector(s: string): Selector {
  return selectorFromRequirements(parseToRequirements(s));
}

/** Parses to the sorted requirement list; throws BadRequest as parseSelector. */
export function parseToRequirements(s: string): Requirement[] {
  try {
    return sortByKey(new Parser(lex(s)).parse());
  } catch (e) {
    if (e instanceof ParseError) throw badRequest(e.message);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------
// metav1.LabelSelector
// ---------------------------------------------------------------------------------------

const selectorOps: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector: undefined/null → Nothing; empty → Everything.
 * Throws BadRequest (upstream's message) for invalid operators, keys or values.
 */
export function labelSelectorAsSelector(ls: LabelSelector | undefined | null): Selector {
  if (!ls) return nothingSelector;
  const ml = ls.matchLabels ?? {};
  const me = ls.matchExpressions ?? [];
  const mlKeys = Object.keys(ml);
  if (mlKeys.length + me.length === 0) return everythingSelector;
  const reqs: Requirement[] = [];
  for (const k of mlKeys) reqs.push(newRequirement(k, '=', [ml[k]]));
  for (const e of me) {
    const op = selectorOps[e.operator];
    if (!op) throw badRequest(`${JSON.stringify(e.operator ?? '')} is not a valid label selector operator`);
    reqs.push(newRequirement(e.key, op, e.values ?? []));
  }
  return selectorFromRequirements(reqs);
}

/** The canonical selector string (as Scale's status.selector): `app=nginx,tier in (a,b)`; "" for empty. */
export function labelSelectorToString(ls: LabelSelector | undefined | null): string {
  return labelSelectorAsSelector(ls).toString();
}

/** kubectl's FormatLabelSelector: the string form, "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelector(ls: LabelSelector | undefined | null): string {
  let s: string;
  try {
    s = labelSelectorAsSelector(ls).toString();
  } catch {
    return '<error>';
  }
  return s.length ? s : '<none>';
}

/** Labels as "k1=v1,k2=v2" sorted by key (upstream's labels.Set.String()). */
export function formatLabels(labels: Labels | undefined | null): string {
  if (!labels) return '';
  return Object.keys(labels).sort(compareStrings).map((k) => `${k}=${labels[k]}`).join(',');
}
