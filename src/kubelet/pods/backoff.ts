// Exponential back-off per key (client-go's flowcontrol.Backoff) as the kubelet uses it for
// CrashLoopBackOff (10 s doubling to 5 min) and image pulls: an entry older than twice the
// maximum (10 min without a restart) starts over from the initial delay.

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export class Backoff {
  private entries = new Map<string, Entry>();

  constructor(
    readonly initialMs = 10_000,
    readonly maxMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  private expired(e: Entry, t: number): boolean {
    return t - e.lastUpdate > this.maxMs * 2;
  }

  /** The current delay for key (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Records one more restart: the delay doubles (or starts at the initial one). */
  next(key: string): void {
    const t = this.now();
    const e = this.entries.get(key);
    if (!e || this.expired(e, t)) this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: t });
    else {
      e.backoffMs = Math.min(e.backoffMs * 2, this.maxMs);
      e.lastUpdate = t;
    }
  }

  /** Whether an event at eventTime (e.g. the container finished) is still inside the key's back-off. */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    const t = this.now();
    if (this.expired(e, t)) return false;
    return t - eventTime < e.backoffMs;
  }

  /** Milliseconds until the back-off of an event at eventTime ends (0 when not backing off). */
  remaining(key: string, eventTime: number): number {
    return this.isInBackOffSince(key, eventTime) ? Math.max(0, eventTime + this.get(key) - this.now()) : 0;
  }

  /** Drops entries not touched for twice the maximum (upstream's GC). */
  gc(): void {
    const t = this.now();
    for (const [k, e] of this.entries) if (this.expired(e, t)) this.entries.delete(k);
  }

  reset(key: string): void {
    this.entries.delete(key);
  }
}

/** Go's time.Duration String() for whole seconds: "10s", "1m20s", "5m0s". */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}
