// framework.Status: the result of running a plugin (code, reasons, the plugin that failed).
// `null` stands for Success everywhere, so the hot path allocates nothing for passing nodes.

export enum Code {
  Success = 0,
  Error = 1,
  Unschedulable = 2,
  UnschedulableAndUnresolvable = 3,
  Wait = 4,
  Skip = 5,
  Pending = 6,
}

const codeNames = ['Success', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Wait', 'Skip', 'Pending'];

export class Status {
  plugin = '';
  err?: Error;
  constructor(
    readonly code: Code,
    readonly reasons: string[] = [],
  ) {}

  static error(err: unknown): Status {
    const e = err instanceof Error ? err : new Error(String(err));
    const s = new Status(Code.Error, [e.message]);
    s.err = e;
    return s;
  }

  static unschedulable(...reasons: string[]): Status {
    return new Status(Code.Unschedulable, reasons);
  }

  static unresolvable(...reasons: string[]): Status {
    return new Status(Code.UnschedulableAndUnresolvable, reasons);
  }

  withPlugin(name: string): this {
    this.plugin = name;
    return this;
  }

  message(): string {
    return this.reasons.join(', ');
  }

  codeName(): string {
    return codeNames[this.code] ?? String(this.code);
  }

  /** Unschedulable, UnschedulableAndUnresolvable or Pending. */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable || this.code === Code.Pending;
  }
}

export const SKIP = new Status(Code.Skip);

export function isSuccess(s: Status | null | undefined): boolean {
  return !s || s.code === Code.Success;
}
