// Cron schedules as the CronJob controller reads them (robfig/cron's standard parser): five
// fields (minute hour day-of-month month day-of-week) with lists, ranges, steps and month/day
// names, the @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly descriptors and
// @every <duration>; the next activation after an instant in an IANA time zone (wall-clock
// fields read through Intl), and the most recent missed activation as the controller needs it.

import { parseGoDuration as parseGoDurationNs } from '../../apimachinery/protobuf/gotime.js';

export interface Schedule {
  /** the first activation strictly after `afterMs` (epoch ms), undefined if none within 5 years */
  next(afterMs: number): number | undefined;
}

interface FieldBounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const BOUNDS: FieldBounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } },
  { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } },
];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface Field {
  bits: boolean[];
  /** the field was "*" or "?" (without a step > 1): matters for day-of-month vs day-of-week */
  star: boolean;
}

function parseNumber(s: string, b: FieldBounds): number {
  const named = b.names?.[s.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(s)) throw new Error(`failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

function parseField(expr: string, b: FieldBounds): Field {
  const bits = new Array<boolean>(b.max + 1).fill(false);
  let star = false;
  for (const part of expr.split(',')) {
    const [range, stepStr, extra] = part.split('/');
    if (extra !== undefined) throw new Error(`too many slashes: ${part}`);
    const lowHigh = range!.split('-');
    let start: number;
    let end: number;
    let isStar = false;
    if (lowHigh[0] === '*' || lowHigh[0] === '?') {
      start = b.min;
      end = b.max;
      isStar = true;
    } else {
      if (lowHigh.length > 2) throw new Error(`too many hyphens: ${part}`);
      start = parseNumber(lowHigh[0]!, b);
      end = lowHigh.length === 2 ? parseNumber(lowHigh[1]!, b) : start;
    }
    let step = 1;
    if (stepStr !== undefined) {
      step = parseNumber(stepStr, { min: 0, max: 0 });
      if (lowHigh.length === 1 && !isStar) end = b.max;
      if (step > 1) isStar = false;
    }
    if (start < b.min) throw new Error(`beginning of range (${start}) below minimum (${b.min}): ${part}`);
    if (end > b.max) throw new Error(`end of range (${end}) above maximum (${b.max}): ${part}`);
    if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${part}`);
    if (step === 0) throw new Error(`step of range should be a positive number: ${part}`);
    for (let i = start; i <= end; i += step) bits[i] = true;
    if (isStar) star = true;
  }
  return { bits, star };
}

// ---------------------------------------------------------------------------------------------
// Time zones

export interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The controller-manager's own time zone (used when a CronJob has no spec.timeZone). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Throws (RangeError) for a zone Intl does not know. */
export function checkTimeZone(tz: string): void {
  formatter(tz);
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a zone. */
export function wallClock(ms: number, tz: string): Wall {
  if (tz === 'UTC' || tz === 'Etc/UTC') {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay() };
  }
  const w: Wall = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
  for (const p of formatter(tz).formatToParts(new Date(ms))) {
    switch (p.type) {
      case 'year': w.year = Number(p.value); break;
      case 'month': w.month = Number(p.value); break;
      case 'day': w.day = Number(p.value); break;
      case 'hour': w.hour = Number(p.value) % 24; break;
      case 'minute': w.minute = Number(p.value); break;
      case 'second': w.second = Number(p.value); break;
      case 'weekday': w.weekday = WEEKDAYS[p.value] ?? 0; break;
    }
  }
  return w;
}

/** The zone's UTC offset (ms) at an instant. */
export function offsetMs(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  const asUTC = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUTC - Math.floor(ms / 1000) * 1000;
}

/** The instant of a wall-clock time in a zone (fields may overflow, as with Date.UTC). */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, tz: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const o1 = offsetMs(guess - 0, tz);
  let inst = guess - o1;
  const o2 = offsetMs(inst, tz);
  if (o2 !== o1) inst = guess - o2;
  return inst;
}

/** RFC 3339 in the zone: 2026-11-28T09:00:00+01:00 (Z for UTC). */
export function formatRFC3339(ms: number, tz: string): string {
  const off = offsetMs(ms, tz);
  if (off === 0) return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const w = wallClock(ms, tz);
  const p = (n: number, l = 2) => String(n).padStart(l, '0');
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off) / 60000;
  return `${p(w.year, 4)}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}:${p(w.second)}${sign}${p(Math.floor(a / 60))}:${p(a % 60)}`;
}

// ---------------------------------------------------------------------------------------------
// Schedules

class CronSchedule implements Schedule {
  constructor(
    readonly fields: Field[],
    readonly tz: string,
  ) {}

  private dayMatches(w: Wall): boolean {
    const dom = this.fields[2]!;
    const dow = this.fields[4]!;
    const a = dom.bits[w.day]!;
    const b = dow.bits[w.weekday]!;
    return dom.star || dow.star ? a && b : a || b;
  }

  next(afterMs: number): number | undefined {
    const [minute, hour, , month] = this.fields as [Field, Field, Field, Field, Field];
    let t = Math.floor(afterMs / 60000) * 60000 + 60000;
    const limitYear = wallClock(t, this.tz).year + 5;
    for (let guard = 0; guard < 100000; guard++) {
      const w = wallClock(t, this.tz);
      if (w.year > limitYear) return undefined;
      if (!month.bits[w.month]) {
        t = zonedInstant(w.year, w.month + 1, 1, 0, 0, this.tz);
        continue;
      }
      if (!this.dayMatches(w)) {
        t = zonedInstant(w.year, w.month, w.day + 1, 0, 0, this.tz);
        continue;
      }
      if (!hour.bits[w.hour]) {
        t = t - w.minute * 60000 - w.second * 1000 + 3600_000;
        continue;
      }
      if (!minute.bits[w.minute]) {
        t = t - w.second * 1000 + 60000;
        continue;
      }
      return t;
    }
    return undefined;
  }
}

class EverySchedule implements Schedule {
  constructor(readonly delayMs: number) {}
  next(afterMs: number): number {
    return Math.floor((afterMs + this.delayMs) / 1000) * 1000;
  }
}

/** A Go duration in milliseconds (time.ParseDuration, over the shared parser). */
function parseGoDuration(s: string): number {
  return Number(parseGoDurationNs(s)) / 1e6;
}

/**
 * Parse a schedule (cron.ParseStandard). `tz` is the CronJob's spec.timeZone or the local zone;
 * a TZ=/CRON_TZ= prefix in the schedule wins. Throws with robfig's messages.
 */
export function parseSchedule(spec: string, tz: string = localTimeZone()): Schedule {
  let s = spec.trim();
  if (!s) throw new Error('empty spec string');
  if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
    const i = s.indexOf(' ');
    const loc = s.slice(s.indexOf('=') + 1, i < 0 ? undefined : i);
    try {
      checkTimeZone(loc);
    } catch {
      throw new Error(`provided bad location ${loc}: unknown time zone ${loc}`);
    }
    tz = loc;
    s = i < 0 ? '' : s.slice(i).trim();
  }
  if (s.startsWith('@every ')) {
    const d = parseGoDuration(s.slice(7).trim());
    return new EverySchedule(Math.max(1000, Math.floor(d / 1000) * 1000));
  }
  if (s.startsWith('@')) {
    const d = DESCRIPTORS[s.toLowerCase()];
    if (!d) throw new Error(`unrecognized descriptor: ${s}`);
    s = d;
  }
  const parts = s.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) throw new Error(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
  return new CronSchedule(parts.map((p, i) => parseField(p, BOUNDS[i]!)), tz);
}

/**
 * The most recent activation in (earliest, now] (upstream mostRecentScheduleTime), and how many
 * activations were missed in that window (capped: counting stops past 1000 by estimating the
 * rest from the interval).
 */
export function mostRecentScheduleTime(schedule: Schedule, earliestMs: number, nowMs: number): { time?: number; missed: number } {
  const t = schedule.next(earliestMs);
  if (t === undefined || t > nowMs) return { missed: 0 };
  let last = t;
  let missed = 1;
  for (;;) {
    const n = schedule.next(last);
    if (n === undefined || n > nowMs) return { time: last, missed };
    if (missed >= 1000) {
      // far behind: jump near now using the current interval, then walk forward
      const interval = n - last;
      const skip = Math.max(0, Math.floor((nowMs - n) / interval) - 1);
      missed += skip;
      last = n;
      let cur = schedule.next(n + skip * interval - 60000);
      while (cur !== undefined && cur <= nowMs) {
        if (cur > last) {
          last = cur;
          missed++;
        }
        cur = schedule.next(cur);
      }
      return { time: last, missed };
    }
    last = n;
    missed++;
  }
}
