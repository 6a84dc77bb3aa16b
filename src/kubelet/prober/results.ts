// Probe outcomes (pkg/probe Result and the prober's results cache values).

export type ProbeResult = 'success' | 'failure' | 'warning' | 'unknown';

/** One probe run: the result and the output that goes into events ("HTTP probe failed with ..."). */
export interface ProbeOutcome {
  result: ProbeResult;
  output: string;
}

export type ProbeType = 'liveness' | 'readiness' | 'startup';

/** "Liveness", "Readiness", "Startup" as upstream's event messages spell them. */
export function probeTypeTitle(t: ProbeType): string {
  return t[0].toUpperCase() + t.slice(1);
}

/** Go's time.Duration %v for whole seconds ("1s", "1m30s"). */
export function goSeconds(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  if (m < 60) return `${m}m${rest}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${rest}s`;
}
