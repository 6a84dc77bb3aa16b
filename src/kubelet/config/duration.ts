// Go's time.ParseDuration for the configuration's metav1.Duration strings ("15m", "1m30s",
// "100ms", "0") in milliseconds, over the shared parser in src/apimachinery/protobuf/gotime.ts
// (Go's error texts; a unit is required except for zero, as upstream's decoder requires).
import { parseGoDuration as parseGoDurationNs } from '../../apimachinery/protobuf/gotime.js';

/** Milliseconds of a Go duration string; throws `time: invalid duration "x"` as Go does. */
export function parseGoDuration(text: string): number {
  return Number(parseGoDurationNs(text)) / 1e6;
}

/** A configuration duration in ms (the value was validated when the file was loaded). */
export function durationMs(text: string | undefined, fallbackMs = 0): number {
  if (text === undefined || text === '') return fallbackMs;
  return parseGoDuration(text);
}
