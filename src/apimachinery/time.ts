// metav1.Time on the wire: RFC 3339 in whole seconds, UTC ("2026-11-28T17:05:09Z").
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
