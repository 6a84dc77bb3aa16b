// resource.Quantity, as upstream's k8s.io/apimachinery/pkg/api/resource: parsing of
// "<signed number><suffix>" (decimal SI n..E, binary Ki..Ei, e/E exponents) with
// upstream's errors, rounding (up to 1n) and BinarySI cap, exact BigInt arithmetic,
// and upstream's canonical string form (including its reuse of an already-canonical
// input string).

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const splitREString = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const ErrFormatWrong = `quantities must match the regular expression '${splitREString}'`;
export const ErrNumeric = 'unable to parse numeric part of quantity';
export const ErrSuffix = "unable to parse quantity's suffix";

export class QuantityParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityParseError';
  }
}

const MAX_INT64 = 9223372036854775807n;
const MIN_INT64 = -9223372036854775808n;

// Scales (base-10 exponents) of the named decimal units.
export const Nano = -9;
export const Micro = -6;
export const Milli = -3;
export const Kilo = 3;
export const Mega = 6;
export const Giga = 9;
export const Tera = 12;
export const Peta = 15;
export const Exa = 18;

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalByExp = new Map<number, string>(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binaryByExp = new Map<number, string>(Object.entries(binarySuffixes).map(([s, e]) => [e, s]));

const pow10Cache: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) {
    let v = pow10Cache[n];
    if (v === undefined) pow10Cache[n] = v = 10n ** BigInt(n);
    return v;
  }
  return 10n ** BigInt(n);
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

function digitCount(v: bigint): number {
  return abs(v).toString().length;
}

/** Divide by 10^n, rounding away from zero. */
function divPow10AwayFromZero(v: bigint, n: number): bigint {
  if (n <= 0) return v * pow10(-n);
  if (v === 0n) return 0n;
  if (n > digitCount(v)) return v > 0n ? 1n : -1n;
  const d = pow10(n);
  const q = v / d; // truncates toward zero
  return v % d === 0n ? q : v > 0n ? q + 1n : q - 1n;
}

/** Removes factors of 10 from u, returning [u', count]. */
function stripTens(u: bigint): [bigint, number] {
  if (u === 0n) return [0n, 0];
  let n = 0;
  // Fast skip by millions, then singles.
  while (u % 1000000n === 0n) { u /= 1000000n; n += 6; }
  while (u % 10n === 0n) { u /= 10n; n++; }
  return [u, n];
}

/**
 * An exact fixed-point amount: unscaled × 10^exp. Immutable; arithmetic returns new values.
 */
export class Quantity {
  /** Cached string form (from parsing when the input was already canonical, or computed). */
  private s: string | undefined;

  private constructor(
    /** Unscaled value. */
    private readonly u: bigint,
    /** Base-10 exponent. */
    private readonly e: number,
    readonly format: QuantityFormat,
    s?: string,
  ) {
    this.s = s;
  }

  /** @internal */
  static raw(u: bigint, e: number, format: QuantityFormat, s?: string): Quantity {
    return new Quantity(u, e, format, s);
  }

  /** value × 10^scale (upstream's NewScaledQuantity uses DecimalSI). */
  static scaled(value: number | bigint, scale: number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(toBig(value), scale, format);
  }

  isZero(): boolean {
    return this.u === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.u === 0n ? 0 : this.u > 0n ? 1 : -1;
  }

  /** ceil(q / 10^scale), rounding away from zero, as a BigInt. */
  scaledValueBig(scale: number): bigint {
    return divPow10AwayFromZero(this.u, scale - this.e);
  }

  /** ceil(q / 10^scale), rounding away from zero; saturates at the int64 range. */
  scaledValue(scale: number): number {
    let v = this.scaledValueBig(scale);
    if (v > MAX_INT64) v = MAX_INT64;
    if (v < MIN_INT64) v = MIN_INT64;
    return Number(v);
  }

  /** The value rounded up (away from zero) to an integer. */
  value(): number {
    return this.scaledValue(0);
  }

  valueBig(): bigint {
    return this.scaledValueBig(0);
  }

  /** ceil(q × 1000), rounding away from zero. */
  milliValue(): number {
    return this.scaledValue(Milli);
  }

  milliValueBig(): bigint {
    return this.scaledValueBig(Milli);
  }

  /** An approximate float64 of the value. */
  asApproximateFloat64(): number {
    return Number(this.u) * Math.pow(10, this.e);
  }

  /** The exact value as a decimal string without exponent (e.g. "1.5", "-0.001", "1000"). */
  toDecimalString(): string {
    if (this.u === 0n) return '0';
    const neg = this.u < 0n;
    const digits = abs(this.u).toString();
    let out: string;
    if (this.e >= 0) out = digits + '0'.repeat(this.e);
    else {
      const k = -this.e;
      const padded = digits.padStart(k + 1, '0');
      out = `${padded.slice(0, padded.length - k)}.${padded.slice(padded.length - k)}`.replace(/\.?0+$/, '');
    }
    return neg ? `-${out}` : out;
  }

  /** -1, 0, 1 as this is less than, equal to, or greater than y. */
  cmp(y: Quantity): -1 | 0 | 1 {
    return compareAmounts(this.u, this.e, y.u, y.e);
  }

  cmpInt64(n: number | bigint): -1 | 0 | 1 {
    return compareAmounts(this.u, this.e, toBig(n), 0);
  }

  equal(y: Quantity): boolean {
    return this.cmp(y) === 0;
  }

  /** this + y. When this is zero the result takes y's format (as upstream). */
  add(y: Quantity): Quantity {
    const format = this.u === 0n ? y.format : this.format;
    if (y.u === 0n) return new Quantity(this.u, this.e, format);
    if (this.u === 0n) return new Quantity(y.u, y.e, format);
    const [a, b, e] = align(this.u, this.e, y.u, y.e);
    return new Quantity(a + b, e, format);
  }

  /** this - y. When this is zero the result takes y's format (as upstream). */
  sub(y: Quantity): Quantity {
    return this.add(y.neg()).withFormat(this.u === 0n ? y.format : this.format);
  }

  neg(): Quantity {
    return new Quantity(-this.u, this.e, this.format);
  }

  /** this × n (an integer). */
  mul(n: number | bigint): Quantity {
    return new Quantity(this.u * toBig(n), this.e, this.format);
  }

  withFormat(format: QuantityFormat): Quantity {
    return format === this.format ? this : new Quantity(this.u, this.e, format);
  }

  /** Upstream's canonical string form, e.g. "1500m", "1536Mi", "100M", "1e3" (for e-notation input). */
  toString(): string {
    if (this.s === undefined) this.s = this.canonical();
    return this.s;
  }

  toJSON(): string {
    return this.toString();
  }

  private canonical(): string {
    if (this.u === 0n) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      if (this.cmpInt64(-1024) > 0 && this.cmpInt64(1024) < 0) format = 'DecimalSI';
      else if (!this.isInteger()) format = 'DecimalSI';
    }
    if (format === 'BinarySI') {
      let n = this.valueBig();
      let exp = 0;
      while (n % 1024n === 0n) {
        n /= 1024n;
        exp++;
      }
      // Upstream emits no suffix when the exponent has none (beyond Ei).
      return n.toString() + (binaryByExp.get(exp * 10) ?? '');
    }
    let [u, n] = stripTens(this.u);
    let exp = this.e + n;
    // Lower the exponent to a multiple of 3 (towards -infinity).
    const r = ((exp % 3) + 3) % 3;
    if (r) {
      u *= pow10(r);
      exp -= r;
    }
    if (format === 'DecimalExponent') return u.toString() + (exp === 0 ? '' : `e${exp}`);
    // Upstream emits no suffix for exponents outside n..E.
    return u.toString() + (decimalByExp.get(exp) ?? '');
  }

  private isInteger(): boolean {
    if (this.e >= 0) return true;
    const k = -this.e;
    if (k > digitCount(this.u) + 1) return false;
    return this.u % pow10(k) === 0n;
  }
}

function toBig(n: number | bigint): bigint {
  if (typeof n === 'bigint') return n;
  if (!Number.isInteger(n)) throw new RangeError(`not an integer: ${n}`);
  return BigInt(n);
}

function align(a: bigint, ae: number, b: bigint, be: number): [bigint, bigint, number] {
  if (ae === be) return [a, b, ae];
  if (ae > be) return [a * pow10(ae - be), b, be];
  return [a, b * pow10(be - ae), ae];
}

function compareAmounts(a: bigint, ae: number, b: bigint, be: number): -1 | 0 | 1 {
  const sa = a === 0n ? 0 : a > 0n ? 1 : -1;
  const sb = b === 0n ? 0 : b > 0n ? 1 : -1;
  if (sa !== sb) return sa > sb ? 1 : -1;
  if (sa === 0) return 0;
  // Same sign: compare magnitudes by order of magnitude first (avoids huge alignments).
  const ma = digitCount(a) + ae;
  const mb = digitCount(b) + be;
  if (ma !== mb) return (ma > mb ? sa : -sa) as -1 | 1;
  const [x, y] = align(a, ae, b, be);
  return x === y ? 0 : x > y ? 1 : -1;
}

// ---------------------------------------------------------------------------------------
// parsing
// ---------------------------------------------------------------------------------------

interface Scanned {
  positive: boolean;
  /** Numerator digits with leading zeros removed ("0" when none). */
  num: string;
  /** Fraction digits (may be empty). */
  denom: string;
  suffix: string;
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const suffixChars = 'eEinumkKMGTP';

/** The scanner: sign, digits, optional '.digits', suffix letters, optional sign+digits. */
function scan(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (pos < end) {
    if (str[0] === '-') { positive = false; pos++; } else if (str[0] === '+') pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  let num = str.slice(pos, i);
  if (i >= end) return { positive, num: num || '0', denom: '', suffix: '' };
  if (num === '') num = '0';
  pos = i;
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    if (i >= end) return { positive, num, denom, suffix: '' };
    pos = i;
  }
  const suffixStart = pos;
  i = pos;
  while (i < end && suffixChars.includes(str[i])) i++;
  if (i >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
  pos = i;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  i = pos;
  while (i < end && isDigit(str[i])) i++;
  if (i >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
  throw new QuantityParseError(ErrFormatWrong);
}

interface Interpreted { base: 2 | 10; exp: number; format: QuantityFormat }

function interpret(s: string): Interpreted | undefined {
  const d = decimalSuffixes[s];
  if (d !== undefined && Object.prototype.hasOwnProperty.call(decimalSuffixes, s)) return { base: 10, exp: d, format: 'DecimalSI' };
  const b = binarySuffixes[s];
  if (b !== undefined && Object.prototype.hasOwnProperty.call(binarySuffixes, s)) return { base: 2, exp: b, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E')) {
    const rest = s.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const v = BigInt(rest);
    if (v > MAX_INT64 || v < MIN_INT64) return undefined;
    // Upstream keeps the exponent as an int32.
    return { base: 10, exp: Number(BigInt.asIntN(32, v)), format: 'DecimalExponent' };
  }
  return undefined;
}

/**
 * Parses a quantity string. Throws QuantityParseError with upstream's message
 * (ErrFormatWrong / ErrSuffix / ErrNumeric) on bad input.
 */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityParseError(ErrFormatWrong);
  if (str === '0') return Quantity.raw(0n, 0, 'DecimalSI', '0');

  const { positive, num, denom, suffix } = scan(str);
  const it = interpret(suffix);
  if (!it) throw new QuantityParseError(ErrSuffix);
  const { base, exp, format } = it;

  const shifted = num + denom;
  let u = BigInt(shifted);
  if (!positive) u = -u;

  // Upstream's int64 fast path: taken for short inputs; it keeps the input string when
  // that is already canonical, and involves no rounding or capping.
  if (base === 10) {
    const scale = exp - denom.length;
    if (18 - shifted.length >= 0 && scale >= Nano) {
      const keep = scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
      return Quantity.raw(u, scale, format, keep ? str : undefined);
    }
  } else if (denom.length === 0) {
    const precision = 15 - num.length - Math.trunc((exp * 3) / 10) - 1;
    if (precision >= 0) {
      const magnitude = BigInt(num) << BigInt(exp);
      if (magnitude <= MAX_INT64) {
        const keep = exp % 10 === 0 && (BigInt(num) & 7n) !== 0n;
        return Quantity.raw(positive ? magnitude : -magnitude, 0, format, keep ? str : undefined);
      }
    }
  }

  // General path: exact decimal, magnitude rounded up to a whole nano unit, BinarySI
  // capped at 2^63-1 and shown as DecimalSI when strictly between 0 and 1.
  let e = -denom.length;
  let mag = abs(u);
  if (base === 10) e += exp;
  else mag <<= BigInt(exp);
  if (mag !== 0n && e < Nano) {
    mag = divPow10AwayFromZero(mag, Nano - e);
    e = Nano;
  }
  let fmt = format;
  if (fmt === 'BinarySI') {
    if (compareAmounts(mag, e, MAX_INT64, 0) > 0) {
      mag = MAX_INT64;
      e = 0;
    }
    if (mag !== 0n && compareAmounts(mag, e, 1n, 0) < 0) fmt = 'DecimalSI';
  }
  return Quantity.raw(positive ? mag : -mag, e, fmt);
}

/** True when s parses as a quantity. */
export function isQuantity(s: string): boolean {
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decodes a quantity from its JSON form as upstream's UnmarshalJSON: a string (trimmed)
 * or a number; null → undefined.
 */
export function quantityFromJSON(v: unknown): Quantity | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return parseQuantity(String(v));
  if (typeof v === 'string') return parseQuantity(v.trim());
  throw new QuantityParseError(ErrFormatWrong);
}

/** value in the given format (upstream's NewQuantity). */
export function newQuantity(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return Quantity.scaled(value, 0, format);
}

/** value/1000 in the given format (upstream's NewMilliQuantity). */
export function newMilliQuantity(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return Quantity.scaled(value, Milli, format);
}

/** value × 10^scale, DecimalSI (upstream's NewScaledQuantity). */
export function newScaledQuantity(value: number | bigint, scale: number): Quantity {
  return Quantity.scaled(value, scale, 'DecimalSI');
}

/** Canonicalizes a quantity string (parse then print); throws on bad input. */
export function canonicalQuantity(s: string): string {
  return parseQuantity(s).toString();
}

/** Sum of quantities (zero DecimalSI when empty). */
export function sumQuantities(qs: Iterable<Quantity>): Quantity {
  let acc = Quantity.scaled(0, 0, 'DecimalSI');
  for (const q of qs) acc = acc.add(q);
  return acc;
}
