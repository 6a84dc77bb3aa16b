// ControllerExpectations (upstream controller_utils): a controller that just asked for N pod
// creations or deletions must not act on its stale informer view until it has seen them (or
// five minutes passed), or it would create or delete twice.

const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  at: number;
}

export class ControllerExpectations {
  private m = new Map<string, Expectation>();

  constructor(private readonly timeoutMs = EXPECTATIONS_TIMEOUT_MS) {}

  /** True when the controller may sync the key: nothing pending, or the expectation expired. */
  satisfiedExpectations(key: string): boolean {
    const e = this.m.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return Date.now() - e.at > this.timeoutMs;
  }

  setExpectations(key: string, add: number, del: number): void {
    this.m.set(key, { add, del, at: Date.now() });
  }

  expectCreations(key: string, n: number): void {
    this.setExpectations(key, n, 0);
  }

  expectDeletions(key: string, n: number): void {
    this.setExpectations(key, 0, n);
  }

  /** One creation observed (or failed, so it will never be observed). */
  creationObserved(key: string): void {
    const e = this.m.get(key);
    if (e) e.add--;
  }

  deletionObserved(key: string): void {
    const e = this.m.get(key);
    if (e) e.del--;
  }

  raiseExpectations(key: string, add: number, del: number): void {
    const e = this.m.get(key);
    if (e) {
      e.add += add;
      e.del += del;
    } else this.setExpectations(key, add, del);
  }

  deleteExpectations(key: string): void {
    this.m.delete(key);
  }

  get(key: string): { add: number; del: number } | undefined {
    const e = this.m.get(key);
    return e ? { add: e.add, del: e.del } : undefined;
  }
}

/** Expectations that also remember which pod UIDs are expected to go (deletions seen once each). */
export class UIDTrackingExpectations extends ControllerExpectations {
  private uids = new Map<string, Set<string>>();

  expectDeletionsOf(key: string, podKeys: string[]): void {
    this.uids.set(key, new Set(podKeys));
    this.expectDeletions(key, podKeys.length);
  }

  deletionObservedOf(key: string, podKey: string): void {
    const s = this.uids.get(key);
    if (s?.delete(podKey)) this.deletionObserved(key);
  }

  override deleteExpectations(key: string): void {
    super.deleteExpectations(key);
    this.uids.delete(key);
  }
}
