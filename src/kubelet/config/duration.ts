// Go's time.ParseDuration for the configuration's metav1.Duration strings ("15m", "1m30s",
// "100ms", "0"): a unit is required except for zero, as upstream's decoder requires.

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration string; throws `time: invalid duration "x"` as Go does. */
export function parseGoDuration(text: string): number {
  const bad = () => new Error(`time: invalid duration ${JSON.stringify(text)}`);
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  const re = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  let total = 0;
  while (s.length) {
    const m = re.exec(s);
    if (!m) {
      if (/^(\d+\.?\d*|\.\d+)$/.test(s)) throw new Error(`time: missing unit in duration ${JSON.stringify(text)}`);
      throw bad();
    }
    total += Number(m[1]) * UNITS[m[2]];
    s = s.slice(m[0].length);
  }
  return sign * total;
}

/** A configuration duration in ms (the value was validated when the file was loaded). */
export function durationMs(text: string | undefined, fallbackMs = 0): number {
  if (text === undefined || text === '') return fallbackMs;
  return parseGoDuration(text);
}
