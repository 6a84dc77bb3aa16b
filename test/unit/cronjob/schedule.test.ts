// Cron schedule parsing and next-time math, in UTC and IANA time zones (DST included), and the
// CronJob controller's pure helpers (job names, most recent missed time).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatRFC3339, mostRecentScheduleTime, parseSchedule, zonedInstant } from '../../../src/controllers/cronjob/schedule.js';
import { jobFromTemplate, jobNameFor } from '../../../src/controllers/cronjob/sync.js';

const at = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('cron schedule parsing', () => {
  it('rejects malformed schedules with robfig messages', () => {
    assert.throws(() => parseSchedule('* * * *', 'UTC'), /expected exactly 5 fields, found 4/);
    assert.throws(() => parseSchedule('60 * * * *', 'UTC'), /end of range \(60\) above maximum \(59\)/);
    assert.throws(() => parseSchedule('@fortnightly', 'UTC'), /unrecognized descriptor/);
    assert.throws(() => parseSchedule('5-1 * * * *', 'UTC'), /beginning of range \(5\) beyond end of range \(1\)/);
    assert.throws(() => parseSchedule('*/0 * * * *', 'UTC'), /step of range should be a positive number/);
    assert.throws(() => parseSchedule('', 'UTC'), /empty spec string/);
  });

  it('steps, ranges, lists and names', () => {
    const s = parseSchedule('*/15 9-17 * * mon-fri', 'UTC');
    // Saturday 2026-11-28 → Monday 09:00
    assert.equal(iso(s.next(at('2026-11-28T10:00:00Z'))), '2026-11-30T09:00:00.000Z');
    assert.equal(iso(s.next(at('2026-11-30T09:00:00Z'))), '2026-11-30T09:15:00.000Z');
    assert.equal(iso(s.next(at('2026-11-30T17:45:00Z'))), '2026-12-01T09:00:00.000Z');
    const l = parseSchedule('0,30 0 1,15 jan,jul *', 'UTC');
    assert.equal(iso(l.next(at('2026-01-01T00:30:00Z'))), '2026-01-15T00:00:00.000Z');
    assert.equal(iso(l.next(at('2026-01-15T00:30:00Z'))), '2026-07-01T00:00:00.000Z');
    // "N/step" runs from N to the maximum
    const ns = parseSchedule('5/20 * * * *', 'UTC');
    assert.equal(iso(ns.next(at('2026-01-01T00:06:00Z'))), '2026-01-01T00:25:00.000Z');
  });

  it('next is strictly after the given instant, at a whole minute', () => {
    const s = parseSchedule('*/1 * * * *', 'UTC');
    assert.equal(iso(s.next(at('2026-11-28T08:00:00Z'))), '2026-11-28T08:01:00.000Z');
    assert.equal(iso(s.next(at('2026-11-28T08:00:59.999Z'))), '2026-11-28T08:01:00.000Z');
  });

  it('descriptors', () => {
    const from = at('2026-11-28T08:10:00Z');
    assert.equal(iso(parseSchedule('@hourly', 'UTC').next(from)), '2026-11-28T09:00:00.000Z');
    assert.equal(iso(parseSchedule('@daily', 'UTC').next(from)), '2026-11-29T00:00:00.000Z');
    assert.equal(iso(parseSchedule('@midnight', 'UTC').next(from)), '2026-11-29T00:00:00.000Z');
    assert.equal(iso(parseSchedule('@weekly', 'UTC').next(from)), '2026-11-29T00:00:00.000Z'); // a Sunday
    assert.equal(iso(parseSchedule('@monthly', 'UTC').next(from)), '2026-12-01T00:00:00.000Z');
    assert.equal(iso(parseSchedule('@yearly', 'UTC').next(from)), '2027-01-01T00:00:00.000Z');
    assert.equal(iso(parseSchedule('@every 90s', 'UTC').next(from)), '2026-11-28T08:11:30.000Z');
  });

  it('day-of-month and day-of-week: OR when both restricted, AND when one is *', () => {
    // the 13th or any Friday
    const or = parseSchedule('0 0 13 * 5', 'UTC');
    assert.equal(iso(or.next(at('2026-11-01T00:00:00Z'))), '2026-11-06T00:00:00.000Z'); // Friday 6th
    assert.equal(iso(or.next(at('2026-11-06T00:00:00Z'))), '2026-11-13T00:00:00.000Z');
    const and = parseSchedule('0 0 * * 5', 'UTC');
    assert.equal(iso(and.next(at('2026-11-06T00:00:00Z'))), '2026-11-13T00:00:00.000Z');
    // Feb 30 never happens
    assert.equal(parseSchedule('0 0 30 2 *', 'UTC').next(at('2026-01-01T00:00:00Z')), undefined);
  });

  it('time zones, including DST changes', () => {
    const ny = parseSchedule('0 9 * * *', 'America/New_York');
    // EST (UTC-5) in winter, EDT (UTC-4) in summer
    assert.equal(iso(ny.next(at('2026-01-10T00:00:00Z'))), '2026-01-10T14:00:00.000Z');
    assert.equal(iso(ny.next(at('2026-07-10T00:00:00Z'))), '2026-07-10T13:00:00.000Z');
    // across the spring-forward night (2026-03-08)
    assert.equal(iso(ny.next(at('2026-03-07T15:00:00Z'))), '2026-03-08T13:00:00.000Z');
    const berlin = parseSchedule('30 1 * * *', 'Europe/Berlin');
    assert.equal(iso(berlin.next(at('2026-06-01T00:00:00Z'))), '2026-06-01T23:30:00.000Z');
    // a TZ= prefix wins over the zone given
    assert.equal(iso(parseSchedule('CRON_TZ=Asia/Tokyo 0 0 * * *', 'UTC').next(at('2026-01-01T00:00:00Z'))), '2026-01-01T15:00:00.000Z');
    assert.throws(() => parseSchedule('TZ=Mars/Olympus 0 0 * * *', 'UTC'), /provided bad location Mars\/Olympus/);
    assert.equal(iso(zonedInstant(2026, 12, 1, 0, 0, 'Asia/Kolkata')), '2026-11-30T18:30:00.000Z');
    assert.equal(formatRFC3339(at('2026-11-30T18:30:00Z'), 'Asia/Kolkata'), '2026-12-01T00:00:00+05:30');
    assert.equal(formatRFC3339(at('2026-11-30T18:30:00Z'), 'UTC'), '2026-11-30T18:30:00Z');
  });
});

describe('most recent schedule time', () => {
  const s = parseSchedule('*/5 * * * *', 'UTC');
  it('none yet, one, several missed', () => {
    assert.deepEqual(mostRecentScheduleTime(s, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:04:00Z')), { missed: 0 });
    assert.deepEqual(mostRecentScheduleTime(s, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:05:00Z')), { time: at('2026-01-01T00:05:00Z'), missed: 1 });
    assert.deepEqual(mostRecentScheduleTime(s, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:17:00Z')), { time: at('2026-01-01T00:15:00Z'), missed: 3 });
  });
  it('far behind: the latest time is still exact', () => {
    const r = mostRecentScheduleTime(s, at('2025-01-01T00:00:00Z'), at('2026-01-01T00:17:00Z'));
    assert.equal(iso(r.time), '2026-01-01T00:15:00.000Z');
    assert.ok(r.missed > 100_000);
  });
});

describe('cronjob jobs', () => {
  it('names jobs by the scheduled minute and annotates the scheduled time', () => {
    const t = at('2026-11-28T09:00:00Z');
    assert.equal(jobNameFor('hello', t), `hello-${t / 60000}`);
    const cj = {
      apiVersion: 'batch/v1', kind: 'CronJob',
      metadata: { name: 'hello', namespace: 'default', uid: 'u1' },
      spec: { schedule: '0 * * * *', jobTemplate: { metadata: { labels: { a: 'b' } }, spec: { template: { spec: { containers: [] } } } } },
    };
    const job = jobFromTemplate(cj as any, t, 'Europe/Paris');
    assert.equal(job.metadata!.name, `hello-${t / 60000}`);
    assert.deepEqual(job.metadata!.labels, { a: 'b' });
    assert.equal(job.metadata!.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-11-28T10:00:00+01:00');
    assert.equal(job.metadata!.ownerReferences![0]!.kind, 'CronJob');
    assert.equal(job.metadata!.ownerReferences![0]!.controller, true);
  });
});
