// Tests for the batch/v1 declarations: Job defaults and the generated selector/labels,
// restartPolicy and immutability rules, the STATUS/COMPLETIONS/DURATION cells; CronJob
// defaults, cron schedule and time zone validation and its Table cells.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobDef } from '../../../src/apiserver/registry/batch/jobs.js';
import { cronJobDef, cronScheduleError } from '../../../src/apiserver/registry/batch/cronjobs.js';
import { created, row, updated } from './groups-helpers.js';

const podTemplate = (restartPolicy?: string) => ({
  spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'pi', image: 'perl' }] },
});

test('Job: defaults, generated selector and labels', () => {
  const { obj, errs } = created(jobDef, { metadata: { name: 'pi', namespace: 'default', uid: 'u-1' }, spec: { template: podTemplate('Never') } });
  assert.deepEqual(errs, []);
  const s = obj.spec;
  assert.equal(s.completions, 1);
  assert.equal(s.parallelism, 1);
  assert.equal(s.backoffLimit, 6);
  assert.equal(s.completionMode, 'NonIndexed');
  assert.equal(s.suspend, false);
  assert.equal(s.manualSelector, false);
  assert.equal(s.podReplacementPolicy, 'TerminatingOrFailed');
  assert.deepEqual(s.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
  const want = { 'batch.kubernetes.io/controller-uid': 'u-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u-1', 'job-name': 'pi' };
  assert.deepEqual(s.template.metadata.labels, want);
  assert.deepEqual(obj.metadata.labels, want);
  assert.deepEqual(obj.status, {});
});

test('Job: user labels on the template are copied to an unlabeled job before generation', () => {
  const { obj, errs } = created(jobDef, {
    metadata: { name: 'pi', namespace: 'default', uid: 'u-2' },
    spec: { parallelism: 3, template: { metadata: { labels: { app: 'pi' } }, ...podTemplate('OnFailure') } },
  });
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.metadata.labels, { app: 'pi' });
  assert.equal(obj.spec.completions, undefined);
  assert.equal(obj.spec.parallelism, 3);
  assert.equal(obj.spec.template.metadata.labels['job-name'], 'pi');
});

test('Job: restartPolicy must be OnFailure or Never', () => {
  const { errs } = created(jobDef, { metadata: { name: 'pi', namespace: 'default' }, spec: { template: podTemplate() } });
  assert.deepEqual(errs, ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
});

test('Job: manual selector must match; generated selector cannot be overridden', () => {
  const manual = created(jobDef, {
    metadata: { name: 'm', namespace: 'default' },
    spec: { manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'c' } }, ...podTemplate('Never') } },
  });
  assert.deepEqual(manual.errs, ['spec.template.metadata.labels: Invalid value: {"a":"c"}: `selector` does not match template `labels`']);
  assert.equal(manual.obj.spec.template.metadata.labels['job-name'], undefined);

  const wrong = created(jobDef, {
    metadata: { name: 'w', namespace: 'default', uid: 'u-3' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, ...podTemplate('Never') } },
  });
  assert.ok(wrong.errs.some((e) => e.startsWith('spec.selector: Invalid value: ') && e.endsWith('`selector` not auto-generated')));
});

test('Job: selector and template immutable, completions immutable for NonIndexed', () => {
  const { obj: old } = created(jobDef, { metadata: { name: 'pi', namespace: 'default', uid: 'u-4' }, spec: { template: podTemplate('Never') } });
  old.metadata.resourceVersion = '5';
  const next = structuredClone(old);
  next.spec.completions = 4;
  next.spec.template.spec.containers[0].image = 'perl:2';
  const errs = updated(jobDef, next, old).errs;
  assert.ok(errs.includes('spec.completions: Invalid value: 4: field is immutable'));
  assert.ok(errs.some((e) => e.startsWith('spec.template: Invalid value: ') && e.endsWith(': field is immutable')));

  const susp = structuredClone(old);
  susp.spec.suspend = true;
  const next2 = structuredClone(susp);
  next2.spec.template.spec.nodeSelector = { zone: 'a' };
  assert.deepEqual(updated(jobDef, next2, susp).errs, []);
});

test('Job: table "Complete 1/1 5s" and field selector', () => {
  const { obj } = created(jobDef, { metadata: { name: 'pi', namespace: 'default', uid: 'u-5' }, spec: { template: podTemplate('Never') } });
  obj.status = {
    startTime: '2024-01-01T00:00:00Z',
    completionTime: '2024-01-01T00:00:05Z',
    succeeded: 1,
    conditions: [{ type: 'Complete', status: 'True' }],
  };
  const now = Date.parse('2024-01-01T00:01:00Z');
  const r = row(jobDef, obj, now);
  assert.deepEqual([r.Name, r.Status, r.Completions, r.Duration, r.Age], ['pi', 'Complete', '1/1', '5s', '60s']);
  assert.equal(r.Selector, 'batch.kubernetes.io/controller-uid=u-5');
  assert.deepEqual(jobDef.selectableFields!(obj), { 'status.successful': '1' });
  assert.deepEqual(jobDef.table!.columns.map((c) => c.name), ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector']);

  obj.status = { startTime: '2024-01-01T00:00:00Z', active: 1 };
  obj.spec.completions = undefined;
  obj.spec.parallelism = 2;
  const r2 = row(jobDef, obj, Date.parse('2024-01-01T00:00:42Z'));
  assert.deepEqual([r2.Status, r2.Completions, r2.Duration], ['Running', '0/1 of 2', '42s']);
  obj.status = { conditions: [{ type: 'Failed', status: 'True' }] };
  assert.equal(row(jobDef, obj, now).Status, 'Failed');
  assert.equal(row(jobDef, obj, now).Duration, '');
});

test('cron schedules as robfig/cron parses them', () => {
  for (const ok of ['*/5 * * * *', '0 0 * * 0', '@hourly', '@daily', '@every 1h30m', '0 9-17/2 * JAN-MAR mon,wed', '? * * * *']) {
    assert.equal(cronScheduleError(ok), '', ok);
  }
  assert.equal(cronScheduleError('* * * *'), 'expected exactly 5 fields, found 4: [* * * *]');
  assert.equal(cronScheduleError('@fortnightly'), 'unrecognized descriptor: @fortnightly');
  assert.equal(cronScheduleError('60 * * * *'), 'end of range (60) above maximum (59): 60');
  assert.equal(cronScheduleError('0 0 0 * *'), 'beginning of range (0) below minimum (1): 0');
  assert.equal(cronScheduleError('x * * * *'), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
  assert.equal(cronScheduleError('5-1 * * * *'), 'beginning of range (5) beyond end of range (1): 5-1');
  assert.equal(cronScheduleError('*/0 * * * *'), 'step of range should be a positive number: */0');
});

const cron = (extra: Record<string, unknown> = {}) => ({
  metadata: { name: 'hello', namespace: 'default' },
  spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: podTemplate('OnFailure') } }, ...extra },
});

test('CronJob: defaults and validation', () => {
  const { obj, errs } = created(cronJobDef, cron());
  assert.deepEqual(errs, []);
  assert.equal(obj.spec.concurrencyPolicy, 'Allow');
  assert.equal(obj.spec.suspend, false);
  assert.equal(obj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(obj.spec.failedJobsHistoryLimit, 1);
  assert.equal(obj.spec.jobTemplate.spec.backoffLimit, undefined);
  assert.equal(obj.spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');

  assert.deepEqual(created(cronJobDef, cron({ schedule: 'every minute' })).errs, ['spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]']);
  assert.deepEqual(created(cronJobDef, cron({ schedule: 'CRON_TZ=UTC * * * * *' })).errs, ['spec.schedule: Invalid value: "CRON_TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
  assert.deepEqual(created(cronJobDef, cron({ timeZone: 'Mars/Olympus' })).errs, ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
  assert.deepEqual(created(cronJobDef, cron({ timeZone: 'Europe/Berlin' })).errs, []);
  assert.deepEqual(created(cronJobDef, cron({ concurrencyPolicy: 'Sometimes' })).errs, ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']);
  const long = cron();
  long.metadata.name = 'x'.repeat(53);
  assert.deepEqual(created(cronJobDef, long).errs, [`metadata.name: Invalid value: "${'x'.repeat(53)}": must be no more than 52 characters`]);
  const bad = cron() as any;
  bad.spec.jobTemplate.spec.template.spec.restartPolicy = 'Always';
  assert.deepEqual(created(cronJobDef, bad).errs, ['spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
});

test('CronJob: table cells', () => {
  const { obj } = created(cronJobDef, cron(), '2024-01-01T00:00:00Z');
  const now = Date.parse('2024-01-01T00:10:00Z');
  assert.deepEqual(cronJobDef.table!.cells(obj, now), ['hello', '*/1 * * * *', '<none>', 'False', 0, '<none>', '10m', 'pi', 'perl', '<none>']);
  obj.spec.timeZone = 'Etc/UTC';
  obj.status = { active: [{ name: 'hello-1' }], lastScheduleTime: '2024-01-01T00:09:00Z' };
  const r = row(cronJobDef, obj, now);
  assert.deepEqual([r.Timezone, r.Active, r['Last Schedule']], ['Etc/UTC', 1, '60s']);
  assert.deepEqual(cronJobDef.table!.columns.map((c) => c.name), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector']);
  assert.deepEqual(cronJobDef.shortNames, ['cj']);
});
