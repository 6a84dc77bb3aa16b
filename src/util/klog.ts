// klog-style logging, as upstream components print it:
//   I1128 04:48:15.123456   12345 file.go:123] message key="value"
// Severity letter (I/W/E/F), month+day, time with microseconds, pid, source, message.
// Verbosity (--v) gates info lines: klog.v(2).info(...).

let verbosity = 0;
let sink: (line: string) => void = (line) => process.stderr.write(line);

export function setVerbosity(v: number): void {
  verbosity = Number.isFinite(v) ? v : 0;
}
export function getVerbosity(): number {
  return verbosity;
}
/** Redirect log output (e.g. into a file under --data-dir). */
export function setSink(fn: (line: string) => void): void {
  sink = fn;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function header(sev: string, source: string): string {
  const d = new Date();
  const us = d.getUTCMilliseconds() * 1000 + Math.floor((performance.now() % 1) * 1000);
  return `${sev}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(us, 6)} ${String(process.pid).padStart(7)} ${source}] `;
}

function kv(pairs: Record<string, unknown> | undefined): string {
  if (!pairs) return '';
  let s = '';
  for (const [k, v] of Object.entries(pairs)) {
    s += ` ${k}=${typeof v === 'string' ? JSON.stringify(v) : v instanceof Error ? JSON.stringify(v.message) : JSON.stringify(v)}`;
  }
  return s;
}

export interface Logger {
  info(msg: string, pairs?: Record<string, unknown>): void;
  warning(msg: string, pairs?: Record<string, unknown>): void;
  error(msg: string, pairs?: Record<string, unknown>): void;
  v(level: number): { info(msg: string, pairs?: Record<string, unknown>): void; enabled: boolean };
}

/** A logger whose lines name `source` (e.g. "apiserver", "storage/sqlite") in the header. */
export function logger(source: string): Logger {
  const noop = { info() {}, enabled: false };
  const info = (msg: string, pairs?: Record<string, unknown>) => sink(header('I', source) + msg + kv(pairs) + '\n');
  const on = { info, enabled: true };
  return {
    info,
    warning: (msg, pairs) => sink(header('W', source) + msg + kv(pairs) + '\n'),
    error: (msg, pairs) => sink(header('E', source) + msg + kv(pairs) + '\n'),
    v: (level) => (level <= verbosity ? on : noop),
  };
}
