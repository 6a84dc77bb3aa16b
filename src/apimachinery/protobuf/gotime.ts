// Go time formats the protobuf codec converts to and from: metav1.Time (RFC3339, seconds),
// metav1.MicroTime (RFC3339 with 6-digit microseconds) and metav1.Duration (time.Duration's
// String form, "1h2m3.5s", and its parser).

export interface Timestamp {
  seconds: bigint;
  nanos: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC3339 timestamp (any fraction, any offset) into Unix seconds + nanos. */
export function parseRFC3339(s: string): Timestamp {
  const m = RFC3339.exec(s);
  if (!m) throw new Error(`invalid RFC3339 time ${JSON.stringify(s)}`);
  const [, y, mo, d, h, mi, se, frac, zone] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(se), 0);
  if (Number(mo) < 1 || Number(mo) > 12 || date.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(se) > 59) {
    throw new Error(`invalid RFC3339 time ${JSON.stringify(s)}`);
  }
  let seconds = BigInt(Math.floor(date.getTime() / 1000));
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1n : 1n;
    const offset = BigInt(Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60);
    seconds -= sign * offset;
  }
  const nanos = frac ? Number((frac.slice(1) + '000000000').slice(0, 9)) : 0;
  return { seconds, nanos };
}

function isoSeconds(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  const d = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(d.getTime())) throw new Error(`time out of range: ${seconds} seconds`);
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ (or ±YYYYYY-... outside 0000-9999)
  return iso.slice(0, iso.length - 5);
}

/** metav1.Time's JSON form: RFC3339 in UTC, whole seconds. */
export function formatRFC3339(seconds: bigint): string {
  return `${isoSeconds(seconds)}Z`;
}

/** metav1.MicroTime's JSON form: RFC3339 in UTC with 6-digit microseconds. */
export function formatRFC3339Micro(seconds: bigint, nanos: number): string {
  const micros = Math.floor(nanos / 1000);
  return `${isoSeconds(seconds)}.${String(micros).padStart(6, '0')}Z`;
}

function fraction(v: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const whole = v / scale;
  const frac = (v % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** time.Duration.String(): "0s", "250ms", "1.5µs", "1m0s", "1h2m3.5s". */
export function formatGoDuration(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const neg = nanos < 0n;
  let u = neg ? -nanos : nanos;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u < 1000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${fraction(u, 3)}µs`;
    else out = `${fraction(u, 6)}ms`;
  } else {
    const h = u / 3_600_000_000_000n;
    u %= 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u %= 60_000_000_000n;
    out = `${fraction(u, 9)}s`;
    if (h > 0n || m > 0n) out = `${m}m${out}`;
    if (h > 0n) out = `${h}h${out}`;
  }
  return neg ? `-${out}` : out;
}

const UNITS: Record<string, bigint> = {
  ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n,
};

/** time.ParseDuration: "300ms", "-1.5h", "2h45m". Returns nanoseconds; throws Go's messages
 * (`time: invalid duration "x"`, `time: missing unit in duration "x"`, `time: unknown unit "u" in duration "x"`). */
export function parseGoDuration(s: string): bigint {
  const q = JSON.stringify(s);
  const bad = () => new Error(`time: invalid duration ${q}`);
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (!rest) throw bad();
  let total = 0n;
  while (rest) {
    const num = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    if (!num[1] && !num[2]) throw bad();
    rest = rest.slice(num[0].length);
    const u = /^[^\d.]*/.exec(rest)![0];
    if (!u) throw new Error(`time: missing unit in duration ${q}`);
    const unit = UNITS[u];
    if (unit === undefined) throw new Error(`time: unknown unit ${JSON.stringify(u)} in duration ${q}`);
    rest = rest.slice(u.length);
    total += BigInt(num[1] || '0') * unit;
    if (num[2]) total += (BigInt(num[2]) * unit) / 10n ** BigInt(num[2].length);
  }
  return neg ? -total : total;
}
