// metav1.Time on the wire: RFC 3339 in whole seconds, UTC ("2026-11-28T17:05:09Z"), and
// metav1.MicroTime ("2026-11-28T17:05:09.123456Z").
// nowTimestamp() is on every write path (creationTimestamp, managedFields times), so the string
// is built once per second.

let stampSecond = -1;
let stamp = '';

/** The current time as a metav1.Time string (whole seconds). */
export function nowTimestamp(): string {
  const sec = Math.floor(Date.now() / 1000);
  if (sec !== stampSecond) {
    stampSecond = sec;
    stamp = new Date(sec * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  }
  return stamp;
}

/** A time (ms since the epoch, or a Date) as a metav1.Time string (whole seconds). */
export function toTimestamp(t: number | Date): string {
  return new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** metav1.MicroTime as it is serialized: 2006-01-02T15:04:05.000000Z (UTC, microseconds). */
export function microTime(epochMs: number = performance.timeOrigin + performance.now()): string {
  const micros = Math.floor(epochMs * 1000);
  const secs = Math.floor(micros / 1_000_000);
  const frac = String(micros - secs * 1_000_000).padStart(6, '0');
  return `${new Date(secs * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}
